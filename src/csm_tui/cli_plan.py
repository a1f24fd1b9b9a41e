"""`csm plan`: an account's success plan from the shell, through the service the plan screen
calls (`services.plans`). Objectives and milestones are named by the first characters of their
id (as `csm plan show` prints them) or by a word of their title."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from csm_tui.cli import _rules_in_force, _say_done, main, pass_settings
from csm_tui.settings import Settings

if TYPE_CHECKING:
    from csm_tui.domain.book import AccountRow
    from csm_tui.domain.success_plan import PlanLine
    from csm_tui.services.workspace import Workspace

_DAY = click.DateTime(formats=["%Y-%m-%d"])


@main.group()
def plan() -> None:
    """Work an account's success plan: objectives, milestones, reviews, export."""


def _workspace(settings: Settings) -> Workspace:
    from csm_tui.services.workspace import Workspace

    return Workspace.open(settings, _rules_in_force(settings))


@plan.command("show")
@click.argument("external_id")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@pass_settings
def plan_show(settings: Settings, external_id: str, fmt: str) -> None:
    """The account's success plans, the newest first: objectives and milestones in order."""
    with _workspace(settings) as workspace:
        plans = workspace.plans.plans(workspace.triage.account_id(external_id))
        today = workspace.today
    if fmt == "json":
        click.echo(json.dumps([_record(one, today) for one in plans], indent=2))
        return
    if not plans:
        click.echo(
            f"No success plan yet. Start one: {settings.csm} plan create {external_id} "
            "--template enterprise"
        )
        return
    for one in plans:
        click.echo("\n".join(_lines(one, today)))


def _lines(plan: PlanLine, today: date) -> list[str]:
    from csm_tui.domain.success_plan import effective_status, moved_words, progress

    review = plan.next_review_on.isoformat() if plan.next_review_on else "to agree"
    lines = [
        f"{plan.title} ({plan.status.value}) · reviewed {plan.reviewed_on or 'never'} · "
        f"next review {review}  [{str(plan.id)[:8]}]"
    ]
    for objective in plan.objectives:
        done = progress(objective)
        lines.append(
            f"  [{str(objective.id)[:8]}] {objective.outcome}"
            + (f" · {objective.metric}" if objective.metric else "")
            + f" · {objective.baseline or '-'} → {objective.target or '-'}"
            + f", now {objective.current or 'not measured'}"
            + (f" ({objective.measured_on})" if objective.measured_on else "")
            + (f" · {done:.0%}" if done is not None else "")
        )
        for milestone in objective.milestones:
            status = effective_status(milestone, today).value
            if milestone.blocked_reason and status == "blocked":
                status += f": {milestone.blocked_reason}"
            moved = moved_words(milestone)
            lines.append(
                f"    [{str(milestone.id)[:8]}] {milestone.due_on or 'no date'}  "
                f"{milestone.title} · {status}"
                + (f" · {milestone.dri}" if milestone.dri else "")
                + (f" · {moved}" if moved else "")
            )
    return lines


def _record(plan: PlanLine, today: date) -> dict[str, Any]:
    from csm_tui.domain.success_plan import effective_status, progress

    return {
        "id": str(plan.id),
        "title": plan.title,
        "status": plan.status.value,
        "reviewed_on": plan.reviewed_on.isoformat() if plan.reviewed_on else None,
        "next_review_on": plan.next_review_on.isoformat() if plan.next_review_on else None,
        "objectives": [
            {
                "id": str(objective.id),
                "outcome": objective.outcome,
                "metric": objective.metric,
                "baseline": objective.baseline,
                "target": objective.target,
                "current": objective.current,
                "measured_on": objective.measured_on.isoformat() if objective.measured_on else None,
                "progress": progress(objective),
                "milestones": [
                    {
                        "id": str(milestone.id),
                        "title": milestone.title,
                        "due_on": milestone.due_on.isoformat() if milestone.due_on else None,
                        "dri": milestone.dri,
                        "status": effective_status(milestone, today).value,
                        "blocked_reason": milestone.blocked_reason,
                        "moves": [
                            {
                                "from": move.from_day.isoformat() if move.from_day else None,
                                "to": move.to_day.isoformat(),
                                "moved_on": move.moved_on.isoformat(),
                            }
                            for move in milestone.moves
                        ],
                    }
                    for milestone in objective.milestones
                ],
            }
            for objective in plan.objectives
        ],
    }


@plan.command("list")
@click.option("--team", is_flag=True, help="The whole team's book, not only yours.")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@pass_settings
def plan_list(settings: Settings, team: bool, fmt: str) -> None:
    """Where each account of your book (--as) or the team's stands with its success plans, as
    the book's plans view (P) orders them: no active plan first (Enterprise first), then
    slipped milestones, blocked ones, a review due, on track."""
    from csm_tui import output
    from csm_tui.domain.book import SortKey, sort_rows

    with _workspace(settings) as workspace:
        if workspace.me is None and not team:
            raise click.UsageError("whose book? Pass --as EMAIL (or set user_email), or --team")
        rows = sort_rows(workspace.book_plans(team=team), SortKey.PLAN)
    if fmt == "json":
        click.echo(json.dumps([_standing_record(row) for row in rows], indent=2))
    elif not rows:
        click.echo(f"No accounts. Import some: {settings.csm} import accounts FILE.csv")
    else:
        table = [
            [
                row.external_id or "",
                row.name,
                row.segment.label,
                row.owner_name or "-",
                row.plan.words if row.plan else "",
            ]
            for row in rows
        ]
        click.echo(output.text_table(("ID", "Account", "Segment", "Owner", "Plan"), table))


def _standing_record(row: AccountRow) -> dict[str, Any]:
    plan = row.plan
    assert plan is not None, "read with its plans"
    return {
        "external_id": row.external_id,
        "name": row.name,
        "segment": row.segment.value,
        "owner_email": row.owner_email,
        "standing": plan.standing.name.lower().replace("_", "-"),
        "plan_required": plan.required,
        "inactive_plan": plan.inactive.value if plan.inactive else None,
        "slipped": plan.slipped,
        "blocked": plan.blocked,
        "review_due_on": plan.review_due_on.isoformat() if plan.review_due_on else None,
        "words": plan.words,
    }


@plan.command("templates")
@pass_settings
def plan_templates(settings: Settings) -> None:
    """The templates a plan can start from (the shipped ones and yours), checked."""
    from csm_tui import paths
    from csm_tui.plan_templates import check_templates, names

    config = paths.config_dir()
    for name in names(config):
        click.echo(name)
    problems = check_templates(config)
    if problems:
        raise click.ClickException(
            "\n".join(["a template cannot be used:", *(f"  {problem}" for problem in problems)])
        )


@plan.command("create")
@click.argument("external_id")
@click.option("--title", default=None, help="An empty plan with this title.")
@click.option("--template", default=None, help="A draft from a template (enterprise, ...).")
@pass_settings
def plan_create(
    settings: Settings, external_id: str, title: str | None, template: str | None
) -> None:
    """Start a success plan: empty (--title) or from a template (--template)."""
    if (title is None) == (template is None):
        raise click.UsageError("give either --title (an empty plan) or --template NAME")
    with _workspace(settings) as workspace:
        account = workspace.triage.account_id(external_id)
        plans = workspace.plans
        done = (
            plans.create_from_template(account, template)
            if template is not None
            else plans.create(account, title or "")
        )
    _say_done(done)


def _newest(workspace: Workspace, external_id: str) -> PlanLine:
    from csm_tui.services.plans import PlanError

    plans = workspace.plans.plans(workspace.triage.account_id(external_id))
    if not plans:
        raise PlanError(f"{external_id} has no success plan: csm plan create {external_id} ...")
    return plans[0]


def _find(plan: PlanLine, ref: str, *, milestone: bool) -> str:
    """The objective or milestone a user names: the first characters of its id, or words of
    its title (one only)."""
    from csm_tui.services.plans import PlanError

    rows = (
        [(str(m.id), m.title) for m in plan.milestones]
        if milestone
        else [(str(o.id), o.outcome) for o in plan.objectives]
    )
    wanted = ref.strip().lower()
    found = [key for key, _ in rows if len(wanted) >= 4 and key.startswith(wanted)] or [
        key for key, title in rows if wanted and wanted in title.lower()
    ]
    what = "milestone" if milestone else "objective"
    if len(found) == 1:
        return found[0]
    if not found:
        raise PlanError(f"no {what} of “{plan.title}” matches {ref!r}: see csm plan show")
    raise PlanError(f"{len(found)} {what}s of “{plan.title}” match {ref!r}: say more of it")


@plan.group("objective")
def plan_objective() -> None:
    """Add an objective, or measure its current value."""


@plan_objective.command("add")
@click.argument("external_id")
@click.option("--outcome", required=True, help="The outcome, in the customer's words.")
@click.option("--metric", default=None)
@click.option("--baseline", default=None)
@click.option("--target", default=None)
@pass_settings
def objective_add(
    settings: Settings,
    external_id: str,
    outcome: str,
    metric: str | None,
    baseline: str | None,
    target: str | None,
) -> None:
    """Add an objective to the account's newest plan."""
    with _workspace(settings) as workspace:
        done = workspace.plans.add_objective(
            _newest(workspace, external_id).id,
            outcome,
            metric=metric,
            baseline=baseline,
            target=target,
        )
    _say_done(done)


@plan_objective.command("measure")
@click.argument("external_id")
@click.argument("ref")
@click.argument("value")
@click.option("--on", "on", type=_DAY, default=None, help="The day measured [default: today]")
@pass_settings
def objective_measure(
    settings: Settings, external_id: str, ref: str, value: str, on: datetime | None
) -> None:
    """The objective's current value (as its metric counts: 42%, 1,200)."""
    with _workspace(settings) as workspace:
        key = _find(_newest(workspace, external_id), ref, milestone=False)
        done = workspace.plans.measure(key, value, on.date() if on else None)
    _say_done(done)


@plan.group("milestone")
def plan_milestone() -> None:
    """Add a milestone, change its status, move its due date."""


@plan_milestone.command("add")
@click.argument("external_id")
@click.option("--objective", "objective_ref", required=True, help="Its objective (id or words).")
@click.option("--title", required=True)
@click.option("--due", type=_DAY, required=True, help="YYYY-MM-DD")
@click.option("--dri", default=None, help="Who is directly responsible.")
@pass_settings
def milestone_add(
    settings: Settings,
    external_id: str,
    objective_ref: str,
    title: str,
    due: datetime,
    dri: str | None,
) -> None:
    """Add a milestone to an objective of the newest plan."""
    with _workspace(settings) as workspace:
        key = _find(_newest(workspace, external_id), objective_ref, milestone=False)
        done = workspace.plans.add_milestone(key, title, due.date(), dri=dri)
    _say_done(done)


def _status(settings: Settings, external_id: str, ref: str, status: str, reason: str) -> None:
    with _workspace(settings) as workspace:
        key = _find(_newest(workspace, external_id), ref, milestone=True)
        done = workspace.plans.set_status(key, status, reason or None)
    _say_done(done)


@plan_milestone.command("done")
@click.argument("external_id")
@click.argument("ref")
@pass_settings
def milestone_done(settings: Settings, external_id: str, ref: str) -> None:
    """Done today: it leaves the queue."""
    _status(settings, external_id, ref, "done", "")


@plan_milestone.command("start")
@click.argument("external_id")
@click.argument("ref")
@pass_settings
def milestone_start(settings: Settings, external_id: str, ref: str) -> None:
    """In progress."""
    _status(settings, external_id, ref, "in-progress", "")


@plan_milestone.command("block")
@click.argument("external_id")
@click.argument("ref")
@click.option("--reason", default="", help="What it waits on.")
@pass_settings
def milestone_block(settings: Settings, external_id: str, ref: str, reason: str) -> None:
    """Blocked, with what it waits on."""
    _status(settings, external_id, ref, "blocked", reason)


@plan_milestone.command("move")
@click.argument("external_id")
@click.argument("ref")
@click.option("--to", "to_on", type=_DAY, required=True, help="The new due date, YYYY-MM-DD")
@click.option("--reason", default=None)
@pass_settings
def milestone_move(
    settings: Settings, external_id: str, ref: str, to_on: datetime, reason: str | None
) -> None:
    """A new due date; the old one stays in its history."""
    with _workspace(settings) as workspace:
        key = _find(_newest(workspace, external_id), ref, milestone=True)
        done = workspace.plans.move(key, to_on.date(), reason)
    _say_done(done)


@plan.command("review")
@click.argument("external_id")
@click.option("--next", "next_on", type=_DAY, default=None, help="The next review, YYYY-MM-DD")
@pass_settings
def plan_review(settings: Settings, external_id: str, next_on: datetime | None) -> None:
    """Reviewed with the customer today (and when the next review is)."""
    with _workspace(settings) as workspace:
        done = workspace.plans.review(
            _newest(workspace, external_id).id, next_on.date() if next_on else None
        )
    _say_done(done)


@plan.command("export")
@click.argument("external_id")
@click.option("--format", "fmt", type=click.Choice(["md"]), default="md", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@pass_settings
def plan_export(settings: Settings, external_id: str, fmt: str, output: Path | None) -> None:
    """The newest plan as Markdown for the customer: to stdout, or to a file (-o)."""
    with _workspace(settings) as workspace:
        text = workspace.plans.export(_newest(workspace, external_id).id)
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {output}", err=True)
