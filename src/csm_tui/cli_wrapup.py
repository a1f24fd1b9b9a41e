"""`csm wrapup`: the week in figures, a CSM's or (`--team`) every CSM's (`services.wrapup`);
`csm wrapup notes`: a CSM's notes for the manager for one ISO week (wins, risks, asks), read,
saved as a draft and submitted through the service the wrap-up screen calls
(`services.wrapup_notes`)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from csm_tui.cli import main, pass_settings
from csm_tui.settings import Settings

if TYPE_CHECKING:
    from csm_tui.domain.weekly_notes import WeekNotes


@main.group(invoke_without_command=True)
@click.option("--week", default=None, metavar="YYYY-Www", help="The ISO week  [default: this one]")
@click.option(
    "--team",
    is_flag=True,
    help="The team's week: each CSM's in one table, the totals and their submitted notes. "
    "Yours as a manager (everyone under you), your manager's as a CSM, else everyone's.",
)
@click.option(
    "--trends",
    is_flag=True,
    help="The 12 weeks ending with the week: touches, calls against the target, health "
    "bands and open escalations by level, a row per week (--format text or json).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "md", "csv"]),
    default="text",
    show_default=True,
    help="md: Markdown to paste into an e-mail or a document; csv: a row per account "
    "(your week) or per CSM (--team).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the report to this file (not over an existing one unless --force).",
)
@click.option("--force", is_flag=True, help="With --out: overwrite the file if it exists.")
@click.pass_context
def wrapup(
    ctx: click.Context,
    week: str | None,
    team: bool,
    trends: bool,
    fmt: str,
    out: Path | None,
    force: bool,
) -> None:
    """The weekly wrap-up: your week in figures (--as), or the team's (--team): touches by
    kind, cadence calls against the weekly target, coverage, what went overdue, health movers,
    escalations, milestones, renewals ahead. `--format md|csv` and `--out FILE` export it.
    `--trends`: the last 12 weeks. `notes`: your notes for your manager.

    \b
    Whose team --team shows, by who you are (--as):
      a manager others report to: yours, everyone under you
      a CSM with a manager: your manager's, with your own notes only
      anyone else, or nobody: the whole team"""
    if ctx.invoked_subcommand is not None:
        if (week, team, fmt, out, force) != (None, False, "text", None, False):
            raise click.UsageError(
                f"--week, --team, --format, --out and --force go after "
                f"`{ctx.invoked_subcommand}`, or without it"
            )
        if trends:
            raise click.UsageError(
                f"--trends shows the weeks: leave out `{ctx.invoked_subcommand}`"
            )
        return
    if force and out is None:
        raise click.UsageError("--force overwrites the file of --out: pass --out FILE too")
    if trends and fmt not in ("text", "json"):
        raise click.UsageError("--trends prints text or json: pass --format text or json")
    settings: Settings = ctx.obj
    if out is not None and out.exists() and not force:
        raise click.ClickException(f"{out} exists already: pass --force to overwrite it")
    if trends:
        report, what = _trends(settings, week, team=team, fmt=fmt)
    else:
        report, what = _report(settings, week, team=team, fmt=fmt)
    if out is None:
        click.echo(report, nl=False)
        return
    try:
        with out.open("w" if force else "x", encoding="utf-8", newline="") as file:
            file.write(report)
    except FileExistsError:
        raise click.ClickException(f"{out} exists already: pass --force to overwrite it") from None
    except OSError as error:
        raise click.ClickException(f"cannot write {out}: {error.strerror or error}") from None
    click.echo(f"Wrote {what} to {out}.")


def _report(settings: Settings, week: str | None, *, team: bool, fmt: str) -> tuple[str, str]:
    """The report in `fmt`, ending in a newline, and what it is in words ('the team's week
    2026-W49 as Markdown')."""
    from csm_tui.domain.wrapup_export import (
        team_csv_rows,
        team_markdown,
        week_csv_rows,
        week_markdown,
    )
    from csm_tui.services.workspace import Workspace
    from csm_tui.wrapup_output import team_lines, team_record, week_lines, week_record

    if not team and settings.user_email is None:
        raise click.UsageError("whose week? Pass --as EMAIL (or set user_email), or --team")
    with Workspace.open(settings) as workspace:
        if team:
            found = workspace.wrapup.team_week(week)
            whose = "the team's week"
            if fmt == "md":
                report = team_markdown(found)
            elif fmt == "csv":
                report = _csv(team_csv_rows(found))
            elif fmt == "json":
                report = json.dumps(team_record(found), indent=2) + "\n"
            else:
                report = "\n".join(team_lines(found)) + "\n"
            wanted = found.week
        else:
            me = workspace.me
            assert me is not None, "--as names a member, or Workspace.open refused it"
            mine = workspace.wrapup.my_week(week)
            whose = "your week"
            if fmt == "md":
                report = week_markdown(mine, workspace.weekly_notes.notes(me, mine.week))
            elif fmt == "csv":
                report = _csv(week_csv_rows(mine))
            elif fmt == "json":
                report = json.dumps(week_record(mine), indent=2) + "\n"
            else:
                report = "\n".join(week_lines(mine)) + "\n"
            wanted = mine.week
    return report, f"{whose} {wanted} as {_FORMATS[fmt]}"


_FORMATS = {"text": "text", "json": "JSON", "md": "Markdown", "csv": "CSV"}


def _trends(settings: Settings, week: str | None, *, team: bool, fmt: str) -> tuple[str, str]:
    """The 12 weeks ending with `week` in `fmt` (text or json), and what it is in words."""
    from csm_tui.services.workspace import Workspace
    from csm_tui.wrapup_trends_output import trend_lines, trend_record

    if not team and settings.user_email is None:
        raise click.UsageError("whose trends? Pass --as EMAIL (or set user_email), or --team")
    with Workspace.open(settings) as workspace:
        found = workspace.wrapup.trends(week, team=team)
    if fmt == "json":
        report = json.dumps(trend_record(found), indent=2) + "\n"
    else:
        report = "\n".join(trend_lines(found)) + "\n"
    whose = "the team's" if team else "your"
    return report, f"{whose} trends to {found.last} as {_FORMATS[fmt]}"


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


@wrapup.command("notes")
@click.option("--week", default=None, metavar="YYYY-Www", help="The ISO week  [default: this one]")
@click.option("--wins", default=None, help="What went well this week.")
@click.option("--risks", default=None, help="What may go wrong, and where.")
@click.option("--asks", default=None, help="What you need from your manager.")
@click.option("--submit", is_flag=True, help="Send the notes: from then on they stay as sent.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@pass_settings
def wrapup_notes(
    settings: Settings,
    week: str | None,
    wins: str | None,
    risks: str | None,
    asks: str | None,
    submit: bool,
    fmt: str,
) -> None:
    """Your notes of the week (--as) for your manager: shown; with --wins, --risks or --asks,
    saved as a draft (a part not given stays as saved); with --submit, sent. A submitted
    week's notes stay as they were sent."""
    from csm_tui.services.workspace import Workspace

    if settings.user_email is None:
        raise click.UsageError("whose notes? Pass --as EMAIL (or set user_email)")
    with Workspace.open(settings) as workspace:
        me = workspace.me
        assert me is not None, "--as names a member, or Workspace.open refused it"
        service = workspace.weekly_notes
        wanted = service.week(week)
        said: list[str] = []
        if (wins, risks, asks) != (None, None, None):
            said.append(service.save(me, wanted, wins, risks, asks).message)
        if submit:
            said.append(service.submit(me, wanted).message)
        notes = service.notes(me, wanted)
    if fmt == "json":
        click.echo(json.dumps(_record(notes, me.email), indent=2))
        return
    for line in said:
        click.echo(line, err=True)
    click.echo("\n".join(_lines(notes, me.name)))


def _lines(notes: WeekNotes, name: str) -> list[str]:
    week = notes.week
    lines = [f"{name}, {week} (Mon {week.monday} to Sun {week.sunday}): {notes.status_words}"]
    for label, text in zip(("Wins", "Risks", "Asks"), notes.texts(), strict=True):
        lines.append(f"{label}:")
        lines.extend(f"  {line}" for line in (text.splitlines() or ["-"]))
    return lines


def _record(notes: WeekNotes, email: str) -> dict[str, Any]:
    return {
        "member": email,
        "week": str(notes.week),
        "status": notes.status,
        "wins": notes.wins,
        "risks": notes.risks,
        "asks": notes.asks,
        "saved_at": None if notes.saved_at is None else notes.saved_at.isoformat(),
        "submitted_at": None if notes.submitted_at is None else notes.submitted_at.isoformat(),
    }
