"""The weekly wrap-up's inputs: the rules it reads, and what the store hands over for a week
(`domain.iso_week.IsoWeek`).

Plain values, filled from rows (ids as str, dates as `date`, moments as UTC `datetime`), so that
the figures (`wrapup`, `wrapup_health`, `wrapup_history`, `wrapup_team`) are computed and tested
without a database. Each field says in one line what it holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from csm_tui.domain.calendar import WEEKDAY_NAMES, Duration, Unit, WorkCalendar
from csm_tui.domain.enums import MilestoneStatus, TouchKind
from csm_tui.domain.health import DEFAULT_BANDS, BandThresholds
from csm_tui.domain.ladder import EventKind
from csm_tui.domain.rulebook import EscalationRules, Rulebook

# ---------- what it reads ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WeekRules:
    """What the figures read from the rules file, and the wrap-up's own settings."""

    escalation: EscalationRules  # the ladder's SLAs, for an escalation past its SLA
    calendar: WorkCalendar = WorkCalendar()  # workdays and holidays: the week's workdays
    bands: BandThresholds = DEFAULT_BANDS  # score -> health band
    renewal_window_days: int = 120  # renewals ahead, and since when the question counts
    call_kinds: frozenset[TouchKind] = frozenset({TouchKind.CADENCE_CALL})  # what a call is
    renewal_kinds: frozenset[TouchKind] = frozenset({TouchKind.RENEWAL_CALL})  # question asked

    @classmethod
    def of(cls, rules: Rulebook) -> WeekRules:
        """From the rules in force: the question counts as asked by the touches that satisfy
        the rules' renewal-call item (an EBR too, in the shipped rules), as triage counts it."""
        touch_kinds = {kind.value for kind in TouchKind}
        kinds = {
            TouchKind(kind)
            for rule in rules.anchored
            if rule.kind == TouchKind.RENEWAL_CALL
            for kind in rule.satisfied_by
            if kind in touch_kinds
        }
        return cls(
            rules.escalation,
            rules.calendar,
            rules.bands,
            window_days(rules.wrapup.renewals_within),
            renewal_kinds=frozenset(kinds or {TouchKind.RENEWAL_CALL}),
        )


@dataclass(frozen=True, slots=True)
class Touch:
    """A touch logged on an account (a `touchpoint` row)."""

    account_id: str  # the account touched
    on: date  # the day it happened (`occurred_on`)
    kind: TouchKind  # what it was: `TouchKind(row.kind)`


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A health snapshot: the score and its components on a day (a `health_snapshot` row)."""

    on: date  # `taken_on`
    score: int  # 0-100
    engagement: int | None = None  # each component 0-100, None when not recorded
    success: int | None = None
    satisfaction: int | None = None
    financial: int | None = None


@dataclass(frozen=True, slots=True)
class RecoveryPlanSpan:
    """When a recovery plan of the account was in force (a `recovery_plan` row)."""

    started_on: date  # in force from this day
    ended_on: date | None = None  # no longer in force from this day; None: still in force

    def in_force(self, day: date) -> bool:
        return self.started_on <= day and (self.ended_on is None or day < self.ended_on)


@dataclass(frozen=True, slots=True)
class BookAccount:
    """An account of the CSM's book, with what its health and renewal figures read."""

    id: str  # the account's id
    name: str  # as every list names it
    arr_cents: int = 0  # ranks movers of like movement
    renewal_date: date | None = None  # the next renewal
    health_score: int | None = None  # the score now: its band when no snapshot is on record
    #: Its snapshots, in any order: at least the last one before the week and those in it.
    snapshots: tuple[Snapshot, ...] = ()
    recovery_plans: tuple[RecoveryPlanSpan, ...] = ()  # every one, in any order


@dataclass(frozen=True, slots=True)
class ScheduledItem:
    """An open item of an account's schedule as it stands now (a `scheduled_touch` row)."""

    account_id: str  # whose item
    kind: str  # a touch kind, or another item kind ("milestone", "success-plan", ...)
    due_on: date  # due that day: overdue from the next
    label: str = ""  # as the queue names it ("Cadence call"); "" names it by its kind
    snoozed_until: date | None = None  # put aside until then (it is still open)


@dataclass(frozen=True, slots=True)
class EscalationStep:
    """One step of an escalation's history (an `escalation_event` row)."""

    kind: EventKind  # `EventKind(row.kind)`
    at: datetime  # when (`occurred_at`), UTC
    to_level: int  # the level after the step
    from_level: int | None = None  # the level before it; None for the opening


@dataclass(frozen=True, slots=True)
class EscalationRecord:
    """An escalation on an account of the book, with its whole history."""

    id: str  # the escalation's id
    account_id: str  # the account escalated
    opened_at: datetime  # UTC: its opening, when the history holds no 'opened' step (older books)
    level: int  # its level now: the level it opened at, when the history holds no step at all
    reason: str = ""  # why it was opened
    lessons_learned: str | None = None  # the post-escalation review, written on closing
    steps: tuple[EscalationStep, ...] = ()  # its history, in any order
    #: The days of the follow-up calls on its account since it opened (the kinds the rules'
    #: escalation item is satisfied by): each restarts the SLA clock, as in the engine.
    follow_ups: tuple[date, ...] = ()
    #: When it was resolved or closed, if it is not open now (UTC): for a history without
    #: that step (books written before the history, the demo's), the trends' end of it.
    ended_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DueMove:
    """A milestone's due date moved (a `milestone_move` row)."""

    from_on: date | None  # the due date before; None: it had none
    to_on: date  # the due date after
    moved_on: date  # the day it was moved


@dataclass(frozen=True, slots=True)
class MilestoneRecord:
    """A success-plan milestone on an account of the book (a `milestone` row and its moves)."""

    id: str  # the milestone's id
    account_id: str  # whose plan
    title: str  # as the plan names it
    due_on: date | None  # its due date now
    status: MilestoneStatus  # as stored
    completed_on: date | None = None  # the (UTC) day it was done, when it is
    blocked_on: date | None = None  # the day it was blocked, while it is
    moves: tuple[DueMove, ...] = ()  # its due date's moves, in any order


@dataclass(frozen=True, slots=True)
class CsmBook:
    """One CSM and their book: what `my_week` reads. Rows of accounts not in `accounts` are
    not this book's and are ignored."""

    member_id: str  # the team member's id
    name: str  # as the team's table names them
    call_target: int  # calls a full week asks (`domain.team.weekly_call_target`)
    accounts: tuple[BookAccount, ...] = ()  # the book
    #: Touches on the book: at least the week's, and those of the renewal kinds since
    #: `renewal_window_days` before the week (the renewal question); other days are ignored.
    touches: tuple[Touch, ...] = ()
    items: tuple[ScheduledItem, ...] = ()  # the book's schedule now (what is due by `as_of`)
    escalations: tuple[EscalationRecord, ...] = ()  # at least those open, or with a step since
    milestones: tuple[MilestoneRecord, ...] = ()  # of the book's plans

    def __post_init__(self) -> None:
        if self.call_target < 0:
            raise ValueError(f"a call target is a number of calls, got {self.call_target}")


# ---------- moments and days -------------------------------------------------------------------


def utc(moment: datetime) -> datetime:
    """A moment in UTC; a naive one (as SQLite may hand it back) is read as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def utc_day(moment: datetime) -> date:
    """The UTC day of a moment: the day an event counts on, as on the SLA clock."""
    return utc(moment).date()


def weekday_name(day: date) -> str:
    """'Tue', in English whatever the locale."""
    return WEEKDAY_NAMES[day.weekday()].capitalize()


def window_days(within: Duration) -> int:
    """The rules' `renewals_within` in days (the rules file takes it in days or weeks)."""
    return within.amount * 7 if within.unit is Unit.WEEKS else within.amount
