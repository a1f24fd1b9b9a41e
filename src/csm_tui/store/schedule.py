"""The rules engine's decisions, materialised in `scheduled_touch`, and the facts it reads.

`load_facts` builds the engine's input (`domain.facts.AccountFacts`) in bulk: SQLAlchemy Core
selects of plain columns, one query per table (not per account), rows grouped in Python. Account
keys are read as the driver gives them (SQLite: 32-digit hex text; PostgreSQL: `uuid.UUID`), so
no row pays for a UUID object; only the account's own key is turned into canonical text, once.

An account's plan (`domain.queue.plan_of`) keeps what stays the same from day to day: one
`scheduled_touch` row per open item (the due date, the reason up to it) and one `account_plan`
row (until when the plan holds, what the urgency reads of the account). `write_decisions` /
`recompute` replace the plans of the accounts they are given; `recompute_all` decides every
account again, rewrites in one transaction those whose plan changed, and records the day and
the rules file it computed for in `app_meta`, so start-up can tell whether the schedule is
current with one primary-key read. `queue` is the morning triage: one query over
`ix_scheduled_touch_due`, each line worked out for the day it is read.

Every function but `recompute_all` takes the caller's session (`db.writing()` or
`db.reading()`): the caller owns the transaction.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import sys
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Connection, delete, func, or_, select
from sqlmodel import Session

from csm_tui.domain.decision import Decision
from csm_tui.domain.enums import EscalationStatus, MilestoneStatus
from csm_tui.domain.facts import (
    HEALTH_WINDOW_DAYS,
    AccountFacts,
    HealthPoint,
    OpenEscalation,
    OpenMilestone,
)
from csm_tui.domain.facts import Snooze as SnoozeFact
from csm_tui.domain.health import ScoreRange
from csm_tui.domain.queue import ACCOUNT_FIELDS, TOUCH_FIELDS, Plan, QueueItem, plan_of
from csm_tui.domain.rulebook import UrgencyCoefficients
from csm_tui.domain.triage import ranked
from csm_tui.models import (
    Account,
    AccountPlan,
    AppMeta,
    Escalation,
    EscalationEvent,
    HealthSnapshot,
    Milestone,
    Objective,
    ScheduledTouch,
    Snooze,
    SuccessPlan,
    TeamMember,
    Touchpoint,
    as_utc,
)
from csm_tui.store.bulk import (
    PreparedRows,
    bulk_session,
    gc_paused,
    insert_prepared,
    insert_rows,
    prepare_rows,
)
from csm_tui.store.database import Database
from csm_tui.store.queries import member_ids
from csm_tui.store.raw import Days, canonical, planned_touch
from csm_tui.store.versions import COMPUTED_FOR_KEY, RULES_SHA256_KEY

_log = logging.getLogger(__name__)


#: Books this large are recomputed in worker processes (each costs ~0.5 s of imports to start).
PARALLEL_FROM_ACCOUNTS = 20_000
#: Ids per `IN (...)` list: well under SQLite's and PostgreSQL's parameter limits.
IN_CHUNK = 500
#: Touch history the engine sees: this many days back, plus the latest older touch per kind.
LOOKBACK_DAYS = 800
#: Accounts decided first when every account is decided again, to judge how many plans move.
SAMPLE_ACCOUNTS = 200

_ACCOUNT = Account.__table__  # type: ignore[attr-defined]
_TOUCH = Touchpoint.__table__  # type: ignore[attr-defined]
_HEALTH = HealthSnapshot.__table__  # type: ignore[attr-defined]
_ESCALATION = Escalation.__table__  # type: ignore[attr-defined]
_EVENT = EscalationEvent.__table__  # type: ignore[attr-defined]
_SNOOZE = Snooze.__table__  # type: ignore[attr-defined]
_PLAN = SuccessPlan.__table__  # type: ignore[attr-defined]
_OBJECTIVE = Objective.__table__  # type: ignore[attr-defined]
_MILESTONE = Milestone.__table__  # type: ignore[attr-defined]
_SCHEDULED = ScheduledTouch.__table__  # type: ignore[attr-defined]
_ACCOUNT_PLAN = AccountPlan.__table__  # type: ignore[attr-defined]
_MEMBER = TeamMember.__table__  # type: ignore[attr-defined]

#: Restricts a query to some accounts, given the column that holds the account key.
Scope = Callable[[ColumnElement[Any]], ColumnElement[bool]] | None
#: The current scores of the accounts whose health history is read
#: (`domain.rulebook.Rulebook.history_scores`); None: every account's.
HistoryScores = tuple[ScoreRange | None, ...] | None


# --- keys --------------------------------------------------------------------------------------


def _raw(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """The column as the driver returns it, skipping SQLAlchemy's per-row UUID conversion."""
    return sa.type_coerce(column, sa.String)


def _as_uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _batched(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _fetch(
    connection: Connection, statement: sa.Select[Any], *, bulk: bool = True
) -> Sequence[Sequence[Any]]:
    """The rows of a read as the driver gives them.

    For a `bulk` read on SQLite straight from the driver's cursor (same connection, same
    transaction): the statement is rendered with its values inline (dates, UUID keys and fixed
    words only), and SQLAlchemy's per-row work, a third of the time for 400,000 rows, is
    skipped. Rendering costs a few milliseconds a statement, though, which SQLAlchemy's cache
    of compiled statements saves: reads of a few accounts (a recompute after a write) and
    other databases take the ordinary Core path. Columns must be read `_raw` either way,
    and dates parsed with `Days` (SQLite gives text, PostgreSQL a `date`).
    """
    if not bulk or connection.dialect.name != "sqlite":
        return connection.execute(statement).all()
    sql = str(statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.cursor()
    try:
        return cursor.execute(sql).fetchall()
    finally:
        cursor.close()


class _Points(dict[tuple[Any, int], HealthPoint]):
    """Health points by (raw day, score): immutable, so equal ones are one shared object."""

    def __init__(self, days: Days) -> None:
        super().__init__()
        self.days = days

    def __missing__(self, key: tuple[Any, int]) -> HealthPoint:
        day, score = key
        point = self[key] = HealthPoint(on=self.days[day], score=score)  # type: ignore[arg-type]
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
    reader = _Reader(
        session.connection(),
        today=today,
        lookback_days=lookback_days,
        bulk=account_ids is None or len(account_ids) > IN_CHUNK,
    )
    with gc_paused():
        if account_ids is None:
            return reader.load(None)
        keys = sorted({_as_uuid(key) for key in account_ids})
        facts: list[AccountFacts] = []
        for chunk in _batched(keys, IN_CHUNK):
            facts += reader.load(lambda column, chunk=chunk: column.in_(chunk))
        return facts


def _where(statement: sa.Select[Any], scope: Scope, column: ColumnElement[Any]) -> sa.Select[Any]:
    return statement if scope is None else statement.where(scope(column))


class _Reader:
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
        self.point = _Points(self.days)

    def load(self, scope: Scope) -> list[AccountFacts]:
        accounts, health = self.accounts(scope)
        if not accounts:
            return []
        touches = self.touches(scope)
        self.health_window(scope, health)
        escalations = self.escalations(scope)
        snoozes = self.snoozes(scope)
        milestones = self.milestones(scope)
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
                touches=touches.get(key) or {},
                health=tuple(health.get(key, no_points)),
                escalations=escalations.get(key, ()),
                snoozes=snoozes.get(key, ()),
                milestones=milestones.get(key, ()),
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
            _raw(a.id),
            a.name,
            a.segment,
            a.priority,
            a.arr_cents,
            a.external_id,
            a.health_score,
            a.lifecycle_stage,
            _raw(a.contract_start),
            _raw(a.renewal_date),
            _raw(a.go_live_date),
            _raw(before(h.taken_on)),
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
            day_before,
            score_before,
        ) in _fetch(self.connection, _where(statement, scope, a.id), bulk=self.bulk):
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
                )
            )
            if day_before is not None:
                health[key].append(point[day_before, score_before])
        # Sorted here, not by ORDER BY: walking the id index costs SQLite ten times the scan.
        rows.sort(key=_first)
        return rows, health

    def touches(self, scope: Scope) -> dict[Any, dict[str, tuple[date, ...]]]:
        """Per account and kind: the latest touch before the cutoff, then every one to today."""
        t = _TOUCH.c
        older = select(_raw(t.account_id), t.kind, _raw(func.max(t.occurred_on))).where(
            t.deleted_at.is_(None), t.occurred_on < self.touch_cutoff
        )
        older = _where(older, scope, t.account_id).group_by(t.account_id, t.kind)
        recent = select(_raw(t.account_id), t.kind, _raw(t.occurred_on)).where(
            t.deleted_at.is_(None),
            t.occurred_on >= self.touch_cutoff,
            t.occurred_on <= self.today,
        )
        recent = _where(recent, scope, t.account_id)
        if scope is not None:
            # Free (the rows come in this order), and it steers SQLite to the scope's range of
            # (account_id, occurred_on): left alone it walks the whole window of
            # ix_touchpoint_occurred_on for every chunk, nine times slower.
            recent = recent.order_by(t.account_id, t.occurred_on)
        days = self.days
        found: defaultdict[Any, defaultdict[str, list[date]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for statement in (older, recent):
            for key, kind, day in _fetch(self.connection, statement, bulk=self.bulk):
                found[key][kind].append(days[day])
        # The one older day sorts first on its own: it is before every recent one.
        return {
            key: {kind: tuple(sorted(dates)) for kind, dates in kinds.items()}
            for key, kinds in found.items()
        }

    def health_window(self, scope: Scope, health: defaultdict[Any, list[HealthPoint]]) -> None:
        """Add the snapshots of the health window, ascending, after the one before it."""
        h = _HEALTH.c
        window = _where(
            select(_raw(h.account_id), _raw(h.taken_on), h.score).where(
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
        # ten times faster for a chunk than filtering the whole window).
        if scope is None:
            window = window.order_by(h.taken_on)
        else:
            window = window.order_by(h.account_id, h.taken_on)
        if self.history_scores is not None:
            a = _ACCOUNT.c
            window = window.where(
                h.account_id.in_(
                    _where(
                        select(a.id).where(_scores_in(a.health_score, self.history_scores)),
                        scope,
                        a.id,
                    )
                )
            )
        point = self.point
        for key, day, score in _fetch(self.connection, window, bulk=self.bulk):
            health[key].append(point[day, score])

    def escalations(self, scope: Scope) -> dict[Any, tuple[OpenEscalation, ...]]:
        e, ev = _ESCALATION.c, _EVENT.c
        reached_level = (
            select(func.max(ev.occurred_at))
            .where(ev.escalation_id == e.id, ev.to_level == e.level, ev.deleted_at.is_(None))
            .correlate(_ESCALATION)
            .scalar_subquery()
        )
        statement = _where(
            select(_raw(e.account_id), e.id, e.level, e.opened_at, reached_level).where(
                e.status == EscalationStatus.OPEN.value, e.deleted_at.is_(None)
            ),
            scope,
            e.account_id,
        ).order_by(e.opened_at, e.id)
        found: defaultdict[Any, list[OpenEscalation]] = defaultdict(list)
        for key, escalation_id, level, opened_at, level_since in self.connection.execute(statement):
            opened = as_utc(opened_at)
            found[key].append(
                OpenEscalation(
                    id=str(escalation_id),
                    level=level,
                    opened_at=opened,
                    level_since=as_utc(level_since) if level_since is not None else opened,
                )
            )
        return {key: tuple(items) for key, items in found.items()}

    def snoozes(self, scope: Scope) -> dict[Any, tuple[SnoozeFact, ...]]:
        s = _SNOOZE.c
        statement = _where(
            select(_raw(s.account_id), s.until, s.reason, s.snoozed_on, s.kind).where(
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

    def milestones(self, scope: Scope) -> dict[Any, tuple[OpenMilestone, ...]]:
        p, o, m = _PLAN.c, _OBJECTIVE.c, _MILESTONE.c
        statement = _where(
            select(_raw(p.account_id), _raw(m.due_on), m.title)
            .select_from(
                _MILESTONE.join(_OBJECTIVE, o.id == m.objective_id).join(_PLAN, p.id == o.plan_id)
            )
            .where(
                m.deleted_at.is_(None),
                o.deleted_at.is_(None),
                p.deleted_at.is_(None),
                m.due_on.is_not(None),
                m.status != MilestoneStatus.DONE.value,
            ),
            scope,
            p.account_id,
        )
        days = self.days
        found: defaultdict[Any, list[tuple[date, str]]] = defaultdict(list)
        for key, due_on, title in _fetch(self.connection, statement, bulk=self.bulk):
            found[key].append((days[due_on], title))
        return {
            key: tuple(OpenMilestone(title=title, due_on=due_on) for due_on, title in sorted(items))
            for key, items in found.items()
        }


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


#: An account's plan as stored: until when it holds, and the plan.
Stored = tuple[date | None, Plan]


def _plans(reader: _Reader, scope: Scope) -> dict[str, Stored]:
    """The stored plan of each account in the scope, by canonical key, as `plan_of` says it."""
    p, s = _ACCOUNT_PLAN.c, _SCHEDULED.c
    days = reader.days
    touches: defaultdict[Any, set[tuple[Any, ...]]] = defaultdict(set)
    statement = _where(
        select(
            _raw(s.account_id),
            s.kind,
            _raw(s.due_on),
            s.rule_id,
            s.label,
            _raw(s.latest_on),
            _raw(s.snoozed_until),
            s.snooze_reason,
            s.reason,
            s.pin_rule,
        ),
        scope,
        s.account_id,
    )
    for key, kind, due, rule_id, label, latest, snoozed, snooze_reason, reason, pin_rule in _fetch(
        reader.connection, statement, bulk=reader.bulk
    ):
        touches[key].add(
            (
                kind,
                days[due],
                rule_id,
                label,
                days[latest],
                days[snoozed],
                snooze_reason,
                reason,
                bool(pin_rule),
            )
        )
    statement = _where(
        select(
            _raw(p.account_id),
            _raw(p.valid_until),
            p.band,
            p.effective_priority,
            p.escalation_level,
            _raw(p.breach_at),
            p.pin_always,
            _raw(p.last_touch_on),
        ),
        scope,
        p.account_id,
    )
    return {
        canonical(key): (
            days[valid_until],
            Plan(
                account=(band, priority, level, days[breach], bool(pin_always), days[last]),
                touches=frozenset(touches.get(key, ())),
            ),
        )
        for key, valid_until, band, priority, level, breach, pin_always, last in _fetch(
            reader.connection, statement, bulk=reader.bulk
        )
    }


def _first(row: Sequence[Any]) -> Any:
    return row[0]


# --- writing decisions -------------------------------------------------------------------------


#: The columns of `_rows`' item rows and account rows, in order: the keys, then the plan.
_TOUCH_NAMES = ("account_id", *TOUCH_FIELDS)
_ACCOUNT_PLAN_NAMES = ("account_id", "valid_until", *ACCOUNT_FIELDS)


def _rows(
    plans: Iterable[tuple[str, Stored]],
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The `scheduled_touch` and `account_plan` rows of some accounts' plans (by canonical key),
    as tuples of `_TOUCH_NAMES` and `_ACCOUNT_PLAN_NAMES` (a bulk recompute writes hundreds of
    thousands: a dict per row would cost more than the insert; keys as text, which
    `store.bulk` takes for a UUID column)."""
    touches: list[tuple[Any, ...]] = []
    accounts: list[tuple[Any, ...]] = []
    for key, (valid_until, plan) in plans:
        touches += [(key, *touch) for touch in plan.touches]
        accounts.append((key, valid_until, *plan.account))
    return touches, accounts


def _stored(decision: Decision) -> Stored:
    return decision.valid_until, plan_of(decision)


def _delete_for(connection: Connection, account_ids: Iterable[uuid.UUID]) -> None:
    """Forget these accounts' plans."""
    keys = sorted(set(account_ids))
    for chunk in _batched(keys, IN_CHUNK):
        connection.execute(delete(_SCHEDULED).where(_SCHEDULED.c.account_id.in_(chunk)))
        connection.execute(delete(_ACCOUNT_PLAN).where(_ACCOUNT_PLAN.c.account_id.in_(chunk)))


def _insert_plans(connection: Connection, decisions: Iterable[Decision]) -> int:
    """Store these decisions' plans (the accounts have none stored); return the items written."""
    touches, accounts = _rows((decision.account_id, _stored(decision)) for decision in decisions)
    insert_rows(connection, _ACCOUNT_PLAN, accounts, names=_ACCOUNT_PLAN_NAMES)
    return insert_rows(connection, _SCHEDULED, touches, names=_TOUCH_NAMES)


def _latest_per_account(decisions: Iterable[Decision]) -> list[Decision]:
    """One decision per account (the last given), so a repeated account cannot collide."""
    return list({decision.account_id: decision for decision in decisions}.values())


def write_decisions(session: Session, decisions: Iterable[Decision]) -> int:
    """Replace the plans of exactly the decided accounts; return the items written."""
    with gc_paused():
        unique = _latest_per_account(decisions)
        connection = session.connection()
        _delete_for(connection, (uuid.UUID(decision.account_id) for decision in unique))
        return _insert_plans(connection, unique)


def recompute(
    session: Session,
    account_ids: Collection[uuid.UUID],
    decide: Callable[[AccountFacts], Decision],
    *,
    today: date,
) -> list[Decision]:
    """Decide again for these accounts after a change to their facts, in the caller's transaction.

    Accounts that are gone (deleted) lose their scheduled touches.
    """
    keys = {_as_uuid(key) for key in account_ids}
    facts = load_facts(session, today=today, account_ids=keys)
    with gc_paused():
        decisions = [decide(one) for one in facts]
        connection = session.connection()
        _delete_for(connection, keys)
        _insert_plans(connection, decisions)
    return decisions


@dataclass(frozen=True)
class _Changes:
    """One range's changes: the accounts whose stored plan goes (it changed, or the account is
    gone), and the new plans of those whose plan changed, as rows ready for the writer."""

    stale: list[uuid.UUID]
    touches: PreparedRows
    accounts: PreparedRows


def recompute_all(
    db: Database,
    decide: Callable[[AccountFacts], Decision],
    *,
    today: date,
    rules_sha256: str,
    chunk: int = 5000,
    workers: int = 1,
    parallel_from: int = PARALLEL_FROM_ACCOUNTS,
    history_scores: HistoryScores = None,
) -> int:
    """Bring the whole schedule to `today` and these rules, in one transaction; return how many
    accounts were decided again.

    The stored rows hold only what stays the same from day to day (the queue works out the
    rest for the day it is read), and each account's plan says until when it holds. So when
    only the day moved on (the rules are those of the last computation), only the accounts
    whose plan ran out, or that have touches or health scores dated since, are decided again.
    Otherwise (other rules, a first computation, a day before the last one) every account is,
    and only those whose plan changed are written (`_recompute_every`), reading the health
    history only of the accounts whose score is in `history_scores` (None: every account's).
    """
    a = _ACCOUNT.c
    # Every key written is one this transaction read (and holds the write lock on): SQLite's
    # foreign key checks could not fail, and would make forgetting every plan row by row.
    with gc_paused(), db.writing(foreign_keys=False) as session, bulk_session(session.connection()):
        connection = session.connection()
        computed_for, computed_with = schedule_state(session)
        if computed_with == rules_sha256 and computed_for is not None and computed_for <= today:
            keys = _ran_out(connection, since=computed_for, today=today)
            recompute(session, keys, decide, today=today)
            decided = len(keys)
        else:
            decided = _recompute_every(
                db,
                connection,
                decide,
                today=today,
                chunk=chunk,
                workers=workers,
                parallel_from=parallel_from,
                history_scores=history_scores,
            )
        gone = select(a.id).where(a.deleted_at.is_not(None))
        connection.execute(delete(_SCHEDULED).where(_SCHEDULED.c.account_id.in_(gone)))
        connection.execute(delete(_ACCOUNT_PLAN).where(_ACCOUNT_PLAN.c.account_id.in_(gone)))
        _set_meta(session, COMPUTED_FOR_KEY, today.isoformat())
        _set_meta(session, RULES_SHA256_KEY, rules_sha256)
    return decided


def _ran_out(connection: Connection, *, since: date, today: date) -> list[uuid.UUID]:
    """The live accounts to decide again when the day moves on from `since` to `today`: their
    plan holds no longer, or is not known, or they have touches or scores dated in between
    (entered ahead of their day: the engine did not see them)."""
    a, v, t, h = _ACCOUNT.c, _ACCOUNT_PLAN.c, _TOUCH.c, _HEALTH.c
    known = select(v.account_id)
    statement = select(a.id).where(
        a.deleted_at.is_(None),
        or_(
            a.id.in_(select(v.account_id).where(v.valid_until <= today)),
            a.id.not_in(known),
            a.id.in_(
                select(t.account_id).where(
                    t.occurred_on > since, t.occurred_on <= today, t.deleted_at.is_(None)
                )
            ),
            a.id.in_(
                select(h.account_id).where(
                    h.taken_on > since, h.taken_on <= today, h.deleted_at.is_(None)
                )
            ),
        ),
    )
    return list(connection.execute(statement).scalars())


def _recompute_every(
    db: Database,
    connection: Connection,
    decide: Callable[[AccountFacts], Decision],
    *,
    today: date,
    chunk: int,
    workers: int,
    parallel_from: int,
    history_scores: HistoryScores,
) -> int:
    """Decide every live account and rewrite the plans of those whose plan changed; return how
    many accounts there are.

    Comparing each account's new plan with its stored one spares the writes of the plans that
    stay (a rules file that moves a few accounts, a new csm-tui that decides as the last one
    did), but costs reading every stored plan. When an even sample of the book shows that most
    plans move (or none is stored: a first computation), every plan is forgotten at once and
    all are written afresh instead (a sixth less time than comparing, when every plan moves).

    Accounts are read `chunk` at a time in id order, each chunk as one id range (so the
    queries walk the account_id indexes instead of long IN lists) and memory stays flat.
    With `workers` > 1 the chunks are read, decided and compared in that many processes
    (`decide` must then pickle: a module-level function or a partial of one) while this
    process writes the changes as they come back: the engine is pure Python, so processes are
    what puts a second core to work. Books under `parallel_from` accounts stay in this process,
    where they take less time than starting a worker does.
    """
    a = _ACCOUNT.c
    # Sorted here as the database sorts them (hex text on SQLite, UUIDs elsewhere), so that
    # each chunk is exactly the accounts BETWEEN its first and last key.
    keys = sorted(connection.execute(select(_raw(a.id)).where(a.deleted_at.is_(None))).scalars())
    ranges = [(_as_uuid(part[0]), _as_uuid(part[-1])) for part in _batched(keys, chunk)]
    compare = not _most_plans_move(
        connection, keys, decide, today=today, history_scores=history_scores
    )
    if not compare:
        connection.execute(delete(_SCHEDULED))
        connection.execute(delete(_ACCOUNT_PLAN))
    done = 0
    if workers > 1 and len(ranges) > 1 and len(keys) >= parallel_from:
        try:
            for changes in _in_processes(
                db, ranges, decide, today, workers, history_scores, compare
            ):
                _write_changes(connection, changes)
                done += 1
        except Exception as error:  # an engine error raises again below
            # Workers that cannot start or die (a sandbox without fork, a killed process, a
            # program that replaced sys.stderr) must not cost the user the schedule: the rest
            # is computed here, where a genuine engine error raises once more.
            _log.warning("worker processes failed (%s); recomputing in this one", error)
    reader = _Reader(
        connection, today=today, lookback_days=LOOKBACK_DAYS, history_scores=history_scores
    )
    for low, high in ranges[done:]:
        _write_changes(connection, _range_changes(reader, low, high, decide, compare))
    return len(keys)


def _most_plans_move(
    connection: Connection,
    keys: Sequence[Any],
    decide: Callable[[AccountFacts], Decision],
    *,
    today: date,
    history_scores: HistoryScores,
) -> bool:
    """Whether deciding again changes more than half the stored plans, judged on an even sample
    of `keys` (or no plan is stored at all)."""
    sample = [_as_uuid(key) for key in keys[:: max(1, len(keys) // SAMPLE_ACCOUNTS)]]
    scope: Scope = lambda column: column.in_(sample)  # noqa: E731
    reader = _Reader(
        connection,
        today=today,
        lookback_days=LOOKBACK_DAYS,
        bulk=False,
        history_scores=history_scores,
    )
    stored = _plans(reader, scope)
    if not stored:
        return True
    moved = sum(
        stored.get(decision.account_id) != _stored(decision)
        for decision in map(decide, reader.load(scope))
    )
    return moved * 2 > len(sample)


def _write_changes(connection: Connection, changes: _Changes) -> None:
    _delete_for(connection, changes.stale)
    insert_prepared(connection, _ACCOUNT_PLAN, changes.accounts)
    insert_prepared(connection, _SCHEDULED, changes.touches)


def _range_changes(
    reader: _Reader,
    low: uuid.UUID,
    high: uuid.UUID,
    decide: Callable[[AccountFacts], Decision],
    compare: bool,
) -> _Changes:
    """The accounts from `low` to `high` whose plan changed, with their new rows ready for the
    writer; without `compare` (every stored plan is already gone), all of them."""
    scope: Scope = lambda column: column.between(low, high)  # noqa: E731
    new = {decision.account_id: _stored(decision) for decision in map(decide, reader.load(scope))}
    stored = _plans(reader, scope) if compare else {}
    changed = sorted(key for key in new.keys() | stored.keys() if new.get(key) != stored.get(key))
    touches, accounts = _rows((key, new[key]) for key in changed if key in new)
    connection = reader.connection
    return _Changes(
        stale=[uuid.UUID(key) for key in changed if key in stored],
        touches=prepare_rows(connection, _SCHEDULED, touches, names=_TOUCH_NAMES),
        accounts=prepare_rows(connection, _ACCOUNT_PLAN, accounts, names=_ACCOUNT_PLAN_NAMES),
    )


def _in_processes(
    db: Database,
    ranges: list[tuple[uuid.UUID, uuid.UUID]],
    decide: Callable[[AccountFacts], Decision],
    today: date,
    workers: int,
    history_scores: HistoryScores,
    compare: bool,
) -> Iterator[_Changes]:
    """The changes of each range, in order, computed by `workers` processes. They read committed
    data through their own connections, so the caller's open write transaction does not block
    them. Forked when this process runs one thread (cheap, nothing to import again); spawned
    otherwise (a fork copies other threads' locks mid-use: the TUI runs threads).

    Each worker is given `decide` once, when it starts: handed over with every range, its
    rulebook would arrive as a new object each time, and the engine's memo of candidates,
    kept per rulebook, would start empty for every range (half the engine's time again).
    """
    url = db.url.render_as_string(hide_password=False)
    single = threading.active_count() == 1
    method = "fork" if single and "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    # Starting processes passes sys.stderr's descriptor on; a TUI replaces sys.stderr with an
    # object that has none, so the real one stands in while the pool runs.
    with (
        _real_stderr(),
        ProcessPoolExecutor(
            max_workers=min(workers, len(ranges)),
            mp_context=context,
            initializer=_start_worker,
            initargs=(url, decide, today, history_scores, compare),
        ) as pool,
    ):
        yield from pool.map(_worker_changes, ranges)


@contextmanager
def _real_stderr() -> Iterator[None]:
    replaced = sys.stderr
    try:
        usable = replaced.fileno() >= 0  # Textual's capture answers -1
    except (AttributeError, OSError, ValueError):
        usable = False
    if not usable and sys.__stderr__ is not None:
        sys.stderr = sys.__stderr__
    try:
        yield
    finally:
        sys.stderr = replaced


@dataclass
class _Worker:
    """What a worker process keeps from range to range: one connection, and one `decide`
    (so one rulebook, whose candidates the engine memoises)."""

    db: Database
    decide: Callable[[AccountFacts], Decision]
    today: date
    history_scores: HistoryScores
    compare: bool


_worker: _Worker | None = None


def _start_worker(
    url: str,
    decide: Callable[[AccountFacts], Decision],
    today: date,
    history_scores: HistoryScores,
    compare: bool,
) -> None:
    """Set up a worker process; it never collects cycles (it only makes short-lived rows)."""
    global _worker
    gc.disable()
    _worker = _Worker(Database.open(url), decide, today, history_scores, compare)


def _worker_changes(bounds: tuple[uuid.UUID, uuid.UUID]) -> _Changes:
    """One range's changes, in a worker process."""
    assert _worker is not None, "_start_worker runs first"
    with _worker.db.reading() as session:
        reader = _Reader(
            session.connection(),
            today=_worker.today,
            lookback_days=LOOKBACK_DAYS,
            history_scores=_worker.history_scores,
        )
        return _range_changes(reader, *bounds, _worker.decide, _worker.compare)


# --- is the schedule current? ------------------------------------------------------------------


def _get_meta(session: Session, key: str) -> str | None:
    return session.execute(select(AppMeta.value).where(AppMeta.key == key)).scalar()


def _set_meta(session: Session, key: str, value: str) -> None:
    row = session.get(AppMeta, key)
    if row is None:
        session.add(AppMeta(key=key, value=value))
    else:
        row.value = value
    session.flush()


def schedule_state(session: Session) -> tuple[date | None, str | None]:
    """The `today` and the rules file hash the whole schedule was last computed for."""
    text = _get_meta(session, COMPUTED_FOR_KEY)
    try:
        computed_for = date.fromisoformat(text) if text else None
    except ValueError:
        computed_for = None
    return computed_for, _get_meta(session, RULES_SHA256_KEY)


def is_current(session: Session, *, today: date, rules_sha256: str) -> bool:
    return schedule_state(session) == (today, rules_sha256)


# --- the triage queue --------------------------------------------------------------------------


def queue(
    session: Session,
    *,
    today: date,
    coefficients: UrgencyCoefficients,
    owner_email: str | None,
    ahead_days: int | None = 0,
    include_snoozed: bool = False,
    account_ids: Collection[uuid.UUID] | None = None,
) -> list[QueueItem]:
    """Today's triage: touches due by `today + ahead_days`, most urgent first.

    One query that reads the due-date range of `ix_scheduled_touch_due`; each line is then
    worked out for `today` (how late, urgency, pin: `PlannedTouch.on`) and ranked as
    `domain.triage.ranked` ranks: pinned first, then urgency, due date, ARR (largest first),
    account name and kind. Snoozed touches are left out until their snooze ends, unless
    `include_snoozed`. `owner_email` None is the whole team. `ahead_days` None reads every
    stored touch, however far off; `account_ids` (a few hundred at most) keeps only those
    accounts.
    """
    statement = queue_statement(
        today=today,
        owner_email=owner_email,
        ahead_days=ahead_days,
        include_snoozed=include_snoozed,
    )
    if account_ids is not None:
        statement = statement.where(_SCHEDULED.c.account_id.in_(sorted(set(account_ids))))
    memo: dict[Any, Any] = {}
    return ranked(
        planned_touch(row).on(today, coefficients, memo)
        for row in session.connection().execute(statement)
    )


def queue_statement(
    *,
    today: date,
    owner_email: str | None,
    ahead_days: int | None = 0,
    include_snoozed: bool = False,
) -> sa.Select[Any]:
    """The one query behind `queue` (tests read its plan with EXPLAIN QUERY PLAN); its
    columns are `store.raw.planned_touch`'s."""
    s, p, a, m = _SCHEDULED.c, _ACCOUNT_PLAN.c, _ACCOUNT.c, _MEMBER.c
    statement = (
        select(
            _raw(a.id),
            a.external_id,
            a.name,
            m.name,
            m.email,
            a.segment,
            a.priority,
            a.arr_cents,
            a.health_score,
            a.renewal_date,
            s.kind,
            s.label,
            s.due_on,
            s.latest_on,
            s.rule_id,
            s.reason,
            s.snoozed_until,
            s.snooze_reason,
            p.band,
            p.effective_priority,
            p.escalation_level,
            p.breach_at,
            p.pin_always,
            s.pin_rule,
            p.last_touch_on,
        )
        .select_from(
            _SCHEDULED.join(_ACCOUNT, a.id == s.account_id)
            .join(_ACCOUNT_PLAN, p.account_id == s.account_id)
            .outerjoin(_MEMBER, m.id == a.owner_id)
        )
        .where(a.deleted_at.is_(None))
    )
    due = s.due_on <= today + timedelta(days=ahead_days) if ahead_days is not None else None
    if include_snoozed and due is not None:
        # A snooze moved its item's due date to the snooze's end: show it anyway.
        statement = statement.where(or_(due, s.snoozed_until > today))
    elif due is not None:
        statement = statement.where(due)
    if not include_snoozed:
        statement = statement.where(or_(s.snoozed_until.is_(None), s.snoozed_until <= today))
    if owner_email is not None:
        statement = statement.where(a.owner_id.in_(member_ids(owner_email)))
    return statement
