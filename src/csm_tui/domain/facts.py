"""What the rules engine knows about one account: plain values built from the database.

The store builds these in bulk; tests and `csm rules explain` build them by hand. Nothing here
refers to a session or a row, so a decision can be recomputed, replayed and compared anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from csm_tui.domain.success_plan import PlanLine


@dataclass(frozen=True, slots=True)
class HealthPoint:
    """One health snapshot: the score recorded on a day."""

    on: date
    score: int


@dataclass(frozen=True, slots=True)
class OpenEscalation:
    id: str
    level: int  # 1..5
    opened_at: datetime  # UTC
    level_since: datetime  # UTC: when it reached its current level (the SLA clock restarts)


@dataclass(frozen=True, slots=True)
class Snooze:
    """A snooze with a reason. `kind` None snoozes every snoozable kind of the account."""

    until: date
    reason: str
    snoozed_on: date
    kind: str | None = None


@dataclass(frozen=True, slots=True)
class Booking:
    """A meeting already booked for the account's item of `kind`: the item waits for that day
    (`on`) instead of counting as overdue, asks to be logged on it, and comes back as it was if
    the day passes with nothing of that kind logged."""

    kind: str
    on: date
    booked_on: date  # the day it was recorded
    note: str = ""


@dataclass(frozen=True, slots=True)
class OpenMilestone:
    title: str
    due_on: date


#: Health history the engine sees: this many days back, plus the snapshot just before (what
#: `store.facts.load_facts` sends). A band change older than that is no longer on record.
HEALTH_WINDOW_DAYS = 120


@dataclass(frozen=True, slots=True)
class AccountFacts:
    account_id: str
    name: str
    segment: str  # csm_tui.domain.enums.Segment value
    priority: str  # Priority value, as assigned (derive rules may raise it)
    arr_cents: int = 0
    external_id: str | None = None
    health_score: int | None = None
    lifecycle_stage: str | None = None
    contract_start: date | None = None
    renewal_date: date | None = None
    go_live_date: date | None = None
    #: The day it entered the book (first imported or created), where a clock with nothing on
    #: record starts; None for an account decided by hand.
    entered_on: date | None = None
    #: Its first cadence call as planned when it entered the book with none on record.
    first_call_by: date | None = None
    #: Touch dates per touch kind, ascending. The store sends every touch of the recent past and
    #: always the latest one of each kind, however old; that is all the rules can ask about.
    touches: Mapping[str, tuple[date, ...]] = field(default_factory=dict)
    #: Health snapshots, ascending by day: those of the last `HEALTH_WINDOW_DAYS` plus the one
    #: just before them.
    health: tuple[HealthPoint, ...] = ()
    escalations: tuple[OpenEscalation, ...] = ()
    snoozes: tuple[Snooze, ...] = ()
    bookings: tuple[Booking, ...] = ()  # in the order they were made
    #: Open milestones of its active plans (blocked ones are in the plan's risks instead).
    milestones: tuple[OpenMilestone, ...] = ()
    #: Its active success plans, with what their risks read: every objective and the milestones
    #: not done (ids are not read: the engine names things by title).
    plans: tuple[PlanLine, ...] = ()

    @property
    def arr(self) -> float:
        return self.arr_cents / 100

    def last(self, kinds: frozenset[str] | tuple[str, ...]) -> date | None:
        """The latest touch of any of `kinds`."""
        days = [self.touches[kind][-1] for kind in kinds if self.touches.get(kind)]
        return max(days) if days else None
