"""`csm db check`: csm_tui.store.integrity (reliability.md sections 1.5 and T-DUR-5)."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import sqlite3
import stat
import textwrap
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from csm_tui.models import Account, Contact
from csm_tui.store import migrate
from csm_tui.store.backup import backup_sqlite
from csm_tui.store.database import Database, normalise_url
from csm_tui.store.integrity import CheckReport, check_database, check_location
from csm_tui.store.migrate import HEAD_REVISION
from tests.writers import damage_an_index

REPO = Path(__file__).resolve().parents[1]


def _fingerprint(folder: Path) -> dict[str, str]:
    """Every file in a folder with a hash of its bytes: proof that nothing was written."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _book(path: Path, accounts: int = 2) -> None:
    """A closed SQLite csm-tui database with accounts and a contact each."""
    db = Database.open(path)
    try:
        migrate.ensure_current(db)
        with db.writing() as session:
            for number in range(accounts):
                account = Account(name=f"Acme {number}", segment="smb")
                session.add(account)
                session.flush()
                session.add(Contact(account_id=account.id, name="Dana"))
    finally:
        db.dispose()


def _raw(path: Path, *statements: str) -> None:
    """Change a file behind csm-tui's back, as another tool would (foreign keys off)."""
    connection = sqlite3.connect(path)
    try:
        for statement in statements:
            connection.execute(statement)
        connection.commit()
    finally:
        connection.close()


def _assert_problem(report: CheckReport, *words: str) -> str:
    verdict = report.verdict()
    assert not report.ok
    assert verdict.startswith("PROBLEM:")
    for word in words:
        assert word in verdict, verdict
    return verdict


# --- healthy databases -------------------------------------------------------------------------


def test_fresh_database_passes(db: Database) -> None:
    report = check_database(db)
    assert report.ok, report.verdict()
    assert report.findings == []
    assert (report.revision, report.head) == (HEAD_REVISION, HEAD_REVISION)
    assert report.verdict().startswith("OK:")
    assert f"revision {HEAD_REVISION} (current)" in report.verdict()


def test_sqlite_verdict_names_the_file_and_the_checks(sqlite_db: Database) -> None:
    report = check_database(sqlite_db)
    assert report.backend == "sqlite"
    assert report.verdict() == (
        f"OK: {sqlite_db.path} passed the integrity and foreign-key checks; "
        f"schema at revision {HEAD_REVISION} (current)."
    )


def test_check_changes_nothing_on_disk(tmp_path: Path) -> None:
    _book(tmp_path / "csm.db")
    before = _fingerprint(tmp_path)
    assert check_location(tmp_path / "csm.db").ok
    assert _fingerprint(tmp_path) == before


# --- files that are not (whole) databases ------------------------------------------------------


def test_missing_file_is_reported_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "not-yet" / "csm.db"
    report = check_location(path)
    _assert_problem(report, f"no database at {path}")
    assert not path.parent.exists()


def test_database_object_for_a_deleted_file_is_reported_and_not_recreated(tmp_path: Path) -> None:
    path = tmp_path / "csm.db"
    url = normalise_url(path)
    report = check_database(Database(url=url, engine=create_engine(url)))
    _assert_problem(report, f"no database at {path}")
    assert not path.exists()


def test_random_bytes_are_not_a_sqlite_database(tmp_path: Path) -> None:
    path = tmp_path / "csm.db"
    path.write_bytes(os.urandom(64 * 1024))
    before = _fingerprint(tmp_path)
    verdict = _assert_problem(check_location(path), "not a SQLite database", "backup")
    assert "Traceback" not in verdict
    assert _fingerprint(tmp_path) == before


def test_truncated_database_is_reported_as_damaged(tmp_path: Path) -> None:
    path = tmp_path / "csm.db"
    _book(path, accounts=200)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    verdict = _assert_problem(check_location(path), "backup")
    assert "damaged" in verdict or "integrity check found" in verdict, verdict


def test_folder_instead_of_a_file(tmp_path: Path) -> None:
    _assert_problem(check_location(tmp_path), "is a folder")


def test_a_file_of_0_bytes_is_no_database_and_says_to_remove_it(tmp_path: Path) -> None:
    path = tmp_path / "csm.db"
    path.touch()
    verdict = _assert_problem(
        check_location(path),
        f"{path} is empty (0 bytes): not a csm database",
        "remove it to start a new book",
    )
    assert "upgrade" not in verdict and "backup" not in verdict, verdict
    assert path.read_bytes() == b""


def test_a_database_without_tables_has_no_schema_yet(tmp_path: Path) -> None:
    # What a new book is until its schema is made: csm writes the first page as it creates it.
    path = tmp_path / "csm.db"
    _raw(path, "PRAGMA journal_mode=WAL")
    _assert_problem(check_location(path), "no csm-tui schema", "csm db upgrade")


# --- consistency and schema revision -----------------------------------------------------------


def test_broken_references_are_counted_by_table(sqlite_db: Database) -> None:
    with sqlite_db.writing() as session:
        for number in range(2):
            account = Account(name=f"Acme {number}", segment="smb")
            session.add(account)
            session.flush()
            session.add_all(
                [
                    Contact(account_id=account.id, name="Dana"),
                    Contact(account_id=account.id, name="Lee"),
                ]
            )
    newest = backup_sqlite(sqlite_db)
    assert sqlite_db.path is not None
    _raw(sqlite_db.path, "DELETE FROM account WHERE name = 'Acme 0'")  # orphans two contacts

    report = check_database(sqlite_db)

    _assert_problem(report, "2 broken references", "2 rows in contact point at missing account")
    assert report.revision == HEAD_REVISION
    assert any(newest.name in advice for advice in report.advice), report.advice


def test_unknown_revision_means_a_newer_csm_tui(db: Database) -> None:
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'ffff9999'"))
    report = check_database(db)
    _assert_problem(report, "ffff9999", "newer csm-tui", "upgrade csm-tui")
    assert report.revision == "ffff9999"


def test_tables_without_a_revision_are_not_a_csm_tui_database(sqlite_db: Database) -> None:
    assert sqlite_db.path is not None
    _raw(sqlite_db.path, "DELETE FROM alembic_version")
    _assert_problem(check_database(sqlite_db), "no schema revision", "not a csm-tui database")


def test_another_applications_database_is_not_ours(tmp_path: Path) -> None:
    path = tmp_path / "recipes.db"
    _raw(path, "CREATE TABLE recipe (id INTEGER PRIMARY KEY)")
    _assert_problem(check_location(path), "not a csm-tui database")


def test_schema_behind_this_version_says_to_upgrade(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pretend this csm-tui ships a revision the database has not had yet.
    current = migrate.HEAD_REVISION
    following = f"{int(current) + 1:04d}"
    scripts = tmp_path / "migrations"
    shutil.copytree(REPO / "migrations", scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / f"{following}_next.py").write_text(
        textwrap.dedent(f'''
        revision = "{following}"
        down_revision = "{current}"
        branch_labels = None
        depends_on = None

        def upgrade() -> None:
            pass

        def downgrade() -> None:
            pass
    ''')
    )
    monkeypatch.setattr(migrate, "script_location", lambda: scripts)
    monkeypatch.setattr(migrate, "HEAD_REVISION", following)

    report = check_database(sqlite_db)

    _assert_problem(report, f"revision {current}", f"needs {following}", "csm db upgrade")
    assert (report.revision, report.head) == (current, following)


def test_unreachable_server_is_a_problem_not_a_crash() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    db = Database.open(f"postgresql://nobody:secret@127.0.0.1:{port}/csm")
    try:
        verdict = _assert_problem(check_database(db), "could not query", "server is running")
    finally:
        db.dispose()
    assert "secret" not in verdict


def test_advice_names_the_newest_real_backup_not_an_empty_leftover(tmp_path: Path) -> None:
    path = tmp_path / "csm.db"
    _book(path)
    db = Database.open(path)
    try:
        real = backup_sqlite(db)
    finally:
        db.dispose()
    leftover = real.parent / "csm-manual-29991231T000000000000Z.db"  # a backup that died early
    leftover.touch()
    path.write_bytes(os.urandom(64 * 1024))

    verdict = _assert_problem(check_location(path), f"restore the newest backup from {real.parent}")

    assert real.name in verdict
    assert leftover.name not in verdict


# --- permissions: say what is wrong, not "restore a backup" (issue 19) -------------------------


def _deny(monkeypatch: pytest.MonkeyPatch, path: Path, mode: int) -> None:
    """The system says the user may not do `mode` on `path` (the tests run as root, whom
    permissions never stop: os.access is where csm asks, so that is where it is simulated)."""
    allowed = os.access

    def access(target: Any, asked: int, *args: Any, **kwargs: Any) -> bool:
        if Path(target) == path and asked & mode:
            return False
        return allowed(target, asked, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)


def _sqlite_refuses(monkeypatch: pytest.MonkeyPatch, message: str) -> None:
    """SQLite fails to open the database read-write with `message`, as it does for a user the
    permissions stop (simulated: see `_deny`); a read-only look still works."""
    connect = sqlite3.connect

    def refusing(database: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        if "mode=rw" in str(database):
            raise sqlite3.OperationalError(message)
        return connect(database, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", refusing)


def test_a_read_only_folder_is_said_with_its_path_not_as_damage_to_restore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real run as an ordinary user gets "attempt to write a readonly database" (SQLite's
    SQLITE_READONLY_DIRECTORY) from a WAL database whose folder it cannot write: simulated,
    the tests run as root."""
    path = tmp_path / "csm.db"
    _book(path)
    _deny(monkeypatch, tmp_path, os.W_OK)
    _sqlite_refuses(monkeypatch, "attempt to write a readonly database")

    report = check_location(path)

    assert report.findings == [
        f"the folder {tmp_path} is read-only for you ({stat.filemode(tmp_path.stat().st_mode)}, "
        f"owner root): SQLite must create csm.db-wal and csm.db-shm in it to open the database; "
        "the file itself passed the integrity check"
    ]
    assert report.advice == [
        f"make the folder writable by you (chmod u+w {tmp_path}), or move the database (with "
        "its -wal file, if any) to a folder you can write"
    ]
    assert "restore" not in report.verdict() and "could not read" not in report.verdict()


def test_a_file_the_user_cannot_read_is_said_with_its_permissions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite says "unable to open database file" to a user who may not read the file:
    simulated, the tests run as root."""
    path = tmp_path / "csm.db"
    _book(path)
    _deny(monkeypatch, path, os.R_OK)
    _sqlite_refuses(monkeypatch, "unable to open database file")

    verdict = _assert_problem(
        check_location(path),
        f"{path} is not readable by you ({stat.filemode(path.stat().st_mode)}, owner root)",
        f"make it readable and writable by you (chmod u+rw {path}), or run csm as its owner",
    )
    assert "restore" not in verdict


def test_a_damaged_file_still_gets_the_backup_advice(tmp_path: Path) -> None:
    path = tmp_path / "csm.db"
    _book(path, accounts=30)
    damage_an_index(path, "contact")
    verdict = _assert_problem(check_location(path), "is damaged", "restore a backup")
    assert "read-only" not in verdict
