"""The wrap-up's history figures: the week's escalations and milestones, from their histories.

Escalations: each step of the week (opened, raised, lowered, resolved, closed, reopened; follow-ups
and notes are not steps of the ladder), and whether its SLA was past. An escalation is past its SLA
at the end of a day when the engine would say so that day: its clock runs from the last level
change, restarted by a follow-up call, and it is breached on any day after the breach day
(`ladder.sla_clock`). `breached` is at `as_of`; `breached_since` says since when, if it was at
the end of any counted day.

Milestones: done (on the UTC day it was completed), moved, and slipped. A milestone slips on the day
after the due date in force at the end of that date, unless it was done by then or is blocked since
(`success_plan.effective_status`: a blocked one stays blocked). A move on or before the due date
means it did not slip on the old date; a move after it does not undo the slip. A slip marked by hand
holds no day on record and is not reported here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from csm_tui.domain.enums import EscalationStatus, MilestoneStatus
from csm_tui.domain.ladder import CLOCK_KINDS, EventKind, level_sla, sla_clock
from csm_tui.domain.wrapup_inputs import (
    EscalationRecord,
    EscalationStep,
    MilestoneRecord,
    WeekRules,
    utc,
    utc_day,
    weekday_name,
)

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class EscalationLine:
    """An escalation the week moved, or that was past its SLA during it."""

    id: str
    account_id: str
    account_name: str
    reason: str
    level: int  # at `as_of`
    status: EscalationStatus  # at `as_of`
    steps: tuple[EscalationStep, ...]  # the week's steps, follow-ups and notes aside, in order
    lessons_learned: str | None  # when it was closed during the week
    breached_since: date | None  # past its SLA during the week: since that day (it may be earlier)
    breached: bool  # still open and past its SLA at `as_of`

    def did(self, kind: EventKind) -> bool:
        return any(step.kind is kind for step in self.steps)

    @property
    def words(self) -> str:
        """'L3 · opened Tue, raised L2 → L3 Wed, closed Fri' and ' · past SLA since ...'."""
        parts = [_step_words(step) for step in self.steps]
        line = f"L{self.level} · {', '.join(parts)}" if parts else f"L{self.level}"
        if self.breached_since is not None:
            now = "past its SLA" if self.breached else "was past its SLA"
            line += f" · {now} since {self.breached_since.isoformat()}"
        return line


@dataclass(frozen=True, slots=True)
class Escalations:
    """The week's escalations: each one the week moved, and the counts the table shows."""

    lines: tuple[EscalationLine, ...]  # past their SLA first, then by level, highest first
    open_at_end: int  # open at `as_of`

    def count(self, kind: EventKind) -> int:
        """Escalations with a step of `kind` during the week."""
        return sum(1 for line in self.lines if line.did(kind))

    @property
    def breached(self) -> tuple[EscalationLine, ...]:
        return tuple(line for line in self.lines if line.breached)


@dataclass(frozen=True, slots=True)
class MilestoneChange:
    """A milestone done, slipped or moved during the week."""

    milestone_id: str
    account_id: str
    account_name: str
    title: str
    on: date  # the day it was done, slipped or moved
    due_on: date | None  # the due date in force then (a move: the date it left)
    to_on: date | None = None  # a move: the new due date

    @property
    def late_days(self) -> int:
        """Done or moved after its due date: by how many days (0: on time)."""
        return 0 if self.due_on is None else max(0, (self.on - self.due_on).days)


@dataclass(frozen=True, slots=True)
class Milestones:
    done: tuple[MilestoneChange, ...]  # in date order
    slipped: tuple[MilestoneChange, ...]  # `on` is the first day late
    moved: tuple[MilestoneChange, ...]  # every move, before or after the due date


# ---------- escalations ------------------------------------------------------------------------

_SHOWN_STEPS = frozenset(EventKind) - {EventKind.FOLLOW_UP, EventKind.NOTE}
_OPENING = frozenset({EventKind.OPENED, EventKind.REOPENED})
_ENDING = {EventKind.RESOLVED: EscalationStatus.RESOLVED, EventKind.CLOSED: EscalationStatus.CLOSED}


@dataclass(frozen=True, slots=True)
class _State:
    status: EscalationStatus
    level: int
    since: datetime  # the SLA clock's start


def _history(record: EscalationRecord) -> list[EscalationStep]:
    """Its steps in time order, with an opening at `opened_at` when the history has none."""
    steps = sorted(record.steps, key=lambda s: utc(s.at))
    if not any(step.kind is EventKind.OPENED for step in steps):
        level = steps[0].from_level if steps and steps[0].from_level else record.level
        steps.insert(0, EscalationStep(EventKind.OPENED, utc(record.opened_at), level))
    return steps


def _state_on(steps: Sequence[EscalationStep], day: date) -> _State | None:
    """Where it stood at the end of `day`; None before it opened."""
    state: _State | None = None
    for step in steps:
        if utc_day(step.at) > day:
            break
        status = _ENDING.get(step.kind, EscalationStatus.OPEN if step.kind in _OPENING else None)
        status = status or (state.status if state else EscalationStatus.OPEN)
        since = utc(step.at) if step.kind in CLOCK_KINDS or state is None else state.since
        state = _State(status, step.to_level, since)
    return state


def open_levels(record: EscalationRecord, days: Sequence[date]) -> tuple[int | None, ...]:
    """The level the escalation stood open at at the end of each of `days`; None on a day it
    was not open (not opened yet, or resolved or closed). Read from its history as the week
    reads it (`week_escalations`), so that the trends and the week agree on what was open; a
    history with no resolving or closing step ends at `ended_at` (older books: else such an
    escalation would stay open on every later day)."""
    steps = _history(record)
    if record.ended_at is not None and not any(s.kind in _ENDING for s in steps):
        level = steps[-1].to_level
        steps.append(EscalationStep(EventKind.CLOSED, utc(record.ended_at), level))
        steps.sort(key=lambda s: utc(s.at))
    states = (_state_on(steps, day) for day in days)
    return tuple(
        s.level if s is not None and s.status is EscalationStatus.OPEN else None for s in states
    )


def _breach_since(
    record: EscalationRecord, steps: Sequence[EscalationStep], day: date, rules: WeekRules
) -> date | None:
    """The day its SLA was first past, if it was at the end of `day` (as the engine says)."""
    state = _state_on(steps, day)
    if state is None or state.status is not EscalationStatus.OPEN:
        return None
    start = state.since.date()
    last = max((d for d in record.follow_ups if start <= d <= day), default=None)
    sla = level_sla(rules.escalation, state.level)
    clock = sla_clock(state.level, sla, state.since, last, rules.calendar)
    return clock.breach_day + _ONE_DAY if day > clock.breach_day else None


def week_escalations(
    records: Iterable[EscalationRecord],
    names: Mapping[str, str],
    counted: Sequence[date],
    as_of: date,
    rules: WeekRules,
) -> Escalations:
    """The escalations of the accounts in `names` (account id -> name) that the counted days
    moved or saw past their SLA; past their SLA at `as_of` first, then by level."""
    lines: list[EscalationLine] = []
    open_at_end = 0
    for record in records:
        if record.account_id not in names:
            continue
        steps = _history(record)
        state = _state_on(steps, as_of)
        if state is None:
            continue
        open_at_end += state.status is EscalationStatus.OPEN
        week = [s for s in steps if s.kind in _SHOWN_STEPS and utc_day(s.at) in counted]
        since = next(
            (d for day in counted if (d := _breach_since(record, steps, day, rules))), None
        )
        breached = bool(counted) and _breach_since(record, steps, as_of, rules) is not None
        if not week and since is None:
            continue
        closed = any(step.kind is EventKind.CLOSED for step in week)
        lines.append(
            EscalationLine(
                record.id,
                record.account_id,
                names[record.account_id],
                record.reason,
                state.level,
                state.status,
                tuple(week),
                record.lessons_learned if closed else None,
                since,
                breached,
            )
        )
    lines.sort(key=lambda line: (not line.breached, -line.level, line.account_name.casefold()))
    return Escalations(tuple(lines), open_at_end)


def _step_words(step: EscalationStep) -> str:
    day = weekday_name(utc_day(step.at))
    if step.kind in (EventKind.RAISED, EventKind.LOWERED) and step.from_level is not None:
        return f"{step.kind.value} L{step.from_level} → L{step.to_level} {day}"
    return f"{step.kind.value} {day}"


# ---------- milestones -------------------------------------------------------------------------


def due_in_force(milestone: MilestoneRecord, day: date) -> date | None:
    """The milestone's due date at the end of `day`: moves made by then applied."""
    moves = sorted(milestone.moves, key=lambda m: m.moved_on)
    if not moves or moves[-1].moved_on <= day:
        return milestone.due_on
    due = moves[0].from_on
    for move in moves:
        if move.moved_on > day:
            break
        due = move.to_on
    return due


def slipped_on(milestone: MilestoneRecord, day: date) -> date | None:
    """The due date that passed if the milestone slipped on `day` (its first day late)."""
    due = due_in_force(milestone, day - _ONE_DAY)
    if due is None or due != day - _ONE_DAY:
        return None
    done = milestone.status is MilestoneStatus.DONE
    if done and (milestone.completed_on is None or milestone.completed_on <= due):
        return None
    blocked = milestone.status is MilestoneStatus.BLOCKED
    if blocked and (milestone.blocked_on is None or milestone.blocked_on <= due):
        return None
    return due


def week_milestones(
    records: Iterable[MilestoneRecord], names: Mapping[str, str], counted: Sequence[date]
) -> Milestones:
    """The milestones of the accounts in `names` done, slipped or moved on the counted days."""
    done: list[MilestoneChange] = []
    slipped: list[MilestoneChange] = []
    moved: list[MilestoneChange] = []
    for m in records:
        name = names.get(m.account_id)
        if name is None:
            continue
        on = m.completed_on
        if m.status is MilestoneStatus.DONE and on is not None and on in counted:
            done.append(_change(m, name, on, due_in_force(m, on)))
        slip = next(((day, due) for day in counted if (due := slipped_on(m, day))), None)
        if slip is not None:
            slipped.append(_change(m, name, *slip))
        moved += (
            _change(m, name, move.moved_on, move.from_on, move.to_on)
            for move in m.moves
            if move.moved_on in counted
        )
    return Milestones(_by_day(done), _by_day(slipped), _by_day(moved))


def _change(
    m: MilestoneRecord, name: str, on: date, due: date | None, to: date | None = None
) -> MilestoneChange:
    return MilestoneChange(m.id, m.account_id, name, m.title, on, due, to)


def _by_day(changes: Iterable[MilestoneChange]) -> tuple[MilestoneChange, ...]:
    return tuple(
        sorted(changes, key=lambda c: (c.on, c.account_name.casefold(), c.title.casefold()))
    )
