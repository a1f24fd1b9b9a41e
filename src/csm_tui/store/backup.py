"""Consistent copies of a live SQLite database through SQLite's online backup API.

Never copy the file itself: a copy taken mid-transaction, or without its -wal, is corrupt.

A backup is written to a hidden name beside its destination (`store.files.partial_name`),
checked, flushed to the disk and only then renamed to its own name: a backup that a kill cuts
short is never taken for one (neither the rotation nor `csm db check` looks at that name), and
the next backup removes what it left.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

from csm_tui.store.database import Database, DatabaseError
from csm_tui.store.files import automatic_backups, leftovers, partial_name

KEEP_BACKUPS = 10
_STAMP = "%Y%m%dT%H%M%S%fZ"


def default_backup_path(db_path: Path, label: str) -> Path:
    stamp = datetime.now(UTC).strftime(_STAMP)
    return db_path.parent / "backups" / f"{db_path.stem}--{label}--{stamp}.db"


def backup_sqlite(db: Database, destination: Path | None = None, *, label: str = "manual") -> Path:
    """Write a snapshot of `db`, check it, and return where it went."""
    source_path = db.path
    if source_path is None:
        raise DatabaseError("backups of a PostgreSQL database are the server's job: use pg_dump")
    if not source_path.exists():
        raise DatabaseError(f"no database at {source_path}")
    target = destination or default_backup_path(source_path, label)
    if target.exists():
        raise DatabaseError(f"{target} already exists: choose another path")
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    automatic = destination is None
    _remove_leftovers(target.parent, source_path.stem if automatic else None)
    partial = partial_name(target)
    try:
        os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        verdict = _copy(source_path, partial)
        if verdict == "ok":
            _flush(partial)
            os.replace(partial, target)
            _flush(target.parent)
    except (sqlite3.Error, OSError) as error:
        _remove(partial)
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        raise DatabaseError(
            f"could not back up {source_path}: {reason}; run `csm db check` on it"
        ) from error
    if verdict != "ok":
        _remove(partial)
        raise DatabaseError(f"the backup of {source_path} failed its integrity check: {verdict}")
    if automatic:
        _rotate(target.parent, source_path.stem)
    return target


def copy_sqlite(source_path: Path, copy_path: Path) -> None:
    """A consistent copy of a SQLite book in one step (SQLite's backup API: never a copy of
    the live file), safe while another csm writes to it."""
    _copy(source_path, copy_path, check=False)


def _copy(source_path: Path, copy_path: Path, *, check: bool = True) -> str:
    """Copy the database into `copy_path` in one step and (`check`) check the copy; the
    verdict of its integrity check ('ok' when whole)."""
    source = sqlite3.connect(f"{source_path.as_uri()}?mode=ro", uri=True)
    try:
        copy = sqlite3.connect(copy_path)
        try:
            source.backup(copy, pages=-1)
            return str(copy.execute("PRAGMA integrity_check").fetchone()[0]) if check else "ok"
        finally:
            copy.close()
    finally:
        source.close()


def _flush(path: Path) -> None:
    """Have the disk hold `path` (a file, or a folder's entries after a rename) before going on.
    Windows cannot open a folder to flush it; its renames are already durable there."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except (IsADirectoryError, PermissionError):
        return
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _remove(partial: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)


def _remove_leftovers(folder: Path, stem: str | None) -> None:
    """What killed backups left in `folder`: never a whole backup, nor anyone else's file."""
    for path in leftovers(folder, stem):
        with suppress(OSError):  # not ours to remove after all: it stays, never offered
            path.unlink(missing_ok=True)


def _rotate(folder: Path, stem: str) -> None:
    """Keep the newest automatic backups of this database; never touch any other file."""
    for old in automatic_backups(folder, stem)[:-KEEP_BACKUPS]:
        old.unlink(missing_ok=True)
