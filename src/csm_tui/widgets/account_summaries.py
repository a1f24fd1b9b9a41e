"""The success plan and escalations tabs: summaries until their own screens come."""

from __future__ import annotations

from datetime import date

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from csm_tui.domain.account import EscalationLine, PlanLine, plan_progress
from csm_tui.domain.enums import MilestoneStatus
from csm_tui.domain.wording import relative_day

MILESTONE_STYLES = {
    MilestoneStatus.DONE: "green",
    MilestoneStatus.IN_PROGRESS: "cyan",
    MilestoneStatus.PLANNED: "",
    MilestoneStatus.SLIPPED: "bold yellow",
    MilestoneStatus.BLOCKED: "bold red",
}


def render_plans(plans: tuple[PlanLine, ...], today: date) -> RenderableType:
    if not plans:
        return Text(
            "No success plan yet: agree objectives and milestones with the customer "
            "(seeds 001: success planning).",
            style="dim",
        )
    parts: list[RenderableType] = [Text(plan_progress(plans, today), style="bold"), Text("")]
    for plan in plans:
        head = Text.assemble((plan.title, "bold underline"), f"  {plan.status}")
        if plan.reviewed_on:
            head.append(f", reviewed {plan.reviewed_on}", style="dim")
        parts.append(head)
        for objective in plan.objectives:
            parts.append(Text.assemble(("▸ ", "cyan"), (objective.outcome, "bold")))
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
                for milestone in objective.milestones:
                    due = "-"
                    if milestone.due_on is not None:
                        due = (
                            f"{milestone.due_on} ({relative_day((milestone.due_on - today).days)})"
                        )
                    table.add_row(
                        "",
                        Text(milestone.status.label, style=MILESTONE_STYLES[milestone.status]),
                        milestone.title,
                        Text(due, style="dim"),
                        Text(milestone.dri or "", style="dim"),
                    )
                parts.append(table)
        parts.append(Text(""))
    return Group(*parts)


def render_escalations(escalations: tuple[EscalationLine, ...], today: date) -> RenderableType:
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
                style="bold red" if days < 0 else "bold" if days <= 1 else "",
            )
        elif escalation.closed_on is not None:
            when = Text(f"closed {escalation.closed_on}", style="dim")
        else:
            when = Text("-", style="dim")
        table.add_row(
            Text(f"L{escalation.level}", style="bold red" if live else "dim"),
            Text(escalation.status.label, style="bold" if live else "dim"),
            escalation.risk_category.label,
            escalation.reason,
            str(escalation.opened_on),
            when,
        )
    return table
