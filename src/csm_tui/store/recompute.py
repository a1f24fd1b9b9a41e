"""The rules engine's decisions, written back as each account's plan, and the bulk recompute.

An account's plan (`domain.queue.plan_of`) keeps what stays the same from day to day: one
`scheduled_touch` row per open item (the due date, the reason up to it) and one `account_plan`
row (until when the plan holds, what the urgency reads of the account). `write_decisions` /
`recompute` replace the plans of the accounts they are given; `recompute_all` decides every
account again, rewrites in one transaction those whose plan changed, and records the day and
the rules file it computed for in `app_meta` (`store.meta.schedule_state`), so start-up can
tell whether the schedule is current with one primary-key read.

Every function but `recompute_all` takes the caller's session (`db.writing()`): the caller owns
the transaction.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import sys
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Collection, Generator, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, delete, or_, select, update
from sqlmodel import Session

from csm_tui.domain.decision import Decision
from csm_tui.domain.facts import AccountFacts
from csm_tui.domain.queue import ACCOUNT_FIELDS, TOUCH_FIELDS, Plan, plan_of
from csm_tui.models import (
    Account,
    AccountPlan,
    HealthSnapshot,
    ScheduledTouch,
    Touchpoint,
    table_of,
)
from csm_tui.store.bulk import (
    PreparedRows,
    bulk_session,
    insert_prepared,
    insert_rows,
    prepare_rows,
)
from csm_tui.store.database import Database
from csm_tui.store.facts import (
    IN_CHUNK,
    LOOKBACK_DAYS,
    HistoryScores,
    Reader,
    Scope,
    among,
    as_uuid,
    batched,
    fetch,
    load_facts,
    raw_column,
    scoped,
)
from csm_tui.store.lifeline import die_with_parent
from csm_tui.store.memory import gc_paused
from csm_tui.store.meta import own_key, schedule_state, set_meta
from csm_tui.store.raw import canonical
from csm_tui.store.versions import COMPUTED_FOR_KEY, RULES_SHA256_KEY

_log = logging.getLogger(__name__)


#: Books this large are recomputed in worker processes: a smaller one takes less time than a
#: worker's imports at start-up (benchmarks: reschedule, full, and its `processes`).
PARALLEL_FROM_ACCOUNTS = 20_000
#: Accounts decided first when every account is decided again, to judge how many plans move.
SAMPLE_ACCOUNTS = 200

_ACCOUNT = table_of(Account)
_TOUCH = table_of(Touchpoint)
_HEALTH = table_of(HealthSnapshot)
_SCHEDULED = table_of(ScheduledTouch)
_ACCOUNT_PLAN = table_of(AccountPlan)


# --- the stored plans --------------------------------------------------------------------------


#: An account's plan as stored: until when it holds, and the plan.
Stored = tuple[date | None, Plan]


def _plans(reader: Reader, scope: Scope) -> dict[str, Stored]:
    """The stored plan of each account in the scope, by canonical key, as `plan_of` says it."""
    p, s = _ACCOUNT_PLAN.c, _SCHEDULED.c
    days = reader.days
    touches: defaultdict[Any, set[tuple[Any, ...]]] = defaultdict(set)
    statement = scoped(
        select(
            raw_column(s.account_id),
            s.kind,
            raw_column(s.due_on),
            s.rule_id,
            s.label,
            raw_column(s.latest_on),
            raw_column(s.snoozed_until),
            s.snooze_reason,
            s.reason,
            s.pin_rule,
            raw_column(s.booked_for),
        ),
        scope,
        s.account_id,
    )
    for (
        key,
        kind,
        due,
        rule_id,
        label,
        latest,
        snoozed,
        snooze_reason,
        reason,
        pin_rule,
        booked,
    ) in fetch(reader.connection, statement, bulk=reader.bulk):
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
                days[booked],
            )
        )
    statement = scoped(
        select(
            raw_column(p.account_id),
            raw_column(p.valid_until),
            p.band,
            p.effective_priority,
            p.escalation_level,
            raw_column(p.breach_at),
            p.pin_always,
            raw_column(p.last_touch_on),
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
        for key, valid_until, band, priority, level, breach, pin_always, last in fetch(
            reader.connection, statement, bulk=reader.bulk
        )
    }


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
    for chunk in batched(keys, IN_CHUNK):
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


#: Plans the first calls of accounts new to the book (`domain.first_calls.first_calls`).
FirstCalls = Callable[[Sequence[AccountFacts]], dict[str, date]]


def recompute(
    session: Session,
    account_ids: Collection[uuid.UUID],
    decide: Callable[[AccountFacts], Decision],
    *,
    today: date,
    first_calls: FirstCalls | None = None,
) -> list[Decision]:
    """Decide again for these accounts after a change to their facts, in the caller's transaction.

    An account decided for the first time (in the transaction that created it) entered the book
    today, which is recorded; `first_calls` then plans the first calls of those with none on
    record. Accounts that are gone (deleted) lose their scheduled touches.
    """
    keys = {as_uuid(key) for key in account_ids}
    facts = load_facts(session, today=today, account_ids=keys)
    facts = _entered(session, facts, today, first_calls)
    with gc_paused():
        decisions = [decide(one) for one in facts]
        connection = session.connection()
        _delete_for(connection, keys)
        _insert_plans(connection, decisions)
    return decisions


def _entered(
    session: Session, facts: list[AccountFacts], today: date, first_calls: FirstCalls | None
) -> list[AccountFacts]:
    """The facts with the day new accounts entered the book and their first calls' plan, both
    written to the accounts."""
    a = _ACCOUNT.c
    new = [one.account_id for one in facts if one.entered_on is None]
    if new:
        for chunk in batched([uuid.UUID(key) for key in new], IN_CHUNK):
            session.execute(update(_ACCOUNT).where(a.id.in_(chunk)).values(entered_on=today))
        facts = [replace(one, entered_on=today) if one.entered_on is None else one for one in facts]
    planned = first_calls(facts) if first_calls is not None else {}
    if planned:
        session.execute(
            update(_ACCOUNT).where(a.id == bindparam("key")).values(first_call_by=bindparam("day")),
            [{"key": uuid.UUID(key), "day": day} for key, day in planned.items()],
        )
        facts = [
            replace(one, first_call_by=planned[one.account_id])
            if one.account_id in planned
            else one
            for one in facts
        ]
    return facts


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
        # Accounts written without a reschedule (none of ours) entered the book today.
        connection.execute(
            update(_ACCOUNT)
            .where(a.entered_on.is_(None), a.deleted_at.is_(None))
            .values(entered_on=today)
        )
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
        set_meta(session, own_key(session, COMPUTED_FOR_KEY), today.isoformat())
        set_meta(session, own_key(session, RULES_SHA256_KEY), rules_sha256)
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
    all are written afresh instead, which takes less time than comparing when every plan moves
    (benchmarks: reschedule, all changed).

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
    keys = sorted(
        connection.execute(select(raw_column(a.id)).where(a.deleted_at.is_(None))).scalars()
    )
    ranges = [(as_uuid(part[0]), as_uuid(part[-1])) for part in batched(keys, chunk)]
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
    reader = Reader(
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
    sample = [as_uuid(key) for key in keys[:: max(1, len(keys) // SAMPLE_ACCOUNTS)]]
    scope = among(sample)
    reader = Reader(
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
    reader: Reader,
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
) -> Generator[_Changes, None, None]:
    """The changes of each range, in order, computed by `workers` processes. They read committed
    data through their own connections, so the caller's open write transaction does not block
    them. Forked when this process runs one thread (cheap, nothing to import again); spawned
    otherwise (a fork copies other threads' locks mid-use: the TUI runs threads).

    Each worker dies with this process (`store.lifeline`): killed mid-way, this process
    leaves none behind.

    Each worker is given `decide` once, when it starts: handed over with every range, its
    rulebook would arrive as a new object each time, and the engine's memo of candidates,
    kept per rulebook, would start empty for every range, and the engine would build again
    what it had built (benchmarks: reschedule, full).
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
            initargs=(os.getpid(), url, decide, today, history_scores, compare),
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
    parent: int,
    url: str,
    decide: Callable[[AccountFacts], Decision],
    today: date,
    history_scores: HistoryScores,
    compare: bool,
) -> None:
    """Set up a worker process: it dies with `parent`, the process that started it, and never
    collects cycles (it only makes short-lived rows)."""
    global _worker
    die_with_parent(parent)
    gc.disable()
    _worker = _Worker(Database.open(url), decide, today, history_scores, compare)


def _worker_changes(bounds: tuple[uuid.UUID, uuid.UUID]) -> _Changes:
    """One range's changes, in a worker process."""
    assert _worker is not None, "_start_worker runs first"
    with _worker.db.reading() as session:
        reader = Reader(
            session.connection(),
            today=_worker.today,
            lookback_days=LOOKBACK_DAYS,
            history_scores=_worker.history_scores,
        )
        return _range_changes(reader, *bounds, _worker.decide, _worker.compare)
