"""A book copied from the team's server into a laptop's SQLite file (issue 23: the first sync
of a new laptop, and a reset): every row of the book's tables, table by table in the order
their keys need, read in one transaction on the server and written in one on the laptop.

Not copied: what is the server's own (the sync log and its devices), what is each laptop's
own (its outbox, the user's triage visits), and what the laptop works out again from the book
(the schedule, the queue's ranks, the accounts' plans, and the app_meta keys that say for which
day and rules they were computed: the first start after the copy computes them).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import Connection

from csm_tui import models
from csm_tui.store.change_feed import NOT_FED

if TYPE_CHECKING:
    from csm_tui.store.pull import Scope

#: Tables a download leaves alone: those outside the change feed, but for `app_meta`, whose
#: keys of the book itself are copied.
NOT_COPIED = NOT_FED - {"app_meta"}
#: app_meta keys of what the laptop computes again, or of the server's own sync.
_META_NOT_COPIED = ("schedule.", "queue.", "sync.")
#: Rows written per statement.
CHUNK = 5_000


def copy_book(source: Connection, target: Connection, scope: Scope | None = None) -> dict[str, int]:
    """Copy every row of the book's tables from `source` into the empty `target` (of the books
    `scope` holds: None, all); the rows copied, by table."""
    copied: dict[str, int] = {}
    for table in models.SQLModel.metadata.sorted_tables:
        if table.name in NOT_COPIED:
            continue
        where = None if scope is None or table.name in NOT_FED else scope.rows_of(table)
        count = 0
        for rows in _chunks(source, table, where):
            if table.name == "app_meta":
                rows = [row for row in rows if not str(row["key"]).startswith(_META_NOT_COPIED)]
            if rows:
                target.execute(sa.insert(table), rows)
                count += len(rows)
        copied[table.name] = count
    return copied


def _chunks(
    source: Connection, table: sa.Table, where: sa.ColumnElement[bool] | None
) -> Iterator[list[dict[str, object]]]:
    statement = sa.select(table) if where is None else sa.select(table).where(where)
    result = source.execution_options(yield_per=CHUNK).execute(statement)
    for part in result.mappings().partitions(CHUNK):
        yield [dict(row) for row in part]
