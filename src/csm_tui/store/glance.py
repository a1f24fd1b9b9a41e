"""A first look at a SQLite book through the standard library's `sqlite3` alone.

The app paints the triage queue first, and importing SQLAlchemy, SQLModel and the models takes
about as long as a whole bare Textual app takes to paint (benchmarks: start→paint, whose ratio
to the bare app is budgeted). So for a book in
a SQLite file the first queue is read here, read-only and in one transaction, with statements
that say in SQL what `store.queue.queue_statement`, `store.triage.health_changes` and
friends build with SQLAlchemy (tests hold the two readers' answers equal on the same books).
Everything after the first paint goes through the store.

Anything unexpected (no such file, no schema or another version of it, a locked or damaged
file) raises `Unavailable`: the caller then takes the ordinary path, which repairs the problem
(creates, upgrades) or explains it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from csm_tui.domain.enums import Role
from csm_tui.domain.health import BandThresholds
from csm_tui.domain.queue import QueueItem
from csm_tui.domain.rulebook import UrgencyCoefficients
from csm_tui.domain.team import Member
from csm_tui.domain.triage import HEALTH_DROP, HealthChange, band_changes, changes_since, ranked
from csm_tui.errors import CsmError
from csm_tui.store.raw import (
    BUSY_TIMEOUT_MS,
    Days,
    Shared,
    canonical,
    planned_touch,
    sqlite_key,
)
from csm_tui.store.versions import COMPUTED_FOR_KEY, RANKED_FOR_KEY, RULES_SHA256_KEY


class Unavailable(CsmError):
    """The glance cannot answer; the ordinary path will (and says why, if it cannot either)."""


_COLUMNS = """
SELECT account.id, account.external_id, account.name, team_member.name, team_member.email,
       account.segment, account.priority, account.arr_cents, account.health_score,
       account.renewal_date, scheduled_touch.kind, scheduled_touch.label, scheduled_touch.due_on,
       scheduled_touch.latest_on, scheduled_touch.rule_id, scheduled_touch.reason,
       scheduled_touch.snoozed_until, scheduled_touch.snooze_reason, account_plan.band,
       account_plan.effective_priority, account_plan.escalation_level, account_plan.breach_at,
       account_plan.pin_always, scheduled_touch.pin_rule, account_plan.last_touch_on,
       scheduled_touch.booked_for"""
_JOINS = """
JOIN account ON account.id = scheduled_touch.account_id
JOIN account_plan ON account_plan.account_id = scheduled_touch.account_id
LEFT OUTER JOIN team_member ON team_member.id = account.owner_id
WHERE account.deleted_at IS NULL"""
_QUEUE = _COLUMNS + "\nFROM scheduled_touch" + _JOINS
#: The day's queue in rank order (`store.ranks.page`, unfiltered): its rows' columns, then
#: the rank.
_RANKED = (
    _COLUMNS
    + """, queue_rank.rank
FROM queue_rank
JOIN scheduled_touch ON scheduled_touch.account_id = queue_rank.account_id
 AND scheduled_touch.kind = queue_rank.kind"""
    + _JOINS
)
#: The queue's date columns, by position (see `store.raw.planned_touch`).
_QUEUE_DATES = (9, 12, 13, 16, 21, 24, 25)
#: "Mine": the accounts of the member with this e-mail, whatever its case (`queries.member_ids`).
_OWNED_BY = (
    "account.owner_id IN (SELECT team_member.id FROM team_member "
    "WHERE lower(team_member.email) = ?)"
)

_HEALTH_THEN = """
SELECT account.id,
       (SELECT health_snapshot.score FROM health_snapshot
        WHERE health_snapshot.account_id = account.id AND health_snapshot.taken_on <= ?
          AND health_snapshot.deleted_at IS NULL
        ORDER BY health_snapshot.taken_on DESC LIMIT 1),
       account.health_score
FROM account
WHERE account.deleted_at IS NULL"""


def _placeholders(count: int) -> str:
    return ", ".join("?" * count)


class Glance:
    """Reads of one SQLite book for one `today`, all in one read transaction; answers
    `services.triage_view.QueueReader` as the store does."""

    def __init__(
        self, connection: sqlite3.Connection, today: date, coefficients: UrgencyCoefficients
    ) -> None:
        self.connection = connection
        self.today = today
        self.coefficients = coefficients
        self.days = Days()

    @classmethod
    @contextmanager
    def open(cls, path: Path, today: date, coefficients: UrgencyCoefficients) -> Iterator[Glance]:
        """Look into the file at `path` (never created, never written); any database error
        inside the block, or a stored value that does not parse, comes out as `Unavailable`."""
        if not path.is_file():
            raise Unavailable(f"no database at {path}")
        try:
            connection = sqlite3.connect(
                f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None
            )
        except sqlite3.Error as error:
            raise Unavailable(f"cannot open {path}: {error}") from error
        try:
            connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            connection.execute("BEGIN")
            yield cls(connection, today, coefficients)
        except (sqlite3.Error, ValueError) as error:
            raise Unavailable(f"cannot read {path}: {error}") from error
        finally:
            connection.close()

    def _rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.connection.execute(sql, parameters).fetchall()

    # -- what the start-up checks ----------------------------------------------------------

    def revision(self) -> str | None:
        """The schema's Alembic revision (`store.migrate.HEAD_REVISION` when current)."""
        rows = self._rows("SELECT version_num FROM alembic_version")
        return rows[0][0] if rows else None

    def accounts(self) -> int:
        """How many live accounts the book holds (the app decides what to read before its
        first paint by it)."""
        rows = self._rows("SELECT count(*) FROM account WHERE deleted_at IS NULL")
        return int(rows[0][0])

    def _meta(self, key: str) -> str | None:
        rows = self._rows("SELECT value FROM app_meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def schedule_state(self) -> tuple[date | None, str | None]:
        """As `store.meta.schedule_state`: the day and the rules file (by hash) the stored
        schedule was computed for."""
        text = self._meta(COMPUTED_FOR_KEY)
        try:
            computed_for = date.fromisoformat(text) if text else None
        except ValueError:
            computed_for = None
        return computed_for, self._meta(RULES_SHA256_KEY)

    def member(self, email: str) -> Member | None:
        """The live team member with this e-mail, whatever its case (`queries.find_member`)."""
        rows = self._rows(
            "SELECT id, name, email, role FROM team_member "
            "WHERE lower(email) = ? AND deleted_at IS NULL",
            (email.strip().lower(),),
        )
        if not rows:
            return None
        key, name, address, role = rows[0]
        return Member(id=canonical(key), name=name, email=address, role=Role(role))

    def since(self, member: Member) -> date:
        """The day health changes count from, as `store.triage.last_visit` says."""
        rows = self._rows(
            "SELECT last_on, previous_on FROM triage_visit WHERE member_id = ?",
            (sqlite_key(member.id),),
        )
        if not rows:
            return changes_since(None, None, self.today)
        last_on, previous_on = rows[0]
        return changes_since(self.days[last_on], self.days[previous_on], self.today)

    def ranked_for(self) -> str | None:
        """As `store.ranks.current` reads it: the day and schedule stamp of the stored ranks."""
        return self._meta(RANKED_FOR_KEY)

    # -- the team's first page (`store.ranks`) ---------------------------------------------

    def team_rows(self) -> int:
        """As `store.ranks.row_count`: the accounts on the day's queue."""
        return int(self._rows("SELECT count(*) FROM queue_rank WHERE head = 1")[0][0])

    def team_page(self, limit: int) -> tuple[list[QueueItem], list[bytes]]:
        """As `store.ranks.page` from the top, unfiltered: the first `limit` accounts' rows
        (each its most urgent item, the others due beside it) and their ranks."""
        days, shared = self.days, Shared()
        memo: dict[Any, Any] = {}
        items: list[QueueItem] = []
        ranks: list[bytes] = []
        sql = _RANKED + "\n  AND queue_rank.head = 1\nORDER BY queue_rank.rank LIMIT ?"
        for row in self._rows(sql, (limit,)):
            items.append(self._item(row, days, shared, memo))
            ranks.append(bytes(row[-1]))
        if not items:
            return items, ranks
        keys = [sqlite_key(item.account_id) for item in items]
        sql = (
            _RANKED + f"\n  AND queue_rank.head = 0 AND queue_rank.account_id IN "
            f"({_placeholders(len(keys))})\nORDER BY queue_rank.rank"
        )
        others: dict[str, list[QueueItem]] = {}
        for row in self._rows(sql, keys):
            other = self._item(row, days, shared, memo)
            others.setdefault(other.account_id, []).append(other)
        items = [
            replace(item, others=tuple(others[item.account_id]))
            if item.account_id in others
            else item
            for item in items
        ]
        return items, ranks

    def _item(
        self, row: Sequence[Any], days: Days, shared: Shared, memo: dict[Any, Any]
    ) -> QueueItem:
        values = list(row)
        for position in _QUEUE_DATES:
            values[position] = days[values[position]]
        return planned_touch(values, shared).on(self.today, self.coefficients, memo)

    # -- QueueReader -----------------------------------------------------------------------

    def queue(
        self,
        *,
        owner_email: str | None,
        ahead_days: int | None = 0,
        include_snoozed: bool = False,
        account_ids: Sequence[str] | None = None,
    ) -> list[QueueItem]:
        """As `store.queue.queue`, condition for condition, worked out and ranked alike."""
        today = self.today.isoformat()
        where: list[str] = []
        parameters: list[Any] = []
        if ahead_days is not None:
            due = (self.today + timedelta(days=ahead_days)).isoformat()
            if include_snoozed:
                where.append(
                    "(scheduled_touch.due_on <= ? OR scheduled_touch.snoozed_until > ?"
                    " OR scheduled_touch.booked_for > ?)"
                )
                parameters += [due, today, today]
            else:
                where.append("scheduled_touch.due_on <= ?")
                parameters.append(due)
        if not include_snoozed:
            where.append(
                "(scheduled_touch.snoozed_until IS NULL OR scheduled_touch.snoozed_until <= ?)"
            )
            parameters.append(today)
        if owner_email is not None:
            where.append(_OWNED_BY)
            parameters.append(owner_email.strip().lower())
        if account_ids is not None:
            keys = sorted({sqlite_key(key) for key in account_ids})
            where.append(f"scheduled_touch.account_id IN ({_placeholders(len(keys))})")
            parameters += keys
        sql = _QUEUE + "".join(f"\n  AND {condition}" for condition in where)
        days, shared = self.days, Shared()
        memo: dict[Any, Any] = {}
        items = [
            self._item(row, days, shared, memo)
            for row in self.connection.execute(sql, parameters)  # row by row: no copy of all
        ]
        return ranked(items)

    def health_changes(
        self, *, since: date, owner_email: str | None, bands: BandThresholds
    ) -> dict[str, HealthChange]:
        """As `store.triage.health_changes`."""
        sql, parameters = _HEALTH_THEN, [since.isoformat()]
        if owner_email is not None:
            sql += f"\n  AND {_OWNED_BY}"
            parameters.append(owner_email.strip().lower())
        return band_changes(
            ((canonical(key), before, after) for key, before, after in self._rows(sql, parameters)),
            bands,
        )

    def reviewed_since(self, since: date, account_ids: Sequence[str]) -> set[str]:
        """As `store.triage.reviewed_since`."""
        found: set[str] = set()
        keys = [sqlite_key(key) for key in account_ids]
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            found.update(
                canonical(key)
                for (key,) in self._rows(
                    f"SELECT account_id FROM alert_review WHERE account_id IN "
                    f"({_placeholders(len(chunk))}) AND kind = ? AND reviewed_on > ? "
                    "AND deleted_at IS NULL",
                    [*chunk, HEALTH_DROP, since.isoformat()],
                )
            )
        return found
