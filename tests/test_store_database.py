"""The engine and transaction set-up in csm_tui.store.database (reliability.md T-DUR-2, T-DUR-3)."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import SQLModel

from csm_tui.models import Account, Contact
from csm_tui.store.backup import backup_sqlite
from csm_tui.store.database import (
    Database,
    DatabaseBusy,
    DatabaseDamaged,
    DatabaseError,
    normalise_url,
)
from csm_tui.store.migrate import ensure_current, upgrade
from csm_tui.store.raw import BUSY_TIMEOUT_MS, COMMAND_BUSY_TIMEOUT_MS
from tests.writers import HOLDER_COMMAND, another_csm_writing, damage_an_index, writing_here


class Boom(Exception):
    """Stands for any error in the middle of a user's action."""


def _count(db: Database, model: type[SQLModel]) -> int:
    with db.reading() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def _settings(connection: Connection) -> dict[str, Any]:
    return {
        name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
        for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
    }


EXPECTED_SQLITE_SETTINGS = {
    "journal_mode": "wal",
    "synchronous": 2,  # FULL: a commit survives a power cut, not only an app crash
    "foreign_keys": 1,
}


def _assert_durable(settings: dict[str, Any]) -> None:
    assert {key: settings[key] for key in EXPECTED_SQLITE_SETTINGS} == EXPECTED_SQLITE_SETTINGS
    assert int(settings["busy_timeout"]) >= 5000


# --- SQLite connection settings ----------------------------------------------------------------


def test_every_pooled_connection_has_the_durability_settings(sqlite_db: Database) -> None:
    # Hold several connections at once so that the pool has to make new ones; the first is the
    # one the migration used (it switched foreign keys off and must have switched them back on).
    with ExitStack() as stack:
        connections = [stack.enter_context(sqlite_db.engine.connect()) for _ in range(4)]
        drivers = {id(connection.connection.driver_connection) for connection in connections}
        seen = [_settings(connection) for connection in connections]
    assert len(drivers) == 4
    for settings in seen:
        _assert_durable(settings)
    assert BUSY_TIMEOUT_MS >= 5000


def test_connections_made_in_worker_threads_have_the_durability_settings(
    sqlite_db: Database,
) -> None:
    workers = 4
    all_connected = threading.Barrier(workers)

    def settings_in_this_thread(_: int) -> tuple[int, dict[str, object]]:
        with sqlite_db.engine.connect() as connection:
            # Every worker holds its connection until all have one: no sharing, no reuse.
            all_connected.wait()
            return id(connection.connection.driver_connection), _settings(connection)

    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(settings_in_this_thread, range(workers)))
    assert len({driver for driver, _ in results}) == workers
    for _, settings in results:
        _assert_durable(settings)


def test_database_file_and_its_new_folder_are_private_to_the_user(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "nested" / "csm.db"
    db = Database.open(path)
    try:
        ensure_current(db)
        with db.writing() as session:
            session.add(Account(name="Acme", segment="smb"))
        with db.engine.connect() as connection:  # keeps the -wal file in place while we look
            connection.exec_driver_sql("SELECT 1")
            wal = path.with_name(path.name + "-wal")
            assert stat.S_IMODE(wal.stat().st_mode) == 0o600
    finally:
        db.dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


# --- transactions, on both backends ------------------------------------------------------------


def test_savepoint_first_work_is_rolled_back_with_the_outer_transaction(db: Database) -> None:
    # The SAVEPOINT is the first statement of the transaction: with the sqlite3 driver's legacy
    # transaction handling no BEGIN would precede it and the row would survive the rollback.
    with pytest.raises(Boom), db.writing() as session:
        with session.begin_nested():
            session.add(Account(name="Acme", segment="smb"))
        raise Boom
    assert _count(db, Account) == 0


def test_failed_unit_of_work_leaves_no_row(db: Database) -> None:
    with pytest.raises(Boom), db.writing() as session:
        account = Account(name="Acme", segment="smb")
        session.add(account)
        session.flush()
        session.add(Contact(account_id=account.id, name="Dana"))
        session.flush()
        raise Boom
    assert _count(db, Account) == 0
    assert _count(db, Contact) == 0


def test_contact_for_a_missing_account_is_refused(db: Database) -> None:
    with pytest.raises(IntegrityError), db.writing() as session:
        session.add(Contact(account_id=uuid.uuid4(), name="Orphan"))
    assert _count(db, Contact) == 0


def test_a_write_without_foreign_key_checks_leaves_them_on_for_the_next_one(
    sqlite_db: Database,
) -> None:
    # The bulk reschedule writes without the checks; the pooled connection it used must
    # refuse a dangling reference again in the very next transaction.
    with pytest.raises(Boom), sqlite_db.writing(foreign_keys=False) as session:
        unchecked = session.connection().connection.driver_connection
        session.add(Contact(account_id=uuid.uuid4(), name="Nobody"))
        session.flush()  # accepted: nothing is checked
        raise Boom
    with pytest.raises(IntegrityError), sqlite_db.writing() as session:
        assert session.connection().connection.driver_connection is unchecked
        session.add(Contact(account_id=uuid.uuid4(), name="Nobody"))
        session.flush()
    assert _count(sqlite_db, Contact) == 0


def test_committed_unit_of_work_is_visible_afterwards(db: Database) -> None:
    with db.writing() as session:
        account = Account(name="Acme", segment="smb")
        session.add(account)
        session.flush()
        session.add(Contact(account_id=account.id, name="Dana"))
    assert (_count(db, Account), _count(db, Contact)) == (1, 1)


# --- writer contention (SQLite allows one writer) ----------------------------------------------


def test_concurrent_read_then_write_units_never_hit_database_is_locked(
    sqlite_db: Database,
) -> None:
    # Each unit reads the number of accounts, then inserts one. Under a DEFERRED BEGIN the second
    # writer's snapshot goes stale and SQLite fails it at once with "database is locked" (the busy
    # timeout does not help); BEGIN IMMEDIATE makes it wait its turn instead.
    rounds = 40
    writers = 2
    start_together = threading.Barrier(writers)
    seen_counts: list[int] = []
    seen_lock = threading.Lock()

    def writer(name: str) -> None:
        try:
            for round_number in range(rounds):
                start_together.wait()
                with sqlite_db.writing() as session:
                    before = session.execute(select(func.count()).select_from(Account)).scalar_one()
                    session.add(Account(name=f"{name}-{round_number}", segment="smb"))
                with seen_lock:
                    seen_counts.append(before)
        except BaseException:
            start_together.abort()  # release the other writer instead of leaving it waiting
            raise

    with ThreadPoolExecutor(writers) as pool:
        futures = [pool.submit(writer, f"writer{index}") for index in range(writers)]
        for future in futures:
            future.result()  # re-raises "database is locked" if it happened

    assert _count(sqlite_db, Account) == rounds * writers
    # The units ran one after another: each saw every earlier commit, none saw the same state.
    assert sorted(seen_counts) == list(range(rounds * writers))


# --- URLs --------------------------------------------------------------------------------------


def test_plain_path_means_a_sqlite_file_with_an_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    url = normalise_url("books/csm.db")
    assert url.get_backend_name() == "sqlite"
    assert url.database == str(tmp_path.resolve() / "books" / "csm.db")


def test_home_relative_path_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    url = normalise_url("~/csm.db")
    assert url.database == str(tmp_path.resolve() / "csm.db")


@pytest.mark.parametrize(
    "given", ["postgresql://ann@db.example.com/team", "postgres://ann@db.example.com/team"]
)
def test_postgresql_urls_use_the_psycopg_driver(given: str) -> None:
    url = normalise_url(given)
    assert url.drivername == "postgresql+psycopg"
    assert (url.username, url.host, url.database) == ("ann", "db.example.com", "team")


def test_explicit_driver_in_a_url_is_kept() -> None:
    assert normalise_url("sqlite:////tmp/x.db").drivername == "sqlite"
    assert normalise_url("postgresql+psycopg://h/d").drivername == "postgresql+psycopg"


def test_unsupported_database_is_refused_with_a_hint() -> None:
    with pytest.raises(DatabaseError, match=r"unsupported database .*postgresql://"):
        Database.open("mysql://ann:secret@db.example.com/team")


def test_refusal_does_not_show_the_password() -> None:
    with pytest.raises(DatabaseError) as raised:
        Database.open("mysql://ann:secret@db.example.com/team")
    assert "secret" not in str(raised.value)


# --- errors in words (issue 19) ----------------------------------------------------------------


def test_a_write_that_waits_in_vain_for_the_lock_names_the_csm_that_holds_it(
    sqlite_db: Database, tmp_path: Path
) -> None:
    assert sqlite_db.path is not None
    impatient = Database.open(sqlite_db.path, busy_timeout_ms=200)
    try:
        with (
            another_csm_writing(sqlite_db.path, tmp_path) as holder,
            pytest.raises(DatabaseBusy) as raised,
            impatient.writing() as session,
        ):
            session.add(Account(name="Acme", segment="smb"))
    finally:
        impatient.dispose()
    assert str(raised.value) == (
        f"Another csm is writing to this book ({HOLDER_COMMAND}, pid {holder}); "
        "save again in a moment"
    )
    assert _count(sqlite_db, Account) == 0


def test_a_write_blocked_within_this_process_says_another_csm_is_writing(
    sqlite_db: Database,
) -> None:
    # The holder is this process (so is it in the terminal UI's tests): nothing to name.
    assert sqlite_db.path is not None
    impatient = Database.open(sqlite_db.path, busy_timeout_ms=100)
    try:
        with (
            writing_here(sqlite_db.path),
            pytest.raises(DatabaseBusy) as raised,
            impatient.writing() as session,
        ):
            session.add(Account(name="Acme", segment="smb"))
    finally:
        impatient.dispose()
    assert str(raised.value) == "Another csm is writing to this book; save again in a moment"
    assert "SQL" not in str(raised.value)


def test_a_command_waits_a_minute_for_another_writer_the_screen_ten_seconds(
    tmp_path: Path,
) -> None:
    def waits(db: Database) -> int:
        try:
            with db.engine.connect() as connection:
                return int(connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one())
        finally:
            db.dispose()

    path = tmp_path / "csm.db"
    assert waits(Database.open(path)) == COMMAND_BUSY_TIMEOUT_MS == 60_000
    assert waits(Database.open(path, busy_timeout_ms=BUSY_TIMEOUT_MS)) == 10_000


def test_a_file_of_0_bytes_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "csm.db"
    path.touch()
    with pytest.raises(DatabaseError) as raised:
        Database.open(path)
    assert str(raised.value) == (
        f"{path} is empty (0 bytes): not a csm database; remove it to start a new book"
    )
    assert path.read_bytes() == b""


def test_a_new_book_is_never_0_bytes_so_a_crash_before_its_schema_is_no_refusal(
    tmp_path: Path,
) -> None:
    path = tmp_path / "csm.db"
    Database.open(path).dispose()  # created, then (as if killed) never given its schema
    assert path.stat().st_size > 0
    db = Database.open(path)
    try:
        ensure_current(db)  # the book is set up as new
        with db.writing() as session:
            session.add(Account(name="Acme", segment="smb"))
    finally:
        db.dispose()


def test_a_damaged_book_refuses_every_write_and_names_the_backup_to_restore(
    sqlite_db: Database,
) -> None:
    # Adding an account never touches the escalation table's index: without the start-up
    # check the write would succeed and bury the damage under newer work.
    assert sqlite_db.path is not None
    path = sqlite_db.path
    backup = backup_sqlite(sqlite_db)
    sqlite_db.dispose()
    damage_an_index(path)
    db = Database.open(path)
    try:
        with pytest.raises(DatabaseDamaged) as raised, db.writing() as session:
            session.add(Account(name="Acme", segment="smb"))
        with db.reading() as session:  # reading is still possible
            assert session.execute(select(func.count()).select_from(Account)).scalar_one() == 0
    finally:
        db.dispose()
    words = str(raised.value)
    assert words.startswith(f"{path} is damaged (its quick check found: "), words
    assert words.endswith(
        f"), so csm writes nothing to it: close csm and restore the newest backup, {backup}; "
        "the README's 'Restoring a backup' says how"
    ), words
    assert "\n" not in words and "***" not in words


def test_an_upgrade_of_a_damaged_book_is_refused_before_its_backup(sqlite_db: Database) -> None:
    assert sqlite_db.path is not None
    path = sqlite_db.path
    sqlite_db.dispose()
    damage_an_index(path)
    db = Database.open(path)
    try:
        with pytest.raises(DatabaseDamaged, match="is damaged"):
            upgrade(db, "0006")
    finally:
        db.dispose()
    assert not (path.parent / "backups").exists()


def test_a_book_in_a_folder_the_user_cannot_write_is_said_as_that(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite fails a WAL book whose folder its user cannot write with "attempt to write a
    readonly database"; every command then says whose permissions to change. Simulated at the
    OS boundary (os.access, and SQLite's error): the tests run as root, whom nothing stops."""
    assert sqlite_db.path is not None
    folder = sqlite_db.path.parent
    allowed = os.access
    monkeypatch.setattr(
        os,
        "access",
        lambda target, mode, **kwargs: (
            not (Path(target) == folder and mode & os.W_OK) and allowed(target, mode, **kwargs)
        ),
    )
    refused = OperationalError(
        "BEGIN", {}, sqlite3.OperationalError("attempt to write a readonly database")
    )

    words = sqlite_db.translate(refused)

    assert isinstance(words, DatabaseError)
    assert str(words).startswith(
        f"cannot use the database: the folder {folder} is read-only for you"
    )
    assert f"chmod u+w {folder}" in str(words)
