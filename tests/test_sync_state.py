"""What a status line says of a laptop's sync (`services.sync_run`): synced when, changes
waiting, offline; nothing for a book that does not sync."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from csm_tui.services.outbox import Outbox
from csm_tui.services.sync import SyncError
from csm_tui.services.sync_run import SyncOffline, SyncState, read_state, sync_book
from csm_tui.settings import Settings
from csm_tui.store.database import Database
from csm_tui.store.migrate import ensure_current
from tests.conftest import TODAY

NOON = datetime(2026, 11, 23, 12, 4, tzinfo=UTC)


@pytest.mark.parametrize(
    ("state", "words"),
    [
        (SyncState(False, 0, None, None), ""),
        (SyncState(True, 0, None, None), "not synced yet"),
        (SyncState(True, 0, NOON, None), "synced 12:04"),
        (SyncState(True, 3, NOON, None), "synced 12:04 · 3 changes waiting"),
        (SyncState(True, 1, NOON, "cannot reach"), "offline · 1 change waiting"),
        (SyncState(True, 0, NOON.replace(day=20), None), "synced Fri 20 Nov 12:04"),
    ],
)
def test_the_status_line_says_when_and_what_waits(
    state: SyncState, words: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "UTC")
    assert state.words(NOON) == words


def test_an_unreachable_server_leaves_the_book_offline_with_its_changes(tmp_path: Path) -> None:
    path = tmp_path / "laptop.db"
    db = Database.open(path)
    ensure_current(db)
    Outbox(db).enable()
    db.dispose()
    settings = Settings(database=str(path), today=TODAY)
    with pytest.raises(SyncOffline, match="cannot reach the team's server"):
        sync_book(settings, "postgresql://nobody@127.0.0.1:9/none?connect_timeout=1")
    db = Database.open(path)
    try:
        state = read_state(db)
    finally:
        db.dispose()
    assert state.syncs and state.offline is not None and state.words(NOON) == "offline"


def test_a_book_of_ones_own_is_never_replaced(tmp_path: Path) -> None:
    own = tmp_path / "own.db"
    db = Database.open(own)
    ensure_current(db)
    assert read_state(db) == SyncState(False, 0, None, None)
    db.dispose()
    server = tmp_path / "team.db"
    ensure_current(Database.open(server))
    with pytest.raises(SyncError, match="a book of its own"):
        sync_book(Settings(database=str(own), today=TODAY), str(server))
