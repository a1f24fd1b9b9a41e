"""The morning triage for one user on one day: the queue, and everything done from it.

The screen calls these methods from thread workers and `csm log` / `csm snooze` call the very
same ones, so a touch logged from the shell and one logged on the screen are written, and
rescheduled, alike. Every write is one transaction: the row, then the account's schedule.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cache

from sqlmodel import Session

from csm_tui.domain.calendar import EARLIEST
from csm_tui.domain.decision import Candidate, Decision
from csm_tui.domain.enums import MilestoneStatus, RiskCategory, Sentiment, TouchKind
from csm_tui.domain.explain import in_sentence, next_words
from csm_tui.domain.health import BandThresholds
from csm_tui.domain.queue import QueueItem
from csm_tui.domain.rulebook import UrgencyCoefficients
from csm_tui.domain.team import Member
from csm_tui.domain.triage import (
    HEALTH_DROP,
    Counts,
    HealthChange,
    booking_limit,
    booking_problem,
    can_book,
    can_snooze,
    ranked,
    snooze_limit,
)
from csm_tui.errors import CsmError
from csm_tui.models import Milestone, Touchpoint, new_row_id, now_on
from csm_tui.rules import LoadedRules
from csm_tui.services.outbox import derived, derived_ids, records
from csm_tui.services.scheduling import Schedule, account_key
from csm_tui.services.triage_pages import ReadPage, TeamQueue
from csm_tui.services.triage_view import TriageView, alerts_for, health_alerts, read_view
from csm_tui.store import queue, ranks
from csm_tui.store import triage as store
from csm_tui.store.database import Database
from csm_tui.store.facts import load_facts
from csm_tui.store.memory import gc_paused
from csm_tui.store.triage import (
    ContactOption,
    LastTouch,
    MilestoneDue,
    NewActionItem,
    OpenEscalationLine,
)
from csm_tui.store.undo import (
    Change,
    Key,
    RowState,
    changed,
    restore,
    states,
    touch_keys,
)


class TriageError(CsmError):
    """A request the triage cannot carry out, said so that the user can fix it."""


@dataclass(frozen=True, slots=True)
class Detail:
    """What the side panel shows for one row."""

    item: QueueItem
    decision: Decision | None  # None when the account is gone
    candidate: Candidate | None  # the engine's item behind the row (None for an alert)
    last_touch: LastTouch | None
    escalation: OpenEscalationLine | None


@dataclass(frozen=True, slots=True)
class Undo:
    """How to take back one action: which row it wrote, or (`change`) the rows it changed
    as they were before it."""

    what: str  # "touch", "snooze", "review", "escalation"; "touch-edit", "contact"...
    row_id: uuid.UUID
    account_id: uuid.UUID
    description: str  # "the cadence call logged for Acme"
    change: Change | None = None  # None: the action added `row_id`, and undo withdraws it
    #: Rows of the same kind the action added beside `row_id` (the touches a call also counted
    #: for), withdrawn with it.
    also: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True, slots=True)
class Done:
    undo: Undo
    next_touch: Candidate | None  # the account's next touch after the change
    message: str
    #: The account's touches on today's queue after the change (snoozed ones included), read
    #: in the same transaction: the screen patches its rows without reading the queue again.
    rows: tuple[QueueItem, ...] = ()
    reviewed: bool = False  # the account's health alert was marked reviewed


def step_done(
    what: str,
    row_id: uuid.UUID,
    account_id: uuid.UUID,
    said: str,
    name: str,
    change: Change,
    decision: Decision,
    today: date,
) -> Done:
    """A step that changed rows, said as the plan and escalation screens say it ("Raised to
    L3 (Acme). Next: ..."), undone by putting the rows back as they were."""
    undo = Undo(what, row_id, account_id, f"{said[0].lower()}{said[1:]} ({name})", change=change)
    return Done(undo, decision.next, f"{said} ({name}). {next_words(decision, today)}")


@dataclass(frozen=True, slots=True)
class TouchForm:
    """A touch as the log modal (or `csm log`) gives it."""

    account_id: str
    kind: str
    occurred_on: date
    summary: str
    sentiment: str | None = None
    notes: str | None = None
    attendee_ids: tuple[str, ...] = ()
    action_items: tuple[str, ...] = ()  # next steps, one per item
    #: Other touch kinds the touch also counts for: a cadence call that also ran the NPS
    #: survey logs a survey beside it, the same day.
    also: tuple[str, ...] = ()
    #: Milestones of the account's success plan the touch saw done (ticked in the log form):
    #: marked done that day. A touch alone never completes a milestone.
    milestones_done: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StoreReader:
    """`QueueReader` over the store, in the caller's read transaction (a dry-run import reads
    the queue its rolled-back writes give)."""

    session: Session
    today: date
    coefficients: UrgencyCoefficients

    def queue(
        self,
        *,
        owner_email: str | None,
        ahead_days: int | None = 0,
        include_snoozed: bool = False,
        account_ids: Sequence[str] | None = None,
    ) -> list[QueueItem]:
        keys = None if account_ids is None else [uuid.UUID(key) for key in account_ids]
        return queue.queue(
            self.session,
            today=self.today,
            coefficients=self.coefficients,
            owner_email=owner_email,
            ahead_days=ahead_days,
            include_snoozed=include_snoozed,
            account_ids=keys,
        )

    def health_changes(
        self, *, since: date, owner_email: str | None, bands: BandThresholds
    ) -> dict[str, HealthChange]:
        return store.health_changes(self.session, since=since, owner_email=owner_email, bands=bands)

    def reviewed_since(self, since: date, account_ids: Sequence[str]) -> set[str]:
        return store.reviewed_since(self.session, since, account_ids)


@dataclass
class Triage:
    db: Database
    rules: LoadedRules
    today: date
    me: Member | None
    #: The real calendar date (`Settings.system_today`); None: `today` is taken to be it.
    system_today: date | None = None
    schedule: Schedule = field(init=False)

    def __post_init__(self) -> None:
        self.schedule = Schedule(self.db, self.rules, self.today)

    # -- reading ---------------------------------------------------------------------------

    def load(
        self,
        *,
        team: bool,
        include_snoozed: bool = False,
        record: bool = True,
        ahead_days: int = 0,
        refresh: bool = True,
        paged: bool = False,
    ) -> TriageView:
        """Today's queue (the user's, or the team's), after bringing the schedule up to date.

        `record` notes the visit: opening the queue on a later day moves "since the last
        triage" on (`csm queue` only looks, and records nothing). `ahead_days` adds what falls
        due in the coming days (the counts stay today's). `refresh` False reads the stored
        schedule as it is, even if it was computed for another day (`TriageView.stale`): the
        screen paints that at once, then recomputes the book in the background. `paged` reads
        the team's queue a page at a time (`TriageView.pages`), without its health changes
        and counts (`with_health` adds them): the screen's, which draws the rows in view.
        """
        rescheduled = self.schedule.ensure_current() if refresh else 0
        stale = not refresh and not self.schedule.is_current()
        owner = None if team or self.me is None else self.me.email
        since = self._since(record)
        if paged and team and not include_snoozed and not ahead_days:
            view = self._team_pages(since, stale=stale, rescheduled=rescheduled)
            if view is not None:
                return view
        # A team's queue is a hundred thousand lines without cycles: the collector's passes
        # over them, as they are made, would find nothing (benchmarks: team toggle, stalls).
        with gc_paused(), self.db.reading() as session:
            reader = StoreReader(session, self.today, self.rules.rulebook.urgency)
            return read_view(
                reader,
                today=self.today,
                since=since,
                owner_email=owner,
                bands=self.rules.rulebook.bands,
                include_snoozed=include_snoozed,
                ahead_days=ahead_days,
                rescheduled=rescheduled,
                stale=stale,
            )

    def _team_pages(self, since: date, *, stale: bool, rescheduled: int) -> TriageView | None:
        """The team's queue, to be read a page at a time; None when nothing is due (the whole
        read says what comes next). A stale schedule has no ranks of the day: the view is empty
        and stale, and the screen recomputes the book first."""
        view = TriageView(
            today=self.today,
            since=since,
            team=True,
            items=[],
            changes={},
            counts=Counts(),
            outlook=None,
            rescheduled=rescheduled,
            stale=stale,
            partial=True,
        )
        if stale:
            return view
        if not self.schedule.ranks_current():
            self.schedule.write_ranks()
        pages = self._team_queue(())
        return replace(view, pages=pages) if pages.count(False) else None

    def _team_queue(self, alerts: tuple[QueueItem, ...]) -> TeamQueue:
        rulebook = self.rules.rulebook

        @cache  # asked when the view is made, and again by its first listing: counted once
        def count(every: bool) -> int:
            with self.db.reading() as session:
                return ranks.row_count(session, every=every)

        def pages(every: bool, query: str) -> ReadPage:
            def read(after: bytes | None, limit: int) -> ranks.Page:
                with gc_paused(), self.db.reading() as session:
                    return ranks.page(
                        session,
                        today=self.today,
                        coefficients=rulebook.urgency,
                        bands=rulebook.bands,
                        after=after,
                        limit=limit,
                        every=every,
                        query=query,
                    )

            return read

        return TeamQueue(pages=pages, count=count, bands=rulebook.bands, alerts=alerts)

    def with_health(self, view: TriageView) -> TriageView:
        """A paged team view (`load(paged=True)`) with its health changes, alerts and counts."""
        assert view.pages is not None
        rulebook = self.rules.rulebook
        with gc_paused(), self.db.reading() as session:
            reader = StoreReader(session, self.today, rulebook.urgency)
            changes, alerts = health_alerts(
                reader, since=view.since, owner_email=None, bands=rulebook.bands
            )
            due = ranks.due_counts(session, today=self.today)
        return replace(
            view,
            changes=changes,
            counts=_counts(due, len(alerts)),
            pages=self._team_queue(tuple(alerts)),
            partial=False,
        )

    def after_change(self, view: TriageView, done: Done) -> TriageView:
        """A paged team view after an action on one account (its ranks were written with
        it): the counts read again; its health alert gone if it was reviewed, else ranked
        again with the account's most urgent item as it now stands."""
        assert view.pages is not None
        account_id = str(done.undo.account_id)
        alerts = [alert for alert in view.pages.alerts if alert.account_id != account_id]
        had = len(alerts) < len(view.pages.alerts)
        with self.db.reading() as session:
            if had and not done.reviewed:
                reader = StoreReader(session, self.today, self.rules.rulebook.urgency)
                alerts += alerts_for(reader, [account_id], view.changes, view.since)
            due = ranks.due_counts(session, today=self.today)
        kept = tuple(ranked(alerts))
        return replace(view, counts=_counts(due, len(kept)), pages=self._team_queue(kept))

    def record_visit(self) -> None:
        """Note that the user opened the queue today, as `load` does by default: the app
        reads its first queue without writing (a commit waits on the disk) and notes the
        visit after the first paint. Nothing is noted on a day still to come
        (`records_visits`)."""
        self._since(record=True)

    @property
    def records_visits(self) -> bool:
        """Whether opening the queue on `today` counts as a triage: moves on the stored "last
        triage" that the next morning's health changes are compared with.

        Only on a day that has come: the real date, or an earlier one. A CSM planning ahead
        with `--today` has not triaged that day; were it noted, the real next morning would
        compare health with a day that has not happened, and every drop of the days between
        would pass as seen. A day gone by is safe to note: the store never moves the last
        triage back, and a queue read on a past day compares with today's scores, so it has
        shown every drop the next real morning would list.
        """
        return self.system_today is None or self.today <= self.system_today

    def _since(self, record: bool) -> date:
        if self.me is None:
            return self.today - timedelta(days=1)
        member_id = uuid.UUID(self.me.id)
        if not (record and self.records_visits):
            with self.db.reading() as session:
                return store.last_visit(session, member_id, self.today)
        with self.db.writing() as session:
            return store.record_visit(session, member_id, self.today)

    def detail(self, item: QueueItem) -> Detail:
        """The engine's explanation of the row (recomputed from the facts: always current),
        the last touch and the open escalation."""
        account_id = uuid.UUID(item.account_id)
        with self.db.reading() as session:
            facts = load_facts(session, today=self.today, account_ids=[account_id])
            last = store.last_touch(session, account_id, self.today)
            escalation = store.open_escalation(session, account_id)
        decision = self.schedule.decider()(facts[0]) if facts else None
        candidate = None
        if decision is not None and item.kind != HEALTH_DROP:
            candidate = decision.per_kind().get(item.kind)
        return Detail(item, decision, candidate, last, escalation)

    def contacts(self, account_id: str) -> list[ContactOption]:
        with self.db.reading() as session:
            return store.contacts(session, uuid.UUID(account_id))

    def account_id(self, external_id: str) -> str:
        """The account behind a CRM id, for the command line."""
        with self.db.reading() as session:
            return str(account_key(session, external_id))

    # -- the snooze policy of the rules file -----------------------------------------------

    @property
    def snooze_limit(self) -> date:
        """The latest day a snooze made today may run to."""
        return snooze_limit(self.rules.rulebook, self.today)

    def can_snooze(self, kind: str) -> bool:
        return can_snooze(self.rules.rulebook, kind)

    # -- writing ---------------------------------------------------------------------------

    @records("triage.log_touch", new_keys=("new_id",))
    def log_touch(self, form: TouchForm, *, new_id: str | None = None) -> Done:
        """Log a touch (`new_id`: its id; its action items' and the touches it also counts
        as are derived from it)."""
        kind, summary, sentiment = checked_touch(form, self.today)
        account_id = uuid.UUID(form.account_id)
        touch_key = uuid.UUID(new_id) if new_id else new_row_id()
        item_id = derived_ids(touch_key, "action-item")
        with self.db.writing() as session:
            name = self._account_name(session, account_id)
            known = {contact.id for contact in store.contacts(session, account_id)}
            strangers = [key for key in form.attendee_ids if key not in known]
            if strangers:
                raise TriageError(
                    f"attendees must be current contacts of {name}: {', '.join(strangers)} is not"
                )
            touch_id = store.add_touch(
                session,
                account_id=account_id,
                kind=kind.value,
                occurred_on=form.occurred_on,
                summary=summary,
                sentiment=sentiment,
                notes=(form.notes or "").strip() or None,
                owner_id=self._my_id(),
                attendee_ids=[uuid.UUID(key) for key in form.attendee_ids],
                action_items=[
                    NewActionItem(title.strip(), id=item_id())
                    for title in form.action_items
                    if title.strip()
                ],
                new_id=touch_key,
            )
            also = [
                (
                    other,
                    store.add_touch(
                        session,
                        account_id=account_id,
                        kind=other.value,
                        occurred_on=form.occurred_on,
                        summary=summary,
                        sentiment=sentiment,
                        notes=f"Counted with the {_words(kind)} logged that day.",
                        owner_id=self._my_id(),
                        attendee_ids=[],
                        action_items=[],
                        new_id=derived(touch_key, f"also/{other.value}"),
                    ),
                )
                for other in _also(form.also, kind)
            ]
            ticked = self._milestones_done(session, account_id, form)
            change = None
            if ticked:  # undone as rows put back: the touches withdrawn, the milestones open
                keys: list[Key] = [
                    *touch_keys(session, touch_id),
                    *((Touchpoint, row_id) for _, row_id in also),
                    *((Milestone, state.row_id) for state in ticked),
                ]
                change = changed(session, ticked, keys)
            [decision] = self.schedule.recompute(session, [account_id])
            rows = self._rows_of(session, account_id)
        undo = Undo(
            "touch",
            touch_id,
            account_id,
            f"the {_words(kind)} logged for {name}",
            change=change,
            also=tuple(row_id for _, row_id in also),
        )
        counted = (
            f" (it also counts as {', '.join(_a(other) for other, _ in also)})" if also else ""
        )
        milestones = (
            f" {len(ticked)} milestone{'s' if len(ticked) > 1 else ''} done." if ticked else ""
        )
        return Done(
            undo,
            decision.next,
            f"Logged {_a(kind)} for {name}{counted}.{milestones} "
            f"{next_words(decision, self.today)}",
            rows,
        )

    def _milestones_done(
        self, session: Session, account_id: uuid.UUID, form: TouchForm
    ) -> tuple[RowState, ...]:
        """Mark the ticked milestones done on the touch's day; the rows as they were."""
        keys = [uuid.UUID(key) for key in dict.fromkeys(form.milestones_done)]
        if not keys:
            return ()
        open_ones = {
            milestone.id: milestone
            for milestone in store.open_milestones(session, account_id, keys)
        }
        missing = [str(key) for key in keys if key not in open_ones]
        if missing:
            raise TriageError(
                "a ticked milestone is no longer open on this account (done or deleted "
                "since the form opened): press r to refresh"
            )
        before = states(session, [(Milestone, key) for key in keys])
        done_at = datetime.combine(form.occurred_on, self._now().timetz())
        for milestone in open_ones.values():
            milestone.status = MilestoneStatus.DONE.value
            milestone.completed_at = done_at
            milestone.blocked_reason = milestone.blocked_on = None
        session.flush()
        return before

    def due_milestones(self, account_id: str, ahead_days: int = 7) -> list[MilestoneDue]:
        """The account's open milestones falling due by `ahead_days` from today (late ones
        included), for the log form's ticks."""
        with self.db.reading() as session:
            return store.due_milestones(
                session, uuid.UUID(account_id), self.today + timedelta(days=ahead_days)
            )

    @records("triage.snooze")
    def snooze(self, account_id: str, kind: str | None, until: date, reason: str) -> Done:
        """Put one kind of touch of the account (or, with kind None, all it may) aside."""
        policy = self.rules.rulebook.snooze
        kind = re.sub(r"[\s_]+", "-", kind.strip().lower()) if kind else None
        reason = reason.strip()
        if policy.require_reason and not reason:
            raise TriageError("say why you snooze it: the reason shows on the queue afterwards")
        if until <= self.today:
            raise TriageError(f"snooze until a day after today ({self.today}), not {until}")
        if until > self.snooze_limit:
            raise TriageError(
                f"a snooze runs at most {policy.max} (the rules file): until "
                f"{self.snooze_limit} at the latest"
            )
        if kind is not None and not self.can_snooze(kind):
            allowed = ", ".join(sorted(policy.applies_to))
            raise TriageError(
                f"{kind} cannot be snoozed (the rules file allows: {allowed}); "
                "log it or escalate instead"
            )
        key = uuid.UUID(account_id)
        with self.db.writing() as session:
            name = self._account_name(session, key)
            snooze_id = store.add_snooze(
                session,
                account_id=key,
                kind=kind,
                until=until,
                reason=reason,
                snoozed_on=self.today,
                by_id=self._my_id(),
            )
            [decision] = self.schedule.recompute(session, [key])
            rows = self._rows_of(session, key)
        what = kind.replace("-", " ") if kind else "every snoozable touch"
        undo = Undo("snooze", snooze_id, key, f"the snooze of {what} for {name}")
        return Done(undo, decision.next, f"Snoozed {what} for {name} until {until}.", rows)

    @records("triage.book")
    def book(self, account_id: str, kind: str, on: date, note: str = "") -> Done:
        """Record a meeting already booked for the account's open item of `kind`: the item
        waits for that day instead of counting as overdue, asks to be logged on it, and comes
        back as it was if the day passes with nothing of that kind logged."""
        kind = re.sub(r"[\s_]+", "-", kind.strip().lower())
        if not can_book(kind):
            raise TriageError(
                f"{kind} is not done by a meeting: book a meeting for a touch kind "
                "(a milestone is done in the success plan)"
            )
        key = uuid.UUID(account_id)
        self.schedule.ensure_current()  # the open items are read from the stored schedule
        with self.db.writing() as session:
            name = self._account_name(session, key)
            item = next((row for row in self._open_of(session, key) if row.kind == kind), None)
            limit = booking_limit(item, self.rules.rulebook, self.today) if item else on
            problem = booking_problem(item, kind, on, limit, self.today)
            if problem is not None:
                raise TriageError(problem)
            booking_id = store.add_booking(
                session,
                account_id=key,
                kind=kind,
                on=on,
                note=note.strip(),
                booked_on=self.today,
                by_id=self._my_id(),
            )
            [decision] = self.schedule.recompute(session, [key])
            rows = self._rows_of(session, key)
        what = _words(TouchKind(kind))
        day = f"{on:%a %d %b}" + (f" {on.year}" if on.year != self.today.year else "")
        undo = Undo("booking", booking_id, key, f"the {what} booked with {name}")
        return Done(
            undo, decision.next, f"Booked {_a(TouchKind(kind))} with {name} for {day}.", rows
        )

    @records("triage.review")
    def review(self, account_id: str) -> Done:
        """Mark the account's health alert reviewed: it leaves today's queue."""
        key = uuid.UUID(account_id)
        with self.db.writing() as session:
            name = self._account_name(session, key)
            review_id = store.add_review(
                session, account_id=key, reviewed_on=self.today, by_id=self._my_id()
            )
            rows = self._rows_of(session, key)
        undo = Undo("review", review_id, key, f"the review of {name}'s health drop")
        return Done(undo, None, f"Marked {name}'s health drop reviewed.", rows, reviewed=True)

    @records("triage.escalate", new_keys=("new_id",))
    def escalate(
        self, account_id: str, reason: str, risk_category: str, *, new_id: str | None = None
    ) -> Done:
        """Open a level 1 escalation (the ladder screen raises it later; `new_id`: its id)."""
        reason = reason.strip()
        if not reason:
            raise TriageError("an escalation needs a reason: what is at risk, and why now")
        try:
            category = RiskCategory.parse(risk_category)
        except ValueError as error:
            raise TriageError(f"risk category: {error}") from None
        key = uuid.UUID(account_id)
        with self.db.writing() as session:
            name = self._account_name(session, key)
            current = store.open_escalation(session, key)
            if current is not None:
                raise TriageError(
                    f"{name} already has an open L{current.level} escalation "
                    f"({current.reason}); raise that one instead"
                )
            escalation_id = store.add_escalation(
                session,
                account_id=key,
                reason=reason,
                risk_category=category.value,
                owner_id=self._my_id(),
                now=self._now(),
                new_id=uuid.UUID(new_id) if new_id else None,
            )
            [decision] = self.schedule.recompute(session, [key])
            rows = self._rows_of(session, key)
        undo = Undo("escalation", escalation_id, key, f"the escalation of {name}")
        return Done(
            undo,
            decision.next,
            f"Opened an L1 escalation for {name}. {next_words(decision, self.today)}",
            rows,
        )

    @records("triage.undo")
    def undo(self, undo: Undo) -> str:
        return take_back(self.db, self.schedule, undo)

    # -- helpers ---------------------------------------------------------------------------

    def _now(self) -> datetime:
        return now_on(self.today)

    def _rows_of(self, session: Session, account_id: uuid.UUID) -> tuple[QueueItem, ...]:
        return tuple(
            queue.queue(
                session,
                today=self.today,
                coefficients=self.rules.rulebook.urgency,
                owner_email=None,
                include_snoozed=True,
                account_ids=[account_id],
            )
        )

    def _open_of(self, session: Session, account_id: uuid.UUID) -> list[QueueItem]:
        """Every open item of the account, however far off, snoozed or booked ones too."""
        return queue.queue(
            session,
            today=self.today,
            coefficients=self.rules.rulebook.urgency,
            owner_email=None,
            ahead_days=None,
            include_snoozed=True,
            account_ids=[account_id],
        )

    def _my_id(self) -> uuid.UUID | None:
        return uuid.UUID(self.me.id) if self.me else None

    @staticmethod
    def _account_name(session: Session, account_id: uuid.UUID) -> str:
        name = store.account_name(session, account_id)
        if name is None:
            raise TriageError(
                "that account no longer exists (deleted since the queue loaded); press r to refresh"
            )
        return name


def take_back(db: Database, schedule: Schedule, undo: Undo) -> str:
    """Undo one action in one transaction with its account's reschedule; what it did."""
    with db.writing() as session:
        if undo.change is None:
            account_id = store.withdraw(session, undo.what, undo.row_id)
            if account_id is None:
                return f"Nothing to undo: {undo.description} is already gone."
            for row_id in undo.also:
                store.withdraw(session, undo.what, row_id)
        elif restore(session, undo.change):
            account_id = undo.account_id
        else:
            return f"Not undone: since {undo.description}, the same was changed again."
        schedule.recompute(session, [account_id])
    return f"Undone: {undo.description}."


def checked_touch(form: TouchForm, today: date) -> tuple[TouchKind, str, str | None]:
    """The touch's kind, summary and sentiment, or what to fix: a touch is logged (or
    changed) as something that happened, said in a line."""
    kind = _touch_kind(form.kind)
    summary = form.summary.strip()
    if not summary:
        raise TriageError("a touch needs a summary: one line on what happened")
    if form.occurred_on > today:
        raise TriageError(
            f"a touch is logged once it happened: {form.occurred_on} is after today ({today})"
        )
    if form.occurred_on < EARLIEST:
        raise TriageError(
            f"{form.occurred_on} is before {EARLIEST}, the first day csm plans with: check the year"
        )
    return kind, summary, _sentiment(form.sentiment)


def _touch_kind(text: str) -> TouchKind:
    try:
        return TouchKind.parse(text)
    except ValueError as error:
        raise TriageError(f"kind: {error}") from None


def _also(kinds: Sequence[str], logged: TouchKind) -> list[TouchKind]:
    """The other touch kinds a touch also counts for, each once, in the order given."""
    found: list[TouchKind] = []
    for text in kinds:
        other = _touch_kind(text)
        if other is not logged and other not in found:
            found.append(other)
    return found


def _words(kind: TouchKind) -> str:
    return in_sentence(kind.label)


def _a(kind: TouchKind) -> str:
    words = _words(kind)
    return f"{'an' if words[0] in 'aeiouAEIOU' or words[:3] in ('EBR', 'NPS') else 'a'} {words}"


def _sentiment(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    try:
        return Sentiment.parse(text).value
    except ValueError as error:
        raise TriageError(f"sentiment: {error}") from None


def _counts(due: ranks.DueCounts, health_drops: int) -> Counts:
    return Counts(
        overdue=due.overdue,
        due_today=due.due_today,
        health_drops=health_drops,
        escalations=due.escalations,
        renewals=due.renewals,
        milestones=due.milestones,
    )
