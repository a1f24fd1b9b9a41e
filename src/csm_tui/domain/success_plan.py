"""Success plans as the service, the screens and the export share them, and the rules on them.

A plan is the customer's desired outcomes (objectives: a metric with baseline, target and current
value) and the milestones that get there, each with a due date and a DRI. It is a living document:
milestones slip, are blocked, move; values are measured; the plan is reviewed with the customer.
These functions say what that means on a given `today`, so that triage, the account overview, the
book and the export all say the same thing:

- a milestone past its due date and not done is slipped, whatever it is stored as (planned and in
  progress included); a blocked one stays blocked (its reason matters more), a done one done;
- an active plan raises the account's success risk flag, for the reasons `risks` lists: slipped or
  blocked milestones, no review within the interval (or past the agreed next review), an objective
  with no measured value. Draft, on-hold and done plans raise nothing: a draft is not yet agreed
  with the customer, an on-hold or done one is not being worked.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import NamedTuple

from csm_tui.domain.calendar import Duration, WorkCalendar, add_days, shift
from csm_tui.domain.enums import Choice, MilestoneStatus, ObjectiveKind
from csm_tui.domain.fields import parse_date

#: How many names a risk sentence lists before "and N more": a triage reason stays one line.
LISTED = 3


class PlanStatus(Choice):
    DRAFT = "draft"
    ACTIVE = "active"
    ON_HOLD = "on-hold"
    DONE = "done"


class Move(NamedTuple):
    """One move of a milestone's due date: the old date stays in its history."""

    from_day: date
    to_day: date
    moved_on: date


@dataclass(frozen=True, slots=True)
class MilestoneLine:
    id: uuid.UUID
    objective_id: uuid.UUID
    title: str
    due_on: date | None
    dri: str | None = None  # a contact of the account or a team member, by name
    status: MilestoneStatus = MilestoneStatus.PLANNED  # as stored; see `effective_status`
    note: str | None = None  # for the CSM: not in the customer's export
    blocked_reason: str | None = None
    blocked_on: date | None = None  # the day it was blocked, while it is
    completed_on: date | None = None
    moves: tuple[Move, ...] = ()  # oldest first
    position: int = 0


@dataclass(frozen=True, slots=True)
class ObjectiveLine:
    id: uuid.UUID
    outcome: str  # in the customer's words
    metric: str | None = None
    baseline: str | None = None  # kept as typed: "12%", "1,200", "manual releases"
    target: str | None = None
    current: str | None = None
    measured_on: date | None = None  # when `current` was measured
    position: int = 0
    milestones: tuple[MilestoneLine, ...] = ()
    kind: ObjectiveKind = ObjectiveKind.QUANTITATIVE


@dataclass(frozen=True, slots=True)
class PlanLine:
    id: uuid.UUID
    account_id: uuid.UUID
    title: str
    status: PlanStatus = PlanStatus.ACTIVE
    reviewed_on: date | None = None
    next_review_on: date | None = None  # agreed with the customer, if it was
    objectives: tuple[ObjectiveLine, ...] = ()
    #: When the plan was created: a plan never reviewed is due one interval after it.
    created_on: date | None = None

    @property
    def milestones(self) -> tuple[MilestoneLine, ...]:
        """Every milestone of the plan, in date order (undated last)."""
        return in_date_order(m for objective in self.objectives for m in objective.milestones)


def in_date_order(milestones: Iterable[MilestoneLine]) -> tuple[MilestoneLine, ...]:
    """By due date, undated ones last, then as the CSM ordered them."""
    return tuple(
        sorted(milestones, key=lambda m: (m.due_on is None, m.due_on or date.min, m.position))
    )


# -- milestones ---------------------------------------------------------------------------------


def is_slipped(milestone: MilestoneLine, today: date) -> bool:
    """Marked slipped, or past its due date and neither done nor blocked."""
    return effective_status(milestone, today) is MilestoneStatus.SLIPPED


def effective_status(milestone: MilestoneLine, today: date) -> MilestoneStatus:
    """The status to show and count: the stored one, except that a planned or in-progress
    milestone past its due date has slipped (nobody has to mark it)."""
    status = milestone.status
    if status in (MilestoneStatus.DONE, MilestoneStatus.BLOCKED, MilestoneStatus.SLIPPED):
        return status
    if milestone.due_on is not None and milestone.due_on < today:
        return MilestoneStatus.SLIPPED
    return status


def moved(milestone: MilestoneLine) -> tuple[int, int]:
    """How many times its due date moved, and by how many days in all (negative: earlier)."""
    return len(milestone.moves), sum((move.to_day - move.from_day).days for move in milestone.moves)


def moved_words(milestone: MilestoneLine) -> str:
    """'moved 2x, +21 days', 'moved 1x, -1 day'; '' for a milestone never moved."""
    times, days = moved(milestone)
    if not times:
        return ""
    return f"moved {times}x, {days:+d} day{'' if abs(days) == 1 else 's'}"


class Tally(NamedTuple):
    done: int
    total: int

    @property
    def fraction(self) -> float | None:
        """Done over all; None for no milestones (nothing to show, not 0%)."""
        return self.done / self.total if self.total else None


def milestone_progress(plan: PlanLine) -> Tally:
    """Done milestones of the plan, out of all of them."""
    return tally(plan.milestones)


def tally(milestones: Iterable[MilestoneLine]) -> Tally:
    listed = list(milestones)
    return Tally(sum(m.status is MilestoneStatus.DONE for m in listed), len(listed))


# -- objectives ---------------------------------------------------------------------------------

_NUMBER = re.compile(r"([<>~≈]|about|approx\.?)?\s*[$€£]?\s*([+-]?\d[\d,]*(?:\.\d+)?)\s*(.*)")


def parse_value(text: str | None) -> tuple[float, str] | None:
    """A metric value that is a number: '12%' -> (12.0, '%'), '1,200' -> (1200.0, ''),
    '4.5 days' -> (4.5, 'days'); None for words ('manual releases') or nothing."""
    if text is None:
        return None
    match = _NUMBER.fullmatch(text.strip().lower())
    if match is None:
        return None
    digits, unit = match.group(2), match.group(3).strip()
    if not re.fullmatch(r"%|[a-z][a-z /.]*", unit or "x"):
        return None  # "12-15", "3 of 5": not one number
    try:
        return float(digits.replace(",", "")), unit
    except ValueError:
        return None


def progress(objective: ObjectiveLine) -> float | None:
    """How far the current value has come from the baseline to the target, 0.0 to 1.0 (a target
    below the baseline, like a cycle time, works the same way); None unless all three are numbers
    in the same unit (a bare number goes with any unit: baseline "0", target "80%")."""
    values = [parse_value(v) for v in (objective.baseline, objective.target, objective.current)]
    if any(value is None for value in values):
        return None
    numbers = [value[0] for value in values if value is not None]
    units = {value[1] for value in values if value is not None and value[1]}
    baseline, target, current = numbers
    if len(units) > 1 or target == baseline:
        return None
    return min(1.0, max(0.0, (current - baseline) / (target - baseline)))


def is_measured(objective: ObjectiveLine) -> bool:
    return bool((objective.current or "").strip())


# -- reviews ------------------------------------------------------------------------------------


def review_due_on(plan: PlanLine, every: Duration) -> date | None:
    """The day by which the plan must be reviewed: the agreed next review, or one interval after
    the last review (or after the plan was created), whichever comes first."""
    since = plan.reviewed_on or plan.created_on
    candidates = [agreed] if (agreed := _agreed(plan)) else []
    if since is not None:
        candidates.append(interval_end(since, every))
    return min(candidates, default=None)


@lru_cache(maxsize=4096)
def interval_end(since: date, every: Duration) -> date:
    """One review interval after `since` (a bulk reschedule asks of a few hundred days)."""
    return shift(since, every, WorkCalendar(), roll=False).day


def _agreed(plan: PlanLine) -> date | None:
    """The next review agreed with the customer, unless a review was held since (on or after)."""
    agreed = plan.next_review_on
    if agreed is None or (plan.reviewed_on is not None and agreed <= plan.reviewed_on):
        return None
    return agreed


def review_due(plan: PlanLine, today: date, every: Duration) -> bool:
    """An active plan not reviewed within the interval since the last review, or past the
    agreed next review (on the day itself it is due, not late)."""
    due = review_due_on(plan, every)
    return plan.status is PlanStatus.ACTIVE and due is not None and due < today


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:LISTED])
    return shown + (f" and {len(names) - LISTED} more" if len(names) > LISTED else "")


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


class RiskKind(Choice):
    SLIPPED = "slipped"
    BLOCKED = "blocked"
    REVIEW = "review"
    UNMEASURED = "unmeasured"


class Risk(NamedTuple):
    """One thing putting a plan at risk, and the day it began: the rules engine owes a review
    for each risk that began after the last one."""

    kind: RiskKind
    began: date
    name: str = ""  # the milestone's title or the objective's outcome


def risk_items(plan: PlanLine, today: date, every: Duration) -> tuple[Risk, ...]:
    """Each slipped or blocked milestone, an overdue review, each objective with no measured
    value (none: the plan is on track, or not active). A milestone slipped the day after its due
    date; a blocked one began the day it was blocked; an overdue review the day after it was due;
    an objective went unmeasured when the plan was made. What is dated nothing of the kind (a
    milestone marked slipped before its date, blocked with no day on record) counts from the
    plan's creation (else from today), so that the day a risk began never moves with `today`."""
    if plan.status is not PlanStatus.ACTIVE:
        return ()
    made = plan.created_on or today
    found: list[Risk] = []
    for m in plan.milestones:
        if m.status is MilestoneStatus.BLOCKED:
            reason = (m.blocked_reason or "").strip()
            name = f"{m.title} ({reason})" if reason else m.title
            found.append(Risk(RiskKind.BLOCKED, m.blocked_on or made, name))
        elif is_slipped(m, today):
            late = m.due_on is not None and m.due_on < today
            began = add_days(m.due_on, 1) if late and m.due_on is not None else made
            found.append(Risk(RiskKind.SLIPPED, began, m.title))
    if (due := review_due_on(plan, every)) is not None and due < today:
        found.append(Risk(RiskKind.REVIEW, add_days(due, 1)))
    found += [
        Risk(RiskKind.UNMEASURED, made, o.outcome) for o in plan.objectives if not is_measured(o)
    ]
    return tuple(found)


def risks(plan: PlanLine, today: date, every: Duration) -> tuple[str, ...]:
    """Why the account's success risk flag is raised by this plan, one sentence a reason
    (none: the plan is on track, or not active)."""
    return risk_sentences(plan, risk_items(plan, today, every), today, every)


def risk_sentences(
    plan: PlanLine, items: Iterable[Risk], today: date, every: Duration
) -> tuple[str, ...]:
    by_kind: dict[RiskKind, list[str]] = {kind: [] for kind in RiskKind}
    for item in items:
        by_kind[item.kind].append(item.name)
    reasons: list[str] = []
    if slipped := by_kind[RiskKind.SLIPPED]:
        reasons.append(f"{_count(len(slipped), 'milestone')} slipped: {_listed(slipped)}")
    if blocked := by_kind[RiskKind.BLOCKED]:
        reasons.append(f"{_count(len(blocked), 'milestone')} blocked: {_listed(blocked)}")
    if by_kind[RiskKind.REVIEW]:
        reasons.append(_review_reason(plan, today, every))
    if unmeasured := by_kind[RiskKind.UNMEASURED]:
        reasons.append(f"no value measured for: {_listed(unmeasured)}")
    return tuple(reasons)


def next_risk_day(plan: PlanLine, today: date, every: Duration) -> date | None:
    """The next day after today on which a new risk may begin with nothing written: an open
    milestone slips, or the review falls due. (Anything else is a change, decided again.)"""
    if plan.status is not PlanStatus.ACTIVE:
        return None
    days = [
        add_days(m.due_on, 1)
        for objective in plan.objectives
        for m in objective.milestones
        if m.due_on is not None
        and m.due_on >= today
        and m.status not in (MilestoneStatus.BLOCKED, MilestoneStatus.DONE)
    ]
    since = plan.reviewed_on or plan.created_on
    reviews = [agreed] if (agreed := _agreed(plan)) else []
    if since is not None:  # both: past the agreed one, the interval's end rewords the reason
        reviews.append(interval_end(since, every))
    days += (add_days(due, 1) for due in reviews if due >= today)
    return min(days, default=None)


def _review_reason(plan: PlanLine, today: date, every: Duration) -> str:
    since = plan.reviewed_on or plan.created_on
    interval_due = interval_end(since, every) if since else None
    if interval_due is not None and interval_due < today:
        if plan.reviewed_on is None:
            return f"never reviewed since it was created on {since} (every {every})"
        return f"not reviewed since {plan.reviewed_on} (every {every})"
    return f"review agreed for {plan.next_review_on} not held"


# -- what the user types ------------------------------------------------------------------------


def _one_line(name: str, text: str, problems: dict[str, str]) -> None:
    if "\n" in text or "\r" in text:
        problems[name] = "write it on one line"


def _day(name: str, text: str, problems: dict[str, str]) -> date | None:
    if not text.strip():
        return None
    try:
        return parse_date(text.strip())
    except ValueError as error:
        problems[name] = f"{text.strip()!r} is not a date: write {error}"
        return None


def plan_problems(title: str, status: str = "", next_review_on: str = "") -> dict[str, str]:
    """What is wrong with a plan as typed, by field ({} when it can be saved)."""
    problems: dict[str, str] = {}
    if not title.strip():
        problems["title"] = 'give the plan a title, like "Acme success plan 2026"'
    _one_line("title", title, problems)
    if status.strip():
        try:
            PlanStatus.parse(status)
        except ValueError:
            problems["status"] = f"choose one of {PlanStatus.expected()}"
    _day("next_review_on", next_review_on, problems)
    return problems


def objective_problems(outcome: str, measured_on: str = "", *, today: date) -> dict[str, str]:
    """What is wrong with an objective as typed. Metric, baseline, target and current are kept
    as written ("12%", "manual releases"): any text will do."""
    problems: dict[str, str] = {}
    if not outcome.strip():
        problems["outcome"] = (
            'write the outcome in the customer\'s words, like "Release weekly instead of monthly"'
        )
    day = _day("measured_on", measured_on, problems)
    if day is not None and day > today:
        problems["measured_on"] = f"{day} is in the future: write the day it was measured"
    return problems


def milestone_problems(
    title: str, due_on: str = "", status: str = "", blocked_reason: str = ""
) -> dict[str, str]:
    """What is wrong with a milestone as typed: a title, a due date if any, and a reason when
    it is blocked (the plan and triage say what it waits on)."""
    problems: dict[str, str] = {}
    if not title.strip():
        problems["title"] = 'give the milestone a title, like "SSO live in production"'
    _one_line("title", title, problems)
    _day("due_on", due_on, problems)
    parsed: MilestoneStatus | None = None
    if status.strip():
        try:
            parsed = MilestoneStatus.parse(status)
        except ValueError:
            problems["status"] = f"choose one of {MilestoneStatus.expected()}"
    if parsed is MilestoneStatus.BLOCKED and not blocked_reason.strip():
        problems["blocked_reason"] = 'say what it waits on, like "waiting on SSO"'
    return problems
