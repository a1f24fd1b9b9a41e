"""The weekly wrap-up's inputs (`domain.wrapup_inputs.CsmBook`) for every CSM of the team, read
in bulk: one query per table for all the team's accounts (the team's week for 20 CSMs and 5,000
accounts with a year of history under a second: DESIGN), rows grouped by owner in Python.

As `store.facts` reads: plain columns, keys and dates read raw (`raw_column`, `Days`), only what
the week's figures read (`wrapup_inputs` says what each field must hold). The days read run
from `first`, the week's Monday (or `as_of` for a week still to come), to `as_of`: nothing later
counts. A member's book is the live accounts they own (`account.owner_id`). The trends read a
span of weeks the same way, from its first week's Monday (`team_books_span`, `member_book_span`).
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Connection, or_, select
from sqlmodel import Session

from csm_tui.domain.enums import EscalationStatus, MilestoneStatus, Role, TouchKind
from csm_tui.domain.iso_week import IsoWeek
from csm_tui.domain.ladder import EventKind
from csm_tui.domain.team import weekly_call_target
from csm_tui.domain.wrapup_inputs import (
    BookAccount,
    CsmBook,
    DueMove,
    EscalationRecord,
    EscalationStep,
    MilestoneRecord,
    RecoveryPlanSpan,
    ScheduledItem,
    Snapshot,
    Touch,
    WeekRules,
    utc,
    utc_day,
)
from csm_tui.models import (
    Account,
    Escalation,
    EscalationEvent,
    HealthSnapshot,
    Milestone,
    MilestoneMove,
    Objective,
    RecoveryPlan,
    ScheduledTouch,
    SuccessPlan,
    TeamMember,
    Touchpoint,
    table_of,
)
from csm_tui.store.facts import fetch, raw_column
from csm_tui.store.memory import gc_paused
from csm_tui.store.raw import Dates, Days, canonical

_MEMBER = table_of(TeamMember)
_ACCOUNT = table_of(Account)
_TOUCH = table_of(Touchpoint)
_HEALTH = table_of(HealthSnapshot)
_RECOVERY = table_of(RecoveryPlan)
_ITEM = table_of(ScheduledTouch)
_ESCALATION = table_of(Escalation)
_EVENT = table_of(EscalationEvent)
_PLAN = table_of(SuccessPlan)
_OBJECTIVE = table_of(Objective)
_MILESTONE = table_of(Milestone)
_MOVE = table_of(MilestoneMove)

_TOUCH_KINDS = {kind.value: kind for kind in TouchKind}
_EVENT_KINDS = {kind.value: kind for kind in EventKind}
_MILESTONE_STATUSES = {status.value: status for status in MilestoneStatus}
_ONE_DAY = timedelta(days=1)

#: Restricts a query to the book's accounts, given the column that holds the account key.
_Scope = Callable[[ColumnElement[Any]], ColumnElement[bool]]


def team_books(
    session: Session,
    week: IsoWeek,
    today: date,
    rules: WeekRules,
    targets: Mapping[str, int],
    among: frozenset[str] | None = None,
    *,
    since: IsoWeek | None = None,
) -> list[CsmBook]:
    """The book of every CSM of the team, by name: each live member with the CSM role, and any
    other live member who owns live accounts (a manager with a book of their own: their
    accounts would be missing from the team's totals otherwise). `targets`: `[wrapup]
    cadence_calls_per_week`. `among` (member ids): only those of them (a manager's team:
    `domain.team.reports_under` and the manager); None: the whole team. `since`: read every
    week from that one to `week` in the same read (the trends), not `week` alone."""
    m = _MEMBER.c
    owners = select(_ACCOUNT.c.owner_id).where(_ACCOUNT.c.deleted_at.is_(None))
    members = sa.and_(m.deleted_at.is_(None), or_(m.role == Role.CSM.value, m.id.in_(owners)))
    if among is not None:
        members = sa.and_(members, m.id.in_(sorted(uuid.UUID(key) for key in among)))
    return _Read(session.connection(), week, today, rules, targets, since).books(members)


def member_book(
    session: Session,
    member_id: str,
    week: IsoWeek,
    today: date,
    rules: WeekRules,
    targets: Mapping[str, int],
    *,
    since: IsoWeek | None = None,
) -> CsmBook:
    """One member's book (whatever their role): the same read as `team_books`, for their
    accounts only. A member who is not in the team reads as an empty book."""
    m = _MEMBER.c
    members = sa.and_(m.deleted_at.is_(None), m.id == uuid.UUID(member_id))
    found = _Read(session.connection(), week, today, rules, targets, since).books(members)
    return found[0] if found else CsmBook(member_id, "", 0)


@dataclass(frozen=True, slots=True)
class _Member:
    id: str
    name: str
    segment: str | None


@dataclass(slots=True)
class _Shelf:
    """A member's rows, as they are sorted out of the reads."""

    accounts: list[BookAccount] = field(default_factory=list)
    touches: list[Touch] = field(default_factory=list)
    items: list[ScheduledItem] = field(default_factory=list)
    escalations: list[EscalationRecord] = field(default_factory=list)
    milestones: list[MilestoneRecord] = field(default_factory=list)


class _Read:
    """One read of some members' books for a week: a query per table, grouped in Python."""

    def __init__(
        self,
        connection: Connection,
        week: IsoWeek,
        today: date,
        rules: WeekRules,
        targets: Mapping[str, int],
        first_week: IsoWeek | None = None,
    ) -> None:
        """Reads `week`, or with `first_week`, every week from that one to `week`."""
        self.connection = connection
        self.rules = rules
        self.targets = targets
        self.last = week.as_of(today)  # nothing later counts
        start = (first_week or week).monday
        self.first = min(start, self.last)  # the first day whose events count
        self.since = datetime.combine(self.first, time(), tzinfo=UTC)  # its first moment
        self.days = Days()
        self.dates = Dates()
        self.segments: dict[str, str] = {}  # account id -> segment, as `accounts` reads them
        self._keys: dict[Any, str] = {}  # raw key -> canonical, shared by the reads

    def key(self, raw: Any) -> str:
        """A raw key read as its canonical text, worked out once per key (an account's id
        comes back with each of its touches, snapshots and items)."""
        found = self._keys.get(raw)
        if found is None:
            found = self._keys[raw] = canonical(raw)
        return found

    def books(self, members: ColumnElement[bool]) -> list[CsmBook]:
        m, a = _MEMBER.c, _ACCOUNT.c
        with gc_paused():
            team = {
                key: _Member(canonical(key), name, segment)
                for key, name, segment in self.connection.execute(
                    select(raw_column(m.id), m.name, m.segment).where(members)
                )
            }
            if not team:
                return []
            book_ids = select(a.id).where(
                a.deleted_at.is_(None), a.owner_id.in_(select(m.id).where(members))
            )

            def scope(column: ColumnElement[Any]) -> ColumnElement[bool]:
                return column.in_(book_ids)

            accounts, owner_of = self.accounts(scope)
            escalations, escalated = self.escalations(scope)
            touches, follow_ups = self.touches(scope, escalated)
            items = self.items(scope)
            milestones = self.milestones(scope)
        shelves: defaultdict[str, _Shelf] = defaultdict(_Shelf)
        for account in accounts:
            shelves[owner_of[account.id]].accounts.append(account)
        for touch in touches:
            shelves[owner_of[touch.account_id]].touches.append(touch)
        for item in items:
            shelves[owner_of[item.account_id]].items.append(item)
        for milestone in milestones:
            shelves[owner_of[milestone.account_id]].milestones.append(milestone)
        for record in escalations:
            opened = utc_day(record.opened_at)
            days = sorted(d for d in follow_ups.get(record.account_id, ()) if d >= opened)
            shelf = shelves[owner_of[record.account_id]]
            shelf.escalations.append(replace(record, follow_ups=tuple(days)))
        books = []
        for member in team.values():
            shelf = shelves.get(member.id) or _Shelf()
            segments = Counter(self.segments[account.id] for account in shelf.accounts)
            target = weekly_call_target(member.segment, segments, self.targets)
            books.append(
                CsmBook(
                    member_id=member.id,
                    name=member.name,
                    call_target=0 if target is None else target.calls,
                    accounts=tuple(shelf.accounts),
                    touches=tuple(shelf.touches),
                    items=tuple(shelf.items),
                    escalations=tuple(shelf.escalations),
                    milestones=tuple(shelf.milestones),
                )
            )
        books.sort(key=lambda book: (book.name.casefold(), book.member_id))
        return books

    # --- accounts and their health ----------------------------------------------------------

    def accounts(self, scope: _Scope) -> tuple[list[BookAccount], dict[str, str]]:
        """The book's accounts with their snapshots and recovery plans, and each one's owner
        (canonical keys). The last snapshot before `first` is read with the account (one index
        probe per account, as `store.facts` reads it: cheaper than grouping a year of them)."""
        a, h = _ACCOUNT.c, _HEALTH.c

        def before(column: ColumnElement[Any]) -> ColumnElement[Any]:
            return (
                select(column)
                .where(h.account_id == a.id, h.taken_on < self.first, h.deleted_at.is_(None))
                .order_by(h.taken_on.desc())
                .limit(1)
                .correlate(_ACCOUNT)
                .scalar_subquery()
            )

        parts = (h.score, h.engagement, h.success, h.satisfaction, h.financial)
        rows = fetch(
            self.connection,
            select(
                raw_column(a.id),
                raw_column(a.owner_id),
                a.name,
                a.segment,
                a.arr_cents,
                raw_column(a.renewal_date),
                a.health_score,
                raw_column(before(h.taken_on)),
                *(before(part) for part in parts),
            ).where(scope(a.id)),
        )
        snapshots = self.snapshots(scope)
        plans = self.recovery_plans(scope)
        days, dates = self.days, self.dates
        owner_of: dict[str, str] = {}
        found = []
        for key, owner, name, segment, arr, renewal, score, before_on, *before_parts in rows:
            account_id = self.key(key)
            owner_of[account_id] = self.key(owner)
            self.segments[account_id] = segment
            history = snapshots.get(account_id, [])
            if before_on is not None:
                history.append(Snapshot(dates[before_on], *before_parts))
            found.append(
                BookAccount(
                    id=account_id,
                    name=name,
                    arr_cents=arr,
                    renewal_date=days[renewal],
                    health_score=score,
                    snapshots=tuple(history),
                    recovery_plans=tuple(plans.get(account_id, ())),
                )
            )
        return found, owner_of

    def snapshots(self, scope: _Scope) -> dict[str, list[Snapshot]]:
        """The snapshots from `first` to `last`."""
        h = _HEALTH.c
        statement = select(
            raw_column(h.account_id),
            raw_column(h.taken_on),
            h.score,
            h.engagement,
            h.success,
            h.satisfaction,
            h.financial,
        ).where(
            h.deleted_at.is_(None),
            h.taken_on >= self.first,
            h.taken_on <= self.last,
            scope(h.account_id),
        )
        found: defaultdict[str, list[Snapshot]] = defaultdict(list)
        for key, day, *parts in fetch(self.connection, statement):
            found[self.key(key)].append(Snapshot(self.dates[day], *parts))
        return found

    def recovery_plans(self, scope: _Scope) -> dict[str, list[RecoveryPlanSpan]]:
        """Every live recovery plan (few: one per red spell)."""
        r = _RECOVERY.c
        statement = select(
            raw_column(r.account_id), raw_column(r.started_on), raw_column(r.ended_on)
        ).where(r.deleted_at.is_(None), scope(r.account_id))
        found: defaultdict[str, list[RecoveryPlanSpan]] = defaultdict(list)
        for key, started, ended in fetch(self.connection, statement, bulk=False):
            found[self.key(key)].append(RecoveryPlanSpan(self.dates[started], self.days[ended]))
        return found

    # --- touches and the schedule -----------------------------------------------------------

    def touches(
        self, scope: _Scope, escalated: Mapping[str, date]
    ) -> tuple[list[Touch], dict[str, list[date]]]:
        """In one query: the touches from `first` to `last`; those of the renewal kinds since
        `renewal_window_days` before `first` (the renewal question); and those of the
        escalation's kinds on the `escalated` accounts (canonical keys) since the earliest of
        their openings (`escalated` maps to that day): the follow-ups, by account."""
        t = _TOUCH.c
        window = self.first - timedelta(days=self.rules.renewal_window_days)
        wanted = [
            t.occurred_on >= self.first,
            sa.and_(
                t.kind.in_(sorted(kind.value for kind in self.rules.renewal_kinds)),
                t.occurred_on >= window,
            ),
        ]
        follow_kinds = sorted(self.rules.escalation.satisfied_by)
        if escalated and follow_kinds:
            e = _ESCALATION.c
            wanted.append(
                sa.and_(
                    t.kind.in_(follow_kinds),
                    t.occurred_on >= min(escalated.values()),
                    t.account_id.in_(select(e.account_id).where(self.escalation_wanted())),
                )
            )
        statement = select(raw_column(t.account_id), t.kind, raw_column(t.occurred_on)).where(
            t.deleted_at.is_(None),
            t.occurred_on <= self.last,
            or_(*wanted),
            scope(t.account_id),
        )
        follow = set(follow_kinds)
        touches: list[Touch] = []
        follow_ups: defaultdict[str, list[date]] = defaultdict(list)
        for key, kind, day in fetch(self.connection, statement):
            account_id = self.key(key)
            on = self.dates[day]
            if kind in follow and account_id in escalated:
                follow_ups[account_id].append(on)
            if (known := _TOUCH_KINDS.get(kind)) is not None:  # a kind of older data: no figure
                touches.append(Touch(account_id, on, known))
        return touches, follow_ups

    def items(self, scope: _Scope) -> list[ScheduledItem]:
        """The book's schedule as it stands now, what was due before `last` (later items are
        neither overdue nor gone overdue by then: most of a schedule, never read)."""
        s = _ITEM.c
        statement = select(
            raw_column(s.account_id),
            s.kind,
            raw_column(s.due_on),
            s.label,
            raw_column(s.snoozed_until),
        ).where(s.due_on < self.last, scope(s.account_id))
        return [
            ScheduledItem(self.key(key), kind, self.dates[due], label or "", self.days[snoozed])
            for key, kind, due, label, snoozed in fetch(self.connection, statement)
        ]

    # --- escalations and milestones ---------------------------------------------------------

    def escalation_wanted(self) -> ColumnElement[bool]:
        """The escalations the week reads: open now, or with a step since `first` (its history
        then tells where it stood during the week); for older books without a history, opened,
        resolved or closed since."""
        e, ev = _ESCALATION.c, _EVENT.c
        stepped = select(ev.escalation_id).where(
            ev.deleted_at.is_(None), ev.occurred_at >= self.since
        )
        return sa.and_(
            e.deleted_at.is_(None),
            or_(
                e.status == EscalationStatus.OPEN.value,
                e.id.in_(stepped),
                e.opened_at >= self.since,
                e.resolved_at >= self.since,
                e.closed_at >= self.since,
            ),
        )

    def escalations(self, scope: _Scope) -> tuple[list[EscalationRecord], dict[str, date]]:
        """The escalations the week reads with their whole history (two queries), and the
        accounts they are on, each with the day its earliest one opened."""
        e, ev = _ESCALATION.c, _EVENT.c
        wanted = sa.and_(self.escalation_wanted(), scope(e.account_id))
        rows = self.connection.execute(
            select(
                e.id,
                raw_column(e.account_id),
                e.opened_at,
                e.level,
                e.reason,
                e.lessons_learned,
                e.status,
                e.resolved_at,
                e.closed_at,
            ).where(wanted)
        ).all()
        if not rows:
            return [], {}
        steps: defaultdict[Any, list[EscalationStep]] = defaultdict(list)
        for escalation, kind, at, to_level, from_level in self.connection.execute(
            select(ev.escalation_id, ev.kind, ev.occurred_at, ev.to_level, ev.from_level).where(
                ev.deleted_at.is_(None),
                ev.escalation_id.in_(select(e.id).where(wanted)),
            )
        ):
            if (known := _EVENT_KINDS.get(kind)) is not None:
                steps[escalation].append(EscalationStep(known, utc(at), to_level, from_level))
        records = []
        escalated: dict[str, date] = {}
        for escalation, key, opened_at, level, reason, lessons, status, resolved, closed in rows:
            account_id = self.key(key)
            opened = utc(opened_at)
            ended = None if status == EscalationStatus.OPEN.value else (resolved or closed)
            escalated[account_id] = min(escalated.get(account_id, opened.date()), opened.date())
            records.append(
                EscalationRecord(
                    id=str(escalation),
                    account_id=account_id,
                    opened_at=opened,
                    level=level,
                    reason=reason,
                    lessons_learned=lessons,
                    steps=tuple(steps.get(escalation, ())),
                    ended_at=None if ended is None else utc(ended),
                )
            )
        return records, escalated

    def milestones(self, scope: _Scope) -> list[MilestoneRecord]:
        """The milestones of the book's live plans the week may have done, slipped or moved
        (two queries): done since `first`, due from the day before it to `last` (a slip on a
        counted day), or moved since (a due date in force then that is no longer)."""
        p, o, m, mv = _PLAN.c, _OBJECTIVE.c, _MILESTONE.c, _MOVE.c
        moved = select(mv.milestone_id).where(
            mv.deleted_at.is_(None), mv.moved_on >= self.first - _ONE_DAY
        )
        in_plan = _MILESTONE.join(_OBJECTIVE, o.id == m.objective_id).join(_PLAN, p.id == o.plan_id)
        wanted = sa.and_(
            p.deleted_at.is_(None),
            o.deleted_at.is_(None),
            m.deleted_at.is_(None),
            scope(p.account_id),
            or_(
                m.completed_at >= self.since,
                sa.and_(m.due_on >= self.first - _ONE_DAY, m.due_on <= self.last),
                m.id.in_(moved),
            ),
        )
        rows = self.connection.execute(
            select(
                m.id,
                raw_column(p.account_id),
                m.title,
                m.due_on,
                m.status,
                m.completed_at,
                m.blocked_on,
            )
            .select_from(in_plan)
            .where(wanted)
        ).all()
        if not rows:
            return []
        moves: defaultdict[Any, list[DueMove]] = defaultdict(list)
        for milestone, from_on, to_on, moved_on in self.connection.execute(
            select(mv.milestone_id, mv.from_on, mv.to_on, mv.moved_on).where(
                mv.deleted_at.is_(None),
                mv.milestone_id.in_(select(m.id).select_from(in_plan).where(wanted)),
            )
        ):
            moves[milestone].append(DueMove(from_on, to_on, moved_on))
        return [
            MilestoneRecord(
                id=str(milestone),
                account_id=self.key(key),
                title=title,
                due_on=due_on,
                status=_MILESTONE_STATUSES.get(status, MilestoneStatus.PLANNED),
                completed_on=None if completed_at is None else utc_day(completed_at),
                blocked_on=blocked_on,
                moves=tuple(moves.get(milestone, ())),
            )
            for milestone, key, title, due_on, status, completed_at, blocked_on in rows
        ]
