"""Backups of a live SQLite database (reliability.md T-DUR-4)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import col

from csm_tui.models import Account, Contact
from csm_tui.store import backup as backup_module
from csm_tui.store.backup import KEEP_BACKUPS, backup_sqlite
from csm_tui.store.database import Database, DatabaseError
from csm_tui.store.files import automatic_backups, newest_backup_words
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


# --- partial backups (issue 19) ----------------------------------------------------------------


def test_a_backup_is_written_under_a_hidden_name_and_renamed_once_checked_and_flushed(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert sqlite_db.path is not None
    folder = sqlite_db.path.parent / "backups"
    seen: list[list[str]] = []
    flushed: list[int] = []
    copy = backup_module._copy

    def watched(source: Path, partial: Path) -> str:
        verdict = copy(source, partial)
        seen.append(sorted(path.name for path in folder.iterdir()))  # before the rename
        return verdict

    fsync = os.fsync

    def flush(descriptor: int) -> None:
        flushed.append(descriptor)
        fsync(descriptor)

    monkeypatch.setattr(backup_module, "_copy", watched)
    monkeypatch.setattr(os, "fsync", flush)

    made = backup_sqlite(sqlite_db)

    [names] = seen
    assert len(names) == 1 and names[0].startswith(f".{made.name}.") and ".partial" in names[0]
    assert sorted(folder.iterdir()) == [made]
    assert len(flushed) == 2  # the copy, then the folder that holds its new name


def test_a_backup_that_fails_its_check_leaves_nothing(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backup_module, "_copy", lambda source, partial: "*** page 3 is bad")
    with pytest.raises(DatabaseError, match="failed its integrity check"):
        backup_sqlite(sqlite_db)
    assert sqlite_db.path is not None
    assert list((sqlite_db.path.parent / "backups").iterdir()) == []


def _gone_pid() -> int:
    """The pid of a process that has ended."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_leftovers_of_killed_backups_are_never_counted_and_go_with_the_next_backup(
    sqlite_db: Database,
) -> None:
    assert sqlite_db.path is not None
    folder = sqlite_db.path.parent / "backups"
    folder.mkdir(mode=0o700)
    made = [backup_sqlite(sqlite_db) for _ in range(KEEP_BACKUPS)]
    dead = _gone_pid()
    killed = [  # a killed backup's copy and journal; an older csm's half-written backup
        folder / f".csm--before-upgrade-from-0006--20990101T000000000000Z.db.{dead}.partial",
        folder
        / f".csm--before-upgrade-from-0006--20990101T000000000000Z.db.{dead}.partial-journal",
        folder / "csm--before-upgrade-from-0005--20990102T000000000000Z.db",
        folder / "csm--before-upgrade-from-0005--20990102T000000000000Z.db-journal",
    ]
    running = folder / f".csm--manual--20990103T000000000000Z.db.{os.getpid()}.partial"
    keepsake = folder / "csm-before-the-big-import.db"
    for path in [*killed, running, keepsake]:
        path.write_bytes(b"SQLite format 3\0" + b"\0" * 4080)

    assert automatic_backups(folder, "csm") == made  # the rotation counts none of them
    assert made[-1].name in newest_backup_words(sqlite_db.path)  # nor offers one

    newest = backup_sqlite(sqlite_db)

    assert not any(path.exists() for path in killed)
    assert running.exists() and keepsake.exists()  # being written; someone else's
    assert automatic_backups(folder, "csm") == [*made[1:], newest]
