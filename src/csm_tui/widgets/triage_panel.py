"""Beside the queue: why the highlighted item is due when it is, and what else to know."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, ClassVar

from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from csm_tui.domain.triage import HEALTH_DROP, when_words
from csm_tui.domain.urgency import Urgency

if TYPE_CHECKING:
    from csm_tui.services.triage import Detail


class TriagePanel(Static):
    """Shows one `Detail`; says so while it loads, and when nothing is highlighted."""

    DEFAULT_CSS = """
    TriagePanel {
        & > .triage-panel--label { color: $text-primary; text-style: bold; }
        & > .triage-panel--alert { color: $text-error; text-style: bold; }
        & > .triage-panel--negative { color: $text-error; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "triage-panel--label",
        "triage-panel--alert",
        "triage-panel--negative",
    }

    def show_detail(self, detail: Detail, today: date) -> None:
        looks = Looks(
            label=self.get_component_rich_style("triage-panel--label", partial=True),
            alert=self.get_component_rich_style("triage-panel--alert", partial=True),
            negative=self.get_component_rich_style("triage-panel--negative", partial=True),
        )
        self.update(render_detail(detail, today, looks))

    def show_nothing(self, text: str = "") -> None:
        self.update(Text(text, style="dim"))


@dataclass(frozen=True, slots=True)
class Looks:
    """The panel's colours, from its component classes (the theme's)."""

    label: Style = Style(bold=True)
    alert: Style = Style(bold=True)
    negative: Style = Style()


def render_detail(detail: Detail, today: date, looks: Looks = Looks()) -> RenderableType:
    item, candidate = detail.item, detail.candidate
    parts: list[RenderableType] = []
    title = Text.assemble((item.account_name, "bold"), "  ", (item.label, looks.label))
    parts.append(title)
    parts.append(Text(_facts_line(detail, today), style="dim"))
    parts.append(Text(""))
    parts.append(Text("Why", style="bold underline"))
    reason = candidate.reason if candidate is not None else item.explanation
    parts.append(Text(reason))
    if candidate is not None and candidate.steps:
        for step in candidate.steps:
            parts.append(Text(f"  · {step}", style="dim"))
    if item.snoozed_until is not None and item.snoozed_until > today:
        parts.append(
            Text(f"Snoozed until {item.snoozed_until}: {item.snooze_reason}", style="italic")
        )
    if item.others:
        parts.append(Text(""))
        parts.append(Text("Also due", style="bold underline"))
        for other in item.others:
            parts.append(Text.assemble(other.label, "  ", (when_words(other, today), "dim")))
    if candidate is not None and detail.decision is not None and item.kind != HEALTH_DROP:
        parts.append(Text(""))
        parts.append(_urgency(detail.decision.urgency(candidate), looks))
    parts.append(Text(""))
    parts.append(Text("Last touch", style="bold underline"))
    last = detail.last_touch
    if last is None:
        parts.append(Text("none on record", style="dim"))
    else:
        days = (today - last.occurred_on).days
        line = Text(f"{last.occurred_on} ({days}d ago) {last.kind.replace('-', ' ')}")
        if last.sentiment:
            line.append(
                f", {last.sentiment}", style=looks.negative if last.sentiment == "negative" else ""
            )
        parts.append(line)
        parts.append(Text(last.summary, style="dim"))
    escalation = detail.escalation
    if escalation is not None:
        parts.append(Text(""))
        parts.append(
            Text.assemble(
                ("Open escalation ", "bold underline"), (f"L{escalation.level}", looks.alert)
            )
        )
        parts.append(Text(f"{escalation.risk_category}: {escalation.reason}"))
        parts.append(Text(f"opened {escalation.opened_at:%Y-%m-%d}", style="dim"))
    return Group(*parts)


def _facts_line(detail: Detail, today: date) -> str:
    item = detail.item
    bits = [
        item.external_id or "no CRM id",
        item.owner_name or "no owner",
        item.segment,
        item.priority.upper()
        if item.assigned_priority is None
        else f"{item.priority.upper()} (derived; assigned {item.assigned_priority.upper()})",
    ]
    if item.renewal_date is not None:
        bits.append(f"renews {item.renewal_date} ({(item.renewal_date - today).days}d)")
    return " · ".join(bits)


def _urgency(urgency: Urgency, looks: Looks) -> RenderableType:
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True)
    table.add_column(justify="right", no_wrap=True)
    table.add_column(style="dim")
    head = f"Urgency {urgency.total:.1f}"
    for term in urgency.terms:
        table.add_row(term.name, f"{term.points:.1f}", term.note)
    title = Text(head, style="bold underline")
    if urgency.pinned:
        title.append("  ")
        title.append(f"pinned: {urgency.pin_reason}", style=looks.alert)
    return Group(title, table)
