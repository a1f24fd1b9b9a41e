"""The rules engine's input (`domain.facts.AccountFacts`), read from the database in bulk.

SQLAlchemy Core selects of plain columns, one query per table (not per account), rows grouped in
Python. Account keys are read as the driver gives them (SQLite: 32-digit hex text; PostgreSQL:
`uuid.UUID`), so no row pays for a UUID object; only the account's own key is turned into
canonical text, once. `load_facts` reads for the caller's session; `store.recompute` reads a
range of accounts at a time with the same `Reader`, and reads the stored plans with its helpers.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import date, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Connection, ScalarSelect, func, or_, select
from sqlmodel import Session

from csm_tui.domain.enums import EscalationStatus, MilestoneStatus
from csm_tui.domain.facts import (
    HEALTH_WINDOW_DAYS,
    AccountFacts,
    HealthPoint,
    OpenEscalation,
    OpenMilestone,
)
from csm_tui.domain.facts import Booking as BookingFact
from csm_tui.domain.facts import Snooze as SnoozeFact
from csm_tui.domain.health import ScoreRange
from csm_tui.domain.ladder import CLOCK_KINDS
from csm_tui.domain.success_plan import MilestoneLine, ObjectiveLine, PlanLine, PlanStatus
from csm_tui.models import (
    Account,
    Booking,
    Escalation,
    EscalationEvent,
    HealthSnapshot,
    Milestone,
    Objective,
    Snooze,
    SuccessPlan,
    Touchpoint,
    as_utc,
    table_of,
)
from csm_tui.store.memory import gc_paused
from csm_tui.store.raw import Dates, Days, canonical

#: Ids per `IN (...)` list: well under SQLite's and PostgreSQL's parameter limits.
IN_CHUNK = 500
#: Accounts from which `load_facts` reads the whole book and keeps them, rather than a query
#: per table for each `IN_CHUNK` of them, each rendered with its keys (an import of a whole
#: book: benchmarks: import).
WHOLE_BOOK_FROM = 20 * IN_CHUNK
#: Touch history the engine sees: this many days back, plus the latest older touch per kind.
LOOKBACK_DAYS = 800

_ACCOUNT = table_of(Account)
_TOUCH = table_of(Touchpoint)
_HEALTH = table_of(HealthSnapshot)
_ESCALATION = table_of(Escalation)
_EVENT = table_of(EscalationEvent)
_SNOOZE = table_of(Snooze)
_BOOKING = table_of(Booking)
_PLAN = table_of(SuccessPlan)
_OBJECTIVE = table_of(Objective)
_MILESTONE = table_of(Milestone)

#: The id of a plan, objective or milestone in the facts: the engine names them by title.
NO_ID = uuid.UUID(int=0)

#: Restricts a query to some accounts, given the column that holds the account key.
Scope = Callable[[ColumnElement[Any]], ColumnElement[bool]] | None
#: The current scores of the accounts whose health history is read
#: (`domain.rulebook.Rulebook.history_scores`); None: every account's.
HistoryScores = tuple[ScoreRange | None, ...] | None
#: A select of any columns (`scoped` gives back the statement it is given, restricted).
_Select = TypeVar("_Select", bound="sa.Select[*tuple[Any, ...]]")


# --- reading raw -------------------------------------------------------------------------------


def raw_column(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """The column as the driver returns it, skipping SQLAlchemy's per-row UUID conversion."""
    return sa.type_coerce(column, sa.String)


def as_uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def batched(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def fetch(
    connection: Connection, statement: sa.Select[*tuple[Any, ...]], *, bulk: bool = True
) -> Sequence[Sequence[Any]]:
    """The rows of a read as the driver gives them.

    For a `bulk` read on SQLite straight from the driver's cursor (same connection, same
    transaction): the statement is rendered with its values inline (dates, UUID keys and fixed
    words only), and SQLAlchemy's per-row work, a large share of a read of every account, is
    skipped (benchmarks: reschedule, read facts). Rendering takes time on every statement,
    though, which SQLAlchemy's cache of compiled statements saves: reads of a few accounts (a
    recompute after a write; benchmarks: triage keys, log touch) and other databases take the
    ordinary Core path. Columns must be read `raw_column` either way, and dates parsed with
    `Days` or `Dates` (SQLite gives text, PostgreSQL a `date`).
    """
    if not bulk or connection.dialect.name != "sqlite":
        return connection.execute(statement).all()
    sql = str(statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.cursor()
    try:
        rows: Sequence[Sequence[Any]] = cursor.execute(sql).fetchall()
        return rows
    finally:
        cursor.close()


def level_since() -> ScalarSelect[Any]:
    """When an escalation reached its level: its last step that moved the level (the SLA
    clock's start, for the engine and the ladder alike)."""
    e, ev = _ESCALATION.c, _EVENT.c
    return (
        select(func.max(ev.occurred_at))
        .where(
            ev.escalation_id == e.id,
            ev.kind.in_(sorted(CLOCK_KINDS)),
            ev.deleted_at.is_(None),
        )
        .correlate(_ESCALATION)
        .scalar_subquery()
    )


class _Points(dict[tuple[Any, int], HealthPoint]):
    """Health points by (raw day, score): immutable, so equal ones are one shared object."""

    def __init__(self, dates: Dates) -> None:
        super().__init__()
        self.dates = dates

    def __missing__(self, key: tuple[Any, int]) -> HealthPoint:
        day, score = key
        point = self[key] = HealthPoint(on=self.dates[day], score=score)
        return point


# --- reading the engine's facts ----------------------------------------------------------------


def load_facts(
    session: Session,
    *,
    today: date,
    account_ids: Collection[uuid.UUID] | None = None,
    lookback_days: int = LOOKBACK_DAYS,
) -> list[AccountFacts]:
    """What the rules engine needs about each live account, ordered by account id.

    `account_ids` None reads every live account; otherwise those of them that are live, a few
    hundred per query. Nothing dated after `today` is read (`--today` may lie in the past of
    the data): per kind the touches of the last `lookback_days` plus the latest older one; the
    health snapshots of the last 120 days plus the one just before; open escalations with the
    time they reached their level; snoozes still running after `today`; open milestones.
    """
    reader = Reader(
        session.connection(),
        today=today,
        lookback_days=lookback_days,
        bulk=account_ids is None or len(account_ids) > IN_CHUNK,
    )
    with gc_paused():
        if account_ids is None:
            return reader.load(None)
        keys = sorted({as_uuid(key) for key in account_ids})
        if len(keys) >= WHOLE_BOOK_FROM:  # most of a book: one read of it all, then keep those
            wanted = {canonical(key) for key in keys}
            return [one for one in reader.load(None) if one.account_id in wanted]
        facts: list[AccountFacts] = []
        for chunk in batched(keys, IN_CHUNK):
            facts += reader.load(among(chunk))
        return facts


def among(keys: Sequence[Any]) -> Scope:
    """The scope of these accounts (a few hundred at most: one `IN` list)."""
    return lambda column: column.in_(keys)


def scoped(statement: _Select, scope: Scope, column: ColumnElement[Any]) -> _Select:
    """The statement restricted to the scope's accounts, `column` holding the account key."""
    return statement if scope is None else statement.where(scope(column))


class Reader:
    """One query per table for the accounts in a scope, rows grouped by raw account key.

    Dates of the big tables are read raw and parsed once per distinct day; equal health points
    are one shared (immutable) object. With `history_scores` only the accounts whose current
    score is in them have their health snapshots read (the rest get none).
    """

    def __init__(
        self,
        connection: Connection,
        *,
        today: date,
        lookback_days: int,
        bulk: bool = True,
        history_scores: HistoryScores = None,
    ) -> None:
        self.connection = connection
        self.bulk = bulk
        self.history_scores = history_scores
        self.today = today
        self.touch_cutoff = today - timedelta(days=lookback_days)
        self.health_start = today - timedelta(days=HEALTH_WINDOW_DAYS)
        self.days = Days()
        self.dates = Dates()
        self.point = _Points(self.dates)

    def load(self, scope: Scope) -> list[AccountFacts]:
        accounts, health = self.accounts(scope)
        if not accounts:
            return []
        touches = self.touches(scope)
        self.health_window(scope, health)
        escalations = self.escalations(scope)
        snoozes = self.snoozes(scope)
        bookings = self.bookings(scope)
        milestones, plans = self.plans(scope)
        no_points: list[HealthPoint] = []
        return [
            AccountFacts(
                account_id=canonical(key),
                name=name,
                segment=segment,
                priority=priority,
                arr_cents=arr_cents,
                external_id=external_id,
                health_score=health_score,
                lifecycle_stage=lifecycle_stage,
                contract_start=contract_start,
                renewal_date=renewal_date,
                go_live_date=go_live_date,
                entered_on=entered_on,
                first_call_by=first_call_by,
                touches=touches.get(key) or {},
                health=tuple(health.get(key, no_points)),
                escalations=escalations.get(key, ()),
                snoozes=snoozes.get(key, ()),
                bookings=bookings.get(key, ()),
                milestones=milestones.get(key, ()),
                plans=plans.get(key, ()),
            )
            for (
                key,
                name,
                segment,
                priority,
                arr_cents,
                external_id,
                health_score,
                lifecycle_stage,
                contract_start,
                renewal_date,
                go_live_date,
                entered_on,
                first_call_by,
            ) in accounts
        ]

    def accounts(self, scope: Scope) -> tuple[list[Any], defaultdict[Any, list[HealthPoint]]]:
        """The accounts' own columns, sorted by key, and each one's last health snapshot
        before the health window (one index probe per account: cheaper, once a book has
        years of history, than grouping every older snapshot)."""
        a, h = _ACCOUNT.c, _HEALTH.c

        def before(column: ColumnElement[Any]) -> ColumnElement[Any]:
            found = (
                select(column)
                .where(h.account_id == a.id, h.taken_on < self.health_start, h.deleted_at.is_(None))
                .order_by(h.taken_on.desc())
                .limit(1)
                .correlate(_ACCOUNT)
                .scalar_subquery()
            )
            if self.history_scores is None:
                return found
            return sa.case((_scores_in(a.health_score, self.history_scores), found))

        statement = select(
            raw_column(a.id),
            a.name,
            a.segment,
            a.priority,
            a.arr_cents,
            a.external_id,
            a.health_score,
            a.lifecycle_stage,
            raw_column(a.contract_start),
            raw_column(a.renewal_date),
            raw_column(a.go_live_date),
            raw_column(a.entered_on),
            raw_column(a.first_call_by),
            raw_column(before(h.taken_on)),
            before(h.score),
        ).where(a.deleted_at.is_(None))
        days, point = self.days, self.point
        rows = []
        health: defaultdict[Any, list[HealthPoint]] = defaultdict(list)
        for (
            key,
            name,
            segment,
            priority,
            arr_cents,
            external_id,
            health_score,
            stage,
            start,
            renewal,
            go_live,
            entered,
            first_call,
            day_before,
            score_before,
        ) in fetch(self.connection, scoped(statement, scope, a.id), bulk=self.bulk):
            rows.append(
                (
                    key,
                    name,
                    segment,
                    priority,
                    arr_cents,
                    external_id,
                    health_score,
                    stage,
                    days[start],
                    days[renewal],
                    days[go_live],
                    days[entered],
                    days[first_call],
                )
            )
            if day_before is not None:
                health[key].append(point[day_before, score_before])
        # Sorted here, not by ORDER BY: walking the id index costs SQLite far more than the scan
        # (benchmarks: reschedule, read facts).
        rows.sort(key=_first)
        return rows, health

    def touches(self, scope: Scope) -> dict[Any, dict[str, tuple[date, ...]]]:
        """Per account and kind: the latest touch before the cutoff, then every one to today."""
        t = _TOUCH.c
        older = select(raw_column(t.account_id), t.kind, raw_column(func.max(t.occurred_on))).where(
            t.deleted_at.is_(None), t.occurred_on < self.touch_cutoff
        )
        older = scoped(older, scope, t.account_id).group_by(t.account_id, t.kind)
        recent = select(raw_column(t.account_id), t.kind, raw_column(t.occurred_on)).where(
            t.deleted_at.is_(None),
            t.occurred_on >= self.touch_cutoff,
            t.occurred_on <= self.today,
        )
        recent = scoped(recent, scope, t.account_id)
        if scope is not None:
            # Free (the rows come in this order), and it steers SQLite to the scope's range of
            # (account_id, occurred_on): left alone it walks the whole window of
            # ix_touchpoint_occurred_on for every chunk (benchmarks: reschedule, full).
            recent = recent.order_by(t.account_id, t.occurred_on)
        dates = self.dates
        found: defaultdict[Any, defaultdict[str, list[date]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for statement in (older, recent):
            for key, kind, day in fetch(self.connection, statement, bulk=self.bulk):
                found[key][kind].append(dates[day])
        # The one older day sorts first on its own: it is before every recent one.
        return {
            key: {kind: tuple(sorted(dates)) for kind, dates in kinds.items()}
            for key, kinds in found.items()
        }

    def health_window(self, scope: Scope, health: defaultdict[Any, list[HealthPoint]]) -> None:
        """Add the snapshots of the health window, ascending, after the one before it."""
        h = _HEALTH.c
        window = scoped(
            select(raw_column(h.account_id), raw_column(h.taken_on), h.score).where(
                h.deleted_at.is_(None),
                h.taken_on >= self.health_start,
                h.taken_on <= self.today,
            ),
            scope,
            h.account_id,
        )
        # Either order is ascending per account, and each is free on SQLite: it steers the
        # planner to the index that fits (every account: the window of ix_health_snapshot
        # _taken_on; some accounts: their range of the (account_id, taken_on) unique index,
        # not the whole window filtered again for every chunk; benchmarks: reschedule, full).
        if scope is None:
            window = window.order_by(h.taken_on)
        else:
            window = window.order_by(h.account_id, h.taken_on)
        if self.history_scores is not None:
            a = _ACCOUNT.c
            window = window.where(
                h.account_id.in_(
                    scoped(
                        select(a.id).where(_scores_in(a.health_score, self.history_scores)),
                        scope,
                        a.id,
                    )
                )
            )
        point = self.point
        for key, day, score in fetch(self.connection, window, bulk=self.bulk):
            health[key].append(point[day, score])

    def escalations(self, scope: Scope) -> dict[Any, tuple[OpenEscalation, ...]]:
        e = _ESCALATION.c
        statement = scoped(
            select(raw_column(e.account_id), e.id, e.level, e.opened_at, level_since()).where(
                e.status == EscalationStatus.OPEN.value, e.deleted_at.is_(None)
            ),
            scope,
            e.account_id,
        ).order_by(e.opened_at, e.id)
        found: defaultdict[Any, list[OpenEscalation]] = defaultdict(list)
        for key, escalation_id, level, opened_at, since in self.connection.execute(statement):
            opened = as_utc(opened_at)
            found[key].append(
                OpenEscalation(
                    id=str(escalation_id),
                    level=level,
                    opened_at=opened,
                    level_since=as_utc(since) if since is not None else opened,
                )
            )
        return {key: tuple(items) for key, items in found.items()}

    def snoozes(self, scope: Scope) -> dict[Any, tuple[SnoozeFact, ...]]:
        s = _SNOOZE.c
        statement = scoped(
            select(raw_column(s.account_id), s.until, s.reason, s.snoozed_on, s.kind).where(
                s.deleted_at.is_(None), s.until > self.today
            ),
            scope,
            s.account_id,
        ).order_by(s.until, s.snoozed_on, s.id)
        found: defaultdict[Any, list[SnoozeFact]] = defaultdict(list)
        for key, until, reason, snoozed_on, kind in self.connection.execute(statement):
            found[key].append(
                SnoozeFact(until=until, reason=reason, snoozed_on=snoozed_on, kind=kind)
            )
        return {key: tuple(items) for key, items in found.items()}

    def bookings(self, scope: Scope) -> dict[Any, tuple[BookingFact, ...]]:
        """Meetings booked for a day not yet past (a passed one no longer moves its item)."""
        b = _BOOKING.c
        statement = scoped(
            select(raw_column(b.account_id), b.kind, b.on, b.booked_on, b.note).where(
                b.deleted_at.is_(None), b.on >= self.today
            ),
            scope,
            b.account_id,
        ).order_by(b.created_at, b.id)  # the order they were made: the last one holds
        found: defaultdict[Any, list[BookingFact]] = defaultdict(list)
        for key, kind, on, booked_on, note in self.connection.execute(statement):
            found[key].append(BookingFact(kind=kind, on=on, booked_on=booked_on, note=note))
        return {key: tuple(items) for key, items in found.items()}

    def plans(
        self, scope: Scope
    ) -> tuple[dict[Any, tuple[OpenMilestone, ...]], dict[Any, tuple[PlanLine, ...]]]:
        """Each account's active plans (`read_plans`); and its open milestones (planned, in
        progress or slipped: a blocked one is a risk of its plan, not an item due on its date).
        Draft, on-hold and done plans schedule nothing."""
        found = read_plans(self.connection, scope, bulk=self.bulk, days=self.days)
        due: dict[Any, tuple[OpenMilestone, ...]] = {}
        for key, plans in found.items():
            items = sorted(
                (line.due_on, line.title)
                for plan in plans
                for line in plan.milestones
                if line.due_on is not None and line.status is not MilestoneStatus.BLOCKED
            )
            if items:
                due[key] = tuple(OpenMilestone(title=title, due_on=on) for on, title in items)
        return due, {key: tuple(plans) for key, plans in found.items()}


def _scores_in(
    column: ColumnElement[Any], ranges: tuple[ScoreRange | None, ...]
) -> ColumnElement[bool]:
    """Whether a score is in one of these ranges (None: no score)."""
    tests: list[ColumnElement[bool]] = []
    for scores in ranges:
        if scores is None:
            tests.append(column.is_(None))
            continue
        bounds = [column >= scores.low] if scores.low is not None else []
        bounds += [column <= scores.high] if scores.high is not None else []
        tests.append(sa.and_(column.is_not(None), *bounds))
    return or_(*tests) if tests else sa.false()


def _first(row: Sequence[Any]) -> Any:
    return row[0]


def read_plans(
    connection: Connection,
    scope: Scope,
    *,
    active_only: bool = True,
    bulk: bool = True,
    days: Days | None = None,
) -> dict[Any, list[PlanLine]]:
    """The live plans of the scope's accounts, oldest first, by raw account key: what their
    risks and standing weigh (`domain.success_plan.risk_items`, `domain.plan_book`), in three
    queries whatever the size of the book. Every objective (its outcome and current value);
    the milestones not done, of active plans only (a draft, on-hold or done plan's count for
    nothing). Ids of objectives and milestones are not kept (`NO_ID`): they are named by title.
    `active_only` leaves the other plans out (the rules engine's read)."""
    p, o, m = _PLAN.c, _OBJECTIVE.c, _MILESTONE.c
    days = Days() if days is None else days
    live = p.deleted_at.is_(None)
    active = p.status == PlanStatus.ACTIVE.value
    plans = fetch(
        connection,
        scoped(
            select(
                raw_column(p.account_id),
                raw_column(p.id),
                p.title,
                p.status,
                raw_column(p.reviewed_on),
                raw_column(p.next_review_on),
                raw_column(p.created_at),
            )
            .where(live, active if active_only else sa.true())
            .order_by(p.created_at, p.id),
            scope,
            p.account_id,
        ),
        bulk=bulk,
    )
    if not plans:
        return {}
    in_plan = _OBJECTIVE.join(_PLAN, p.id == o.plan_id)
    objectives: defaultdict[Any, list[Sequence[Any]]] = defaultdict(list)
    for row in fetch(
        connection,
        scoped(
            select(raw_column(o.plan_id), raw_column(o.id), o.outcome, o.current)
            .select_from(in_plan)
            .where(live, active if active_only else sa.true(), o.deleted_at.is_(None))
            .order_by(o.position, o.created_at, o.id),
            scope,
            p.account_id,
        ),
        bulk=bulk,
    ):
        objectives[row[0]].append(row)
    milestones: defaultdict[Any, list[MilestoneLine]] = defaultdict(list)
    for objective, title, due_on, status, reason, blocked_on in fetch(
        connection,
        scoped(
            select(
                raw_column(m.objective_id),
                m.title,
                raw_column(m.due_on),
                m.status,
                m.blocked_reason,
                raw_column(m.blocked_on),
            )
            .select_from(_MILESTONE.join(in_plan, o.id == m.objective_id))
            .where(
                live,
                active,
                o.deleted_at.is_(None),
                m.deleted_at.is_(None),
                m.status != MilestoneStatus.DONE.value,
            )
            .order_by(m.due_on, m.position, m.id),
            scope,
            p.account_id,
        ),
        bulk=bulk,
    ):
        milestones[objective].append(
            MilestoneLine(
                id=NO_ID,
                objective_id=NO_ID,
                title=title,
                due_on=days[due_on],
                status=MilestoneStatus(status),
                blocked_reason=reason,
                blocked_on=days[blocked_on],
            )
        )
    found: defaultdict[Any, list[PlanLine]] = defaultdict(list)
    for key, plan, title, status, reviewed_on, next_review_on, created_at in plans:
        found[key].append(
            PlanLine(
                id=uuid.UUID(canonical(plan)),
                account_id=uuid.UUID(canonical(key)),
                title=title,
                status=PlanStatus(status),
                reviewed_on=days[reviewed_on],
                next_review_on=days[next_review_on],
                objectives=tuple(
                    ObjectiveLine(
                        id=NO_ID,
                        outcome=outcome,
                        current=current,
                        milestones=tuple(milestones[row]),
                    )
                    for _, row, outcome, current in objectives.get(plan, ())
                ),
                created_on=_day_of(created_at),
            )
        )
    return dict(found)


def _day_of(moment: Any) -> date:
    """The UTC day of a timestamp read raw: SQLite's text (stored in UTC), or a datetime."""
    if isinstance(moment, str):
        return date.fromisoformat(moment[:10])
    return as_utc(moment).date()
