"""Shared fixtures: databases on SQLite and on a real PostgreSQL server, fixed dates, settings,
and a demo book built once per session (with its schedule, as `csm demo` builds it), copied
for every test that may change it. Migrated databases are copies too, of one migrated per
session. Under pytest-xdist every worker is a session of its own: its own PostgreSQL server,
templates and demo book."""

from __future__ import annotations

import os
import re
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

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
    """Base URL of a PostgreSQL cluster this test session started itself (under pytest-xdist,
    each worker is a session and starts its own, on its own port and in its own directory)."""
    try:
        with running_cluster(os.environ.get("PYTEST_XDIST_WORKER", "")) as url:
            yield url
    except PostgresUnavailable as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required on CI: {error}")
        pytest.skip(f"PostgreSQL tests skipped: {error}")


@pytest.fixture(scope="session")
def _postgres_admin(postgres_url: str) -> Iterator[Engine]:
    """One connection pool to the cluster's `postgres` database, to create and drop databases."""
    admin = create_engine(f"{postgres_url}/postgres", isolation_level="AUTOCOMMIT")
    yield admin
    admin.dispose()


def _fresh_postgres_db(admin: Engine, template: str | None = None) -> str:
    """A new database with a unique name (a copy of `template` if given); returns the name."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    return name


def _drop_postgres_db(admin: Engine, name: str) -> None:
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def _migrated_postgres_template(postgres_url: str, _postgres_admin: Engine) -> str:
    """A database migrated to the head revision once per session, copied for every test that
    wants a migrated PostgreSQL database (CREATE DATABASE ... TEMPLATE takes about a third of
    the time of creating one and running the migrations). Nobody may connect to it afterwards:
    a copy needs it idle."""
    name = _fresh_postgres_db(_postgres_admin)
    template = Database.open(f"{postgres_url}/{name}")
    ensure_current(template)
    template.dispose()
    with _postgres_admin.connect() as connection:
        connection.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
    return name


@pytest.fixture
def empty_postgres_db(postgres_url: str, _postgres_admin: Engine) -> Iterator[Database]:
    """A new, empty PostgreSQL database (no schema yet)."""
    name = _fresh_postgres_db(_postgres_admin)
    db = Database.open(f"{postgres_url}/{name}")
    yield db
    db.dispose()
    _drop_postgres_db(_postgres_admin, name)


@pytest.fixture
def _migrated_postgres_db(
    postgres_url: str, _postgres_admin: Engine, _migrated_postgres_template: str
) -> Iterator[Database]:
    """A new PostgreSQL database at the head revision (a copy of the session's template)."""
    name = _fresh_postgres_db(_postgres_admin, template=_migrated_postgres_template)
    db = Database.open(f"{postgres_url}/{name}")
    yield db
    db.dispose()
    _drop_postgres_db(_postgres_admin, name)


@pytest.fixture(scope="session")
def _migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the head revision once per session (the migrations take about
    twenty times as long as copying it)."""
    path = tmp_path_factory.mktemp("migrated") / "csm.db"
    template = Database.open(path)
    ensure_current(template)
    template.dispose()
    return path


def _migrated_sqlite_db(template: Path, path: Path) -> Database:
    """A copy of the migrated `template` at `path`: the file is created by Database.open as the
    app creates it (private to the user), filled with SQLite's backup API."""
    db = Database.open(path)
    source, copy = sqlite3.connect(template), sqlite3.connect(path)
    source.backup(copy)
    copy.close()
    source.close()
    return db


@pytest.fixture
def sqlite_db(_migrated_sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    """A SQLite database at the head revision (ensure_current finds nothing to do)."""
    db = _migrated_sqlite_db(_migrated_sqlite_template, tmp_path / "csm.db")
    ensure_current(db)
    yield db
    db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database; every test that uses it runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        template = request.getfixturevalue("_migrated_sqlite_template")
        database = _migrated_sqlite_db(template, tmp_path / "csm.db")
        ensure_current(database)
        yield database
        database.dispose()
        return
    database = request.getfixturevalue("_migrated_postgres_db")
    ensure_current(database)
    yield database


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database=str(tmp_path / "csm.db"), today=TODAY)


@pytest.fixture
def tui_started(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The apps the command line would run, built but not run (their workspaces closed), and
    a person at the terminal to answer its questions."""
    from csm_tui import cli

    apps: list[Any] = []

    def run(app: Any) -> None:
        apps.append(app)
        app.workspace.close()

    monkeypatch.setattr(cli, "_run", run)
    monkeypatch.setattr(cli, "_log_to_file", lambda path: None)
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    return apps


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


# --- snapshots no test takes any more, under pytest-xdist -------------------------------------
# In one process syrupy fails the run over a snapshot that no test takes any more (a test
# renamed or removed), and `--snapshot-update` deletes it. Under pytest-xdist it does neither:
# each worker sees only its share of the tests. So each worker works them out from what it
# collected (every worker collects every test) for each test module it collected whole, and
# the controller fails the run as syrupy would; deleting them is left to `make snapshots`.

_NARROWED = pytest.StashKey[set[Path]]()
_UNUSED_SNAPSHOTS = pytest.StashKey[set[str]]()
_WORKER_KEY = "csm_unused_snapshots"
_NOT_IN_FILENAMES = '\\/?*:|"<>'  # what syrupy's single-file snapshots leave out of a name


def pytest_deselected(items: list[pytest.Item]) -> None:
    """-k, -m, --lf, --deselect, --sw: part of a module is left out, its snapshots not judged."""
    for item in items:
        item.config.stash.setdefault(_NARROWED, set()).add(item.path)


def _snapshot_file_name(item: pytest.Item) -> str:
    cls = getattr(item, "cls", None)
    name = item.name if cls is None else f"{cls.__name__}.{item.name}"
    return "".join(c for c in name if c not in _NOT_IN_FILENAMES and c.isprintable())


def _unused_snapshots(session: pytest.Session) -> list[str]:
    config = session.config
    narrowed = set(config.stash.get(_NARROWED, None) or ())
    for arg in config.args:  # a test named on the command line: the rest of its module is not run
        if "::" in arg:
            narrowed.add((config.invocation_params.dir / arg.split("::")[0]).resolve())
    taken: dict[Path, set[str]] = {}
    for item in session.items:
        taken.setdefault(item.path, set()).add(_snapshot_file_name(item))
    unused: list[str] = []
    for module, names in taken.items():
        folder = module.parent / "__snapshots__" / module.stem
        if module.resolve() in narrowed or module in narrowed or not folder.is_dir():
            continue
        for snapshot in sorted(folder.iterdir()):
            if snapshot.name.startswith(".") or not snapshot.is_file():
                continue
            name = snapshot.name.removesuffix(snapshot.suffix)
            # A second snapshot in one test is named "<test>.1", one with a name "<test>[name]".
            if name not in names and re.sub(r"(\.\d+|\[[^\]]*\])$", "", name) not in names:
                unused.append(str(snapshot.relative_to(config.rootpath)))
    return unused


def pytest_collection_finish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # a pytest-xdist worker: the controller reads it at the end
        workeroutput[_WORKER_KEY] = _unused_snapshots(session)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    unused = getattr(node, "workeroutput", {}).get(_WORKER_KEY)
    if unused:
        node.config.stash.setdefault(_UNUSED_SNAPSHOTS, set()).update(unused)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if (
        config.stash.get(_UNUSED_SNAPSHOTS, None)
        and session.exitstatus == pytest.ExitCode.OK
        and not config.getoption("update_snapshots", False)
        and not config.getoption("warn_unused_snapshots", False)
    ):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    unused = sorted(config.stash.get(_UNUSED_SNAPSHOTS, None) or ())
    if unused:
        many = "s" if len(unused) > 1 else ""
        terminalreporter.write_sep("-", f"{len(unused)} unused snapshot{many} (no test takes it)")
        for path in unused:
            terminalreporter.write_line(path)
        terminalreporter.write_line(
            "Delete them with `make snapshots` (in one process, syrupy deletes unused snapshots)."
        )
