"""Bulk inserts for generated data (the demo book): SQLAlchemy Core, no ORM objects, in chunks.

A benchmark book holds millions of rows, so the per-row cost matters more than elsewhere. On
SQLite the INSERT is compiled once by SQLAlchemy and its own bind processors are applied a column
at a time (memoised for dates, times and booleans, which repeat a lot; UUIDs formatted at C speed
once a probe shows that gives exactly SQLAlchemy's text), then the driver's executemany runs the
chunk: the same stored values as `connection.execute(insert(table), rows)`, in a fraction of its
time (benchmarks: build). Other backends take that ordinary Core path.

Every column that has a Python-side default must be given explicitly: those defaults are the
clock and `uuid4`, and a demo book has to be identical for the same seed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from operator import attrgetter, itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Table, insert

#: Rows per executemany call: large enough to amortise the call, small enough to stay cheap.
CHUNK_ROWS = 5_000

#: Page cache for one bulk load on SQLite (negative = KiB): index pages of random UUID keys
#: stay in memory instead of being read back from the WAL over and over.
_BULK_CACHE_KIB = 512 * 1024

_MEMOISED_TYPES = (sa.Date, sa.DateTime, sa.Boolean)
_PROBE_UUID = uuid.UUID("0b5e4c1a-7f3d-4e2a-9c61-d2f0a8b3e457")
_UUID_INT = attrgetter("int")
_HEX32 = "%032x".__mod__

#: How a column's values are converted: by the processor, memoised, or as UUID hex text.
_CALL, _MEMO, _UUID_HEX = "call", "memo", "uuid-hex"


@dataclass(frozen=True)
class _CompiledInsert:
    sql: str
    names: tuple[str, ...]
    #: (position, processor, how) for the columns whose values the driver cannot take as is.
    converters: tuple[tuple[int, Callable[[Any], Any], str], ...]


def _how(column_type: sa.types.TypeEngine[Any], processor: Callable[[Any], Any]) -> str:
    if isinstance(column_type, _MEMOISED_TYPES):
        return _MEMO
    if isinstance(column_type, sa.Uuid) and processor(_PROBE_UUID) == _HEX32(_PROBE_UUID.int):
        return _UUID_HEX
    return _CALL


def _check_defaults(table: Table, names: Sequence[str]) -> None:
    missing = sorted(
        column.name for column in table.c if column.default is not None and column.name not in names
    )
    if missing:
        raise ValueError(f"rows for {table.name} must set {', '.join(missing)} explicitly")


def _compile_sqlite(
    connection: Connection, table: Table, names: tuple[str, ...]
) -> _CompiledInsert:
    dialect = connection.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=list(names))
    order = tuple(compiled.positiontup or ())  # the table's column order, not the dict's
    if sorted(order) != sorted(names):
        raise ValueError(f"unexpected parameters for {table.name}: {order}")
    converters = []
    for position, name in enumerate(order):
        column_type = table.c[name].type
        processor = column_type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            converters.append((position, processor, _how(column_type, processor)))
    return _CompiledInsert(compiled.string, order, tuple(converters))


def _driver_rows(
    compiled: _CompiledInsert, rows: Sequence[Any], names: tuple[str, ...] | None = None
) -> list[tuple[Any, ...]]:
    """Rows (dicts, or tuples of `names`) as the driver's parameter tuples, converted column by
    column.

    Memoising treats equal values as one: fine for dates and booleans, and for datetimes as long
    as a column holds one time zone (UTC throughout this project).
    """
    if names is None:
        columns = [list(map(itemgetter(name), rows)) for name in compiled.names]
    else:
        by_name = dict(zip(names, zip(*rows, strict=True), strict=True))
        columns = [list(by_name[name]) for name in compiled.names]
    for position, processor, how in compiled.converters:
        values = columns[position]
        if how == _MEMO:
            lookup = {value: processor(value) for value in set(values)}
            columns[position] = list(map(lookup.__getitem__, values))
        elif how == _UUID_HEX:
            columns[position] = _uuid_hex(values, processor)
        else:
            columns[position] = list(map(processor, values))
    return list(zip(*columns, strict=True))


def _uuid_hex(values: list[Any], processor: Callable[[Any], Any]) -> list[Any]:
    """A UUID column as SQLite stores it: `uuid.UUID`s at C speed, or text (canonical or 32
    hex digits, which the largest writes build without a UUID object per row) as SQLAlchemy's
    `Uuid(as_uuid=False)` writes it; a NULL goes through the processor."""
    try:
        return list(map(_HEX32, map(_UUID_INT, values)))
    except AttributeError:
        return [
            value.replace("-", "").lower() if isinstance(value, str) else processor(value)
            for value in values
        ]


def _core_rows(table: Table, names: Sequence[str], rows: Sequence[Any]) -> list[dict[str, Any]]:
    """Tuple rows of the columns `names` as dicts for SQLAlchemy's ordinary path, their UUID
    columns given as text made UUIDs."""
    keys = [name for name in names if isinstance(table.c[name].type, sa.Uuid)]
    dicts = [dict(zip(names, row, strict=True)) for row in rows]
    for row in dicts:
        for key in keys:
            if isinstance(value := row[key], str):
                row[key] = uuid.UUID(value)
    return dicts


@dataclass(frozen=True)
class PreparedRows:
    """Rows ready for one table's INSERT: driver tuples (SQLite) or plain dicts (elsewhere).

    Preparing is most of the CPU of a bulk insert on SQLite, and it pickles, so another process
    can do it (see `store.recompute.recompute_all`) and leave the writer only the executemany.
    """

    table: str
    sql: str | None  # the driver-level INSERT of `rows` as tuples; None: `rows` are dicts
    rows: list[Any]

    def __len__(self) -> int:
        return len(self.rows)


def prepare_rows(
    connection: Connection,
    table: Table,
    rows: Sequence[Any],
    *,
    names: tuple[str, ...] | None = None,
) -> PreparedRows:
    """Rows of `table` converted as `insert_rows` would: plain dicts (all with the same keys),
    or tuples of the columns `names` (no dict per row, for the largest writes). A UUID column
    of tuple rows may hold text (canonical, or 32 hex digits) instead of `uuid.UUID`s."""
    if not rows:
        return PreparedRows(table.name, None, [])
    keys = names if names is not None else tuple(rows[0])
    _check_defaults(table, keys)
    if connection.dialect.name != "sqlite":
        if names is None:
            return PreparedRows(table.name, None, list(rows))
        return PreparedRows(table.name, None, _core_rows(table, names, rows))
    compiled = _compile_sqlite(connection, table, keys)
    return PreparedRows(table.name, compiled.sql, _driver_rows(compiled, rows, names))


def insert_prepared(
    connection: Connection, table: Table, prepared: PreparedRows, *, chunk: int = CHUNK_ROWS
) -> int:
    """Insert rows from `prepare_rows` (made with the same kind of database); return how many."""
    if prepared.table != table.name:
        raise ValueError(f"rows prepared for {prepared.table}, not {table.name}")
    statement = insert(table)
    rows = prepared.rows
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        if prepared.sql is not None:
            connection.exec_driver_sql(prepared.sql, part)
        else:
            connection.execute(statement, part)
    return len(rows)


def insert_rows(
    connection: Connection,
    table: Table,
    rows: Sequence[Any],
    *,
    names: tuple[str, ...] | None = None,
    chunk: int = CHUNK_ROWS,
) -> int:
    """Insert rows into `table`: plain dicts (all with the same keys), or tuples of the columns
    `names` (whose UUID columns may hold text, as in `prepare_rows`); return how many."""
    if not rows:
        return 0
    keys = names if names is not None else tuple(rows[0])
    _check_defaults(table, keys)
    sqlite = connection.dialect.name == "sqlite"
    compiled = _compile_sqlite(connection, table, keys) if sqlite else None
    statement = insert(table)
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        if compiled is not None:
            connection.exec_driver_sql(compiled.sql, _driver_rows(compiled, part, names))
        elif names is not None:
            connection.execute(statement, _core_rows(table, names, part))
        else:
            connection.execute(statement, list(part))
    return len(rows)


@contextmanager
def bulk_session(connection: Connection) -> Iterator[None]:
    """Tune the connection for one large load, and put it back afterwards (it is pooled)."""
    if connection.dialect.name != "sqlite":
        yield
        return
    previous = int(connection.exec_driver_sql("PRAGMA cache_size").scalar() or -2000)
    connection.exec_driver_sql(f"PRAGMA cache_size=-{_BULK_CACHE_KIB}")
    try:
        yield
    except BaseException:
        with suppress(sa.exc.SQLAlchemyError):  # never hide the error that is on its way out
            connection.exec_driver_sql(f"PRAGMA cache_size={previous}")
        raise
    connection.exec_driver_sql(f"PRAGMA cache_size={previous}")
