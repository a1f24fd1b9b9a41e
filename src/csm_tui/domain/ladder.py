"""The escalation ladder, L1 to L5: who is involved, which moves are allowed, and the SLA clock.

The ladder screen, the CLI and the service all ask these same questions, so the answers live
here once. A transition check returns None when the move is allowed, or the sentence to show
(which move, why not, what to do instead); the caller decides whether to raise it or print it.

The SLA clock agrees with the engine's (`engine._escalation_state`, `engine._escalation`) to
the day: it restarts at the last level change (`CLOCK_KINDS`) or at the last follow-up call
logged on or after that day. Where the engine keeps only a date, so does the clock; where the
rules count hours from a moment, the clock keeps the moment too, so a screen can count hours.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from csm_tui.domain.calendar import Duration, Unit, WorkCalendar, add_days, shift
from csm_tui.domain.enums import Choice, EscalationStatus
from csm_tui.domain.rulebook import EscalationRules, EscalationSla
from csm_tui.domain.wording import days_from, due_sentence

LOWEST, HIGHEST = 1, 5
LEVELS = tuple(range(LOWEST, HIGHEST + 1))

#: The SLA of a level the rules file leaves out: the engine's fallback.
FALLBACK_WITHIN = Duration.parse("24h")


class EventKind(Choice):
    """What can happen to an escalation, as its history records it."""

    OPENED = "opened"
    RAISED = "raised"
    LOWERED = "lowered"
    FOLLOW_UP = "follow-up"
    NOTE = "note"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"


#: The events that put an escalation at a level (anew): its SLA clock starts again from them.
CLOCK_KINDS: frozenset[EventKind] = frozenset(
    {EventKind.OPENED, EventKind.RAISED, EventKind.LOWERED, EventKind.REOPENED}
)

#: The seeds' name for each level (004, "Escalation Levels").
LEVEL_TITLES: Mapping[int, str] = {
    1: "CSM resolution",
    2: "CSM + Support",
    3: "CSM manager involvement",
    4: "VP Customer Success",
    5: "CEO/COO escalation",
}

#: Who is involved at each level; each level keeps everyone below it in the loop.
LEVEL_ROLES: Mapping[int, tuple[str, ...]] = {
    1: ("CSM",),
    2: ("CSM", "Support"),
    3: ("CSM", "Support", "CSM manager"),
    4: ("CSM", "Support", "CSM manager", "Product", "VP Customer Success"),
    5: (
        "CSM",
        "Support",
        "CSM manager",
        "Product",
        "VP Customer Success",
        "executive sponsor",
        "CEO/COO",
    ),
}


def level_words(level: int) -> str:
    """'L3': how every screen and message names a level."""
    return f"L{level}"


def level_heading(level: int) -> str:
    """'L3 CSM manager involvement'; a level outside the ladder is named by number alone."""
    title = LEVEL_TITLES.get(level)
    return f"{level_words(level)} {title}" if title else level_words(level)


def roles_added(from_level: int, to_level: int) -> tuple[str, ...]:
    """Who joins on a raise from `from_level` to `to_level` (nobody on a lower): the people
    to notify, as the seeds' escalation process asks."""
    before = set(LEVEL_ROLES.get(from_level, ()))
    return tuple(role for role in LEVEL_ROLES.get(to_level, ()) if role not in before)


def level_sla(rules: EscalationRules, level: int) -> EscalationSla:
    """The SLA of `level` in the rules file, or the engine's 24h fallback for a level it omits."""
    return rules.levels.get(level) or EscalationSla(level, FALLBACK_WITHIN)


# ---------- transitions ------------------------------------------------------------------------


def _not_open(status: EscalationStatus, move: str) -> str | None:
    if status is EscalationStatus.OPEN:
        return None
    return f"this escalation is {status.value}: only an open one is {move}; reopen it first"


def _not_a_level(to_level: int) -> str | None:
    if to_level in LEVELS:
        return None
    return f"there is no {level_words(to_level)}: the ladder runs from L{LOWEST} to L{HIGHEST}"


def raise_problem(status: EscalationStatus, level: int, to_level: int) -> str | None:
    """Why `level` cannot be raised to `to_level`, or None: only an open one, only upwards."""
    if problem := _not_open(status, "raised"):
        return problem
    if level >= HIGHEST:
        return (
            f"{level_words(level)} is the top of the ladder and cannot be raised; "
            "lower it or resolve it instead"
        )
    if problem := _not_a_level(to_level):
        return problem
    if to_level <= level:
        higher = ", ".join(level_words(n) for n in LEVELS if n > level)
        return (
            f"raising {level_words(level)} to {level_words(to_level)} goes nowhere: "
            f"raise it to a higher level ({higher}), or lower it instead"
        )
    return None


def lower_problem(status: EscalationStatus, level: int, to_level: int) -> str | None:
    """Why `level` cannot be lowered to `to_level`, or None: only an open one, only downwards."""
    if problem := _not_open(status, "lowered"):
        return problem
    if level <= LOWEST:
        return (
            f"{level_words(level)} is the bottom of the ladder and cannot be lowered; "
            "resolve it instead"
        )
    if problem := _not_a_level(to_level):
        return problem
    if to_level >= level:
        lower = ", ".join(level_words(n) for n in LEVELS if n < level)
        return (
            f"lowering {level_words(level)} to {level_words(to_level)} goes nowhere: "
            f"lower it to a lower level ({lower}), or raise it instead"
        )
    return None


def resolve_problem(status: EscalationStatus, steps: str) -> str | None:
    """Why it cannot be resolved, or None: an open one, with the steps that resolved it."""
    if status is EscalationStatus.RESOLVED:
        return "this escalation is already resolved: close it with the lessons learned"
    if problem := _not_open(status, "resolved"):
        return problem
    if not steps.strip():
        return "resolving asks for the resolution steps: write down what resolved it"
    return None


def close_problem(status: EscalationStatus, lessons: str) -> str | None:
    """Why it cannot be closed, or None: a resolved one, with the lessons learned."""
    if status is EscalationStatus.OPEN:
        return "this escalation is still open: resolve it first, then close it"
    if status is EscalationStatus.CLOSED:
        return "this escalation is already closed: reopen it if the issue came back"
    if not lessons.strip():
        return "closing asks for the post-escalation review: write down the lessons learned"
    return None


def reopen_problem(status: EscalationStatus) -> str | None:
    """Why it cannot be reopened, or None: only a resolved or closed one comes back."""
    if status is EscalationStatus.OPEN:
        return "this escalation is already open: raise it, lower it or log a follow-up instead"
    return None


def reason_problem(text: str) -> str | None:
    """Why a raise or lower cannot be recorded, or None: the history keeps why the level moved."""
    if not text.strip():
        return "a raise or lower needs a reason: write down why the level changes"
    return None


# ---------- the SLA clock ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SlaClock:
    """The current level's SLA as it runs. `due` and `breach` are datetimes (UTC) while an
    hour-based SLA runs from the level change, dates otherwise: the engine counts a follow-up,
    and any day-based SLA, by whole days."""

    level: int
    sla: EscalationSla
    since: datetime  # UTC: the last clock event (`CLOCK_KINDS`)
    last_follow_up: date | None  # the last follow-up call on or after `since`'s day
    due: date | datetime  # the next follow-up
    breach: date | datetime  # the last moment (or day) within the SLA

    @property
    def due_day(self) -> date:
        """The engine's due date of the follow-up (`Candidate.due`)."""
        return _day(self.due)

    @property
    def breach_day(self) -> date:
        """The engine's breach day (`Decision.breach_at`): breached on any later day."""
        return _day(self.breach)

    @property
    def in_hours(self) -> bool:
        """Whether the clock counts hours (an hour-based SLA with no follow-up since)."""
        return isinstance(self.due, datetime)


def _day(moment: date | datetime) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def _utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"{name} must be an aware datetime (UTC), got {moment.isoformat()}")
    return moment.astimezone(UTC)


def _after(moment: datetime, duration: Duration, calendar: WorkCalendar) -> date | datetime:
    """As `engine._after`, but an hour-based SLA keeps the moment, not only its day."""
    if duration.unit is Unit.HOURS:
        try:
            return moment + timedelta(hours=duration.amount)
        except OverflowError:  # a moment of older data near the end of the calendar
            end = datetime.max if duration.amount >= 0 else datetime.min
            return end.replace(tzinfo=UTC)
    return shift(moment.date(), duration, calendar).day


def sla_clock(
    level: int,
    sla: EscalationSla,
    since: datetime,
    last_follow_up: date | None,
    calendar: WorkCalendar,
) -> SlaClock:
    """The clock of `level` from `since`, restarted by a follow-up logged on or after its day.

    Same days as the engine: a follow-up moves both points by the SLA from its day (an hour-based
    SLA by whole days, which the engine cannot place within a day), and the next one is never due
    on the day of the last, nor breached by its end. `last_follow_up` is the caller's latest
    follow-up up to today; one before the level change is ignored, as the engine ignores it.
    """
    start = _utc(since, "since")
    last = last_follow_up if last_follow_up is not None and last_follow_up >= start.date() else None
    bound = sla.latest or sla.within
    due: date | datetime
    breach: date | datetime
    if last is None:
        due, breach = _after(start, sla.within, calendar), _after(start, bound, calendar)
    else:
        next_day = add_days(last, 1)
        due = shift(last, sla.within, calendar).day
        due = next_day if due <= last else due
        breach = max(shift(last, bound, calendar).day, next_day)
    return SlaClock(level, sla, start, last, due, breach)


def breached(clock: SlaClock, now: datetime, today: date) -> bool:
    """Whether the SLA is breached: on any day after the breach day, as the engine says, and
    also from the breach moment of an hour-based bound, which the ladder can count to the hour.
    A 0h bound (L5, immediate attention) is met by a follow-up that day, as in the engine."""
    if today > clock.breach_day:
        return True
    bound = clock.sla.latest or clock.sla.within
    timed = isinstance(clock.breach, datetime) and bound.amount > 0
    return timed and _utc(now, "now") > clock.breach


def countdown_words(clock: SlaClock, now: datetime, today: date, calendar: WorkCalendar) -> str:
    """How long until the next follow-up is due, in the SLA's own units: 'in 5h', '3h overdue'
    (hours), 'in 2 business days', '1 business day overdue', 'due today' (business days),
    'now' (a 0h SLA, immediate attention); else in days as the rest of csm says them."""
    if isinstance(clock.due, datetime):
        if clock.sla.within.amount == 0:
            return "now"
        seconds = (clock.due - _utc(now, "now")).total_seconds()
        if seconds > 0:  # at most that long left: never "in 0h"
            return f"in {math.ceil(seconds / 3600)}h"
        if seconds < 0:  # at least that late, and late from the first minute
            return f"{max(1, math.floor(-seconds / 3600))}h overdue"
        return "now"
    due = clock.due
    if clock.sla.within.unit is not Unit.BUSINESS_DAYS:
        return due_sentence(days_from(today, due))
    if due == today:
        return "due today"
    if due > today:  # at least one, even if `due` is itself no workday
        return f"in {_business_days(max(1, business_days_between(today, due, calendar)))}"
    return f"{_business_days(max(1, business_days_between(due, today, calendar)))} overdue"


def _business_days(n: int) -> str:
    return f"{n} business day" if n == 1 else f"{n} business days"


def business_days_between(start: date, end: date, calendar: WorkCalendar) -> int:
    """The workdays after `start` up to and including `end` (0 when `end` is not later)."""
    if end <= start:
        return 0
    weeks, rest = divmod((end - start).days, 7)
    count = weeks * len(calendar.workdays)  # every run of 7 days holds each weekday once
    first = start.weekday() + 1
    count += sum(1 for n in range(rest) if (first + n) % 7 in calendar.workdays)
    off = (d for d in calendar.holidays if start < d <= end and d.weekday() in calendar.workdays)
    return count - sum(1 for _ in off)


def days_at_level(since: datetime, today: date, calendar: WorkCalendar) -> int:
    """Business days at the current level: 0 on the (UTC) day it changed, 1 on the next
    workday, and never less than 0."""
    return business_days_between(_utc(since, "since").date(), today, calendar)
