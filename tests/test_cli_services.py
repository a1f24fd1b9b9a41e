"""The `with` blocks the commands open their book in: the database is released however the
command ends, and `csm db check` never creates the file it was asked about."""

from __future__ import annotations

from pathlib import Path

import pytest

from csm_tui.rules import rules_for
from csm_tui.services import upkeep
from csm_tui.services.scheduling import Schedule, UnknownAccount
from csm_tui.services.workspace import Workspace, WorkspaceClosed
from csm_tui.settings import Settings
from csm_tui.store.database import Database


@pytest.fixture
def disposed(monkeypatch: pytest.MonkeyPatch) -> list[Database]:
    """Every database released, in order."""
    released: list[Database] = []
    dispose = Database.dispose

    def counting(self: Database) -> None:
        released.append(self)
        dispose(self)

    monkeypatch.setattr(Database, "dispose", counting)
    return released


def test_a_workspace_is_closed_when_its_block_ends(
    settings: Settings, disposed: list[Database]
) -> None:
    with Workspace.open(settings) as workspace:
        db = workspace.db
        assert workspace.book(team=True) == []
    assert disposed == [db]
    with pytest.raises(WorkspaceClosed):
        workspace.book(team=True)


def test_a_workspace_is_closed_when_its_block_fails(
    settings: Settings, disposed: list[Database]
) -> None:
    with pytest.raises(ZeroDivisionError), Workspace.open(settings) as workspace:
        _ = 1 / 0
    assert len(disposed) == 1
    with pytest.raises(WorkspaceClosed):
        workspace.connect()


def test_a_schedule_releases_its_database_whatever_happens(
    settings: Settings, disposed: list[Database]
) -> None:
    rules = rules_for(settings)
    with Schedule.open(settings, rules) as schedule:
        assert schedule.today == settings.today and schedule.rules is rules
        assert schedule.preview(rules.rulebook).accounts == 0
    with pytest.raises(UnknownAccount), Schedule.open(settings, rules) as schedule:
        schedule.explain("NOPE-1")
    assert len(disposed) == 2


def test_upkeep_upgrades_backs_up_and_checks(tmp_path: Path, disposed: list[Database]) -> None:
    book = str(tmp_path / "book.db")
    first = upkeep.upgrade(book)
    assert first.database == book and first.report is not None
    assert first.report.from_revision is None
    assert upkeep.upgrade(book).report is None
    copy = upkeep.backup(book, tmp_path / "copy.db")
    assert copy == tmp_path / "copy.db" and copy.exists()
    assert upkeep.check(str(copy)).ok
    assert len(disposed) == 4


def test_checking_a_missing_file_does_not_create_it(
    tmp_path: Path, disposed: list[Database]
) -> None:
    missing = tmp_path / "missing.db"
    report = upkeep.check(str(missing))
    assert not report.ok and not missing.exists()
    assert len(disposed) == 1
