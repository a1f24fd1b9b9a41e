"""A success plan as Markdown the CSM pastes into an e-mail or a document for the customer.

The customer reads it: their outcomes in their words, each metric's baseline, target and current
value, the milestones in date order with status and DRI, and the next review. What is only for
the CSM (milestone notes, positions, ids) stays out. User text is escaped so that a `|` cannot
break a table and a leading `#` or a `*` cannot turn a title into a heading or emphasis.
"""

from __future__ import annotations

import re
from datetime import date

from csm_tui.domain.enums import MilestoneStatus
from csm_tui.domain.success_plan import (
    MilestoneLine,
    ObjectiveLine,
    PlanLine,
    effective_status,
    in_date_order,
    is_measured,
    milestone_progress,
    moved_words,
    progress,
    tally,
)
from csm_tui.domain.wording import days_from, due_sentence

#: Characters that mean something anywhere in a Markdown line (CommonMark lets a backslash
#: escape any ASCII punctuation, so escaping one that did not need it is harmless).
_INLINE = re.compile(r"([\\`*_\[\]<>~])")
#: What makes a line a heading or a list item when it starts the line ("#", "- ", "1. ").
_LEADING = re.compile(r"^#|^[+-](?=\s|$)")
_NUMBERED = re.compile(r"^(\d+)([.)])(?=\s|$)")


def escape(text: str, *, cell: bool = False) -> str:
    """User text as literal Markdown on one line; in a table `cell`, `|` is escaped too."""
    flat = " ".join(text.split())
    escaped = _INLINE.sub(r"\\\1", flat)
    escaped = _LEADING.sub(lambda m: "\\" + m.group(0), escaped)
    escaped = _NUMBERED.sub(r"\1\\\2", escaped)
    escaped = re.sub(r"(?<!\\)#+$", lambda m: "\\" + m.group(0), escaped)  # closes a heading
    return escaped.replace("|", r"\|") if cell else escaped


def _or_dash(text: str | None) -> str:
    return escape(text) if text and text.strip() else "-"


def plan_markdown(account_name: str, plan: PlanLine, today: date) -> str:
    """The whole document, ending in one newline."""
    done = milestone_progress(plan)
    lines = [
        f"# {escape(account_name)}: {escape(plan.title)}",
        "",
        f"- Status: {plan.status.label}",
        f"- Last review: {plan.reviewed_on or 'not yet'}",
        f"- Next review: {plan.next_review_on or 'to agree'}",
    ]
    if done.total:
        lines.append(f"- Milestones done: {done.done} of {done.total}")
    if not plan.objectives:
        lines += ["", "No objectives yet."]
    objectives = sorted(plan.objectives, key=lambda objective: objective.position)
    for number, objective in enumerate(objectives, start=1):
        lines += ["", *_objective(number, objective, today)]
    lines += ["", f"_As of {today}._"]
    return "\n".join(lines) + "\n"


def _objective(number: int, objective: ObjectiveLine, today: date) -> list[str]:
    lines = [f"## {number}. {escape(objective.outcome)}", ""]
    measured = is_measured(objective)
    current = _or_dash(objective.current) if measured else "not measured yet"
    if measured and objective.measured_on:
        current += f" (measured {objective.measured_on})"
    lines += [
        f"- Metric: {_or_dash(objective.metric)}",
        f"- Baseline: {_or_dash(objective.baseline)}",
        f"- Target: {_or_dash(objective.target)}",
        f"- Current: {current}",
    ]
    done = tally(objective.milestones)
    parts = []
    if (share := progress(objective)) is not None:
        parts.append(f"{round(share * 100)}% of the way from baseline to target")
    if done.total:
        parts.append(f"{done.done} of {done.total} milestones done")
    if parts:
        lines.append(f"- Progress: {'; '.join(parts)}")
    lines.append("")
    if not objective.milestones:
        return [*lines, "No milestones yet."]
    lines += ["| Due | Milestone | Status | DRI |", "| --- | --- | --- | --- |"]
    for milestone in in_date_order(objective.milestones):
        lines.append(_row(milestone, today))
    return lines


def _row(milestone: MilestoneLine, today: date) -> str:
    due = str(milestone.due_on) if milestone.due_on else "no date"
    if words := moved_words(milestone):
        due += f" ({words})"
    cells = [
        due,
        escape(milestone.title, cell=True),
        _status(milestone, today),
        escape(milestone.dri or "", cell=True) or "-",
    ]
    return "| " + " | ".join(cells) + " |"


def _status(milestone: MilestoneLine, today: date) -> str:
    status = effective_status(milestone, today)
    if status is MilestoneStatus.DONE:
        return f"Done {milestone.completed_on}" if milestone.completed_on else "Done"
    if status is MilestoneStatus.BLOCKED:
        reason = (milestone.blocked_reason or "").strip()
        return f"Blocked: {escape(reason, cell=True)}" if reason else "Blocked"
    if status is MilestoneStatus.SLIPPED:
        if milestone.due_on is not None and milestone.due_on < today:
            return f"Slipped ({due_sentence(days_from(today, milestone.due_on))})"
        return "Slipped"
    return status.label
