"""Values as the database driver gives them, before (or instead of) SQLAlchemy's conversions.

Bulk reads (`store.facts`, `store.recompute`) and the first look at a SQLite book
(`store.glance`) read columns raw: a key is 32-digit hex text on SQLite (how SQLAlchemy stores a
UUID there) and a `uuid.UUID` on PostgreSQL; a date is 'YYYY-MM-DD' text on SQLite and a `date`
on PostgreSQL. Nothing here imports SQLAlchemy: the glance runs before it is imported.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from csm_tui.domain.queue import PlannedTouch

#: How long a connection of the terminal UI (and a first look at a book) waits for another
#: one's write to finish before it gives up: a save then says so, and what was typed stays.
BUSY_TIMEOUT_MS = 10_000
#: How long a command waits: a script's `csm log` had better wait for an import to finish
#: (importing 20,000 accounts takes about 5 s, 100,000 about 30 s; benchmarks: import).
COMMAND_BUSY_TIMEOUT_MS = 60_000


def canonical(raw: object) -> str:
    """Canonical UUID text (with dashes) of a raw key: hex text on SQLite, a UUID elsewhere."""
    if isinstance(raw, str) and len(raw) == 32:  # how SQLAlchemy stores a UUID on SQLite
        return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}".lower()
    return str(raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw)))


def sqlite_key(text: str) -> str:
    """A canonical key as SQLite stores it: the 32 hex digits SQLAlchemy writes."""
    return f"{uuid.UUID(text).int:032x}"


class Days(dict[Any, date | None]):
    """Dates read raw, memoised: a book has a few hundred distinct days in millions of rows.
    An empty column (None) stays None."""

    def __missing__(self, raw: Any) -> date | None:
        day = raw if raw is None or isinstance(raw, date) else date.fromisoformat(raw)
        self[raw] = day
        return day


class Dates(dict[Any, date]):
    """`Days` of a column that is never empty (NOT NULL, or filtered so)."""

    def __missing__(self, raw: Any) -> date:
        day = raw if isinstance(raw, date) else date.fromisoformat(raw)
        self[raw] = day
        return day


class Shared(dict[Any, Any]):
    """One object per distinct value read: a team's queue holds a hundred thousand lines that
    repeat a few hundred owners, kinds, labels and rules, and a driver makes a new string for
    each (benchmarks: team peak RSS). `key` gives one canonical key per account."""

    def __missing__(self, raw: Any) -> Any:
        self[raw] = raw
        return raw

    def key(self, raw: object) -> str:
        """The canonical text of a raw key, one object per account (the raw key itself is
        not kept: it would double what the read holds while it runs)."""
        shared: str = self[canonical(raw)]
        return shared


def planned_touch(row: Sequence[Any], shared: Shared | None = None) -> PlannedTouch:
    """One row of the queue query (`store.queue.queue_statement`'s columns, in order), its
    dates already dates. With `shared`, equal values of the rows of one read are one object."""
    one = shared if shared is not None else Shared()
    return PlannedTouch(
        account_id=one.key(row[0]),
        external_id=one[row[1]],
        account_name=one[row[2]],
        owner_name=one[row[3]],
        owner_email=one[row[4]],
        segment=one[row[5]],
        priority=one[row[6]],
        arr_cents=one[row[7]],
        health_score=row[8],
        renewal_date=row[9],
        kind=one[row[10]],
        label=one[row[11]],
        due_on=row[12],
        latest_on=row[13],
        rule_id=one[row[14]],
        reason=row[15],
        snoozed_until=row[16],
        snooze_reason=one[row[17]],
        band=one[row[18]],
        effective_priority=one[row[19]],
        escalation_level=row[20],
        breach_at=row[21],
        pin_always=bool(row[22]),
        pin_rule=bool(row[23]),
        last_touch_on=row[24],
        booked_for=row[25],
    )
