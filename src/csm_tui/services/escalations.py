"""The escalation ladder: every open escalation of a book with its SLA, and each step of an
escalation's life (open, raise, lower, follow up, note, resolve, close with its review,
reopen) and the recovery plan of a red account.

The screen and `csm escalation` call these same methods. Every step is one transaction with
the account's reschedule (its follow-up item and pin move as the rules say) and can be taken
back (`Undo.change`: the rows as they were). The rules of the ladder (which step is allowed,
the SLA's clock and words) are `domain.ladder`'s.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session

from csm_tui.domain.calendar import Duration
from csm_tui.domain.enums import EscalationStatus, RiskCategory, TouchKind
from csm_tui.domain.escalation_view import EscalationView, LadderRow
from csm_tui.domain.explain import next_words
from csm_tui.domain.ladder import (
    EventKind,
    SlaClock,
    breached,
    close_problem,
    countdown_words,
    days_at_level,
    lower_problem,
    raise_problem,
    reason_problem,
    reopen_problem,
    resolve_problem,
    sla_clock,
)
from csm_tui.domain.rulebook import EscalationSla
from csm_tui.domain.team import Member
from csm_tui.errors import CsmError
from csm_tui.models import Escalation, EscalationEvent, RecoveryPlan, Touchpoint, new_row_id, now_on
from csm_tui.rules import LoadedRules
from csm_tui.services.outbox import derived, records
from csm_tui.services.scheduling import Schedule
from csm_tui.services.triage import Done, Undo, step_done, take_back
from csm_tui.store import escalations as store
from csm_tui.store import triage as triage_store
from csm_tui.store.database import Database
from csm_tui.store.undo import Key, changed, states

#: The highest level of the ladder.
TOP = 5


class EscalationError(CsmError):
    """A step of the ladder that cannot be taken, said so that the user can fix it."""


@dataclass(frozen=True, slots=True)
class LadderLine:
    """One row of the ladder as of `now`: the escalation, its SLA clock and what it says."""

    row: LadderRow
    clock: SlaClock
    countdown: str  # "in 5h", "2 business days overdue", "now"
    breached: bool
    days_at_level: int  # business days (the rules' calendar) since the level changed


@dataclass(frozen=True, slots=True)
class Ladder:
    team: bool
    closed: bool  # the closed (and resolved) ones rather than the open
    lines: tuple[LadderLine, ...]  # breached first, then highest level, then oldest


@dataclass(frozen=True, slots=True)
class Shown:
    """One escalation in full, with its line on the ladder."""

    view: EscalationView
    line: LadderLine


@dataclass
class Escalations:
    db: Database
    rules: LoadedRules
    today: date
    me: Member | None
    schedule: Schedule = field(init=False)
    #: The moment steps are recorded at: the real time of day on `today`.
    now: Callable[[], datetime] = field(init=False)

    def __post_init__(self) -> None:
        self.schedule = Schedule(self.db, self.rules, self.today)
        self.now = lambda: now_on(self.today)

    # -- reading ---------------------------------------------------------------------------

    @property
    def _follow_ups(self) -> frozenset[str]:
        return self.rules.rulebook.escalation.satisfied_by

    def ladder(self, *, team: bool, closed: bool = False) -> Ladder:
        """Every open escalation of my book (or the team's), breached first; `closed`: the
        resolved and closed ones, latest first."""
        owner = None if team or self.me is None else self.me.email
        statuses = (
            (EscalationStatus.RESOLVED.value, EscalationStatus.CLOSED.value)
            if closed
            else (EscalationStatus.OPEN.value,)
        )
        with self.db.reading() as session:
            rows = store.ladder(
                session, owner_email=owner, follow_up_kinds=self._follow_ups, statuses=statuses
            )
        now = self.now()
        lines = [self._line(row, now) for row in rows]
        if closed:
            lines.sort(key=lambda line: line.row.closed_at or line.row.opened_at, reverse=True)
        else:
            lines.sort(key=lambda line: (not line.breached, -line.row.level, line.row.opened_at))
        return Ladder(team=owner is None, closed=closed, lines=tuple(lines))

    def show(self, escalation_id: str) -> Shown:
        with self.db.reading() as session:
            view = store.in_full(session, self._key(escalation_id), self._follow_ups)
        if view is None:
            raise EscalationError(f"no escalation {escalation_id}: it was deleted, or undone")
        return Shown(view, self._line(view.row, self.now()))

    def find(self, reference: str) -> str:
        """The escalation a user names: its id (or its first 6+ characters), or its account's
        CRM id or name (the account's open escalation, else its latest)."""
        with self.db.reading() as session:
            found = store.find(session, reference)
        if not found:
            raise EscalationError(
                f"no escalation matches {reference!r}: give its id as `csm escalation list` "
                "shows it, or the account's CRM id"
            )
        if len(found) > 1 and store.looks_like_id(reference):
            raise EscalationError(
                f"{reference!r} starts {len(found)} escalation ids: give more of it"
            )
        return str(found[0])

    @records("escalations.undo")
    def undo(self, undo: Undo) -> str:
        """Take back a step (as `u` does on triage)."""
        return take_back(self.db, self.schedule, undo)

    def open_of(self, account_id: str) -> str | None:
        """The account's open escalation, if it has one."""
        with self.db.reading() as session:
            key = store.open_of(session, uuid.UUID(account_id))
        return None if key is None else str(key)

    def _line(self, row: LadderRow, now: datetime) -> LadderLine:
        rulebook = self.rules.rulebook
        sla = rulebook.escalation.levels.get(row.level) or EscalationSla(row.level, _DEFAULT)
        clock = sla_clock(row.level, sla, row.level_since, row.last_follow_up, rulebook.calendar)
        is_open = row.status == EscalationStatus.OPEN.value
        return LadderLine(
            row=row,
            clock=clock,
            countdown=countdown_words(clock, now, self.today, rulebook.calendar)
            if is_open
            else row.status,
            breached=is_open and breached(clock, now, self.today),
            days_at_level=days_at_level(row.level_since, self.today, rulebook.calendar),
        )

    # -- the steps -------------------------------------------------------------------------

    @records("escalations.open", new_keys=("new_id",))
    def open(
        self,
        account_id: str,
        reason: str,
        risk_category: str,
        *,
        level: int = 1,
        new_id: str | None = None,
    ) -> Done:
        """Open an escalation at `level` (1 unless the situation starts higher; `new_id`: its
        id)."""
        reason = reason.strip()
        if not reason:
            raise EscalationError("an escalation needs a reason: what is at risk, and why now")
        try:
            category = RiskCategory.parse(risk_category)
        except ValueError as error:
            raise EscalationError(f"risk category: {error}") from None
        if not 1 <= level <= TOP:
            raise EscalationError(f"a level is 1 to {TOP}, not {level}")
        key = uuid.UUID(account_id)
        with self.db.writing() as session:
            name = self._account_name(session, key)
            current = store.open_of(session, key)
            if current is not None:
                raise EscalationError(
                    f"{name} already has an open escalation: raise or follow up that one "
                    f"(csm escalation show {str(current)[:8]})"
                )
            escalation_id = triage_store.add_escalation(
                session,
                account_id=key,
                reason=reason,
                risk_category=category.value,
                owner_id=self._my_id(),
                level=level,
                now=self.now(),
                new_id=uuid.UUID(new_id) if new_id else None,
            )
            [decision] = self.schedule.recompute(session, [key])
        undo = Undo("escalation", escalation_id, key, f"the escalation of {name}")
        return Done(
            undo,
            decision.next,
            f"Opened an L{level} escalation for {name}. {next_words(decision, self.today)}",
        )

    @records("escalations.raise_level")
    def raise_level(self, escalation_id: str, reason: str, to_level: int | None = None) -> Done:
        """Up the ladder (one level, or to `to_level`): the SLA clock starts again."""

        def step(session: Session, escalation: Escalation) -> tuple[str, list[Key]]:
            target = escalation.level + 1 if to_level is None else to_level
            problem = raise_problem(_status(escalation), escalation.level, target) or (
                reason_problem(reason)
            )
            if problem:
                raise EscalationError(problem)
            return self._move(session, escalation, EventKind.RAISED, target, reason)

        return self._step(escalation_id, step)

    @records("escalations.lower_level")
    def lower_level(self, escalation_id: str, reason: str, to_level: int | None = None) -> Done:
        """Down the ladder (one level, or to `to_level`): the SLA clock starts again."""

        def step(session: Session, escalation: Escalation) -> tuple[str, list[Key]]:
            target = escalation.level - 1 if to_level is None else to_level
            problem = lower_problem(_status(escalation), escalation.level, target) or (
                reason_problem(reason)
            )
            if problem:
                raise EscalationError(problem)
            return self._move(session, escalation, EventKind.LOWERED, target, reason)

        return self._step(escalation_id, step)

    @records("escalations.follow_up", new_keys=("new_id",))
    def follow_up(
        self,
        escalation_id: str,
        summary: str,
        on: date | None = None,
        *,
        new_id: str | None = None,
    ) -> Done:
        """Log the follow-up call the SLA asks for (a touch of kind escalation call; `new_id`:
        the touch's id)."""
        day = on or self.today
        summary = summary.strip()

        def step(session: Session, escalation: Escalation) -> tuple[str, list[Key]]:
            if escalation.status != EscalationStatus.OPEN.value:
                raise EscalationError(
                    f"this escalation is {escalation.status}: reopen it to follow it up"
                )
            if not summary:
                raise EscalationError("a follow-up needs a summary: what was said, what next")
            if day > self.today:
                raise EscalationError(f"a follow-up on {day} has not happened yet")
            touch_id = triage_store.add_touch(
                session,
                account_id=escalation.account_id,
                kind=TouchKind.ESCALATION_CALL.value,
                occurred_on=day,
                summary=summary,
                owner_id=self._my_id(),
                new_id=uuid.UUID(new_id) if new_id else None,
            )
            event = self._event(
                session, escalation, EventKind.FOLLOW_UP, escalation.level, summary, touch_id
            )
            return (
                f"Logged a follow-up of L{escalation.level} on {day:%a %d %b}",
                [event, (Touchpoint, touch_id)],
            )

        return self._step(escalation_id, step)

    @records("escalations.note")
    def note(self, escalation_id: str, text: str) -> Done:
        text = text.strip()

        def step(session: Session, escalation: Escalation) -> tuple[str, list[Key]]:
            if not text:
                raise EscalationError("a note needs some text")
            event = self._event(session, escalation, EventKind.NOTE, escalation.level, text)
            return "Added a note", [event]

        return self._step(escalation_id, step)

    @records("escalations.resolve")
    def resolve(self, escalation_id: str, steps: str) -> Done:
        """Resolved, with the steps that resolved it: it leaves the queue, the review is next."""
        steps = steps.strip()

        def step(session: Session, escalation: Escalation) -> tuple[str, list[Key]]:
            problem = resolve_problem(_status(escalation), steps)
            if problem:
                raise EscalationError(problem)
            now = self.now()
            escalation.status = EscalationStatus.RESOLVED.value
            escalation.resolution = steps
            escalation.resolved_at = now
            event = self._event(session, escalation, EventKind.RESOLVED, escalation.level, steps)
            return "Resolved the escalation (close it with its review: c)", [event]

        return self._step(escalation_id, step)

    @records("escalations.close")
    def close(self, escalation_id: str, lessons: str, process_changed: bool = False) -> Done:
        """Closed with the post-escalation review: lessons learned, and whether a process
        changed."""
        lessons = lessons.strip()

        def step(session: Session, escalation: Escalation) -> tuple[str, list[Key]]:
            problem = close_problem(_status(escalation), lessons)
            if problem:
                raise EscalationError(problem)
            escalation.status = EscalationStatus.CLOSED.value
            escalation.lessons_learned = lessons
            escalation.process_changed = process_changed
            escalation.closed_at = self.now()
            event = self._event(session, escalation, EventKind.CLOSED, escalation.level, lessons)
            return "Closed the escalation with its review", [event]

        return self._step(escalation_id, step)

    @records("escalations.reopen")
    def reopen(self, escalation_id: str, reason: str) -> Done:
        """Open again (at its level, the SLA clock started anew)."""
        reason = reason.strip()

        def step(session: Session, escalation: Escalation) -> tuple[str, list[Key]]:
            problem = reopen_problem(_status(escalation)) or reason_problem(reason)
            if problem:
                raise EscalationError(problem)
            escalation.status = EscalationStatus.OPEN.value
            escalation.closed_at = None
            escalation.resolved_at = None
            event = self._event(session, escalation, EventKind.REOPENED, escalation.level, reason)
            return f"Reopened the escalation at L{escalation.level}", [event]

        return self._step(escalation_id, step)

    @records("escalations.recovery_plan", new_keys=("new_id",))
    def recovery_plan(
        self,
        account_id: str,
        *,
        objectives: str,
        quick_wins: str = "",
        stakeholder_plan: str = "",
        success_metrics: str = "",
        escalation_id: str | None = None,
        new_id: str | None = None,
    ) -> Done:
        """Write a red account's recovery plan: it logs the recovery-plan touch the rules ask
        for, and may belong to one of its escalations (`new_id`: the plan's id; its touch's is
        derived from it)."""
        objectives = objectives.strip()
        if not objectives:
            raise EscalationError("a recovery plan needs its objectives: what recovery means")
        key = uuid.UUID(account_id)
        linked = uuid.UUID(escalation_id) if escalation_id else None
        plan_key = uuid.UUID(new_id) if new_id else new_row_id()
        with self.db.writing() as session:
            name = self._account_name(session, key)
            touch_id = triage_store.add_touch(
                session,
                account_id=key,
                kind=TouchKind.RECOVERY_PLAN.value,
                occurred_on=self.today,
                summary=f"Recovery plan: {objectives.splitlines()[0]}",
                owner_id=self._my_id(),
                new_id=derived(plan_key, "touch"),
            )
            plan_id = store.add_recovery_plan(
                session,
                account_id=key,
                escalation_id=linked,
                objectives=objectives,
                quick_wins=quick_wins.strip(),
                stakeholder_plan=stakeholder_plan.strip(),
                success_metrics=success_metrics.strip(),
                started_on=self.today,
                touch_id=touch_id,
                by_id=self._my_id(),
                new_id=plan_key,
            )
            keys: list[Key] = [
                (RecoveryPlan, plan_id),
                (Touchpoint, touch_id),
            ]
            change = changed(session, (), keys)
            [decision] = self.schedule.recompute(session, [key])
        undo = Undo("recovery-plan", plan_id, key, f"the recovery plan of {name}", change=change)
        return Done(
            undo,
            decision.next,
            f"Wrote the recovery plan of {name}. {next_words(decision, self.today)}",
        )

    @records("escalations.end_recovery_plan")
    def end_recovery_plan(self, plan_id: str) -> Done:
        """The account has recovered (or the plan is replaced): its check-ins stop counting."""
        key = uuid.UUID(plan_id)
        with self.db.writing() as session:
            plan = session.get(RecoveryPlan, key)
            if plan is None or plan.deleted_at is not None:
                raise EscalationError(f"no recovery plan {plan_id}: it was deleted, or undone")
            if plan.ended_on is not None:
                raise EscalationError(f"this recovery plan already ended on {plan.ended_on}")
            name = self._account_name(session, plan.account_id)
            before = states(session, [(RecoveryPlan, key)])
            plan.ended_on = self.today
            plan.updated_at = self.now()
            session.flush()
            change = changed(session, before, [(RecoveryPlan, key)])
            [decision] = self.schedule.recompute(session, [plan.account_id])
        undo = Undo(
            "recovery-plan-end",
            key,
            plan.account_id,
            f"the end of the recovery plan of {name}",
            change=change,
        )
        return Done(undo, decision.next, f"Ended the recovery plan of {name} on {self.today}.")

    # -- helpers ---------------------------------------------------------------------------

    def _step(
        self,
        escalation_id: str,
        step: Callable[[Session, Escalation], tuple[str, list[Key]]],
    ) -> Done:
        """One step in one transaction: the escalation as it was, the step, the account's
        reschedule; undone by putting the rows back as they were."""
        key = self._key(escalation_id)
        with self.db.writing() as session:
            escalation = session.get(Escalation, key)
            if escalation is None or escalation.deleted_at is not None:
                raise EscalationError(f"no escalation {escalation_id}: it was deleted, or undone")
            name = self._account_name(session, escalation.account_id)
            before = states(session, [(Escalation, key)])
            said, made = step(session, escalation)
            escalation.updated_at = self.now()
            session.flush()
            change = changed(session, before, [(Escalation, key), *made])
            [decision] = self.schedule.recompute(session, [escalation.account_id])
        return step_done(
            "escalation-step", key, escalation.account_id, said, name, change, decision, self.today
        )

    def _move(
        self, session: Session, escalation: Escalation, kind: EventKind, to: int, reason: str
    ) -> tuple[str, list[Key]]:
        frm = escalation.level
        event = self._event(session, escalation, kind, to, reason.strip())
        escalation.level = to
        verb = "Raised" if kind is EventKind.RAISED else "Lowered"
        return f"{verb} the escalation from L{frm} to L{to}", [event]

    def _event(
        self,
        session: Session,
        escalation: Escalation,
        kind: EventKind,
        to_level: int,
        why: str,
        touch_id: uuid.UUID | None = None,
    ) -> Key:
        event_id = store.add_event(
            session,
            escalation,
            kind=kind.value,
            to_level=to_level,
            why=why,
            actor_id=self._my_id(),
            now=self.now(),
            touch_id=touch_id,
        )
        return (EscalationEvent, event_id)

    def _key(self, escalation_id: str) -> uuid.UUID:
        try:
            return uuid.UUID(escalation_id)
        except ValueError:
            return uuid.UUID(self.find(escalation_id))

    def _my_id(self) -> uuid.UUID | None:
        return uuid.UUID(self.me.id) if self.me else None

    @staticmethod
    def _account_name(session: Session, account_id: uuid.UUID) -> str:
        name = triage_store.account_name(session, account_id)
        if name is None:
            raise EscalationError("that account no longer exists (deleted since it was read)")
        return name


#: The SLA of a level the rules file does not name (as the engine takes it).
_DEFAULT = Duration.parse("24h")


def _status(escalation: Escalation) -> EscalationStatus:
    return EscalationStatus(escalation.status)
