"""Consistent copies of a live SQLite database through SQLite's online backup API.

Never copy the file itself: a copy taken mid-transaction, or without its -wal, is corrupt.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from csm_tui.store.database import Database, DatabaseError

KEEP_BACKUPS = 10


def default_backup_path(db_path: Path, label: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return db_path.parent / "backups" / f"{db_path.stem}-{label}-{stamp}.db"


def backup_sqlite(db: Database, destination: Path | None = None, *, label: str = "manual") -> Path:
    """Write a snapshot of `db`, check it, and return where it went."""
    source_path = db.path
    if source_path is None:
        raise DatabaseError(
            "backups of a PostgreSQL database are the server's job: use pg_dump"
        )
    target = destination or default_backup_path(source_path, label)
    if target.exists():
        raise DatabaseError(f"{target} already exists: choose another path")
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    target.touch(mode=0o600)
    source = sqlite3.connect(source_path)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy, pages=-1)
        verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        copy.close()
        source.close()
    if verdict != "ok":
        target.unlink(missing_ok=True)
        raise DatabaseError(f"the backup of {source_path} failed its integrity check: {verdict}")
    if destination is None:
        _rotate(target.parent, source_path.stem)
    return target


def _rotate(folder: Path, stem: str) -> None:
    """Keep the newest automatic backups of one database; never touch anything else."""
    ours = sorted(folder.glob(f"{stem}-*.db"), key=lambda path: path.stat().st_mtime)
    for old in ours[:-KEEP_BACKUPS]:
        old.unlink(missing_ok=True)
