"""`csm escalation`: the escalation ladder from the shell, through the service the ladder
screen calls (`services.escalations`)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from csm_tui.cli import Word, _rules_in_force, _say_done, main, pass_settings
from csm_tui.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Sequence

    from csm_tui.services.escalations import LadderLine, Shown


def _categories() -> Sequence[str]:
    from csm_tui.domain.enums import RiskCategory

    return [category.value for category in RiskCategory]


@main.group()
def escalation() -> None:
    """Work escalations up and down the five-level ladder, and close them with a review.

    REF is an escalation's id as `csm escalation list` shows it (its first 8 characters are
    enough), or its account's CRM id (the account's open escalation)."""


@escalation.command("list")
@click.option("--team", is_flag=True, help="The whole team's, not only yours.")
@click.option("--closed", is_flag=True, help="The resolved and closed ones instead.")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@pass_settings
def escalation_list(settings: Settings, team: bool, closed: bool, fmt: str) -> None:
    """Every open escalation, breached first, then the highest level, then the oldest."""
    from csm_tui.services.workspace import Workspace

    with Workspace.open(settings, _rules_in_force(settings)) as workspace:
        ladder = workspace.escalations.ladder(team=team or workspace.me is None, closed=closed)
    if fmt == "json":
        click.echo(json.dumps([_record(line) for line in ladder.lines], indent=2))
        return
    if not ladder.lines:
        click.echo("No closed escalations." if closed else "No open escalations.")
        return
    for line in ladder.lines:
        row = line.row
        mark = "BREACHED " if line.breached else ""
        click.echo(
            f"{row.id[:8]}  L{row.level}  {mark}{line.countdown:<24} {row.account_name} "
            f"({row.external_id or '-'}) · {row.risk_category} · {row.owner_name or '-'} · "
            f"{line.days_at_level}d at L{row.level} · {row.reason}"
        )


def _record(line: LadderLine) -> dict[str, Any]:
    row = line.row
    return {
        "id": row.id,
        "account_id": row.account_id,
        "external_id": row.external_id,
        "account": row.account_name,
        "owner": row.owner_name,
        "owner_email": row.owner_email,
        "arr": row.arr_cents / 100,
        "renewal_date": row.renewal_date.isoformat() if row.renewal_date else None,
        "level": row.level,
        "status": row.status,
        "reason": row.reason,
        "risk_category": row.risk_category,
        "opened_at": row.opened_at.isoformat(),
        "level_since": row.level_since.isoformat(),
        "days_at_level": line.days_at_level,
        "last_follow_up": row.last_follow_up.isoformat() if row.last_follow_up else None,
        "sla": line.countdown,
        "breached": line.breached,
    }


@escalation.command("show")
@click.argument("ref")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@pass_settings
def escalation_show(settings: Settings, ref: str, fmt: str) -> None:
    """One escalation in full: its SLA, the people involved, its history, its recovery plan."""
    from csm_tui.services.workspace import Workspace

    with Workspace.open(settings, _rules_in_force(settings)) as workspace:
        escalations = workspace.escalations
        shown = escalations.show(escalations.find(ref))
    if fmt == "json":
        record = _record(shown.line)
        record["history"] = [
            {
                "kind": event.kind,
                "from_level": event.from_level,
                "to_level": event.to_level,
                "at": event.occurred_at.isoformat(),
                "by": event.actor_name,
                "why": event.why,
            }
            for event in shown.view.events
        ]
        record["recovery_plans"] = [
            {
                "id": plan.id,
                "objectives": plan.objectives,
                "quick_wins": plan.quick_wins,
                "stakeholder_plan": plan.stakeholder_plan,
                "success_metrics": plan.success_metrics,
                "started_on": plan.started_on.isoformat(),
                "ended_on": plan.ended_on.isoformat() if plan.ended_on else None,
                "check_ins": [day.isoformat() for day in plan.check_ins],
            }
            for plan in shown.view.plans
        ]
        record["resolution"] = shown.view.resolution
        record["lessons_learned"] = shown.view.lessons_learned
        record["process_changed"] = shown.view.process_changed
        click.echo(json.dumps(record, indent=2))
        return
    click.echo("\n".join(_show_lines(shown)))


def _show_lines(shown: Shown) -> list[str]:
    from csm_tui.domain.ladder import LEVEL_ROLES, LEVEL_TITLES

    view, line = shown.view, shown.line
    row = view.row
    lines = [
        f"{row.account_name} ({row.external_id or '-'}): L{row.level} "
        f"{LEVEL_TITLES.get(row.level, '')}, {row.status}",
        f"  reason: {row.reason}",
        f"  risk category: {row.risk_category}",
        f"  SLA: {line.countdown}{' (breached)' if line.breached else ''}; "
        f"{line.days_at_level} business days at this level",
        f"  involved: {', '.join(LEVEL_ROLES.get(row.level, ()))}",
    ]
    if view.contacts:
        lines.append(
            "  contacts: "
            + "; ".join(
                f"{person.name}{f', {person.title}' if person.title else ''}"
                for person in view.contacts
            )
        )
    if view.resolution:
        lines.append(f"  resolution: {view.resolution}")
    if view.lessons_learned:
        changed = {True: "yes", False: "no", None: "-"}[view.process_changed]
        lines.append(f"  lessons learned: {view.lessons_learned} (process changed: {changed})")
    for plan in view.plans:
        lines.append(
            f"  recovery plan since {plan.started_on}: {plan.objectives}"
            f" ({len(plan.check_ins)} check-in days)"
        )
    lines.append("  history:")
    for event in view.events:
        levels = (
            f"L{event.from_level} → L{event.to_level}"
            if event.from_level is not None and event.from_level != event.to_level
            else f"L{event.to_level}"
        )
        lines.append(
            f"    {event.occurred_at:%Y-%m-%d %H:%M} {event.kind:<9} {levels:<9} "
            f"{event.actor_name or '-'}: {event.why}"
        )
    return lines


@escalation.command("open")
@click.argument("external_id")
@click.option("--reason", required=True, help="What is at risk, and why now.")
@click.option(
    "--category",
    required=True,
    type=Word(_categories),
    metavar="CATEGORY",
    help="The risk category (implementation, sentiment, support, product, company, renewal).",
)
@click.option("--level", type=click.IntRange(1, 5), default=1, show_default=True)
@pass_settings
def escalation_open(
    settings: Settings, external_id: str, reason: str, category: str, level: int
) -> None:
    """Open an escalation on an account (as `e` on triage does)."""
    from csm_tui.services.workspace import Workspace

    with Workspace.open(settings, _rules_in_force(settings)) as workspace:
        account = workspace.triage.account_id(external_id)
        done = workspace.escalations.open(account, reason, category, level=level)
    _say_done(done)


def _level_step(settings: Settings, ref: str, name: str, *args: Any, **kwargs: Any) -> None:
    from csm_tui.services.workspace import Workspace

    with Workspace.open(settings, _rules_in_force(settings)) as workspace:
        escalations = workspace.escalations
        done = getattr(escalations, name)(escalations.find(ref), *args, **kwargs)
    _say_done(done)


@escalation.command("raise")
@click.argument("ref")
@click.option("--reason", required=True, help="Why it goes up.")
@click.option(
    "--to",
    "to_level",
    type=click.IntRange(1, 5),
    default=None,
    help="The level  [default: the next one]",
)
@pass_settings
def escalation_raise(settings: Settings, ref: str, reason: str, to_level: int | None) -> None:
    """Raise it up the ladder: its SLA clock starts again at the new level."""
    _level_step(settings, ref, "raise_level", reason, to_level)


@escalation.command("lower")
@click.argument("ref")
@click.option("--reason", required=True, help="Why it comes down.")
@click.option(
    "--to",
    "to_level",
    type=click.IntRange(1, 5),
    default=None,
    help="The level  [default: the one below]",
)
@pass_settings
def escalation_lower(settings: Settings, ref: str, reason: str, to_level: int | None) -> None:
    """Lower it down the ladder: its SLA clock starts again at the new level."""
    _level_step(settings, ref, "lower_level", reason, to_level)


@escalation.command("follow-up")
@click.argument("ref")
@click.option("--summary", required=True, help="What was said, what happens next.")
@click.option(
    "--on",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day of the call  [default: today]",
)
@pass_settings
def escalation_follow_up(settings: Settings, ref: str, summary: str, on: datetime | None) -> None:
    """Log the follow-up call its SLA asks for (an escalation call)."""
    _level_step(settings, ref, "follow_up", summary, on.date() if on else None)


@escalation.command("note")
@click.argument("ref")
@click.argument("text")
@pass_settings
def escalation_note(settings: Settings, ref: str, text: str) -> None:
    """Add a note to its history."""
    _level_step(settings, ref, "note", text)


@escalation.command("resolve")
@click.argument("ref")
@click.option("--steps", default="", help="How it was resolved (the resolution steps).")
@pass_settings
def escalation_resolve(settings: Settings, ref: str, steps: str) -> None:
    """Resolve it, with the steps that did: it leaves the queue; the review closes it."""
    _level_step(settings, ref, "resolve", steps)


@escalation.command("close")
@click.argument("ref")
@click.option("--lessons", default="", help="The post-escalation review: lessons learned.")
@click.option(
    "--process-changed/--no-process-changed",
    default=False,
    show_default=True,
    help="Whether a process changed because of it.",
)
@pass_settings
def escalation_close(settings: Settings, ref: str, lessons: str, process_changed: bool) -> None:
    """Close a resolved escalation with its post-escalation review."""
    _level_step(settings, ref, "close", lessons, process_changed)


@escalation.command("reopen")
@click.argument("ref")
@click.option("--reason", required=True, help="Why it is open again.")
@pass_settings
def escalation_reopen(settings: Settings, ref: str, reason: str) -> None:
    """Open a resolved or closed escalation again, at its level."""
    _level_step(settings, ref, "reopen", reason)


@escalation.command("recovery-plan")
@click.argument("external_id")
@click.option("--objectives", required=True, help="What recovery means for this customer.")
@click.option("--quick-wins", default="", help="What can be shown within days.")
@click.option("--stakeholders", default="", help="Whom to engage, and how.")
@click.option("--metrics", default="", help="How success is measured.")
@click.option("--escalation", "ref", default=None, help="The escalation it belongs to (REF).")
@pass_settings
def escalation_recovery_plan(
    settings: Settings,
    external_id: str,
    objectives: str,
    quick_wins: str,
    stakeholders: str,
    metrics: str,
    ref: str | None,
) -> None:
    """Write a red account's recovery plan: it logs the recovery-plan touch the rules ask for."""
    from csm_tui.services.workspace import Workspace

    with Workspace.open(settings, _rules_in_force(settings)) as workspace:
        escalations = workspace.escalations
        done = escalations.recovery_plan(
            workspace.triage.account_id(external_id),
            objectives=objectives,
            quick_wins=quick_wins,
            stakeholder_plan=stakeholders,
            success_metrics=metrics,
            escalation_id=escalations.find(ref) if ref else None,
        )
    _say_done(done)


@escalation.command("end-plan")
@click.argument("plan_id")
@pass_settings
def escalation_end_plan(settings: Settings, plan_id: str) -> None:
    """End a recovery plan (its id as `show --format json` gives it): its check-ins stop."""
    from csm_tui.services.workspace import Workspace

    with Workspace.open(settings, _rules_in_force(settings)) as workspace:
        done = workspace.escalations.end_recovery_plan(plan_id)
    _say_done(done)
