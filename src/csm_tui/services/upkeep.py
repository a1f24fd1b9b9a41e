"""The database as a command opens it, and its upkeep (`csm db upgrade|backup|check`).

Each function opens the database, does one job and releases the connections on the way out,
whatever happens: a command that fails leaves no pool behind (nor, for `check`, a new file).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from csm_tui.store.database import Database, normalise_url, sqlite_path
from csm_tui.store.migrate import UpgradeReport, ensure_current

if TYPE_CHECKING:
    from pathlib import Path

    from csm_tui.store.integrity import CheckReport


@contextmanager
def released(db: Database) -> Iterator[Database]:
    """`db`, its engine disposed of on leaving."""
    try:
        yield db
    finally:
        db.dispose()


@contextmanager
def current_database(target: str) -> Iterator[Database]:
    """The database at `target` with its schema current (created or upgraded first, after a
    backup), released on leaving."""
    with released(Database.open(target)) as db:
        ensure_current(db)
        yield db


@dataclass(frozen=True, slots=True)
class Upgraded:
    database: str  # the file, or the URL without its password
    report: UpgradeReport | None  # None: the schema was already current


def upgrade(target: str) -> Upgraded:
    with released(Database.open(target)) as db:
        return Upgraded(db.display_name, ensure_current(db))


def backup(target: str, destination: Path | None) -> Path:
    """A checked copy of the SQLite database at `target`; where it went."""
    from csm_tui.store.backup import backup_sqlite

    with current_database(target) as db:
        return backup_sqlite(db, destination)


def check(target: str) -> CheckReport:
    """Integrity, foreign keys and schema version. A missing SQLite file is reported, not
    created: `Database.open` would create it, so it gets a bare engine instead."""
    from sqlalchemy import create_engine

    from csm_tui.store.integrity import check_database

    url = normalise_url(target)
    path = sqlite_path(url)
    if path is not None and not path.exists():
        db = Database(url=url, engine=create_engine(url))
    else:
        db = Database.open(target)
    with released(db):
        return check_database(db)
