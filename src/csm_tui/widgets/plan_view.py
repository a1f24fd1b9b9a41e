"""One success plan as the plan screen shows it: a head (title, status, reviews) and a list the
cursor moves through, an objective and each of its milestones a row, so that a key acts on the
highlighted one. Every status is said in words (slipped, blocked with its reason, done on a
day) and a progress bar carries its percentage, so that the plan reads without colour too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.style import Style
from rich.text import Text
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from csm_tui.domain.calendar import Duration
from csm_tui.domain.enums import MilestoneStatus, ObjectiveKind
from csm_tui.domain.success_plan import (
    MilestoneLine,
    ObjectiveLine,
    PlanLine,
    effective_status,
    in_date_order,
    milestone_progress,
    moved_words,
    progress,
    review_due_on,
    risks,
)
from csm_tui.domain.wording import relative_day

#: Cells of a drawn progress bar.
BAR = 20


@dataclass(frozen=True, slots=True)
class Row:
    """What a row of the list is: an objective, or one of its milestones."""

    kind: str  # "objective" or "milestone"
    objective: ObjectiveLine
    milestone: MilestoneLine | None = None


def row_id(row: Row) -> str:
    return f"m:{row.milestone.id}" if row.milestone else f"o:{row.objective.id}"


def rows_of(plan: PlanLine) -> list[Row]:
    """Objectives in the CSM's order, each followed by its milestones in date order."""
    rows: list[Row] = []
    for objective in sorted(plan.objectives, key=lambda o: o.position):
        rows.append(Row("objective", objective))
        rows += [Row("milestone", objective, m) for m in in_date_order(objective.milestones)]
    return rows


def bar(fraction: float | None) -> str:
    """'[██████░░░░] 60% of the way', or that it cannot be worked out."""
    if fraction is None:
        return "progress: not measurable yet (baseline, target and current as numbers)"
    filled = round(fraction * BAR)
    return f"[{'█' * filled}{'░' * (BAR - filled)}] {round(fraction * 100)}% of the way"


def status_words(milestone: MilestoneLine, today: date) -> tuple[MilestoneStatus, str]:
    """The effective status, and what to say of it."""
    status = effective_status(milestone, today)
    if status is MilestoneStatus.DONE:
        words = f"done on {milestone.completed_on}" if milestone.completed_on else "done"
    elif status is MilestoneStatus.BLOCKED:
        reason = (milestone.blocked_reason or "").strip()
        words = f"blocked: {reason}" if reason else "blocked"
    elif status is MilestoneStatus.SLIPPED and milestone.due_on is not None:
        words = f"slipped ({-(milestone.due_on - today).days}d late)"
    else:
        words = status.label.lower()
    return status, words


def objective_text(objective: ObjectiveLine, look: Style) -> RenderableType:
    head = Text.assemble(("▸ ", look), (objective.outcome, "bold"))
    if objective.kind is ObjectiveKind.QUALITATIVE and not (
        objective.metric or objective.baseline or objective.target or objective.current
    ):  # judged with the customer at each review: no figure to show or chart
        said = Text("qualitative: judged with the customer at each review", style="dim")
        return Group(head, Padding(said, (0, 0, 0, 2)))
    metric = Text()
    metric.append(f"{objective.metric or 'no metric'}: ", style="dim")
    metric.append(f"{objective.baseline or '-'} → {objective.target or '-'}")
    if (objective.current or "").strip():
        when = f" (measured {objective.measured_on})" if objective.measured_on else ""
        metric.append(f"; now {objective.current}{when}")
    else:
        metric.append("; not measured yet", style="dim")
    return Group(head, Padding(Group(metric, Text(bar(progress(objective)))), (0, 0, 0, 2)))


def milestone_text(
    milestone: MilestoneLine, today: date, looks: dict[MilestoneStatus, Style]
) -> RenderableType:
    status, words = status_words(milestone, today)
    line = Text("◦ ")
    line.append(milestone.title, style="bold" if status is not MilestoneStatus.DONE else "")
    line.append("  ")
    line.append(words, style=looks.get(status, ""))
    due = (
        f"due {milestone.due_on} ({relative_day((milestone.due_on - today).days)})"
        if milestone.due_on
        else "no due date"
    )
    facts = [f"DRI {milestone.dri}" if milestone.dri else "no DRI", due]
    if moved := moved_words(milestone):
        facts.append(moved)
    details: list[RenderableType] = [Text(" · ".join(facts), style="dim")]
    if milestone.note:
        details.append(Text(f"note: {milestone.note}", style="italic"))
    return Padding(Group(line, Padding(Group(*details), (0, 0, 0, 2))), (0, 0, 0, 4))


def head_text(plan: PlanLine, shown: int, count: int, today: date, every: Duration) -> Text:
    """The plan's title and status, its reviews (the next one: as agreed with the customer, or
    one `every` after the last), how many milestones are done, and what puts it at risk."""
    text = Text.assemble((plan.title, "bold"), f"  {plan.status.label.lower()}")
    if count > 1:
        text.append(f"  (plan {shown + 1} of {count}: [ ] switch)", style="dim")
    text.append("\n")
    text.append(f"Last review: {plan.reviewed_on or 'not yet'}")
    text.append(" · next review: ")
    due = review_due_on(plan, every)
    if due is None:
        text.append("to agree")
    else:
        days = (due - today).days
        agreed = ", agreed" if due == plan.next_review_on else ""
        text.append(f"{due}{agreed} ({'overdue, ' if days < 0 else 'due '}{relative_day(days)})")
    done = milestone_progress(plan)
    if done.total:
        text.append(f" · milestones done: {done.done} of {done.total}")
    if found := risks(plan, today, every):
        text.append("\nAt risk: ", style="bold")
        text.append("; ".join(found))
    return text


class PlanHead(Static):
    """The plan's title, status and reviews, over its list."""

    DEFAULT_CSS = """
    PlanHead {
        padding: 0 1;
        height: auto;
        border-bottom: solid $primary-muted;
    }
    """


class PlanList(OptionList):
    """The objectives and milestones, one row each; j/k move as the arrows do."""

    DEFAULT_CSS = """
    PlanList {
        height: 1fr;
        & > .plan-list--done { color: $text-success; }
        & > .plan-list--in-progress { color: $text-primary; }
        & > .plan-list--slipped { color: $text-warning; text-style: bold; }
        & > .plan-list--blocked { color: $text-error; text-style: bold; }
        & > .plan-list--objective { color: $text-primary; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "plan-list--done",
        "plan-list--in-progress",
        "plan-list--slipped",
        "plan-list--blocked",
        "plan-list--objective",
    }

    BINDINGS: ClassVar = [
        ("j", "cursor_down"),
        ("k", "cursor_up"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[Row] = []

    def show(self, plan: PlanLine, today: date, keep: str | None = None) -> None:
        """The plan's rows; the cursor stays on the row `keep` names if it is still there."""
        looks: dict[MilestoneStatus, Style] = {
            status: self.get_component_rich_style(f"plan-list--{status.value}", partial=True)
            for status in MilestoneStatus
            if status is not MilestoneStatus.PLANNED
        }
        objective = self.get_component_rich_style("plan-list--objective", partial=True)
        self.rows = rows_of(plan)
        self.clear_options()
        self.add_options(
            Option(
                milestone_text(row.milestone, today, looks)
                if row.milestone
                else objective_text(row.objective, objective),
                id=row_id(row),
            )
            for row in self.rows
        )
        ids = [row_id(row) for row in self.rows]
        if self.rows:
            self.highlighted = ids.index(keep) if keep in ids else 0

    @property
    def current(self) -> Row | None:
        index = self.highlighted
        return self.rows[index] if index is not None and 0 <= index < len(self.rows) else None
