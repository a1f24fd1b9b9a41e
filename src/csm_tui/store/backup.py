"""Consistent copies of a live SQLite database through SQLite's online backup API.

Never copy the file itself: a copy taken mid-transaction, or without its -wal, is corrupt.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from csm_tui.store.database import Database, DatabaseError

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
    target.touch(mode=0o600)
    try:
        source = sqlite3.connect(f"{source_path.as_uri()}?mode=ro", uri=True)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy, pages=-1)
            verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            copy.close()
            source.close()
    except sqlite3.Error as error:
        target.unlink(missing_ok=True)
        raise DatabaseError(
            f"could not back up {source_path}: {error}; run `csm db check` on it"
        ) from error
    if verdict != "ok":
        target.unlink(missing_ok=True)
        raise DatabaseError(f"the backup of {source_path} failed its integrity check: {verdict}")
    if destination is None:
        _rotate(target.parent, source_path.stem)
    return target


def _rotate(folder: Path, stem: str) -> None:
    """Keep the newest automatic backups of this database; never touch any other file."""
    pattern = re.compile(rf"{re.escape(stem)}--[\w.-]+--(\d{{8}}T\d{{12}}Z)\.db")
    ours = []
    for path in folder.iterdir():
        match = pattern.fullmatch(path.name)
        if match:
            ours.append((match.group(1), path))
    ours.sort()
    for _, old in ours[:-KEEP_BACKUPS]:
        old.unlink(missing_ok=True)
