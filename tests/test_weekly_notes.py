"""A CSM's weekly notes for the manager (`services.wrapup_notes`, `store.wrapup_notes`) on
SQLite and PostgreSQL: saved per ISO week as a draft, editable until submitted, then as sent."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from csm_tui.domain.enums import Role
from csm_tui.domain.iso_week import IsoWeek
from csm_tui.domain.team import Member
from csm_tui.models import TeamMember, WeeklyReport
from csm_tui.services.wrapup_notes import NotesError, WeeklyNotes
from csm_tui.store import wrapup_notes as store
from csm_tui.store.database import Database

FRIDAY = date(2026, 12, 4)  # of 2026-W49
W49 = IsoWeek(2026, 49)


@dataclass
class Team:
    db: Database
    maya: Member  # managed by Li
    jonas: Member  # managed by nobody


def _member(row: TeamMember) -> Member:
    return Member(id=str(row.id), name=row.name, email=row.email, role=Role(row.role))


@pytest.fixture
def team(db: Database) -> Team:
    with db.writing() as session:
        li = TeamMember(name="Li Wei", email="li@example.com", role="manager")
        session.add(li)
        session.flush()
        maya = TeamMember(name="Maya Patel", email="maya@example.com", manager_id=li.id)
        jonas = TeamMember(name="Jonas Weber", email="jonas@example.com")
        session.add_all([maya, jonas])
    return Team(db, _member(maya), _member(jonas))


def notes(team: Team, today: date = FRIDAY) -> WeeklyNotes:
    return WeeklyNotes(team.db, today)


def _rows(db: Database) -> int:
    with db.reading() as session:
        return session.scalar(select(func.count()).select_from(WeeklyReport)) or 0


def test_no_notes_yet_is_an_empty_draft_of_this_week(team: Team) -> None:
    found = notes(team).notes(team.maya)
    assert (found.week, found.texts(), found.saved_at, found.submitted) == (
        W49,
        ("", "", ""),
        None,
        False,
    )


def test_save_then_edit_then_submit(team: Team) -> None:
    service = notes(team)
    saved = service.save(team.maya, "2026-W49", wins=" Acme renewed ", risks="Bolt's sponsor left")
    assert saved.message == (
        "Saved the notes of 2026-W49 (a draft: submit them when the week is done)."
    )
    assert saved.notes.texts() == ("Acme renewed", "Bolt's sponsor left", "")
    edited = service.save(team.maya, W49, asks="An intro to Bolt's new VP")  # the rest kept
    assert edited.notes.texts() == (
        "Acme renewed",
        "Bolt's sponsor left",
        "An intro to Bolt's new VP",
    )
    submitted = service.submit(team.maya, "2026-w49")
    assert submitted.message == (
        "Submitted the notes of 2026-W49: they stay as they were sent (Li Wei reads them in "
        "the team's week)."
    )
    assert submitted.notes.submitted_at is not None
    assert submitted.notes.submitted_at.date() == FRIDAY  # --today moves it
    assert service.notes(team.maya, W49) == submitted.notes
    assert _rows(team.db) == 1


def test_a_submitted_report_stays_as_it_was_sent(team: Team) -> None:
    service = notes(team)
    service.save(team.maya, W49, wins="Acme renewed")
    sent = service.submit(team.maya, W49).notes
    with pytest.raises(NotesError) as error:
        service.save(team.maya, W49, wins="Acme renewed, and Bolt")
    assert str(error.value) == (
        "the notes of 2026-W49 were submitted on Fri 2026-12-04 and stay as they were sent: "
        "nothing was changed"
    )
    with pytest.raises(NotesError) as again:
        service.submit(team.maya, W49)
    assert str(again.value).startswith("the notes of 2026-W49 were submitted already, on Fri")
    assert service.notes(team.maya, W49) == sent


def test_nothing_to_submit(team: Team) -> None:
    with pytest.raises(NotesError) as error:
        notes(team).submit(team.maya)
    assert str(error.value).startswith("nothing to submit for 2026-W49: write your wins")
    notes(team).save(team.maya, W49, wins="  ")
    with pytest.raises(NotesError):
        notes(team).submit(team.maya)


def test_a_week_not_begun_is_a_draft_until_it_begins(team: Team) -> None:
    service = notes(team)
    service.save(team.maya, "2026-W50", asks="Cover for me on Friday")
    with pytest.raises(NotesError) as error:
        service.submit(team.maya, "2026-W50")
    assert str(error.value) == (
        "2026-W50 has not begun (it starts on Mon 2026-12-07): submit its notes once the week "
        "is under way"
    )
    assert notes(team, date(2026, 12, 7)).submit(team.maya, "2026-W50").notes.submitted


def test_each_member_and_week_has_its_own_notes(team: Team) -> None:
    service = notes(team)
    service.save(team.maya, W49, wins="Maya's win")
    service.save(team.jonas, W49, wins="Jonas's win")
    service.save(team.maya, "2026-W48", wins="last week")
    assert service.notes(team.maya, W49).wins == "Maya's win"
    assert service.notes(team.jonas, W49).wins == "Jonas's win"
    assert service.notes(team.maya, "2026-W48").wins == "last week"
    assert service.submit(team.jonas, W49).message.endswith("(nobody manages you yet).")
    assert not service.notes(team.maya, W49).submitted


def test_the_manager_reads_submitted_notes_only(team: Team) -> None:
    service = notes(team)
    service.save(team.maya, W49, wins="Maya's win")
    service.save(team.jonas, W49, wins="Jonas's draft")
    service.save(team.jonas, "2026-W48", wins="Jonas's last week")
    service.submit(team.maya, W49)
    service.submit(team.jonas, "2026-W48")
    found = service.submitted([team.maya.id, team.jonas.id], W49)
    assert list(found) == [team.maya.id]
    assert found[team.maya.id] == service.notes(team.maya, W49)
    assert service.submitted([], W49) == {}
    assert list(service.submitted([team.jonas.id], "2026-W48")) == [team.jonas.id]


def test_a_save_that_changes_nothing_writes_nothing(team: Team) -> None:
    service = notes(team)
    first = service.save(team.maya, W49)
    assert (first.undo, first.message) == (
        None,
        "No change to the notes of 2026-W49: nothing was written.",
    )
    assert _rows(team.db) == 0
    service.save(team.maya, W49, wins="Acme")
    same = service.save(team.maya, W49, wins=" Acme ")
    assert same.undo is None and same.message.endswith("they stay as saved.")


def test_undo_a_save_puts_the_notes_back(team: Team) -> None:
    service = notes(team)
    first = service.save(team.maya, W49, wins="Acme")
    second = service.save(team.maya, W49, wins="Acme and Bolt", risks="Cove")
    assert second.undo is not None and first.undo is not None
    assert service.undo(second.undo) == "Undone: the notes of 2026-W49 saved."
    assert service.notes(team.maya, W49).texts() == ("Acme", "", "")
    assert service.undo(first.undo) == "Undone: the notes of 2026-W49 saved."
    assert service.notes(team.maya, W49).saved_at is None  # gone, as never saved
    # the row is kept (deleted), and a new save brings it back
    again = service.save(team.maya, W49, asks="Help")
    assert again.notes.texts() == ("", "", "Help")
    assert _rows(team.db) == 1


def test_undo_writes_nothing_over_a_later_change(team: Team) -> None:
    service = notes(team)
    saved = service.save(team.maya, W49, wins="Acme")
    service.submit(team.maya, W49)
    assert saved.undo is not None
    assert service.undo(saved.undo) == (
        "Not undone: since the notes of 2026-W49 saved, they were changed again."
    )
    assert service.notes(team.maya, W49).submitted


@pytest.mark.parametrize(
    ("week", "message"),
    [
        ("2026-12-04", "'2026-12-04' is not a week: write the ISO year and week, like 2026-W49"),
        ("2027-W53", "2027-W53 is not a week: 2027 has weeks W01 to W52"),
    ],
)
def test_a_week_that_is_not_one_is_refused(team: Team, week: str, message: str) -> None:
    with pytest.raises(NotesError) as error:
        notes(team).save(team.maya, week, wins="x")
    assert str(error.value) == message


def test_control_characters_are_refused_before_anything_is_written(team: Team) -> None:
    with pytest.raises(NotesError) as error:
        notes(team).save(team.maya, W49, wins="ok", risks="\x00")
    assert str(error.value).startswith("risks: holds the control character '\\x00'")
    assert _rows(team.db) == 0


def test_a_member_who_left_has_no_notes_to_write(team: Team) -> None:
    with team.db.writing() as session:
        row = session.get(TeamMember, uuid.UUID(team.jonas.id))
        assert row is not None
        row.deleted_at = datetime(2026, 12, 1, tzinfo=UTC)
    with pytest.raises(NotesError) as error:
        notes(team).save(team.jonas, W49, wins="x")
    assert str(error.value) == "jonas@example.com is no longer in the team: their notes are closed"


def test_the_store_reads_one_row_per_member_and_week(team: Team) -> None:
    notes(team).save(team.maya, W49, wins="Acme")
    with team.db.reading() as session:
        maya = session.scalars(
            select(TeamMember).where(col(TeamMember.email) == "maya@example.com")
        ).one()
        row = store.report_row(session, maya.id, W49)
        assert row is not None and row.week == "2026-W49"
        assert store.report_row(session, maya.id, IsoWeek(2026, 48)) is None
        assert store.notes_of(session, maya.id, W49).wins == "Acme"
        assert store.manager_name(session, maya) == "Li Wei"


def test_the_database_holds_one_report_per_member_and_week(team: Team) -> None:
    notes(team).save(team.maya, W49, wins="Acme")
    with pytest.raises(IntegrityError), team.db.writing() as session:
        session.add(WeeklyReport(member_id=uuid.UUID(team.maya.id), week="2026-W49"))
        session.flush()
