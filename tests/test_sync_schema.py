"""An outbox kept by the previous csm reaches a server upgraded since (issue 23: "the server
accepts the previous version's mutations after an upgrade"), on SQLite and PostgreSQL.

The laptop is taken back to revision 0014 (mutation schema 1: a mutation did not say who made
it, on which day, or what the laptop had seen), a touch is kept there as that csm kept it, then
both the laptop and the server are at the head revision when it is pushed: the touch is
applied once, as the laptop's member, on the day it was kept."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from csm_tui.domain.enums import TouchKind
from csm_tui.domain.mutation import MUTATION_SCHEMA, encode
from csm_tui.services.demo import DEMO_USER_EMAIL
from csm_tui.services.sync import Sync, download
from csm_tui.services.triage import TouchForm
from csm_tui.services.workspace import Workspace, resolve_member
from csm_tui.settings import Settings
from csm_tui.store import migrate, sync_log
from csm_tui.store.database import Database
from csm_tui.store.migrate import alembic_config, current_revision, ensure_current
from csm_tui.store.versions import HEAD_REVISION
from tests.conftest import TODAY
from tests.sync_helpers import demo_server

PREVIOUS = "0014"


@pytest.fixture
def server(db: Database) -> Iterator[Workspace]:
    with demo_server(db, accounts=30) as team:
        yield team


def _downgrade(db: Database, revision: str) -> None:
    config = alembic_config()
    with migrate.migration_connection(db) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_an_outbox_kept_before_the_upgrade_is_applied_by_the_upgraded_server(
    server: Workspace, tmp_path: Path
) -> None:
    assert MUTATION_SCHEMA == 2
    path = tmp_path / "laptop.db"
    member = resolve_member(server.db, DEMO_USER_EMAIL)
    assert member is not None
    download(server.db, path, member)
    with Workspace.open(
        Settings(database=str(path), today=TODAY, user_email=DEMO_USER_EMAIL)
    ) as mine:
        account_id = min(row.id for row in mine.book(team=False))
    db = Database.open(path)
    _downgrade(db, PREVIOUS)
    assert current_revision(db) == PREVIOUS
    kept_on = TODAY - timedelta(days=2)
    form = TouchForm(account_id, TouchKind.CADENCE_CALL.value, kept_on, "Kept by the old csm")
    touch_id = str(uuid.uuid4())
    with db.engine.begin() as connection:  # as revision 0014's csm wrote its outbox
        columns = {row[1] for row in connection.exec_driver_sql("PRAGMA table_info(outbox)")}
        assert "actor_id" not in columns and "base" not in columns
        connection.execute(
            sa.text(
                "INSERT INTO outbox (mutation_id, name, args, schema_version, made_at) "
                "VALUES (:id, 'triage.log_touch', :args, 1, :made_at)"
            ),
            {
                "id": uuid.uuid4().hex,
                "args": json.dumps({"form": encode(form), "new_id": touch_id}),
                "made_at": datetime.combine(kept_on, datetime.min.time(), UTC).isoformat(),
            },
        )
    ensure_current(db)  # the new csm upgrades the laptop's book
    assert current_revision(db) == HEAD_REVISION
    db.dispose()
    with Workspace.open(
        Settings(database=str(path), today=TODAY, user_email=DEMO_USER_EMAIL)
    ) as mine:
        [(_, kept)] = mine.outbox.pending()
        assert kept.schema == 1 and kept.actor is None
        pushed = Sync(mine, server).push()
        assert (pushed.applied, pushed.rejected) == (1, ())
        assert mine.outbox.waiting() == 0
    view = server.accounts.view(account_id)
    assert view is not None
    [touch] = [t for t in view.detail.touches if t.summary == "Kept by the old csm"]
    assert str(touch.id) == touch_id and touch.occurred_on == kept_on
    with server.db.reading() as session:
        [logged] = sync_log.entries(session)
    assert (logged.outcome, logged.schema_version) == ("applied", 1)
