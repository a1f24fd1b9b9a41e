"""The success plan and escalations tabs: summaries until their own screens come."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from csm_tui.domain.account import EscalationLine, plan_progress, plan_risk
from csm_tui.domain.calendar import Duration
from csm_tui.domain.enums import MilestoneStatus
from csm_tui.domain.success_plan import PlanLine, effective_status, in_date_order
from csm_tui.domain.wording import relative_day


class PlanSummary(Static):
    """The success plans with their objectives and milestones, each status in its colour."""

    DEFAULT_CSS = """
    PlanSummary {
        padding: 0 1;
        & > .plan-summary--done { color: $text-success; }
        & > .plan-summary--in-progress { color: $text-primary; }
        & > .plan-summary--slipped { color: $text-warning; text-style: bold; }
        & > .plan-summary--blocked { color: $text-error; text-style: bold; }
        & > .plan-summary--objective { color: $text-primary; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "plan-summary--done",
        "plan-summary--in-progress",
        "plan-summary--slipped",
        "plan-summary--blocked",
        "plan-summary--objective",
    }

    def show(self, plans: tuple[PlanLine, ...], today: date, every: Duration) -> None:
        looks: dict[MilestoneStatus, Style] = {
            status: self.get_component_rich_style(f"plan-summary--{status.value}", partial=True)
            for status in MilestoneStatus
            if status is not MilestoneStatus.PLANNED
        }
        objective = self.get_component_rich_style("plan-summary--objective", partial=True)
        self.update(render_plans(plans, today, every, looks, objective))


class EscalationsSummary(Static):
    """Every escalation of the account with its SLA, the open ones marked."""

    DEFAULT_CSS = """
    EscalationsSummary {
        padding: 0 1;
        & > .escalations-summary--open { color: $text-error; text-style: bold; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"escalations-summary--open"}

    def show(self, escalations: tuple[EscalationLine, ...], today: date) -> None:
        alert = self.get_component_rich_style("escalations-summary--open", partial=True)
        self.update(render_escalations(escalations, today, alert))


def render_plans(
    plans: tuple[PlanLine, ...],
    today: date,
    every: Duration,
    looks: Mapping[MilestoneStatus, Style],
    objective_look: Style,
) -> RenderableType:
    if not plans:
        return Text(
            "No success plan yet: agree objectives and milestones with the customer "
            "(seeds 001: success planning).",
            style="dim",
        )
    parts: list[RenderableType] = [Text(plan_progress(plans, today), style="bold")]
    if (at_risk := plan_risk(plans, today, every)) is not None:
        parts.append(Text(f"At risk: {at_risk}", style=looks.get(MilestoneStatus.SLIPPED, "")))
    parts += [Text("Enter opens the plan to work it.", style="dim"), Text("")]
    for plan in plans:
        head = Text.assemble((plan.title, "bold underline"), f"  {plan.status.label.lower()}")
        if plan.reviewed_on:
            head.append(f", reviewed {plan.reviewed_on}", style="dim")
        parts.append(head)
        for objective in plan.objectives:
            parts.append(Text.assemble(("▸ ", objective_look), (objective.outcome, "bold")))
            if objective.metric:
                measure = " → ".join(
                    f"{name} {value}"
                    for name, value in (
                        ("baseline", objective.baseline),
                        ("now", objective.current),
                        ("target", objective.target),
                    )
                    if value
                )
                parts.append(Text(f"   {objective.metric}: {measure}", style="dim"))
            if objective.milestones:
                table = Table.grid(padding=(0, 2))
                table.add_column(width=2)
                for _ in range(4):
                    table.add_column()
                for milestone in in_date_order(objective.milestones):
                    status = effective_status(milestone, today)
                    due = "-"
                    if milestone.due_on is not None:
                        due = (
                            f"{milestone.due_on} ({relative_day((milestone.due_on - today).days)})"
                        )
                    table.add_row(
                        "",
                        Text(status.label, style=looks.get(status, "")),
                        milestone.title,
                        Text(due, style="dim"),
                        Text(milestone.dri or "", style="dim"),
                    )
                parts.append(table)
        parts.append(Text(""))
    return Group(*parts)


def render_escalations(
    escalations: tuple[EscalationLine, ...], today: date, alert: Style
) -> RenderableType:
    if not escalations:
        return Text("No escalation on record. e on the triage queue opens one.", style="dim")
    table = Table(box=None, padding=(0, 1), header_style="bold", expand=True)
    for label in ("Level", "Status", "Risk", "Reason", "Opened", "SLA / closed"):
        table.add_column(
            label,
            overflow="fold" if label == "Reason" else "ellipsis",
            no_wrap=label != "Reason",
            ratio=3 if label == "Reason" else None,
        )
    for escalation in escalations:
        live = escalation.is_open
        if live and escalation.sla_due_on is not None:
            days = (escalation.sla_due_on - today).days
            when = Text(
                f"SLA {escalation.sla_due_on} ({relative_day(days)})",
                style=alert if days < 0 else "bold" if days <= 1 else "",
            )
        elif escalation.closed_on is not None:
            when = Text(f"closed {escalation.closed_on}", style="dim")
        else:
            when = Text("-", style="dim")
        table.add_row(
            Text(f"L{escalation.level}", style=alert if live else "dim"),
            Text(escalation.status.label, style="bold" if live else "dim"),
            escalation.risk_category.label,
            escalation.reason,
            str(escalation.opened_on),
            when,
        )
    return table
