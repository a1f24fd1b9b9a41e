"""The team's queue read a page at a time: each item's rank on one day, kept in `queue_rank`.

A CSM's own queue is a few dozen lines, read whole and ranked in Python (`store.queue`). A
team's is a hundred thousand: read whole, it held the screen for seconds and its memory for
good (benchmarks: team toggle). So the whole-book reschedule of a day writes where every item
of that day's queue ranks (`write_ranks`: urgency worked out exactly as `store.queue` does,
turned into bytes that sort as `domain.triage.rank_key`), every change to an account's
schedule writes that account's ranks again, and the screen reads the page in view through
the index on the rank, seeking past the last row it has (`page`) rather than counting rows.

The ranks hold for one day and one schedule stamp (`RANKED_FOR_KEY`): `current` says whether
they are those of the day asked for; when they are not, the caller reads the queue whole.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import and_, case, delete, exists, false, func, insert, or_, select, true
from sqlmodel import Session

from csm_tui.domain.health import BandThresholds, HealthBand
from csm_tui.domain.queue import QueueItem
from csm_tui.domain.rulebook import UrgencyCoefficients
from csm_tui.domain.triage import ESCALATION_KIND, MILESTONE_KIND, RENEWAL_KIND, rank_bytes
from csm_tui.models import Account, AccountPlan, QueueRank, ScheduledTouch, TeamMember, table_of
from csm_tui.store.facts import IN_CHUNK, WHOLE_BOOK_FROM, as_uuid, batched
from csm_tui.store.meta import forget_meta, get_meta, own_key, set_meta
from csm_tui.store.queue import planned_select, queue_statement
from csm_tui.store.raw import Shared, planned_touch
from csm_tui.store.versions import RANKED_FOR_KEY, ranked_for

_RANK = table_of(QueueRank)
_SCHEDULED = table_of(ScheduledTouch)
_ACCOUNT = table_of(Account)
_ACCOUNT_PLAN = table_of(AccountPlan)
_MEMBER = table_of(TeamMember)

#: Rows inserted per statement by `write_ranks`.
_WRITE_CHUNK = 5_000


def current(session: Session, *, today: date, stamp: str) -> bool:
    """Whether the stored ranks are those of `today`'s queue under this schedule stamp."""
    return get_meta(session, own_key(session, RANKED_FOR_KEY)) == ranked_for(today, stamp)


def write_ranks(
    session: Session,
    *,
    today: date,
    coefficients: UrgencyCoefficients,
    stamp: str,
    account_ids: Collection[uuid.UUID] | None = None,
) -> int:
    """Write the ranks of `today`'s queue, in the caller's transaction; how many items.

    Without `account_ids`, every account's (the whole-book reschedule, which then records
    the day and the stamp). With them, those accounts' after a change to their schedule, for
    the day the stored ranks are of (the change may be made with another `today`, planning
    ahead): nothing when no ranks are stored, and none are kept when they were written with
    other rules (a later whole-book reschedule writes them again)."""
    connection = session.connection()
    key = own_key(session, RANKED_FOR_KEY)
    if account_ids is None:
        connection.execute(delete(_RANK))
        written = _insert(connection, _ranks(session, today, coefficients, None))
        set_meta(session, key, ranked_for(today, stamp))
        return written
    stored = get_meta(session, key)
    if stored is None:
        return 0
    day, _, stored_stamp = stored.partition(" ")
    if stored_stamp != stamp:
        forget_meta(session, key)
        return 0
    keys = sorted({as_uuid(key) for key in account_ids})
    if len(keys) >= WHOLE_BOOK_FROM:  # an import: one pass over the book, not IN lists
        connection.execute(delete(_RANK))
        return _insert(connection, _ranks(session, date.fromisoformat(day), coefficients, None))
    written = 0
    for chunk in batched(keys, IN_CHUNK):
        connection.execute(delete(_RANK).where(_RANK.c.account_id.in_(chunk)))
        written += _insert(
            connection, _ranks(session, date.fromisoformat(day), coefficients, chunk)
        )
    return written


def _ranks(
    session: Session,
    today: date,
    coefficients: UrgencyCoefficients,
    account_ids: Sequence[uuid.UUID] | None,
) -> list[dict[str, Any]]:
    """The rows of `queue_rank` for these accounts (None: all), each account's most urgent
    item its head."""
    statement = queue_statement(today=today, owner_email=None)
    if account_ids is not None:
        statement = statement.where(_SCHEDULED.c.account_id.in_(account_ids))
    memo: dict[Any, Any] = {}
    shared = Shared()
    rows: list[dict[str, Any]] = []
    heads: dict[str, int] = {}
    for raw in session.connection().execute(statement):
        item = planned_touch(raw, shared).on(today, coefficients, memo)
        rank = rank_bytes(item)
        rows.append(
            {
                "account_id": uuid.UUID(item.account_id),
                "kind": item.kind,
                "rank": rank,
                "head": False,
            }
        )
        best = heads.get(item.account_id)
        if best is None or rank < rows[best]["rank"]:
            heads[item.account_id] = len(rows) - 1
    for index in heads.values():
        rows[index]["head"] = True
    return rows


def _insert(connection: sa.Connection, rows: list[dict[str, Any]]) -> int:
    for chunk in batched(rows, _WRITE_CHUNK):
        connection.execute(insert(_RANK), list(chunk))
    return len(rows)


# --- reading a page --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Page:
    """Rows of the queue in rank order, and their ranks (the last: where the next page starts)."""

    items: list[QueueItem]
    ranks: list[bytes]
    complete: bool  # nothing comes after these


def page(
    session: Session,
    *,
    today: date,
    coefficients: UrgencyCoefficients,
    bands: BandThresholds,
    after: bytes | None,
    limit: int,
    every: bool = False,
    query: str = "",
) -> Page:
    """Up to `limit` rows of the day's queue after the row ranked `after` (None: from the top):
    one per account (its most urgent item, the others due beside it, as
    `domain.triage.by_account` makes them), or `every` item; only those with every word of
    `query` in what `domain.triage.matches` looks in."""
    r = _RANK.c
    statement = planned_select(r.rank).join(
        _RANK, and_(r.account_id == _SCHEDULED.c.account_id, r.kind == _SCHEDULED.c.kind)
    )
    if not every:
        statement = statement.where(r.head == true())
    if after is not None:
        statement = statement.where(r.rank > after)
    for word in query.lower().split():
        statement = statement.where(_matches(word, bands, others=not every))
    statement = statement.order_by(r.rank).limit(limit)
    memo: dict[Any, Any] = {}
    shared = Shared()
    ranks: list[bytes] = []
    items: list[QueueItem] = []
    for raw in session.connection().execute(statement):
        items.append(planned_touch(raw, shared).on(today, coefficients, memo))
        ranks.append(bytes(raw[-1]))
    if not every and items:
        items = _with_others(session, items, today, coefficients, memo, shared)
    return Page(items, ranks, complete=len(items) < limit)


def _with_others(
    session: Session,
    items: list[QueueItem],
    today: date,
    coefficients: UrgencyCoefficients,
    memo: dict[Any, Any],
    shared: Shared,
) -> list[QueueItem]:
    r = _RANK.c
    statement = (
        planned_select()
        .join(_RANK, and_(r.account_id == _SCHEDULED.c.account_id, r.kind == _SCHEDULED.c.kind))
        .where(r.head == false(), r.account_id.in_([uuid.UUID(item.account_id) for item in items]))
        .order_by(r.rank)
    )
    others: dict[str, list[QueueItem]] = {}
    for raw in session.connection().execute(statement):
        other = planned_touch(raw, shared).on(today, coefficients, memo)
        others.setdefault(other.account_id, []).append(other)
    return [
        replace(item, others=tuple(others[item.account_id])) if item.account_id in others else item
        for item in items
    ]


def _matches(word: str, bands: BandThresholds, *, others: bool) -> sa.ColumnElement[bool]:
    """SQL for `domain.triage.matches` of one (lowercased) word."""
    a, s, p, m, r = _ACCOUNT.c, _SCHEDULED.c, _ACCOUNT_PLAN.c, _MEMBER.c, _RANK.c
    score = a.health_score
    band = case(
        (score.is_(None), HealthBand.UNKNOWN.value),
        (score >= bands.green, HealthBand.GREEN.value),
        (score >= bands.yellow, HealthBand.YELLOW.value),
        else_=HealthBand.RED.value,
    )
    fields: list[sa.ColumnElement[Any]] = [
        a.name,
        a.external_id,
        m.name,
        s.kind,
        s.label,
        a.segment,
        band,
        p.effective_priority,
    ]
    tests: list[sa.ColumnElement[bool]] = [
        func.lower(field).contains(word, autoescape=True) for field in fields
    ]
    if others:
        sibling, touch = _RANK.alias("sibling"), _SCHEDULED.alias("sibling_touch")
        tests.append(
            exists(
                select(1)
                .select_from(
                    sibling.join(
                        touch,
                        and_(
                            touch.c.account_id == sibling.c.account_id,
                            touch.c.kind == sibling.c.kind,
                        ),
                    )
                )
                .where(
                    sibling.c.account_id == r.account_id,
                    sibling.c.head == false(),
                    func.lower(touch.c.label).contains(word, autoescape=True),
                )
            )
        )
    return or_(*tests)


# --- what the header and the scrollbar need -----------------------------------------------------


def row_count(session: Session, *, every: bool = False) -> int:
    """How many rows the day's queue has: accounts, or `every` item."""
    statement = select(func.count()).select_from(_RANK)
    if not every:
        statement = statement.where(_RANK.c.head == true())
    return int(session.execute(statement).scalar_one())


@dataclass(frozen=True, slots=True)
class DueCounts:
    """`domain.triage.Counts` without the health drops, counted in the database."""

    overdue: int
    due_today: int
    escalations: int
    renewals: int
    milestones: int


def due_counts(session: Session, *, today: date) -> DueCounts:
    """The header's counts of the day's queue (every item due by `today`, not snoozed)."""
    s = _SCHEDULED.c

    def number(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    statement = select(
        number(s.due_on < today),
        number(s.due_on == today),
        number(s.kind == ESCALATION_KIND),
        number(s.kind == RENEWAL_KIND),
        number(s.kind == MILESTONE_KIND),
    ).select_from(
        _RANK.join(_SCHEDULED, and_(s.account_id == _RANK.c.account_id, s.kind == _RANK.c.kind))
    )
    overdue, due_today, escalations, renewals, milestones = session.execute(statement).one()
    return DueCounts(int(overdue), int(due_today), int(escalations), int(renewals), int(milestones))
