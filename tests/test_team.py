"""The team's roles, segments and managers (`services.team`, `store.team`) on SQLite and
PostgreSQL: what `csm team list` reads and what `csm team set` may write."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from csm_tui.domain.enums import Role, Segment
from csm_tui.domain.rulebook import CADENCE_CALLS_PER_WEEK
from csm_tui.domain.team import CallTarget
from csm_tui.models import Account, TeamMember
from csm_tui.services.team import MemberChange, TeamError, add_member, set_member, team_rows
from csm_tui.store import team as store
from csm_tui.store.database import Database

TARGETS = dict(CADENCE_CALLS_PER_WEEK)
GONE = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def team(db: Database) -> Database:
    """Li manages Maya and Jonas; Jo is a manager with nobody; Maya's book is mostly Commercial,
    Jonas has none; Old was a manager and left."""
    with db.writing() as session:
        li = TeamMember(name="Li Wei", email="li@example.com", role="manager")
        jo = TeamMember(name="Jo Park", email="jo@example.com", role="manager")
        old = TeamMember(name="Old Boss", email="old@example.com", role="manager", deleted_at=GONE)
        session.add_all([li, jo, old])
        session.flush()
        maya = TeamMember(name="Maya Patel", email="maya@example.com", manager_id=li.id)
        jonas = TeamMember(name="Jonas Weber", email="jonas@example.com", manager_id=old.id)
        session.add_all([maya, jonas])
        session.flush()
        session.add_all(
            [
                Account(name="A", segment="commercial", owner_id=maya.id),
                Account(name="B", segment="commercial", owner_id=maya.id),
                Account(name="C", segment="enterprise", owner_id=maya.id),
                Account(name="D", segment="enterprise", owner_id=maya.id, deleted_at=GONE),
                Account(name="E", segment="enterprise", owner_id=maya.id, deleted_at=GONE),
            ]
        )
    return db


def _row(db: Database, email: str) -> dict[str, object]:
    [row] = [r for r in team_rows(db, TARGETS) if r.email == email]
    return {
        "role": row.role,
        "segment": row.segment,
        "manager": row.manager_email,
        "accounts": row.accounts,
        "book": dict(row.book),
        "target": row.target,
    }


def test_the_team_lists_roles_managers_books_and_targets(team: Database) -> None:
    rows = team_rows(team, TARGETS)
    assert [row.email for row in rows] == [
        "jo@example.com",
        "jonas@example.com",
        "li@example.com",
        "maya@example.com",
    ]
    assert _row(team, "maya@example.com") == {
        "role": Role.CSM,
        "segment": None,
        "manager": "li@example.com",
        "accounts": 3,
        "book": {"commercial": 2, "enterprise": 1},
        "target": CallTarget(10, "commercial", from_book=True),
    }
    # a manager who left manages nobody any more; no segment and no book: no target
    assert _row(team, "jonas@example.com")["manager"] is None
    assert _row(team, "jonas@example.com")["target"] is None
    assert team_rows(team)[0].target is None  # without the rules, no targets


def test_a_segment_set_on_a_member_decides_their_target(team: Database) -> None:
    row = set_member(team, "MAYA@example.com", MemberChange(segment=Segment.ENTERPRISE), TARGETS)
    assert (row.segment, row.target) == ("enterprise", CallTarget(5, "enterprise"))
    row = set_member(team, "maya@example.com", MemberChange(no_segment=True), TARGETS)
    assert (row.segment, row.target) == (None, CallTarget(10, "commercial", from_book=True))


def test_a_manager_a_role_and_a_name_are_set_together(team: Database) -> None:
    change = MemberChange(name=" Jonas W. ", role=Role.MANAGER, manager="jo@example.com")
    row = set_member(team, "jonas@example.com", change)
    assert (row.name, row.role, row.manager_email) == ("Jonas W.", Role.MANAGER, "jo@example.com")
    row = set_member(team, "jonas@example.com", MemberChange(no_manager=True))
    assert (row.role, row.manager_email) == (Role.MANAGER, None)


def test_a_manager_of_managers(team: Database) -> None:
    set_member(team, "li@example.com", MemberChange(manager="jo@example.com"))
    assert _row(team, "li@example.com")["manager"] == "jo@example.com"
    with pytest.raises(TeamError) as error:
        set_member(team, "jo@example.com", MemberChange(manager="li@example.com"))
    assert str(error.value) == (
        "li@example.com already reports to jo@example.com (li@example.com → jo@example.com): "
        "jo@example.com cannot report to them too; change li@example.com's manager first"
    )


@pytest.mark.parametrize(
    ("email", "change", "message"),
    [
        (
            "nobody@example.com",
            MemberChange(role=Role.CSM),
            "nobody in the team has the e-mail nobody@example.com; known: jo@example.com, "
            "jonas@example.com, li@example.com, maya@example.com",
        ),
        (
            "maya@example.com",
            MemberChange(manager="old@example.com"),
            "--manager: nobody in the team has the e-mail old@example.com; known: "
            "jo@example.com, jonas@example.com, li@example.com, maya@example.com",
        ),
        (
            "jonas@example.com",
            MemberChange(manager="maya@example.com"),
            "maya@example.com (Maya Patel) is a CSM, not a manager: make them one first "
            "(csm team set maya@example.com --role manager)",
        ),
        (
            "li@example.com",
            MemberChange(manager="li@example.com"),
            "li@example.com cannot manage themselves: name their manager, or --no-manager",
        ),
        (
            "li@example.com",
            MemberChange(role=Role.CSM),
            "li@example.com still manages 1 member (maya@example.com): give them another "
            "manager first (csm team set EMAIL --manager MANAGER, or --no-manager)",
        ),
        (
            "li@example.com",
            MemberChange(),
            "nothing to change: say --name, --role, --segment or --manager",
        ),
        ("li@example.com", MemberChange(name="  "), "a name cannot be blank"),
        (
            "li@example.com",
            MemberChange(manager="jo@example.com", no_manager=True),
            "--manager and --no-manager contradict each other: say one",
        ),
    ],
    ids=[
        "unknown",
        "deleted-manager",
        "not-a-manager",
        "themselves",
        "still-manages",
        "nothing",
        "blank-name",
        "contradiction",
    ],
)
def test_a_change_that_cannot_be_made_writes_nothing(
    team: Database, email: str, change: MemberChange, message: str
) -> None:
    before = team_rows(team, TARGETS)
    with pytest.raises(TeamError) as error:
        set_member(team, email, change, TARGETS)
    assert str(error.value) == message
    assert team_rows(team, TARGETS) == before


def test_a_manager_whose_people_moved_on_can_become_a_csm(team: Database) -> None:
    set_member(team, "maya@example.com", MemberChange(manager="jo@example.com"))
    row = set_member(team, "li@example.com", MemberChange(role=Role.CSM))
    assert row.role is Role.CSM


def test_the_store_reads_whom_each_member_reports_to(team: Database) -> None:
    with team.reading() as session:
        ids = {m.email: str(m.id) for m in session.scalars(select(TeamMember))}
        managers = store.managers_of(session)
        reports = store.reports_of(session, uuid.UUID(ids["li@example.com"]))
    assert managers[ids["maya@example.com"]] == ids["li@example.com"]
    assert managers[ids["jonas@example.com"]] is None  # their manager left
    assert ids["old@example.com"] not in managers
    assert reports == ["maya@example.com"]


def test_a_member_added_then_set(db: Database) -> None:
    member, _ = add_member(db, "ada@example.com")
    row = set_member(db, member.email, MemberChange(segment=Segment.MID_MARKET), TARGETS)
    assert row.target == CallTarget(10, "mid-market")
