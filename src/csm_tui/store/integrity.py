"""`csm db check`: is this database whole, consistent, and at the schema this csm-tui expects?

The check only reads. For SQLite it opens the file itself, read-write but `query_only` and with
`mode=rw` (which never creates a file), runs `PRAGMA integrity_check` and
`PRAGMA foreign_key_check` (reliability.md section 1.5), and compares the stamped schema revision
with the one this version was built for. For PostgreSQL, which enforces its foreign keys and checks
its own pages, it checks that the server answers and that the schema revision is current.

Every outcome is a `CheckReport`, never a traceback: a damaged file is exactly when a user runs
this command. And its advice must be right: a file SQLite cannot open because of the
permissions of it or its folder is said to be that (`files.access_problem`), not damage to
restore from a backup; a file of 0 bytes is no database at all; a backup a kill cut short is
never the one recommended (`files.automatic_backups`).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from csm_tui.store import files, migrate
from csm_tui.store.database import Database, DatabaseError, normalise_url, sqlite_path

#: How many integrity_check messages a report quotes (SQLite returns up to 100).
QUOTED_PROBLEMS = 5

_UPGRADE = "run `csm db upgrade` (it takes a backup first)"


@dataclass(frozen=True)
class CheckReport:
    """What `check_database` found, in plain words."""

    ok: bool
    backend: str
    revision: str | None
    head: str
    findings: list[str]
    #: The database checked: a file path, or a URL without its password.
    target: str = ""
    #: What the user can do about the findings, most useful first.
    advice: list[str] = field(default_factory=list)

    def verdict(self) -> str:
        if self.ok:
            checks = (
                "passed the integrity and foreign-key checks"
                if self.backend == "sqlite"
                else "answered"
            )
            return f"OK: {self.target} {checks}; schema at revision {self.revision} (current)."
        lines = [f"PROBLEM: {self.target}:"]
        lines += [f"  - {finding}" for finding in self.findings]
        if self.advice:
            lines.append("What to do: " + "; or ".join(self.advice) + ".")
        return "\n".join(lines)


def check_location(target: str | Path) -> CheckReport:
    """Check a database named by a path or URL without creating it when it is missing.

    `Database.open` creates a SQLite file (and its folders) so that a first start just works;
    a check must not, so this builds the `Database` without opening it for SQLite.
    """
    try:
        url = normalise_url(target)
    except Exception as error:  # a malformed URL is a finding, not a crash
        return _problem(
            "unknown", str(target), [f"{target} is not a path or database URL: {error}"]
        )
    if sqlite_path(url) is not None:
        return check_database(Database(url=url, engine=create_engine(url)))
    try:
        db = Database.open(target)
    except DatabaseError as error:
        return _problem(
            url.get_backend_name(), url.render_as_string(hide_password=True), [str(error)]
        )
    try:
        return check_database(db)
    finally:
        db.dispose()


def check_database(db: Database) -> CheckReport:
    """Run every check that applies to `db`'s backend; change nothing."""
    if db.is_sqlite:
        return _check_sqlite(db)
    return _check_server(db)


# --- SQLite -------------------------------------------------------------------------------------


def _check_sqlite(db: Database) -> CheckReport:
    path = db.path
    if path is None:
        return _problem("sqlite", db.display_name, ["an in-memory database has nothing to check"])
    target = str(path)
    if not path.exists():
        return _problem(
            "sqlite",
            target,
            [f"no database at {path}"],
            [
                "check the path given with --db (csm creates a new database there "
                "the first time it opens it)"
            ],
        )
    if not path.is_file():
        return _problem(
            "sqlite",
            target,
            [f"{path} is a folder, not a database file"],
            ["point --db at the database file inside it"],
        )
    if files.is_empty(path):
        return _problem(
            "sqlite",
            target,
            [f"{path} is empty (0 bytes): not a csm database"],
            ["remove it to start a new book"],
        )
    backups = _backup_advice(path)
    try:
        # mode=rw: SQLite refuses to create a missing file. query_only: no statement may write.
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True)
    except sqlite3.Error as error:
        return _unusable(path, error, backups)
    try:
        return _inspect_sqlite(connection, path, backups)
    except sqlite3.DatabaseError as error:
        return _unusable(path, error, backups)
    finally:
        connection.close()


def _unusable(path: Path, error: sqlite3.Error, backups: str) -> CheckReport:
    """SQLite could not open or read the file: because of permissions (say whose, and that
    the file itself is whole if a read-only look can tell), or because it is damaged."""
    blocked = files.access_problem(path)
    if blocked is not None:
        return _problem("sqlite", str(path), [blocked.finding + _as_read(path)], [blocked.advice])
    if "unable to open" in str(error):
        return _problem(
            "sqlite",
            str(path),
            [f"SQLite cannot open {path}: {error}"],
            ["check that the file is readable and writable by you", backups],
        )
    return _problem(
        "sqlite",
        str(path),
        [_describe_sqlite_error(path, error)],
        [backups, "point --db at another file"],
    )


def _as_read(path: Path) -> str:
    """What a read-only look at a file SQLite cannot open says of its contents. Only a file
    without a WAL can be looked at so (`immutable`: no -shm needed), and only a readable one."""
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size:
        return "; its contents cannot be checked until then"
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.Error:
        return ""
    if verdict == "ok":
        return "; the file itself passed the integrity check"
    return f"; the file itself failed the integrity check too ({verdict})"


def _describe_sqlite_error(path: Path, error: sqlite3.Error) -> str:
    message = str(error)
    if "not a database" in message:
        return f"{path} is not a SQLite database (SQLite says: {message})"
    if "malformed" in message:
        return f"{path} is damaged (SQLite says: {message})"
    return f"SQLite could not read {path}: {message}"


def _inspect_sqlite(connection: sqlite3.Connection, path: Path, backups: str) -> CheckReport:
    connection.execute("PRAGMA query_only=ON")
    findings: list[str] = []
    advice: list[str] = []

    problems = [row[0] for row in connection.execute("PRAGMA integrity_check").fetchall()]
    if problems != ["ok"]:
        quoted = "; ".join(problems[:QUOTED_PROBLEMS])
        hidden = len(problems) - QUOTED_PROBLEMS
        more = f" (and {hidden} more)" if hidden > 0 else ""
        findings.append(
            f"the integrity check found {_plural(len(problems), 'problem')}: {quoted}{more}"
        )
        advice.append(backups)

    broken = connection.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        # Rows: (table, rowid, referred table, foreign key index).
        by_link = Counter((row[0], row[2]) for row in broken)
        summary = ", ".join(
            f"{_plural(count, 'row')} in {table} point{'s' if count == 1 else ''} at "
            f"{'a missing' if count == 1 else 'missing'} {parent}"
            for (table, parent), count in sorted(by_link.items())
        )
        findings.append(f"{_plural(len(broken), 'broken reference')}: {summary}")
        if backups not in advice:
            advice.append(backups)

    tables = {
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    }
    revisions: list[str] = []
    if "alembic_version" in tables:
        revisions = [
            row[0] for row in connection.execute("SELECT version_num FROM alembic_version")
        ]
    return _finish("sqlite", str(path), tables, revisions, findings, advice, backups)


def _backup_advice(path: Path) -> str:
    folder = path.parent / "backups"
    # Only whole backups: never what a killed or failed one left behind.
    ours = files.automatic_backups(folder, path.stem)
    if ours:
        return f"restore the newest backup from {folder} ({ours[-1].name})"
    return f"restore a backup of your own (there are none in {folder})"


# --- PostgreSQL ---------------------------------------------------------------------------------


def _check_server(db: Database) -> CheckReport:
    backend = db.url.get_backend_name()
    target = db.display_name
    try:
        with db.engine.connect() as connection:
            if backend == "postgresql":
                connection.exec_driver_sql("SET TRANSACTION READ ONLY")
            connection.execute(text("SELECT 1"))
            inspector = inspect(connection)
            tables = set(inspector.get_table_names())
            revisions: list[str] = []
            if "alembic_version" in tables:
                revisions = list(
                    connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
                )
            connection.rollback()
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        return _problem(
            backend,
            target,
            [f"could not query {target}: {reason}"],
            ["check that the server is running and the URL, user and password are right"],
        )
    return _finish(
        backend, target, tables, revisions, [], [], "restore the server's last backup (pg_dump)"
    )


# --- shared -------------------------------------------------------------------------------------


def _finish(
    backend: str,
    target: str,
    tables: set[str],
    revisions: list[str],
    findings: list[str],
    advice: list[str],
    backups: str,
) -> CheckReport:
    head = migrate.HEAD_REVISION
    revision = revisions[0] if len(revisions) == 1 else None
    if len(revisions) > 1:
        findings.append(
            f"the schema is stamped with several revisions ({', '.join(sorted(revisions))}): "
            "it was not made by csm-tui"
        )
        advice.append(backups)
    elif revision is None and not (tables - {"alembic_version"}):
        findings.append("the database is empty: it has no csm-tui schema yet")
        advice.append("open it with csm, or run `csm db upgrade`, to create the schema")
    elif revision is None:
        findings.append(
            "it holds tables but no schema revision, so it is not a csm-tui database "
            "(or its alembic_version table was lost)"
        )
        advice += ["point --db at your csm-tui database", backups]
    elif revision != head:
        if _is_known(revision):
            findings.append(f"the schema is at revision {revision}; this csm-tui needs {head}")
            advice.append(_UPGRADE)
        else:
            findings.append(
                f"the schema is at revision {revision}, which this csm-tui does not know "
                f"(it knows up to {head}): a newer csm-tui wrote it"
            )
            advice += ["upgrade csm-tui", backups]
    return CheckReport(
        ok=not findings,
        backend=backend,
        revision=revision,
        head=head,
        findings=findings,
        target=target,
        advice=_unique(advice),
    )


def _is_known(revision: str) -> bool:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        script = ScriptDirectory.from_config(migrate.alembic_config())
        return script.get_revision(revision) is not None
    except (CommandError, DatabaseError):
        return False


def _problem(
    backend: str, target: str, findings: list[str], advice: list[str] | None = None
) -> CheckReport:
    return CheckReport(
        ok=False,
        backend=backend,
        revision=None,
        head=migrate.HEAD_REVISION,
        findings=findings,
        target=target,
        advice=_unique(advice or []),
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))
