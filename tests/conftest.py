"""Shared fixtures: databases on SQLite and on a real PostgreSQL server, fixed dates, settings,
and a demo book built once per session (with its schedule, as `csm demo` builds it), copied
for every test that may change it."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from csm_tui.rules import rules_for
from csm_tui.services.demo import build_demo
from csm_tui.services.scheduling import Schedule
from csm_tui.settings import Settings
from csm_tui.store.database import Database
from csm_tui.store.migrate import ensure_current
from tests.postgres_server import PostgresUnavailable, running_cluster

#: Every date-dependent test runs on this day unless it says otherwise (a Monday).
TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test reads or writes the real user's config or data."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    for name in list(os.environ):
        if name.startswith("CSM_TUI_") and name != "CSM_TUI_PG_BINDIR":
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """Base URL of a PostgreSQL cluster this test session started itself."""
    try:
        with running_cluster() as url:
            yield url
    except PostgresUnavailable as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required on CI: {error}")
        pytest.skip(f"PostgreSQL tests skipped: {error}")


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    db = Database.open(tmp_path / "csm.db")
    ensure_current(db)
    yield db
    db.dispose()


def _fresh_postgres_db(base_url: str) -> tuple[str, str]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(f"{base_url}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, f"{base_url}/{name}"


def _drop_postgres_db(base_url: str, name: str) -> None:
    admin = create_engine(f"{base_url}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def empty_postgres_db(postgres_url: str) -> Iterator[Database]:
    """A new, empty PostgreSQL database (no schema yet)."""
    name, url = _fresh_postgres_db(postgres_url)
    db = Database.open(url)
    yield db
    db.dispose()
    _drop_postgres_db(postgres_url, name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database; every test that uses it runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        database = Database.open(tmp_path / "csm.db")
        ensure_current(database)
        yield database
        database.dispose()
        return
    database = request.getfixturevalue("empty_postgres_db")
    ensure_current(database)
    yield database


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database=str(tmp_path / "csm.db"), today=TODAY)


DEMO_ACCOUNTS = 120


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    db = Database.open(path)
    ensure_current(db)
    build_demo(db, accounts=DEMO_ACCOUNTS, seed=7, today=TODAY)
    Schedule(db, rules_for(Settings(database=str(path), today=TODAY)), TODAY).recompute_all()
    db.dispose()
    return path


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Path:
    """A private copy of the demo book (SQLite's backup API: never copy a live file)."""
    target = tmp_path / "demo.db"
    source, copy = sqlite3.connect(demo_template), sqlite3.connect(target)
    source.backup(copy)
    copy.close()
    source.close()
    return target
