"""Whose team the team's week is (`services.wrapup.Wrapup.team_week`) on SQLite and PostgreSQL:
a manager's whole tree, a CSM's manager's team, else the whole team; each CSM's submitted
notes with it, a CSM reading only their own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from csm_tui.domain.enums import Role
from csm_tui.domain.iso_week import IsoWeek
from csm_tui.domain.team import Member
from csm_tui.domain.wrapup_team import TeamWeek
from csm_tui.models import Account, TeamMember, WeeklyReport
from csm_tui.rules import LoadedRules, default_rules
from csm_tui.services.wrapup import Wrapup
from csm_tui.store.database import Database

FRIDAY = date(2026, 12, 4)  # of 2026-W49
W49 = IsoWeek(2026, 49)
SENT = datetime(2026, 12, 4, 9, tzinfo=UTC)


@dataclass
class Team:
    """Ada directs: Bea (a manager with a book of her own) and Cy report to her; Dee and Gus
    (no book) to Bea. Eve has no manager; Fay manages nobody. Cy and Dee submitted their
    notes of W49, Gus has a draft."""

    db: Database
    members: dict[str, Member]  # by first name
    names: dict[str, str]  # member id -> first name

    def week(self, me: str | None) -> TeamWeek:
        rules = LoadedRules(default_rules(), None)
        wrapup = Wrapup(self.db, rules, FRIDAY, None if me is None else self.members[me])
        return wrapup.team_week()

    def rows(self, team: TeamWeek) -> list[str]:
        return sorted(self.names[row.week.member_id] for row in team.rows)

    def first(self, ids: frozenset[str]) -> set[str]:
        return {self.names[member] for member in ids}


@pytest.fixture
def team(db: Database) -> Team:
    with db.writing() as session:

        def member(name: str, role: str = "csm", manager: TeamMember | None = None) -> TeamMember:
            row = TeamMember(
                name=f"{name} Example",
                email=f"{name.lower()}@example.com",
                role=role,
                manager_id=None if manager is None else manager.id,
            )
            session.add(row)
            session.flush()
            return row

        ada = member("Ada", "manager")
        bea = member("Bea", "manager", ada)
        cy = member("Cy", manager=ada)
        dee = member("Dee", manager=bea)
        gus = member("Gus", manager=bea)
        eve = member("Eve")
        fay = member("Fay", "manager")
        rows = [ada, bea, cy, dee, gus, eve, fay]
        session.add_all(
            Account(name=f"{owner.name}'s", segment="commercial", owner_id=owner.id)
            for owner in (bea, cy, dee, eve)
        )
        w49, w48 = "2026-W49", "2026-W48"
        session.add_all(
            [
                WeeklyReport(member_id=cy.id, week=w49, wins="Cy's win", submitted_at=SENT),
                WeeklyReport(member_id=dee.id, week=w49, asks="Dee's ask", submitted_at=SENT),
                WeeklyReport(member_id=gus.id, week=w49, wins="Gus's draft"),
                WeeklyReport(member_id=eve.id, week=w48, wins="Last week", submitted_at=SENT),
            ]
        )
        members = {
            row.name.split()[0]: Member(str(row.id), row.name, row.email, Role(row.role))
            for row in rows
        }
    return Team(db, members, {m.id: first for first, m in members.items()})


def test_nobody_signed_in_reads_the_whole_team_and_every_note(team: Team) -> None:
    week = team.week(None)
    assert (week.whose, week.title) == (None, "The team")
    assert team.rows(week) == ["Bea", "Cy", "Dee", "Eve", "Gus"]  # managers only with a book
    assert week.notes_hidden == frozenset()
    assert week.notes is not None
    assert {team.names[key] for key in week.notes} == {"Cy", "Dee"}  # submitted, of W49
    cy = team.members["Cy"].id
    notes = week.notes_of(cy)
    assert notes is not None and (notes.wins, notes.submitted_at) == ("Cy's win", SENT)
    assert week.notes_of(team.members["Gus"].id) is None  # a draft is not the manager's
    assert week.shows_notes_of(team.members["Gus"].id)  # "not submitted yet"


def test_a_director_reads_her_whole_tree(team: Team) -> None:
    week = team.week("Ada")
    assert week.whose == team.members["Ada"]
    assert week.title == "Ada Example's team"
    # Bea's reports too; Ada owns no account: not a row; Eve reports to nobody: not hers
    assert team.rows(week) == ["Bea", "Cy", "Dee", "Gus"]
    assert week.notes_hidden == frozenset()
    assert week.notes is not None and team.first(frozenset(week.notes)) == {"Cy", "Dee"}


def test_a_manager_reads_her_reports_and_her_own_book(team: Team) -> None:
    week = team.week("Bea")
    assert week.title == "Bea Example's team"
    assert team.rows(week) == ["Bea", "Dee", "Gus"]
    assert week.totals.accounts == 2  # Bea's own and Dee's
    assert week.notes is not None and team.first(frozenset(week.notes)) == {"Dee"}


def test_a_csm_reads_their_managers_team_and_only_their_own_notes(team: Team) -> None:
    week = team.week("Dee")
    assert week.title == "Bea Example's team"
    assert team.rows(week) == ["Bea", "Dee", "Gus"]  # the rows Bea reads
    assert team.first(week.notes_hidden) == {"Bea", "Gus"}  # their notes go to Bea
    dee = team.members["Dee"].id
    notes = week.notes_of(dee)
    assert notes is not None and notes.asks == "Dee's ask"
    assert not week.shows_notes_of(team.members["Gus"].id)


@pytest.mark.parametrize(
    ("me", "hidden"),
    [
        ("Eve", {"Bea", "Cy", "Dee", "Gus"}),  # a CSM without a manager: still only her own notes
        ("Fay", set()),  # a manager nobody reports to yet: a team that has not said who does
    ],
)
def test_anyone_else_reads_the_whole_team(team: Team, me: str, hidden: set[str]) -> None:
    week = team.week(me)
    assert (week.whose, week.title) == (None, "The team")
    assert team.rows(week) == ["Bea", "Cy", "Dee", "Eve", "Gus"]
    assert team.first(week.notes_hidden) == hidden
    assert week.notes_of(team.members["Eve"].id) is None  # she submitted W48's, not W49's
