"""One escalation in full, as `csm escalation show` prints it: the level and its SLA with the
rule behind it, the reason, the people involved, the history, the recovery plans, and the
resolution and review when there are."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from csm_tui.domain.calendar import Duration, Unit
from csm_tui.domain.enums import EscalationStatus
from csm_tui.domain.ladder import LEVEL_ROLES, SlaClock, level_heading, level_words
from csm_tui.services.escalations import Shown
from csm_tui.widgets.ladder_table import risk_words, sla_words

_UNITS = {
    Unit.HOURS: "hour",
    Unit.DAYS: "day",
    Unit.BUSINESS_DAYS: "business day",
    Unit.WEEKS: "week",
    Unit.MONTHS: "month",
    Unit.YEARS: "year",
}


def duration_words(duration: Duration) -> str:
    unit = _UNITS[duration.unit]
    return f"{duration.amount} {unit}{'' if abs(duration.amount) == 1 else 's'}"


def _moment(moment: datetime) -> str:
    return f"{moment:%a %d %b %H:%M} UTC"


def sla_rule(clock: SlaClock) -> str:
    """Why the SLA says what it says: the level's rule, from what it counts."""
    level = level_words(clock.level)
    sla = clock.sla
    if clock.last_follow_up is not None:
        start = f"the last follow-up on {clock.last_follow_up:%a %d %b}"
    else:
        start = f"reaching {level} on {_moment(clock.since)}"
    if sla.within.amount == 0:
        rule = f"{level}: immediate attention, a follow-up at once after {start}"
    else:
        rule = f"{level}: a follow-up within {duration_words(sla.within)} of {start}"
    if sla.latest is not None:
        rule += f", at the latest {duration_words(sla.latest)}"
    due = _moment(clock.due) if isinstance(clock.due, datetime) else f"{clock.due:%a %d %b}"
    return f"{rule}; due {due}"


class EscalationDetail(Static):
    """The escalation's sections, breached SLA and open status marked in the theme's colours."""

    DEFAULT_CSS = """
    EscalationDetail {
        padding: 0 1;
        & > .escalation-detail--breached { color: $text-error; text-style: bold; }
        & > .escalation-detail--heading { color: $text-primary; text-style: bold; }
        & > .escalation-detail--muted { color: $text-muted; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "escalation-detail--breached",
        "escalation-detail--heading",
        "escalation-detail--muted",
    }

    def show(self, shown: Shown) -> None:
        looks = {
            name: self.get_component_rich_style(f"escalation-detail--{name}", partial=True)
            for name in ("breached", "heading", "muted")
        }
        self.update(render_escalation(shown, looks))


def render_escalation(shown: Shown, looks: dict[str, Style]) -> RenderableType:
    view, line = shown.view, shown.line
    row = view.row
    heading, muted = looks["heading"], looks["muted"]
    parts: list[RenderableType] = []
    parts.append(
        Text.assemble(
            (f"{row.account_name}", "bold"),
            (f" ({row.external_id or '-'})", muted),
            "  ",
            (level_heading(row.level), heading),
            f", {row.status}",
        )
    )
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style=muted)
    facts.add_column()
    is_open = row.status == EscalationStatus.OPEN.value
    if is_open:
        facts.add_row(
            "SLA",
            Text(sla_words(line), style=looks["breached"] if line.breached else "bold"),
        )
        facts.add_row("Why", sla_rule(line.clock))
    facts.add_row("At level", f"{line.days_at_level} business days at {level_words(row.level)}")
    facts.add_row("Reason", row.reason)
    facts.add_row("Risk", risk_words(row.risk_category))
    facts.add_row("Owner", row.owner_name or "-")
    facts.add_row("Opened", _moment(row.opened_at))
    facts.add_row("Involved", ", ".join(LEVEL_ROLES.get(row.level, ())))
    contacts = "; ".join(
        f"{person.name}{f', {person.title}' if person.title else ''}"
        f"{f' ({person.role})' if person.role else ''}"
        for person in view.contacts
    )
    facts.add_row("Contacts", contacts or Text("none on record", style=muted))
    if view.resolution:
        facts.add_row("Resolution", view.resolution)
    if view.lessons_learned:
        changed = {True: "yes", False: "no", None: "-"}[view.process_changed]
        facts.add_row("Lessons", f"{view.lessons_learned} (a process changed: {changed})")
    parts += [facts, Text("")]

    parts.append(Text("Recovery plan", style=heading))
    if not view.plans and not view.legacy_plan:
        parts.append(Text("None yet: p writes one (objectives, quick wins, …).", style=muted))
    for plan in view.plans:
        since = f"since {plan.started_on:%a %d %b}" + (
            f", ended {plan.ended_on:%a %d %b}" if plan.ended_on else ""
        )
        days = ", ".join(f"{day:%d %b}" for day in plan.check_ins) or "none yet"
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style=muted)
        grid.add_column()
        grid.add_row("Objectives", f"{plan.objectives} ({since})")
        for label, text in (
            ("Quick wins", plan.quick_wins),
            ("Stakeholders", plan.stakeholder_plan),
            ("Metrics", plan.success_metrics),
        ):
            if text:
                grid.add_row(label, text)
        count = len(plan.check_ins)
        grid.add_row("Check-ins", f"{count} {'day' if count == 1 else 'days'}: {days}")
        parts.append(grid)
    if view.legacy_plan:
        parts.append(Text(view.legacy_plan))
    parts.append(Text(""))

    parts.append(Text("History", style=heading))
    history = Table(box=None, padding=(0, 1), header_style=muted, expand=True)
    for label in ("When", "What", "Level", "Who", "Why"):
        history.add_column(label, no_wrap=label != "Why", ratio=1 if label == "Why" else None)
    for event in view.events:
        levels = (
            f"L{event.from_level} → L{event.to_level}"
            if event.from_level is not None and event.from_level != event.to_level
            else f"L{event.to_level}"
        )
        history.add_row(
            f"{event.occurred_at:%Y-%m-%d %H:%M}",
            event.kind,
            levels,
            event.actor_name or "-",
            event.why,
        )
    parts.append(history)
    return Group(*parts)
