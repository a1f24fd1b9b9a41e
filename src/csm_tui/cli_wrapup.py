"""`csm wrapup`: the week in figures, a CSM's or (`--team`) every CSM's (`services.wrapup`);
`csm wrapup notes`: a CSM's notes for the manager for one ISO week (wins, risks, asks), read,
saved as a draft and submitted through the service the wrap-up screen calls
(`services.wrapup_notes`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from csm_tui.cli import main, pass_settings
from csm_tui.settings import Settings

if TYPE_CHECKING:
    from csm_tui.domain.weekly_notes import WeekNotes


@main.group(invoke_without_command=True)
@click.option("--week", default=None, metavar="YYYY-Www", help="The ISO week  [default: this one]")
@click.option("--team", is_flag=True, help="Every CSM's week in one table, with the totals.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.pass_context
def wrapup(ctx: click.Context, week: str | None, team: bool, fmt: str) -> None:
    """The weekly wrap-up: your week in figures (--as), or the team's (--team): touches by
    kind, cadence calls against the weekly target, coverage, what went overdue, health movers,
    escalations, milestones, renewals ahead. `notes`: your notes for your manager."""
    if ctx.invoked_subcommand is not None:
        if (week, team, fmt) != (None, False, "text"):
            raise click.UsageError(
                f"--week, --team and --format go after `{ctx.invoked_subcommand}`, or without it"
            )
        return
    settings: Settings = ctx.obj
    _show(settings, week, team=team, fmt=fmt)


def _show(settings: Settings, week: str | None, *, team: bool, fmt: str) -> None:
    from csm_tui.services.workspace import Workspace
    from csm_tui.wrapup_output import team_lines, team_record, week_lines, week_record

    if not team and settings.user_email is None:
        raise click.UsageError("whose week? Pass --as EMAIL (or set user_email), or --team")
    with Workspace.open(settings) as workspace:
        service = workspace.wrapup
        if team:
            found = service.team_week(week)
            record, lines = team_record(found), team_lines(found)
        else:
            mine = service.my_week(week)
            record, lines = week_record(mine), week_lines(mine)
    if fmt == "json":
        click.echo(json.dumps(record, indent=2))
    else:
        click.echo("\n".join(lines))


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


def _status(notes: WeekNotes) -> str:
    if notes.submitted_at is not None:
        return "submitted"
    return "not written" if notes.saved_at is None else "draft"


def _lines(notes: WeekNotes, name: str) -> list[str]:
    week = notes.week
    head = f"{name}, {week} (Mon {week.monday} to Sun {week.sunday}): {_status(notes)}"
    if notes.submitted_at is not None:
        head += f" on {notes.submitted_at.date()}"
    elif notes.saved_at is not None:
        head += f", saved {notes.saved_at.date()}"
    lines = [head]
    for label, text in zip(("Wins", "Risks", "Asks"), notes.texts(), strict=True):
        lines.append(f"{label}:")
        lines.extend(f"  {line}" for line in (text.splitlines() or ["-"]))
    return lines


def _record(notes: WeekNotes, email: str) -> dict[str, Any]:
    return {
        "member": email,
        "week": str(notes.week),
        "status": _status(notes),
        "wins": notes.wins,
        "risks": notes.risks,
        "asks": notes.asks,
        "saved_at": None if notes.saved_at is None else notes.saved_at.isoformat(),
        "submitted_at": None if notes.submitted_at is None else notes.submitted_at.isoformat(),
    }
