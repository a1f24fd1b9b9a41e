"""The services as the commands open them: in `with` blocks that release the database however
the command ends, `csm db check` without creating the file it was asked about, and a workspace
that knows the real date beside the planned one."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from csm_tui.models import TeamMember, TriageVisit
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


def test_a_workspace_on_a_planned_day_records_no_visit(settings: Settings) -> None:
    """`csm --today` ahead of the real date opens the TUI, which notes a visit after its
    first paint: on a day still to come it notes none (`Triage.records_visits`)."""
    with Workspace.open(settings) as workspace, workspace.db.writing() as session:
        session.add(TeamMember(name="Ada", email="ada@example.com"))
    planned = replace(
        settings,
        today=settings.today + timedelta(days=7),
        system_today=settings.today,
        user_email="ada@example.com",
    )
    with Workspace.open(planned) as workspace:
        assert not workspace.triage.records_visits
        workspace.triage.record_visit()
        workspace.triage.load(team=False)
        with workspace.db.reading() as session:
            assert session.scalars(select(TriageVisit)).all() == []
    later = Workspace.connect_later(planned, me=workspace.me, rules=rules_for(planned))
    with later:
        assert not later.triage.records_visits
    real = replace(planned, today=settings.today)
    with Workspace.open(real) as workspace:
        workspace.triage.record_visit()
        with workspace.db.reading() as session:
            [visit] = session.scalars(select(TriageVisit)).all()
    assert visit.last_on == settings.today
