"""Offline sync (issue 23): the first download of a book, and pushing offline changes, each
beside reading the same rows on the laptop in the same run.

    python -m benchmarks.sync BOOK [--today 2026-11-23] [--mutations 1000] [--as EMAIL]
                                   [--server sqlite|postgres]

On private copies of BOOK (never written): one plays the team's server, a SQLite file or
(`--server postgres`) a throwaway PostgreSQL cluster started for the run, as the tests start
one (`tests/postgres_server.py`; the book is loaded into it before anything is timed).
`download_s`: the books `--as` may see (default: the demo manager, the whole team) into a new
laptop file (`services.sync.download`); `read_local_s`, the baseline: reading every copied row
back from the laptop's file. Then, on the laptop,
`--mutations` touches logged offline (`log_offline_s`: the user's own writes, each kept in the
outbox), `push_s`: sending them to the server, each run there through the same service and
logged, and `pull_s`: bringing the rows back (the laptop's own touched rows set to the server's).
Then `--mutations` touches logged on the server by someone else, and `pull_theirs_s`: the
laptop pulling them.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from benchmarks.private_copy import private_copy
from csm_tui import models
from csm_tui.domain.enums import TouchKind
from csm_tui.services.demo import DEMO_MANAGER_EMAIL
from csm_tui.services.sync import Sync, download
from csm_tui.services.triage import TouchForm
from csm_tui.services.workspace import Workspace, resolve_member
from csm_tui.settings import Settings
from csm_tui.store.database import Database
from csm_tui.store.download import NOT_COPIED, copy_book
from csm_tui.store.migrate import ensure_current


@contextmanager
def team_server(book: Path, folder: Path, kind: str) -> Iterator[tuple[str, Database]]:
    """The team's server holding a copy of `book`: its URL (or path) and the database, open."""
    copy, db = private_copy(book, folder)
    if kind == "sqlite":
        try:
            yield str(copy), db
        finally:
            db.dispose()
        return
    from tests.postgres_server import running_cluster

    with running_cluster("bench") as base:
        admin = sa.create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql("CREATE DATABASE team")
        admin.dispose()
        server = Database.open(f"{base}/team")
        ensure_current(server)
        with db.reading() as source, server.writing() as target:
            # The book's rows in table order; a contact's manager may come after them.
            target.connection().exec_driver_sql("SET LOCAL session_replication_role = replica")
            copy_book(source.connection(), target.connection())
        db.dispose()
        try:
            yield f"{base}/team", server
        finally:
            server.dispose()


def measure(
    book: Path, today: date, mutations: int, email: str, kind: str = "sqlite"
) -> dict[str, float | int]:
    figures: dict[str, float | int] = {}
    with (
        tempfile.TemporaryDirectory() as folder,
        team_server(book, Path(folder), kind) as (server_path, server_db),
    ):
        laptop_path = Path(folder) / "laptop.db"
        start = time.perf_counter()
        got = download(server_db, laptop_path, resolve_member(server_db, email))
        figures["download_s"] = round(time.perf_counter() - start, 4)
        figures["rows"] = sum(got.rows.values())
        figures["accounts"] = got.accounts
        start = time.perf_counter()
        engine = sa.create_engine(f"sqlite:///{laptop_path}")
        with engine.connect() as connection:
            for table in models.SQLModel.metadata.sorted_tables:
                if table.name not in NOT_COPIED:
                    connection.execute(sa.select(table)).all()
        engine.dispose()
        figures["read_local_s"] = round(time.perf_counter() - start, 4)
        user = Settings(database=str(laptop_path), today=today, user_email=email)
        with Workspace.open(user) as laptop:
            accounts = [row.id for row in laptop.book(team=True)]
            start = time.perf_counter()
            for n in range(mutations):
                form = TouchForm(
                    accounts[n % len(accounts)], TouchKind.EMAIL.value, today, f"Note {n}"
                )
                laptop.triage.log_touch(form)
            figures["log_offline_s"] = round(time.perf_counter() - start, 4)
            with Workspace.open(user.with_database(server_path)) as server:
                sync = Sync(laptop, server)
                start = time.perf_counter()
                pushed = sync.push()
                figures["push_s"] = round(time.perf_counter() - start, 4)
                start = time.perf_counter()
                sync.pull()
                figures["pull_s"] = round(time.perf_counter() - start, 4)
                for n in range(mutations):
                    form = TouchForm(
                        accounts[n % len(accounts)], TouchKind.EMAIL.value, today, f"Theirs {n}"
                    )
                    server.triage.log_touch(form)
                start = time.perf_counter()
                pulled = sync.pull()
                figures["pull_theirs_s"] = round(time.perf_counter() - start, 4)
                figures["pulled_theirs"] = pulled.rows
            figures["pushed"] = pushed.applied
    figures["download_to_read_local"] = round(figures["download_s"] / figures["read_local_s"], 2)
    figures["push_to_log_offline"] = round(figures["push_s"] / figures["log_offline_s"], 2)
    figures["pull_theirs_to_log_offline"] = round(
        figures["pull_theirs_s"] / figures["log_offline_s"], 2
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("book", type=Path)
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 11, 23))
    parser.add_argument("--mutations", type=int, default=1000)
    parser.add_argument("--as", dest="email", default=DEMO_MANAGER_EMAIL)
    parser.add_argument("--server", choices=("sqlite", "postgres"), default="sqlite")
    arguments = parser.parse_args()
    figures = measure(
        arguments.book, arguments.today, arguments.mutations, arguments.email, arguments.server
    )
    for name, value in figures.items():
        shown = f"{value:,}" if isinstance(value, int) else f"{value:.4f}"
        print(f"{name:>24}  {shown}")


if __name__ == "__main__":
    main()
