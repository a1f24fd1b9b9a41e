"""Schema migrations: csm_tui.store.migrate and migrations/ (reliability.md T-MIG-1..8)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import uuid
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, text
from sqlmodel import SQLModel, col

from csm_tui.models import (
    Account,
    AccountPlan,
    ActionItem,
    Contact,
    HealthSnapshot,
    ScheduledTouch,
    Touchpoint,
)
from csm_tui.store import migrate
from csm_tui.store.database import Database, DatabaseError, write_options
from csm_tui.store.meta import schedule_state
from csm_tui.store.migrate import (
    HEAD_REVISION,
    SchemaTooNew,
    alembic_config,
    current_revision,
    ensure_current,
)

REPO = Path(__file__).resolve().parents[1]
MIGRATIONS = REPO / "migrations"
CHILD_TABLES = (Contact, Touchpoint, ActionItem, HealthSnapshot)
#: The temporary revision the tests below add on top of the real head.
NEXT = "9999_test"


# --- helpers -----------------------------------------------------------------------------------


def _table_names(db: Database) -> set[str]:
    return set(inspect(db.engine).get_table_names())


def _count(db: Database, model: type[SQLModel]) -> int:
    with db.reading() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def _row_counts(db: Database) -> dict[str, int]:
    return {model.__tablename__: _count(db, model) for model in (Account, *CHILD_TABLES)}


_RISKS = ("implementation", "sentiment", "support", "product", "company", "renewal")


def _seed_book(db: Database, accounts: int = 3) -> None:
    """Accounts with children on ON DELETE CASCADE links: what a parent rebuild could destroy."""
    # The account table as revision 0001 knew it (the model has moved on, so plain Core here).
    columns: tuple[tuple[str, Any], ...] = (
        ("id", sa.Uuid()),
        ("created_at", sa.DateTime(timezone=True)),
        ("updated_at", sa.DateTime(timezone=True)),
        ("name", sa.String()),
        ("segment", sa.String()),
        ("priority", sa.String()),
        ("arr_cents", sa.BigInteger()),
        *((f"risk_{risk}", sa.Boolean()) for risk in _RISKS),
    )
    account_0001 = sa.table("account", *(sa.column(name, kind) for name, kind in columns))
    stamp = datetime(2026, 10, 30, 9, tzinfo=UTC)
    with db.writing() as session:
        for number in range(accounts):
            account_id = uuid.uuid4()
            session.execute(
                account_0001.insert().values(
                    id=account_id,
                    created_at=stamp,
                    updated_at=stamp,
                    name=f"Acme {number} — Ünïcode",
                    segment="enterprise",
                    priority="pr2",
                    arr_cents=1_000_00 * (number + 1),
                    **{f"risk_{risk}": False for risk in _RISKS},
                )
            )
            account = SimpleNamespace(id=account_id)
            touch = Touchpoint(
                account_id=account.id,
                occurred_on=date(2026, 11, number + 1),
                kind="call",
                summary="QBR prep",
            )
            session.add_all(
                [
                    Contact(account_id=account.id, name="Dana", email=f"dana{number}@acme.test"),
                    Contact(account_id=account.id, name="Lee", email=None),
                    touch,
                    HealthSnapshot(account_id=account.id, taken_on=date(2026, 11, 1), score=70),
                ]
            )
            session.flush()
            session.add(
                ActionItem(touchpoint_id=touch.id, account_id=account.id, title="Send deck")
            )


def _temporary_migrations(tmp_path: Path, revision_body: str) -> Path:
    """A copy of migrations/ with one extra revision after the head whose upgrade() is
    `revision_body`."""
    scripts = tmp_path / "migrations-under-test"
    shutil.copytree(MIGRATIONS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    body = textwrap.indent(textwrap.dedent(revision_body).strip(), "    ")
    (scripts / "versions" / f"{NEXT}.py").write_text(
        '"""temporary revision for a test"""\n\n'
        "import sqlalchemy as sa\n"
        "from alembic import op\n\n"
        f'revision = "{NEXT}"\n'
        f'down_revision = "{HEAD_REVISION}"\n'
        "branch_labels = None\n"
        "depends_on = None\n\n\n"
        f"def upgrade() -> None:\n{body}\n\n\n"
        "def downgrade() -> None:\n    pass\n"
    )
    return scripts


def _use_migrations(monkeypatch: pytest.MonkeyPatch, scripts: Path, head: str) -> None:
    monkeypatch.setattr(migrate, "script_location", lambda: scripts)
    monkeypatch.setattr(migrate, "HEAD_REVISION", head)


# On SQLite a batch rebuild: copy account to a new table, DROP the old one, rename the copy.
# PostgreSQL cannot drop a table others refer to, and needs no rebuild: a plain ALTER there.
REBUILD_ACCOUNT = """
    rebuild = "always" if op.get_bind().dialect.name == "sqlite" else "never"
    with op.batch_alter_table("account", recreate=rebuild) as batch_op:
        batch_op.add_column(sa.Column("tier", sa.String(), nullable=True))
"""

FAIL_AFTER_DDL = """
    op.create_table("stray", sa.Column("id", sa.Integer(), primary_key=True))
    rebuild = "always" if op.get_bind().dialect.name == "sqlite" else "never"
    with op.batch_alter_table("account", recreate=rebuild) as batch_op:
        batch_op.add_column(sa.Column("tier", sa.String(), nullable=True))
    op.execute("UPDATE account SET name = 'renamed by a failed upgrade'")
    raise RuntimeError("revision under test failed halfway")
"""


def _sqlite_integrity(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()


def _schema_dump(db: Database) -> dict[str, list[str]]:
    """Tables with their columns (name and type), for 'nothing changed' comparisons."""
    inspector = inspect(db.engine)
    return {
        table: [f"{column['name']} {column['type']}" for column in inspector.get_columns(table)]
        for table in sorted(inspector.get_table_names())
    }


# --- upgrade from empty, heads, alembic check -------------------------------------------------


def test_upgrade_from_empty_creates_every_table_at_the_head_revision(db: Database) -> None:
    expected = set(SQLModel.metadata.tables) | {"alembic_version"}
    assert _table_names(db) == expected
    assert current_revision(db) == HEAD_REVISION


def test_second_start_on_a_current_schema_does_nothing(db: Database) -> None:
    assert ensure_current(db) is None
    assert current_revision(db) == HEAD_REVISION


def test_head_revision_constant_matches_the_single_alembic_head() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_heads() == [HEAD_REVISION]


def test_models_and_migrations_agree(db: Database) -> None:
    # `alembic check`: autogenerate against the migrated schema must propose nothing.
    config = alembic_config()
    with db.engine.connect() as connection:
        config.attributes["connection"] = connection
        command.check(config)


def _migration_files() -> list[Path]:
    return sorted((MIGRATIONS / "versions").glob("*.py"))


@pytest.mark.parametrize("path", _migration_files(), ids=lambda path: path.name)
def test_revision_that_uses_sqlmodel_types_imports_sqlmodel(path: Path) -> None:
    source = path.read_text()
    if "sqlmodel." in source:
        assert re.search(r"^import sqlmodel\b", source, re.MULTILINE), (
            f"{path.name} uses sqlmodel.* types but never imports sqlmodel: "
            "upgrading would fail with NameError"
        )


def test_new_revisions_are_generated_with_the_sqlmodel_import() -> None:
    template = (MIGRATIONS / "script.py.mako").read_text()
    assert re.search(r"^import sqlmodel\b", template, re.MULTILINE)


def _normalised_sqlite_schema(db: Database) -> dict[tuple[str, str], str]:
    """sqlite_master with whitespace collapsed, table names unquoted and table constraints in a
    stable order."""
    with db.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT type, name, sql FROM sqlite_master "
            "WHERE name NOT LIKE 'sqlite_%' AND name != 'alembic_version'"
        ).all()
    schema = {}
    for kind, name, sql in rows:
        sql = re.sub(r"\s+", " ", sql or "").strip()
        if kind == "table":
            head, _, body = sql.partition("(")
            # A batch rebuild renames its copy into place, and SQLite then stores the name quoted.
            head = head.replace(f'"{name}"', name)
            items = _split_top_level(body.strip().removesuffix(")").strip())
            columns = [item for item in items if not _is_table_constraint(item)]
            constraints = sorted(item for item in items if _is_table_constraint(item))
            sql = f"{head.strip()} ({', '.join(columns + constraints)})"
        schema[(kind, name)] = sql
    return schema


def _split_top_level(body: str) -> list[str]:
    items, depth, current = [], 0, ""
    for char in body:
        if char == "," and depth == 0:
            items.append(current.strip())
            current = ""
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        current += char
    items.append(current.strip())
    return items


def _is_table_constraint(item: str) -> bool:
    return item.split(" ", 1)[0].upper() in {"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"}


def test_migrated_schema_equals_the_models_create_all_schema(
    sqlite_db: Database, tmp_path: Path
) -> None:
    reference = Database.open(tmp_path / "create_all.db")
    try:
        SQLModel.metadata.create_all(reference.engine)
        migrated = _normalised_sqlite_schema(sqlite_db)
        expected = _normalised_sqlite_schema(reference)
    finally:
        reference.dispose()
    assert sorted(migrated) == sorted(expected), "tables or indexes differ"
    for key, sql in expected.items():
        assert migrated[key] == sql, f"{key[0]} {key[1]} differs"


# --- upgrades of databases that hold data ------------------------------------------------------


def test_rebuilding_a_parent_table_keeps_its_cascade_children(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed_book(db)
    before = _row_counts(db)
    _use_migrations(monkeypatch, _temporary_migrations(tmp_path, REBUILD_ACCOUNT), NEXT)

    report = ensure_current(db)

    assert report is not None
    assert (report.from_revision, report.to_revision) == (HEAD_REVISION, NEXT)
    assert current_revision(db) == NEXT
    assert "tier" in {column["name"] for column in inspect(db.engine).get_columns("account")}
    assert _row_counts(db) == before
    if db.is_sqlite:
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            # The migration connection went back to the pool: its foreign keys are on again.
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_upgrade_of_a_sqlite_database_with_data_first_takes_a_checked_backup(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed_book(sqlite_db)
    before = _row_counts(sqlite_db)
    _use_migrations(monkeypatch, _temporary_migrations(tmp_path, REBUILD_ACCOUNT), NEXT)

    report = ensure_current(sqlite_db)

    assert report is not None and report.backup is not None
    assert sqlite_db.path is not None
    assert report.backup.parent == sqlite_db.path.parent / "backups"
    assert list(report.backup.parent.iterdir()) == [report.backup]
    assert _sqlite_integrity(report.backup) == "ok"
    # The backup is the database as it was: revision 0001, every row.
    restored = Database.open(report.backup)
    try:
        assert current_revision(restored) == HEAD_REVISION
        assert _row_counts(restored) == before
    finally:
        restored.dispose()


def test_without_the_foreign_key_guard_the_same_rebuild_would_delete_children(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Shows the test above has teeth: with foreign keys left on during the upgrade, SQLite's
    # DROP TABLE of the old parent cascades and silently deletes every contact.
    _seed_book(sqlite_db)
    _use_migrations(monkeypatch, _temporary_migrations(tmp_path, REBUILD_ACCOUNT), NEXT)
    monkeypatch.setattr(
        migrate, "write_options", lambda *, foreign_keys: write_options(foreign_keys=True)
    )

    ensure_current(sqlite_db)

    assert _count(sqlite_db, Account) == 3
    assert _count(sqlite_db, Contact) == 0


def test_failing_revision_leaves_the_database_as_it_was(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed_book(db)
    rows_before = _row_counts(db)
    schema_before = _schema_dump(db)
    with db.reading() as session:
        names_before = sorted(session.scalars(select(col(Account.name))))
    _use_migrations(monkeypatch, _temporary_migrations(tmp_path, FAIL_AFTER_DDL), NEXT)

    with pytest.raises(RuntimeError, match="revision under test failed halfway"):
        ensure_current(db)

    assert current_revision(db) == HEAD_REVISION
    assert _schema_dump(db) == schema_before  # no "stray", no "tier", no batch temp table
    assert _row_counts(db) == rows_before
    with db.reading() as session:
        assert sorted(session.scalars(select(col(Account.name)))) == names_before
    if db.is_sqlite:
        assert db.path is not None
        assert _sqlite_integrity(db.path) == "ok"
        backups = list((db.path.parent / "backups").iterdir())
        assert len(backups) == 1 and _sqlite_integrity(backups[0]) == "ok"


def test_failed_upgrade_can_be_retried_once_the_revision_is_fixed(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed_book(sqlite_db)
    _use_migrations(monkeypatch, _temporary_migrations(tmp_path / "bad", FAIL_AFTER_DDL), NEXT)
    with pytest.raises(RuntimeError):
        ensure_current(sqlite_db)

    _use_migrations(monkeypatch, _temporary_migrations(tmp_path / "good", REBUILD_ACCOUNT), NEXT)
    ensure_current(sqlite_db)

    assert current_revision(sqlite_db) == NEXT
    assert _count(sqlite_db, Contact) == 6


# --- revision 0002: the schedule -------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def unmigrated_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty database that no revision has touched yet, on SQLite and on PostgreSQL."""
    if request.param == "postgres":
        yield request.getfixturevalue("empty_postgres_db")
        return
    database = Database.open(tmp_path / "csm.db")
    yield database
    database.dispose()


def _upgrade_to(db: Database, revision: str, step: Callable[..., None] = command.upgrade) -> None:
    """Run Alembic's `step` (upgrade, or downgrade) to `revision`."""
    config = alembic_config()
    with migrate.migration_connection(db) as connection:
        config.attributes["connection"] = connection
        step(config, revision)


def _book_at(db: Database, revision: str) -> list[uuid.UUID]:
    """Bring `db` to `revision` and seed a small book; its account keys."""
    _upgrade_to(db, revision)
    _seed_book(db)
    with db.reading() as session:
        return sorted(session.scalars(select(col(Account.id))), key=str)


def test_upgrades_from_0001_keep_the_book_and_rebuild_the_schedule(
    unmigrated_db: Database,
) -> None:
    db = unmigrated_db
    account_ids = _book_at(db, "0001")
    # scheduled_touch as revision 0001 knew it (the model has moved on, so plain Core here).
    text_, moment = sa.String(), sa.DateTime(timezone=True)
    touch_0001 = sa.table(
        "scheduled_touch",
        *(
            sa.column(name, kind)
            for name, kind in (
                ("id", sa.Uuid()),
                ("created_at", moment),
                ("updated_at", moment),
                ("account_id", sa.Uuid()),
                ("kind", text_),
                ("due_on", sa.Date()),
                ("rule_id", text_),
                ("explanation", text_),
                ("urgency", sa.Float()),
                ("status", text_),
            )
        ),
    )
    stamp = datetime(2026, 11, 1, 9, tzinfo=UTC)
    with db.engine.begin() as connection:
        connection.execute(
            touch_0001.insert(),
            [
                {
                    "id": uuid.uuid4(),
                    "created_at": stamp,
                    "updated_at": stamp,
                    "account_id": key,
                    "kind": "cadence-call",
                    "due_on": date(2026, 11, 20),
                    "rule_id": "cadence",
                    "explanation": "every 2 weeks",
                    "urgency": 4.5,
                    "status": "overdue",
                }
                for key in account_ids
            ],
        )
    rows_before = _row_counts(db)

    _upgrade_to(db, "0002")

    assert _row_counts(db) == rows_before
    touch_0002 = sa.table(
        "scheduled_touch",
        *(
            sa.column(name, kind)
            for name, kind in (
                ("account_id", sa.Uuid()),
                ("kind", text_),
                ("label", text_),
                ("due_on", sa.Date()),
                ("urgency", sa.Float()),
                ("pinned", sa.Boolean()),
                ("is_next", sa.Boolean()),
                ("overdue_days", sa.Integer()),
                ("computed_for", sa.Date()),
                ("rules_sha256", text_),
            )
        ),
    )
    with db.engine.connect() as connection:
        kept = connection.execute(sa.select(touch_0002)).all()
    # Old rows get neutral values; the next recompute replaces them (no schedule.* meta yet).
    assert sorted(kept, key=lambda row: str(row[0])) == [
        (
            key,
            "cadence-call",
            "cadence-call",
            date(2026, 11, 20),
            4.5,
            False,
            False,
            0,
            date(2026, 11, 20),
            "",
        )
        for key in account_ids
    ]
    assert "snooze" in _table_names(db)
    with db.engine.begin() as connection:  # as a recompute under revision 0002 left it
        connection.execute(
            text(
                "INSERT INTO app_meta (key, value) VALUES "
                "('schedule.computed_for', '2026-11-20'), "
                "('schedule.rules_sha256', 'abc')"
            )
        )

    report = ensure_current(db)

    # 0004 keeps only what stays the same from day to day: the derived rows go, and with them
    # the schedule's stamp, so the next start recomputes them; the book itself stays.
    assert report is not None and report.from_revision == "0002"
    assert current_revision(db) == HEAD_REVISION
    assert _row_counts(db) == rows_before
    assert _count(db, ScheduledTouch) == 0
    with db.reading() as session:
        assert schedule_state(session) == (None, None)


def test_0005_empties_the_derived_schedule_and_downgrades_to_0004s_tables(
    unmigrated_db: Database,
) -> None:
    """0005 reshapes the derived schedule (items keyed by account and kind, the account's part
    of the plan once per account): the old rows and the stamp go, the book stays, and a
    downgrade gives 0004's tables back."""
    db = unmigrated_db
    account_ids = _book_at(db, "0004")
    text_, moment = sa.String(), sa.DateTime(timezone=True)
    touch_0004 = sa.table(
        "scheduled_touch",
        *(
            sa.column(name, kind)
            for name, kind in (
                ("id", sa.Uuid()),
                ("created_at", moment),
                ("updated_at", moment),
                ("account_id", sa.Uuid()),
                ("kind", text_),
                ("due_on", sa.Date()),
                ("rule_id", text_),
                ("label", text_),
                ("reason", text_),
                ("band", text_),
                ("effective_priority", text_),
                ("pin_always", sa.Boolean()),
                ("pin_rule", sa.Boolean()),
            )
        ),
    )
    validity_0004 = sa.table(
        "plan_validity", sa.column("account_id", sa.Uuid()), sa.column("valid_until", sa.Date())
    )
    stamp = datetime(2026, 11, 1, 9, tzinfo=UTC)
    with db.engine.begin() as connection:
        connection.execute(
            touch_0004.insert(),
            [
                {
                    "id": uuid.uuid4(),
                    "created_at": stamp,
                    "updated_at": stamp,
                    "account_id": key,
                    "kind": "cadence-call",
                    "due_on": date(2026, 11, 20),
                    "rule_id": "cadence",
                    "label": "Cadence call",
                    "reason": "every 2 weeks",
                    "band": "green",
                    "effective_priority": "pr2",
                    "pin_always": False,
                    "pin_rule": False,
                }
                for key in account_ids
            ],
        )
        connection.execute(
            validity_0004.insert(),
            [{"account_id": key, "valid_until": date(2026, 12, 1)} for key in account_ids],
        )
        connection.execute(
            text(
                "INSERT INTO app_meta (key, value) VALUES "
                "('schedule.computed_for', '2026-11-20'), "
                "('schedule.rules_sha256', 'abc')"
            )
        )
    rows_before = _row_counts(db)

    report = ensure_current(db)

    assert report is not None and report.from_revision == "0004"
    assert _row_counts(db) == rows_before
    assert _count(db, ScheduledTouch) == 0 and _count(db, AccountPlan) == 0
    assert "plan_validity" not in _table_names(db)
    with db.reading() as session:
        assert schedule_state(session) == (None, None)

    _upgrade_to(db, "0004", step=command.downgrade)

    assert "account_plan" not in _table_names(db)
    with db.engine.begin() as connection:  # 0004's shapes take 0004's rows again
        connection.execute(
            touch_0004.insert(),
            {
                "id": uuid.uuid4(),
                "created_at": stamp,
                "updated_at": stamp,
                "account_id": account_ids[0],
                "kind": "ebr",
                "due_on": date(2026, 12, 1),
                "rule_id": "ebr",
                "label": "EBR",
                "reason": "yearly",
                "band": "green",
                "effective_priority": "pr2",
                "pin_always": False,
                "pin_rule": False,
            },
        )
        connection.execute(
            validity_0004.insert(), {"account_id": account_ids[0], "valid_until": None}
        )
    assert _row_counts(db) == rows_before


# --- databases this version must not touch -----------------------------------------------------


def _stamp(db: Database, revision: str) -> None:
    with db.engine.begin() as connection:
        connection.execute(
            text("UPDATE alembic_version SET version_num = :revision"), {"revision": revision}
        )


def test_database_from_a_newer_csm_tui_is_refused_and_left_alone(db: Database) -> None:
    _seed_book(db, accounts=1)
    _stamp(db, "ffff9999")
    schema_before = _schema_dump(db)
    fingerprint = None
    if db.is_sqlite:
        assert db.path is not None
        db.dispose()  # checkpoint the WAL so the file's bytes are final
        fingerprint = hashlib.sha256(db.path.read_bytes()).hexdigest()

    with pytest.raises(SchemaTooNew) as raised:
        ensure_current(db)

    message = str(raised.value)
    assert "newer csm-tui" in message and "ffff9999" in message and HEAD_REVISION in message
    assert current_revision(db) == "ffff9999"
    assert _schema_dump(db) == schema_before
    if db.is_sqlite:
        assert db.path is not None
        db.dispose()
        assert hashlib.sha256(db.path.read_bytes()).hexdigest() == fingerprint
        assert not (db.path.parent / "backups").exists()


def test_sqlite_file_of_another_application_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE recipes (id INTEGER PRIMARY KEY, name TEXT)")
    other.execute("INSERT INTO recipes (name) VALUES ('soup')")
    other.commit()
    other.close()
    db = Database.open(path)
    try:
        with pytest.raises(DatabaseError, match="not a csm-tui database"):
            ensure_current(db)
        assert _table_names(db) == {"recipes"}
    finally:
        db.dispose()


def test_start_with_a_current_schema_does_not_import_alembic(tmp_path: Path) -> None:
    path = tmp_path / "csm.db"
    db = Database.open(path)
    ensure_current(db)
    db.dispose()
    probe = (
        "import sys\n"
        "from csm_tui.store.database import Database\n"
        "from csm_tui.store.migrate import ensure_current\n"
        f"db = Database.open({str(path)!r})\n"
        "print(ensure_current(db), 'alembic' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["None", "False"]


# --- the installed package ---------------------------------------------------------------------


@pytest.mark.slow
def test_wheel_ships_the_migrations_and_upgrades_a_fresh_database(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist)]
    if importlib.util.find_spec("hatchling") is not None:
        build.append("--no-build-isolation")
    result = subprocess.run([*build, str(REPO)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"building the wheel failed:\n{result.stdout}{result.stderr}"
    (wheel,) = dist.glob("csm_tui-*.whl")

    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(unpacked)
    for shipped in (
        "env.py",
        "script.py.mako",
        "versions/0001_initial_schema.py",
        "versions/0002_schedule.py",
    ):
        assert f"csm_tui/migrations/{shipped}" in names

    probe = textwrap.dedent(f"""
        import json, sys
        sys.path.insert(0, {str(unpacked)!r})
        import csm_tui, csm_tui.models
        from csm_tui.store.database import Database
        from csm_tui.store.migrate import current_revision, ensure_current, script_location
        db = Database.open({str(tmp_path / "fresh.db")!r})
        ensure_current(db)
        print(json.dumps({{
            "package": csm_tui.__file__,
            "models": csm_tui.models.__file__,
            "scripts": str(script_location()),
            "revision": current_revision(db),
        }}))
    """)
    run = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)
    package = unpacked.resolve() / "csm_tui"
    assert Path(seen["package"]).resolve().parent == package
    assert Path(seen["models"]).resolve().parent == package
    assert Path(seen["scripts"]) == package / "migrations"
    assert seen["revision"] == HEAD_REVISION


def test_0006_dates_each_account_s_entry_into_the_book_by_its_row(unmigrated_db: Database) -> None:
    """A clock with nothing on record starts when the account entered the book: for the
    accounts already there, the day their row was created."""
    db = unmigrated_db
    account_ids = _book_at(db, "0005")
    _upgrade_to(db, "0006")
    with db.reading() as session:
        rows = session.execute(
            select(col(Account.id), col(Account.entered_on), col(Account.first_call_by))
        ).all()
    assert sorted((key for key, _, _ in rows), key=str) == account_ids
    assert {(entered, first) for _, entered, first in rows} == {(date(2026, 10, 30), None)}
