"""What the sync tests (issue 23) compare: the rows of the books a member's laptop holds, read
alike on a laptop's SQLite copy and on the team's server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import sqlalchemy as sa

from csm_tui.models import as_utc
from csm_tui.services.demo import DEMO_USER_EMAIL, build_demo
from csm_tui.services.workspace import Workspace
from csm_tui.settings import Settings
from csm_tui.store import pull as pull_store
from csm_tui.store.change_feed import fed_tables
from csm_tui.store.database import Database
from tests.conftest import TODAY


@contextmanager
def demo_server(db: Database, accounts: int) -> Iterator[Workspace]:
    """The team's server: a demo book of `accounts` on `db`, open as the demo user."""
    build_demo(db, accounts=accounts, seed=7, today=TODAY)
    with open_as(db, DEMO_USER_EMAIL) as team:
        yield team


def open_as(db: Database, email: str) -> Workspace:
    """The services of `db`'s book as the member `email`."""
    url = db.url.render_as_string(hide_password=False)
    return Workspace.open(Settings(database=url, today=TODAY, user_email=email))


def visible_rows(
    workspace: Workspace, scope: pull_store.Scope
) -> dict[str, set[tuple[object, ...]]]:
    """Every row of the books `scope` holds, by table, as plain values."""
    found: dict[str, set[tuple[object, ...]]] = {}
    with workspace.db.reading() as session:
        for table in fed_tables():
            where = scope.rows_of(table)
            statement = sa.select(table) if where is None else sa.select(table).where(where)
            rows = session.execute(statement).all()
            found[table.name] = {tuple(plain(value) for value in row) for row in rows}
    return found


def plain(value: object) -> object:
    """A moment as UTC text (SQLite keeps it without a zone); any other value as it is."""
    return as_utc(value).isoformat() if isinstance(value, datetime) else value


def differences(
    laptop: dict[str, set[tuple[object, ...]]], server: dict[str, set[tuple[object, ...]]]
) -> dict[str, tuple[list[tuple[object, ...]], list[tuple[object, ...]]]]:
    """By table, the rows only the laptop has and those only the server has (for a message)."""
    found = {}
    for table in sorted(set(laptop) | set(server)):
        mine, theirs = laptop.get(table, set()), server.get(table, set())
        if mine != theirs:
            found[table] = (sorted(mine - theirs, key=repr), sorted(theirs - mine, key=repr))
    return found
