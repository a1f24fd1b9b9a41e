"""Backups of a live SQLite database (reliability.md T-DUR-4)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import col

from csm_tui.models import Account, Contact
from csm_tui.store.backup import KEEP_BACKUPS, backup_sqlite
from csm_tui.store.database import Database, DatabaseError
from csm_tui.store.migrate import current_revision, ensure_current

#: How long a test waits for the writer thread before declaring it dead (a guard, not a timing).
WRITER_GUARD_SECONDS = 60


def _counts(path: Path) -> tuple[str, int, int]:
    connection = sqlite3.connect(path)
    try:
        verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
        accounts = connection.execute("SELECT count(*) FROM account").fetchone()[0]
        contacts = connection.execute("SELECT count(*) FROM contact").fetchone()[0]
    finally:
        connection.close()
    return verdict, accounts, contacts


def test_backups_during_continuous_writes_hold_only_whole_transactions(
    sqlite_db: Database, tmp_path: Path
) -> None:
    # Every unit of work adds an account AND its contact: a snapshot caught halfway through one
    # would hold more accounts than contacts.
    stop = threading.Event()
    committed = threading.Semaphore(0)
    failures: list[BaseException] = []

    def keep_writing() -> None:
        number = 0
        try:
            while not stop.is_set():
                with sqlite_db.writing() as session:
                    account = Account(name=f"Account {number}", segment="smb")
                    session.add(account)
                    session.flush()
                    session.add(Contact(account_id=account.id, name=f"Contact {number}"))
                number += 1
                committed.release()
        except BaseException as error:  # reported by the main thread
            failures.append(error)
            committed.release()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    snapshots: list[Path] = []
    try:
        for index in range(5):
            for _ in range(3):  # let the writer commit a few more units before each snapshot
                assert committed.acquire(timeout=WRITER_GUARD_SECONDS), "the writer stalled"
            assert not failures, failures
            snapshots.append(backup_sqlite(sqlite_db, tmp_path / f"snapshot-{index}.db"))
    finally:
        stop.set()
        writer.join()
    assert not failures, failures

    seen = [_counts(path) for path in snapshots]
    for path, (verdict, accounts, contacts) in zip(snapshots, seen, strict=True):
        assert verdict == "ok", path
        assert accounts == contacts, f"{path.name} holds half a unit of work"
    account_counts = [accounts for _, accounts, _ in seen]
    assert account_counts == sorted(account_counts) and account_counts[0] >= 3


def test_a_backup_opens_as_a_current_csm_tui_database(sqlite_db: Database, tmp_path: Path) -> None:
    with sqlite_db.writing() as session:
        session.add(Account(name="Acme", segment="smb"))
    copy_path = backup_sqlite(sqlite_db, tmp_path / "copy.db")

    restored = Database.open(copy_path)
    try:
        assert ensure_current(restored) is None  # nothing to migrate: same revision
        assert current_revision(restored) == current_revision(sqlite_db)
        with restored.reading() as session:
            assert list(session.scalars(select(col(Account.name)))) == ["Acme"]
    finally:
        restored.dispose()


def test_backup_never_overwrites_an_existing_file(sqlite_db: Database, tmp_path: Path) -> None:
    precious = tmp_path / "precious.db"
    precious.write_bytes(b"last week's backup")
    with pytest.raises(DatabaseError, match="already exists"):
        backup_sqlite(sqlite_db, precious)
    assert precious.read_bytes() == b"last week's backup"


@pytest.mark.postgres
def test_backup_of_a_server_database_points_at_pg_dump(empty_postgres_db: Database) -> None:
    with pytest.raises(DatabaseError, match="pg_dump"):
        backup_sqlite(empty_postgres_db)


def test_automatic_backups_keep_only_the_newest(sqlite_db: Database) -> None:
    made = [backup_sqlite(sqlite_db) for _ in range(KEEP_BACKUPS + 3)]
    assert sqlite_db.path is not None
    folder = sqlite_db.path.parent / "backups"
    assert sorted(folder.iterdir()) == sorted(made[-KEEP_BACKUPS:])


def test_automatic_backups_are_private_to_the_user(sqlite_db: Database) -> None:
    made = backup_sqlite(sqlite_db)
    assert made.stat().st_mode & 0o777 == 0o600
    assert made.parent.stat().st_mode & 0o777 == 0o700


def test_rotation_leaves_other_files_in_the_backup_folder_alone(sqlite_db: Database) -> None:
    assert sqlite_db.path is not None
    folder = sqlite_db.path.parent / "backups"
    folder.mkdir(mode=0o700)
    keepsake = folder / "before-the-big-import.sqlite"
    keepsake.write_bytes(b"mine")
    for _ in range(KEEP_BACKUPS + 1):
        backup_sqlite(sqlite_db)
    assert keepsake.read_bytes() == b"mine"
