"""Engine and transaction setup for SQLite (a laptop) and PostgreSQL (a team server).

SQLite is set up per the research notes (reliability.md sections 1.6-1.7): WAL, `synchronous=FULL`,
foreign keys on (a migration, or a bulk rewrite of derived rows, may go without in its own
transaction), a busy timeout, and real `BEGIN` statements emitted by us rather than by the
driver's legacy transaction handling, so that SAVEPOINTs and migrations are truly transactional.
Writers start with `BEGIN IMMEDIATE` so that a read-then-write never fails with "database is
locked".

What SQLite says when it fails is translated here, once, for every caller (`Database.in_words`):
a write that waited for the lock in vain is `DatabaseBusy` (another csm is writing, and which
one when the system says), a damaged file is `DatabaseDamaged` (and how to restore a backup), a
file or folder the user may not write says whose permissions to change. A file whose quick
check fails is written no more (`Database.refuse_if_damaged`): a write that happens not to touch
the damaged pages would succeed, and bury the damage under newer work.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url
from sqlmodel import Session

from csm_tui.errors import CsmError, os_reason, shown_path
from csm_tui.store import files, raw

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.engine.interfaces import DBAPIConnection
    from sqlalchemy.pool import ConnectionPoolEntry

_IMMEDIATE = "csm_immediate"
_FOREIGN_KEYS = "csm_foreign_keys"

#: The laptop and the mutation whose writes these are, while the team's server applies a push:
#: the change feed names them (`store.change_feed`).
WRITE_ORIGIN: ContextVar[tuple[uuid.UUID, int] | None]
WRITE_ORIGIN = ContextVar("csm_origin", default=None)
#: The transaction a caller holds open (`Database.holding`): reads and writes made inside it
#: are part of it.
_HELD: ContextVar[tuple[Database, Session] | None]
_HELD = ContextVar("csm_held", default=None)


class DatabaseError(CsmError):
    """A database problem explained in words a user can act on."""


class DatabaseBusy(DatabaseError):
    """Another connection held the write lock for longer than this one would wait."""


class DatabaseDamaged(DatabaseError):
    """SQLite finds the file damaged: csm writes nothing more to it."""


# SQLite's primary result codes (an extended code's low byte) that have words of their own.
_BUSY, _READONLY, _CANTOPEN, _CORRUPT, _NOTADB = 5, 8, 14, 11, 26
_MAIN = "*** in database main ***"


#: PostgreSQL's SQLSTATE for a privilege the role lacks, or a row its row-level policies refuse.
INSUFFICIENT_PRIVILEGE = "42501"


def insufficient_privilege(error: BaseException) -> bool:
    """Whether `error` (SQLAlchemy's, or the driver's) is PostgreSQL refusing the connected
    role: a table it may not write, a row the row-level policies hold it from."""
    cause = getattr(error, "orig", None) or error
    return getattr(cause, "sqlstate", None) == INSUFFICIENT_PRIVILEGE


def damaged_words(path: Path | None, what: str) -> str:
    """One line: the file is damaged, csm will not write to it, and which backup to restore."""
    where = path or "the database"
    backup = files.newest_backup_words(path) if path is not None else "a backup"
    return (
        f"{where} is damaged ({what}), so csm writes nothing to it: close csm and restore "
        f"{backup}; the README's 'Restoring a backup' says how"
    )


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


def _create_private_file(path: Path) -> bool:
    """Create the database file readable by its owner only, before SQLite creates it 0644, and
    write its first page at once, so that a file of 0 bytes is never one of ours (a crash, a
    full disk or another program made it: `files.is_empty`). Whether it was created now.

    What the system refuses (a folder you cannot write, a read-only disk, a name too long) is
    a DatabaseError naming the file: SQLite would only say "unable to open database file"."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            return False
        os.close(fd)
    except OSError as error:
        failed = os.fsdecode(error.filename) if error.filename else str(path)
        where = "" if failed == str(path) else f" (at {shown_path(failed)})"
        raise DatabaseError(
            f"cannot create the database {shown_path(path)}{where}: {os_reason(error)}; "
            "name another path (--db) or make that folder writable"
        ) from None
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode=WAL")  # writes the header: the first page
    finally:
        connection.close()
    return True


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        # Take transaction control away from the driver (see module docstring).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.close()
        # SQLite's own lower() leaves letters beyond ASCII as they are ("Ärzte"): Python's,
        # as PostgreSQL's, lowers them, so that a filter or an e-mail matches alike on both.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)

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
    #: What SQLite's quick check found wrong with the file ("" when nothing), once asked.
    _damage: str | None = field(default=None, init=False, repr=False, compare=False)
    #: Called in every write transaction before it commits (the outbox of a laptop that syncs
    #: with its team keeps the action being written: `services.outbox`); None: nothing is.
    journal: Callable[[Session], None] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @classmethod
    def open(
        cls, target: str | Path, *, echo: bool = False, busy_timeout_ms: int | None = None
    ) -> Database:
        """The database at `target`, a SQLite file created if missing. A write waits up to
        `busy_timeout_ms` for another one to finish (default: a command's patience,
        `raw.COMMAND_BUSY_TIMEOUT_MS`; the terminal UI waits less, `raw.BUSY_TIMEOUT_MS`)."""
        url = normalise_url(target)
        path = sqlite_path(url)
        if path is not None:
            if not _create_private_file(path) and files.is_empty(path):
                raise DatabaseError(files.empty_words(path))
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
            timeout = raw.COMMAND_BUSY_TIMEOUT_MS if busy_timeout_ms is None else busy_timeout_ms
            _configure_sqlite(engine, timeout)
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

    def _held(self) -> Session | None:
        held = _HELD.get()
        return held[1] if held is not None and held[0] is self else None

    @contextmanager
    def reading(self, *, snapshot: bool = False) -> Iterator[Session]:
        """A read-only unit: one transaction, closed straight after so no snapshot pins the WAL.
        `snapshot`: every statement in it sees the same moment (PostgreSQL's REPEATABLE READ;
        a SQLite read transaction always does)."""
        held = self._held()
        if held is not None:
            yield held
            return
        bind = self.engine
        if snapshot and not self.is_sqlite:
            bind = self.engine.execution_options(isolation_level="REPEATABLE READ")
        with (
            self.in_words(),
            Session(bind, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    @contextmanager
    def writing(self, *, foreign_keys: bool = True) -> Iterator[Session]:
        """One user action = one transaction; committed on success, rolled back on any error.

        The transaction begins (and takes SQLite's write lock) before the caller's first
        statement, so that waiting for another writer, and giving up, happen here: as
        `DatabaseBusy`, in words. A damaged file is refused first (`refuse_if_damaged`).

        `foreign_keys=False` has SQLite skip its foreign key checks in this transaction: only
        for rewriting derived rows whose keys the transaction itself read, where a check could
        never fail but makes SQLite delete a whole table row by row instead of truncating it
        (benchmarks: reschedule, all changed)."""
        held = self._held()
        if held is not None:  # part of the transaction held: undone alone if it fails
            with held.begin_nested():
                yield held
                if self.journal is not None:
                    self.journal(held)
            return
        self.refuse_if_damaged()
        bind = self.engine.execution_options(**write_options(foreign_keys=foreign_keys))
        with (
            self.in_words(),
            Session(bind, expire_on_commit=False) as session,
            session.begin(),
        ):
            mark = self._begin_origin(session)
            yield session
            if mark is not None:
                self._stamp_origin(session, mark)
            if self.journal is not None:
                self.journal(session)

    @contextmanager
    def holding(self, *, foreign_keys: bool = True) -> Iterator[Session]:
        """A write transaction held open: every read and write made inside it on this database,
        in this thread, is part of it (each write in a savepoint of its own), and it commits
        at the end or not at all. The pull sets the rows to the server's values and makes the
        changes still waiting again, all in one."""
        with self.writing(foreign_keys=foreign_keys) as session:
            token = _HELD.set((self, session))
            try:
                yield session
            finally:
                _HELD.reset(token)

    def _begin_origin(self, session: Session) -> int | None:
        """Begin the transaction now (SQLite: `BEGIN IMMEDIATE`); while a push is applied
        (`WRITE_ORIGIN`), have the change feed name its laptop and mutation: PostgreSQL's
        triggers read it from the transaction's settings; SQLite's rows written after the
        returned mark are stamped at the end (one writer at a time: they are this one's)."""
        connection = session.connection()
        origin = WRITE_ORIGIN.get()
        if origin is None:
            return None
        device, seq = origin
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(
                "SELECT set_config('csm.sync_device', %s, true), "
                "set_config('csm.sync_seq', %s, true)",
                (str(device), str(seq)),
            )
            return None
        found = connection.exec_driver_sql("SELECT max(id) FROM sync_change").scalar()
        return int(found or 0)

    @staticmethod
    def _stamp_origin(session: Session, mark: int) -> None:
        origin = WRITE_ORIGIN.get()
        if origin is not None:
            session.connection().exec_driver_sql(
                "UPDATE sync_change SET device_id = ?, seq = ? WHERE id > ?",
                (origin[0].hex, origin[1], mark),
            )

    @contextmanager
    def in_words(self) -> Iterator[None]:
        """Driver errors that have words of their own (`translate`) come out in them."""
        try:
            yield
        except sa_exc.DBAPIError as error:
            translated = self.translate(error)
            if translated is None:
                raise
            raise translated from error

    def translate(self, error: BaseException) -> DatabaseError | None:
        """`error` (SQLAlchemy's, or the driver's) in words a user can act on, or None when
        it has none better than its own: a write lock waited for in vain, a damaged file, a
        file or folder the user may not write."""
        cause = getattr(error, "orig", None) or error
        if not isinstance(cause, sqlite3.Error):
            return None
        code = getattr(cause, "sqlite_errorcode", None)
        primary = code & 0xFF if isinstance(code, int) else None
        message = str(cause)
        if primary == _BUSY or "database is locked" in message:
            return DatabaseBusy(files.busy_words(self.path))
        if primary in (_CORRUPT, _NOTADB) or "malformed" in message:
            return DatabaseDamaged(damaged_words(self.path, f"SQLite says: {message}"))
        refused = primary in (_READONLY, _CANTOPEN) or any(
            words in message for words in ("readonly database", "unable to open database")
        )
        if refused and self.path is not None:
            problem = files.access_problem(self.path)
            if problem is not None:
                return DatabaseError(
                    f"cannot use the database: {problem.finding}; {problem.advice}"
                )
        return None

    def damage(self) -> str | None:
        """What SQLite's quick check finds wrong with the file, asked once (a whole read of
        it: about 0.1 s for a book of 20,000 accounts); None when nothing, or not SQLite."""
        if not self.is_sqlite or self.path is None:
            return None
        if self._damage is None:
            self._damage = self._quick_check()
        return self._damage or None

    def _quick_check(self) -> str:
        try:
            with self.engine.connect() as connection:
                found = list(connection.exec_driver_sql("PRAGMA quick_check").scalars())
        except sa_exc.DBAPIError as error:
            translated = self.translate(error)
            if isinstance(translated, DatabaseDamaged):
                return f"SQLite says: {error.orig}"
            if translated is not None:
                raise translated from error
            raise
        if found == ["ok"]:
            return ""
        # One finding a line, the first under SQLite's "*** in database main ***".
        lines = [" ".join(str(line).replace(_MAIN, "").split()) for line in found]
        lines = [line for line in lines if line]
        more = f" and {len(lines) - 2} more" if len(lines) > 2 else ""
        return f"its quick check found: {'; '.join(lines[:2])}{more}"

    def refuse_if_damaged(self) -> None:
        """Raise `DatabaseDamaged` if the quick check found the file damaged."""
        damage = self.damage()
        if damage:
            raise DatabaseDamaged(damaged_words(self.path, damage))

    def dispose(self) -> None:
        self.engine.dispose()
