"""Where each account of the book stands with its success plans, for the book's plans view.

The seeds ask that every Enterprise customer have an active success plan, worked as a living
document: milestones kept on their dates, the plan reviewed with the customer. So the view puts
first the accounts with no active plan (Enterprise ones first: the seeds require one), then
those with slipped milestones, then blocked ones, then a review overdue, then an objective not
measured, then the plans on track; ties by name. These are the risks the rules engine reads
(`domain.success_plan.risk_items`): only active plans count, as a draft is not yet agreed with
the customer and an on-hold or done one is not being worked.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import IntEnum
from typing import NamedTuple

from csm_tui.domain.calendar import Duration, add_days
from csm_tui.domain.enums import Segment
from csm_tui.domain.success_plan import PlanLine, PlanStatus, RiskKind, risk_items

#: The segments whose accounts must have an active success plan (the seeds: Enterprise).
PLAN_REQUIRED = frozenset({Segment.ENTERPRISE})

#: With no active plan, the plan said instead: the nearest to being worked first.
_INACTIVE_ORDER = (PlanStatus.DRAFT, PlanStatus.ON_HOLD, PlanStatus.DONE)
_INACTIVE_WORDS = {
    None: "no plan",
    PlanStatus.DRAFT: "draft only",
    PlanStatus.ON_HOLD: "on hold",
    PlanStatus.DONE: "plan done",
}


class Standing(IntEnum):
    """What the plans view says of an account, in the view's order: the most to do first."""

    NO_PLAN = 0
    SLIPPED = 1
    BLOCKED = 2
    REVIEW_DUE = 3
    UNMEASURED = 4
    ON_TRACK = 5


@dataclass(frozen=True, slots=True)
class PlanStanding:
    standing: Standing
    #: No active plan where its segment requires one (`PLAN_REQUIRED`): first of all.
    required: bool = False
    #: With no active plan, the plan it has instead (draft, on hold, done); None: none at all.
    inactive: PlanStatus | None = None
    slipped: int = 0  # milestones of its active plans, as `success_plan.effective_status`
    blocked: int = 0
    #: The day the review fell due and was not held (the earliest of its active plans).
    review_due_on: date | None = None
    unmeasured: int = 0  # objectives of its active plans with no current value

    @property
    def rank(self) -> tuple[int, bool]:
        """The view's order (ties by name are the caller's)."""
        return (self.standing, not self.required)

    @property
    def words(self) -> str:
        """'no plan', 'draft only', '2 slipped, 1 blocked', 'review due since 2026-11-08',
        'on track': the worst first, the others counted after it (the review's day only when
        it is the worst, so that a cell stays narrow)."""
        if self.standing is Standing.NO_PLAN:
            return _INACTIVE_WORDS[self.inactive]
        if self.standing is Standing.ON_TRACK:
            return "on track"
        parts = [f"{self.slipped} slipped"] if self.slipped else []
        parts += [f"{self.blocked} blocked"] if self.blocked else []
        if self.review_due_on is not None:
            parts.append(f"review due since {self.review_due_on}" if not parts else "review due")
        if self.unmeasured and not parts:
            parts.append(f"{self.unmeasured} not measured")
        return ", ".join(parts)


def plan_standing(
    segment: Segment, plans: Iterable[PlanLine], today: date, every: Duration
) -> PlanStanding:
    """Where an account stands with its plans on `today` (`every`: the rules file's
    `[success_plan] review_every`). Its active plans are taken together: milestones slipped or
    blocked in any of them are counted, and the review is due from the earliest day one of
    them fell due."""
    listed = list(plans)
    active = [plan for plan in listed if plan.status is PlanStatus.ACTIVE]
    if not active:
        statuses = {plan.status for plan in listed}
        inactive = next((status for status in _INACTIVE_ORDER if status in statuses), None)
        return PlanStanding(Standing.NO_PLAN, required=segment in PLAN_REQUIRED, inactive=inactive)
    found = Counter[RiskKind]()
    reviews: list[date] = []
    for risk in (risk for plan in active for risk in risk_items(plan, today, every)):
        found[risk.kind] += 1
        if risk.kind is RiskKind.REVIEW:
            reviews.append(add_days(risk.began, -1))  # the day it was due
    review = min(reviews, default=None)
    if found[RiskKind.SLIPPED]:
        standing = Standing.SLIPPED
    elif found[RiskKind.BLOCKED]:
        standing = Standing.BLOCKED
    elif review is not None:
        standing = Standing.REVIEW_DUE
    elif found[RiskKind.UNMEASURED]:
        standing = Standing.UNMEASURED
    else:
        standing = Standing.ON_TRACK
    return PlanStanding(
        standing,
        slipped=found[RiskKind.SLIPPED],
        blocked=found[RiskKind.BLOCKED],
        review_due_on=review,
        unmeasured=found[RiskKind.UNMEASURED],
    )


class PlanCounts(NamedTuple):
    """How many accounts stand where: the line over the plans view."""

    no_plan: int = 0
    required: int = 0  # of which their segment requires a plan
    slipped: int = 0
    blocked: int = 0
    review_due: int = 0
    unmeasured: int = 0
    on_track: int = 0

    def parts(self, *, short: bool = False) -> list[tuple[int, str]]:
        """(number, words) in the view's order; `short` for a narrow terminal, which leaves
        out what counts nothing (except the accounts on track: the line never reads empty)."""
        if short:
            missing = f"no active plan ({self.required:,} Ent.)"
        else:
            missing = f"with no active plan ({self.required:,} Enterprise)"
        parts = [
            (self.no_plan, missing if self.required else missing.split(" (")[0]),
            (self.slipped, "slipped"),
            (self.blocked, "blocked"),
            (self.review_due, "review due"),
            (self.unmeasured, "unmeasured" if short else "not measured"),
            (self.on_track, "on track"),
        ]
        if short:
            parts = [(n, words) for n, words in parts if n or words == "on track"]
        return parts


def plan_counts(standings: Iterable[PlanStanding]) -> PlanCounts:
    counted = [0] * len(Standing)
    required = 0
    for standing in standings:
        counted[standing.standing] += 1
        required += standing.standing is Standing.NO_PLAN and standing.required
    no_plan, slipped, blocked, review, unmeasured, on_track = counted
    return PlanCounts(no_plan, required, slipped, blocked, review, unmeasured, on_track)
