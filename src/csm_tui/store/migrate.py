"""Bring a database's schema to the revision this version of csm-tui was built for.

Start-up only pays for one `SELECT` when the schema is current: Alembic is imported only when
there is something to do. Before an upgrade of a SQLite database that holds data, a checked
backup is taken; the upgrade then runs in one transaction with foreign keys off (an Alembic
batch rebuild with them on silently deletes child rows, reliability.md section 2.3) and is
committed only when `PRAGMA foreign_key_check` finds nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text
from sqlalchemy import exc as sa_exc

import csm_tui
from csm_tui.store.backup import backup_sqlite
from csm_tui.store.database import Database, DatabaseError, insufficient_privilege, write_options

# Part of this module's interface (`store.integrity` reads it here, tests move it).
from csm_tui.store.versions import HEAD_REVISION as HEAD_REVISION

if TYPE_CHECKING:
    from alembic.config import Config


class SchemaTooNew(DatabaseError):
    """The database was written by a newer csm-tui than this one."""


@dataclass(frozen=True)
class UpgradeReport:
    from_revision: str | None
    to_revision: str
    backup: Path | None


def script_location() -> Path:
    """Where the Alembic environment is: inside the installed package, or at the repo top."""
    package_dir = Path(csm_tui.__file__).resolve().parent
    for candidate in (package_dir / "migrations", package_dir.parents[1] / "migrations"):
        if (candidate / "env.py").is_file():
            return candidate
    raise DatabaseError("this installation of csm-tui has no migrations: reinstall it")


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(script_location()))
    return config


def current_revision(db: Database) -> str | None:
    """The revision stamped in the database, or None for a database Alembic never touched."""
    try:
        with db.engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except sa_exc.DatabaseError as error:
        translated = db.translate(error)
        if translated is not None:
            raise translated from error
        reason = str(error.orig or error).strip().splitlines()[0]
        raise DatabaseError(
            f"cannot open {db.display_name}: {reason}; run `csm db check` for a diagnosis"
        ) from error


def _has_tables(db: Database) -> bool:
    return bool(inspect(db.engine).get_table_names())


def _refuse_unknown(revision: str) -> None:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    script = ScriptDirectory.from_config(alembic_config())
    try:
        known = script.get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise SchemaTooNew(
            f"this database was written by a newer csm-tui (schema revision {revision}; this "
            f"version knows up to {HEAD_REVISION}): upgrade csm-tui, or open a backup from "
            "before that version"
        )


def ensure_current(db: Database) -> UpgradeReport | None:
    """Upgrade the schema if it is behind; return what was done, or None when it was current."""
    revision = current_revision(db)
    if revision == HEAD_REVISION:
        return None
    if revision is None and _has_tables(db):
        raise DatabaseError(
            f"{db.display_name} holds tables that are not a csm-tui database: "
            "point --db at another file or database"
        )
    if revision is not None:
        _refuse_unknown(revision)
    return upgrade(db, revision)


def upgrade(db: Database, from_revision: str | None) -> UpgradeReport:
    from alembic import command

    config = alembic_config()
    backup = None
    db.refuse_if_damaged()  # its backup would fail its check; the upgrade would bury the damage
    if db.is_sqlite and from_revision is not None:
        backup = backup_sqlite(db, label=f"before-upgrade-from-{from_revision}")
    try:
        with migration_connection(db) as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except sa_exc.DBAPIError as error:
        if not insufficient_privilege(error):
            raise
        raise DatabaseError(
            f"the schema of {db.display_name} is at revision {from_revision or 'none'}, this "
            f"csm needs {HEAD_REVISION}, and your role may not upgrade it: the team's admin "
            "runs `csm team init` on the server"
        ) from None
    return UpgradeReport(from_revision=from_revision, to_revision=HEAD_REVISION, backup=backup)


#: Serialises team members upgrading one PostgreSQL database at the same moment.
_PG_MIGRATION_LOCK = 0x63736D  # "csm"


@contextmanager
def migration_connection(db: Database) -> Iterator[Connection]:
    """A connection inside the one transaction a whole upgrade runs in.

    SQLite: foreign keys off before BEGIN IMMEDIATE (batch rebuilds would otherwise cascade
    deletes) and `foreign_key_check` before COMMIT. PostgreSQL: an advisory lock, so a second
    client waits and then finds the schema current.
    """
    with db.in_words(), db.engine.connect() as connection:
        if db.is_sqlite:
            connection = connection.execution_options(**write_options(foreign_keys=False))
        with connection.begin():
            if not db.is_sqlite:
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
                )
            yield connection
            if db.is_sqlite:
                _check_foreign_keys(connection)


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        tables = sorted({row[0] for row in broken})
        raise DatabaseError(
            f"the upgrade would leave {len(broken)} broken references in {', '.join(tables)}; "
            "nothing was changed"
        )
