"""Engine and transaction setup for SQLite (a laptop) and PostgreSQL (a team server).

SQLite is set up per the research notes (reliability.md sections 1.6-1.7): WAL, `synchronous=FULL`,
foreign keys on (a migration, or a bulk rewrite of derived rows, may go without in its own
transaction), a busy timeout, and real `BEGIN` statements emitted by us rather than by the
driver's legacy transaction handling, so that SAVEPOINTs and migrations are truly transactional.
Writers start with `BEGIN IMMEDIATE` so that a read-then-write never fails with "database is
locked".
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlmodel import Session

from csm_tui.errors import CsmError, os_reason, shown_path
from csm_tui.store.raw import BUSY_TIMEOUT_MS

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.engine.interfaces import DBAPIConnection
    from sqlalchemy.pool import ConnectionPoolEntry

_IMMEDIATE = "csm_immediate"
_FOREIGN_KEYS = "csm_foreign_keys"


class DatabaseError(CsmError):
    """A database problem explained in words a user can act on."""


def normalise_url(target: str | Path) -> URL:
    """Accept a URL or a plain file path (which means SQLite)."""
    text = str(target)
    if "\x00" in text:  # the OS takes no path with a NUL; pathlib would raise ValueError
        raise DatabaseError(
            f"the database {shown_path(text)!r} holds a NUL character, which no file name or URL "
            "has; name it without"
        )
    if "://" not in text:
        path = Path(text).expanduser().resolve()
        return URL.create("sqlite", database=str(path))
    url = make_url(text)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def sqlite_path(url: URL) -> Path | None:
    """The file behind a SQLite URL, or None for memory databases and other servers."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def _create_private_file(path: Path) -> None:
    """Create the database file readable by its owner only, before SQLite creates it 0644.

    What the system refuses (a folder you cannot write, a read-only disk, a name too long) is
    a DatabaseError naming the file: SQLite would only say "unable to open database file"."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not path.exists():
            fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
    except OSError as error:
        failed = os.fsdecode(error.filename) if error.filename else str(path)
        where = "" if failed == str(path) else f" (at {shown_path(failed)})"
        raise DatabaseError(
            f"cannot create the database {shown_path(path)}{where}: {os_reason(error)}; "
            "name another path (--db) or make that folder writable"
        ) from None


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        # Take transaction control away from the driver (see module docstring).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        # Said again before every transaction (inside one SQLite ignores it), so that one run
        # without the checks cannot leave them off for the next user of the pooled connection.
        checked = options.get(_FOREIGN_KEYS, True)
        connection.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if checked else 'OFF'}")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(_IMMEDIATE) else "BEGIN")


def write_options(*, foreign_keys: bool = True) -> dict[str, bool]:
    """Execution options for a SQLite write transaction: `BEGIN IMMEDIATE` (a read-then-write
    never fails with "database is locked"), and whether SQLite checks foreign keys in it."""
    return {_IMMEDIATE: True, _FOREIGN_KEYS: foreign_keys}


@dataclass
class Database:
    """One database: its engine, and short-lived sessions for reads and for writes."""

    url: URL
    engine: Engine

    @classmethod
    def open(cls, target: str | Path, *, echo: bool = False) -> Database:
        url = normalise_url(target)
        path = sqlite_path(url)
        if path is not None:
            _create_private_file(path)
        elif url.get_backend_name() == "postgresql":
            try:
                import psycopg  # noqa: F401
            except ImportError as error:
                raise DatabaseError(
                    "PostgreSQL needs the psycopg driver: pip install 'csm-tui[postgres]'"
                ) from error
        elif url.get_backend_name() != "sqlite":
            raise DatabaseError(
                f"unsupported database {url.render_as_string(hide_password=True)}: "
                "use a file path (SQLite) or postgresql://user@host/dbname"
            )
        engine = create_engine(url, echo=echo, pool_pre_ping=path is None)
        if url.get_backend_name() == "sqlite":
            _configure_sqlite(engine)
        return cls(url=url, engine=engine)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def path(self) -> Path | None:
        return sqlite_path(self.url)

    @property
    def display_name(self) -> str:
        return str(self.path) if self.path else self.url.render_as_string(hide_password=True)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only unit: one transaction, closed straight after so no snapshot pins the WAL."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def writing(self, *, foreign_keys: bool = True) -> Iterator[Session]:
        """One user action = one transaction; committed on success, rolled back on any error.

        `foreign_keys=False` has SQLite skip its foreign key checks in this transaction: only
        for rewriting derived rows whose keys the transaction itself read, where a check could
        never fail but makes SQLite delete a whole table row by row instead of truncating it
        (benchmarks: reschedule, all changed)."""
        bind = self.engine.execution_options(**write_options(foreign_keys=foreign_keys))
        with Session(bind, expire_on_commit=False) as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
