"""`csm sync` from the shell: the first sync downloads the team's book, the next ones send this
laptop's changes and bring the team's back; what the server refuses is said with why."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from csm_tui.cli import main
from csm_tui.domain.enums import TouchKind
from csm_tui.domain.iso_week import IsoWeek
from csm_tui.services.demo import DEMO_USER_EMAIL, build_demo
from csm_tui.services.triage import TouchForm
from csm_tui.services.workspace import Workspace
from csm_tui.settings import Settings
from csm_tui.store.database import Database
from csm_tui.store.migrate import ensure_current
from tests.conftest import TODAY


@pytest.fixture
def team_server(tmp_path: Path) -> Path:
    path = tmp_path / "team.db"
    db = Database.open(path)
    ensure_current(db)
    build_demo(db, accounts=40, seed=7, today=TODAY)
    db.dispose()
    return path


def _sync(laptop: Path, server: Path | None, *extra: str) -> Result:
    args = ["--db", str(laptop), "--today", str(TODAY), "--as", DEMO_USER_EMAIL, "sync"]
    if server is not None:
        args += ["--team-db", str(server)]
    return CliRunner().invoke(main, [*args, *extra])


def _settings(path: Path) -> Settings:
    return Settings(database=str(path), today=TODAY, user_email=DEMO_USER_EMAIL)


def test_the_first_sync_downloads_the_book_and_the_next_sends_and_brings_back(
    team_server: Path, tmp_path: Path
) -> None:
    laptop = tmp_path / "laptop.db"
    with Workspace.open(_settings(team_server)) as team:
        mine_on_server = len(team.book(team=False))
    first = _sync(laptop, team_server)
    assert first.exit_code == 0, first.output
    assert f"Downloaded your book into {laptop}: {mine_on_server} accounts" in first.output
    with Workspace.open(_settings(laptop)) as mine:
        account_id = min(row.id for row in mine.book(team=False))
        mine.triage.log_touch(
            TouchForm(account_id, TouchKind.CADENCE_CALL.value, TODAY, "Call from the train")
        )
        me = mine.me
        assert me is not None
    with Workspace.open(_settings(team_server)) as team:  # meanwhile, at the office
        team.weekly_notes.save(me, IsoWeek.of(TODAY), wins="Written at the office")
    again = _sync(laptop, team_server)
    assert again.exit_code == 0, again.output
    assert again.output.splitlines()[0] == "1 change sent."
    assert "Brought 1 change from the team." in again.output
    with Workspace.open(_settings(team_server)) as team:
        view = team.accounts.view(account_id)
        assert view is not None
        assert "Call from the train" in {touch.summary for touch in view.detail.touches}
    with Workspace.open(_settings(laptop)) as mine:
        assert mine.weekly_notes.notes(me, IsoWeek.of(TODAY)).wins == "Written at the office"
        assert mine.outbox.waiting() == 0


def test_what_the_server_refuses_is_said_with_why(team_server: Path, tmp_path: Path) -> None:
    laptop = tmp_path / "laptop.db"
    assert _sync(laptop, team_server).exit_code == 0
    week = IsoWeek.of(TODAY)
    with Workspace.open(_settings(laptop)) as mine:
        me = mine.me
        assert me is not None
        mine.weekly_notes.save(me, week, wins="From the plane")
    with Workspace.open(_settings(team_server)) as team:
        team.weekly_notes.save(me, week, wins="Sent from the office")
        team.weekly_notes.submit(me, week)
    result = _sync(laptop, team_server)
    assert result.exit_code == 0, result.output
    assert "0 changes sent, 1 refused by the server." in result.output
    assert "refused: weekly_notes.save" in result.output
    assert "stay as they were sent" in result.output


def test_a_reset_downloads_the_copy_again_once_its_changes_are_sent(
    team_server: Path, tmp_path: Path
) -> None:
    laptop = tmp_path / "laptop.db"
    assert _sync(laptop, team_server).exit_code == 0
    with Workspace.open(_settings(laptop)) as mine:
        account_id = min(row.id for row in mine.book(team=False))
        mine.triage.log_touch(
            TouchForm(account_id, TouchKind.EMAIL.value, TODAY, "Not sent before the reset")
        )
    refused = _sync(laptop, team_server, "--reset")
    assert refused.exit_code == 1
    assert "1 change waits to be sent" in refused.output and "send them first" in refused.output
    assert _sync(laptop, team_server).exit_code == 0  # sent
    open_elsewhere = Database.open(laptop)  # as a terminal UI left open would hold it
    with open_elsewhere.engine.begin() as connection:  # a copy gone wrong
        connection.exec_driver_sql("DELETE FROM touchpoint")
    reset = _sync(laptop, team_server, "--reset")
    assert reset.exit_code == 0, reset.output
    assert f"Downloaded your book again into {laptop}" in reset.output
    with open_elsewhere.engine.connect() as connection:  # it reads the book as downloaded
        assert connection.exec_driver_sql("SELECT count(*) FROM touchpoint").scalar()
    open_elsewhere.dispose()
    with Workspace.open(_settings(laptop)) as mine:
        view = mine.accounts.view(account_id)
        assert view is not None
        assert "Not sent before the reset" in {touch.summary for touch in view.detail.touches}
    own = tmp_path / "own.db"
    db = Database.open(own)
    ensure_current(db)
    db.dispose()
    kept = _sync(own, team_server, "--reset")
    assert kept.exit_code == 1 and "never replaces it" in kept.output


def test_sync_needs_a_team_server_and_never_replaces_a_book_of_ones_own(
    team_server: Path, tmp_path: Path
) -> None:
    result = _sync(tmp_path / "laptop.db", None)
    assert result.exit_code == 2 and "which team server?" in result.output
    own = tmp_path / "own.db"
    db = Database.open(own)
    ensure_current(db)
    db.dispose()
    refused = _sync(own, team_server)
    assert refused.exit_code == 1
    assert "is a book of its own" in refused.output and "never replaces it" in refused.output


def test_the_team_server_can_be_named_in_the_config_file(team_server: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'team_database = "{team_server}"\n', encoding="utf-8")
    laptop = tmp_path / "laptop.db"
    args = ["--config", str(config), "--db", str(laptop), "--today", str(TODAY), "sync"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "Downloaded the team's book" in result.output
