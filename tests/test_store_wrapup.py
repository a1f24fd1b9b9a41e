"""The weekly wrap-up's inputs read in bulk (`store.wrapup`) on SQLite and PostgreSQL: what a
hand-built book hands over for 2026-W48 on its Friday, and the figures `my_week` then shows;
and the demo book's team week."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import event

from csm_tui.domain.enums import MilestoneStatus, TouchKind
from csm_tui.domain.iso_week import IsoWeek
from csm_tui.domain.ladder import EventKind
from csm_tui.domain.wrapup import my_week
from csm_tui.domain.wrapup_health import Movement
from csm_tui.domain.wrapup_inputs import DueMove, EscalationStep, Snapshot, Touch, WeekRules
from csm_tui.domain.wrapup_team import team_week
from csm_tui.models import (
    Account,
    Escalation,
    EscalationEvent,
    HealthSnapshot,
    Milestone,
    MilestoneMove,
    Objective,
    RecoveryPlan,
    ScheduledTouch,
    SuccessPlan,
    TeamMember,
    Touchpoint,
)
from csm_tui.rules import default_rules
from csm_tui.store.database import Database
from csm_tui.store.wrapup import member_book, team_books

RULES = default_rules()
WEEK_RULES = WeekRules.of(RULES)
TARGETS = dict(RULES.wrapup.cadence_calls_per_week)
W48 = IsoWeek.parse("2026-W48")  # Mon 2026-11-23 to Sun 2026-11-29
FRIDAY = date(2026, 11, 27)
GONE = datetime(2026, 11, 1, tzinfo=UTC)


def _at(day: int, hour: int = 10, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@dataclass
class Book:
    maya: str
    jonas: str
    li: str  # a manager with no book
    acme: str  # Maya's, Enterprise: went red on Wednesday, escalated, a milestone done, one moved
    bolt: str  # Maya's, Enterprise: renewal question asked in September, an item went overdue
    cove: str  # Jonas's, Commercial
    escalation: str
    moved: str  # Acme's milestone moved on Wednesday


@pytest.fixture
def book(db: Database) -> Book:
    with db.writing() as session:
        li = TeamMember(name="Li Wei", email="li@example.com", role="manager")
        maya = TeamMember(name="Maya Patel", email="maya@example.com", segment="enterprise")
        jonas = TeamMember(name="Jonas Weber", email="jonas@example.com")
        session.add_all([li, maya, jonas])
        session.flush()
        acme = Account(
            name="Acme",
            segment="enterprise",
            owner_id=maya.id,
            arr_cents=10_000_000,
            renewal_date=date(2027, 1, 15),
            health_score=30,
        )
        bolt = Account(
            name="Bolt",
            segment="enterprise",
            owner_id=maya.id,
            renewal_date=date(2026, 12, 20),
            health_score=65,
        )
        cove = Account(name="Cove", segment="commercial", owner_id=jonas.id, health_score=80)
        dune = Account(name="Dune", segment="enterprise", owner_id=maya.id, deleted_at=GONE)
        session.add_all([acme, bolt, cove, dune])
        session.flush()

        def touch(
            account: Account, on: date, kind: str, deleted_at: datetime | None = None
        ) -> Touchpoint:
            return Touchpoint(
                account_id=account.id,
                occurred_on=on,
                kind=kind,
                summary=kind,
                deleted_at=deleted_at,
            )

        session.add_all(
            [
                touch(acme, date(2026, 11, 23), "cadence-call"),
                touch(acme, date(2026, 11, 24), "email"),
                touch(acme, date(2026, 11, 25), "escalation-call"),
                touch(bolt, date(2026, 11, 25), "cadence-call"),
                touch(acme, date(2026, 11, 20), "cadence-call"),  # the week before
                touch(acme, date(2026, 11, 28), "cadence-call"),  # Saturday: after Friday
                touch(acme, date(2026, 9, 1), "email"),  # long before, not a renewal kind
                touch(bolt, date(2026, 9, 1), "renewal-call"),  # the renewal question
                touch(bolt, date(2026, 11, 26), "cadence-call", deleted_at=GONE),
                touch(cove, date(2026, 11, 24), "cadence-call"),
                touch(dune, date(2026, 11, 24), "cadence-call"),
            ]
        )
        session.add_all(
            [
                HealthSnapshot(account_id=acme.id, taken_on=date(2026, 10, 1), score=85),
                HealthSnapshot(
                    account_id=acme.id, taken_on=date(2026, 11, 16), score=75, engagement=80
                ),
                HealthSnapshot(
                    account_id=acme.id, taken_on=date(2026, 11, 25), score=30, engagement=20
                ),
                HealthSnapshot(account_id=bolt.id, taken_on=date(2026, 11, 9), score=65),
                HealthSnapshot(account_id=acme.id, taken_on=date(2026, 11, 28), score=20),
            ]
        )
        session.add(
            RecoveryPlan(
                account_id=bolt.id,
                objectives="Win the sponsor back",
                started_on=date(2026, 6, 1),
                ended_on=date(2026, 8, 1),
            )
        )
        session.add(
            ScheduledTouch(
                account_id=bolt.id,
                kind="cadence-call",
                due_on=date(2026, 11, 24),
                rule_id="cadence.enterprise",
                label="Cadence call",
                reason="Cadence call",
            )
        )
        escalation = Escalation(
            account_id=acme.id,
            level=2,
            reason="Outage",
            risk_category="support",
            opened_at=_at(24),
        )
        old = Escalation(
            account_id=bolt.id,
            level=1,
            status="closed",
            reason="Billing",
            risk_category="financial",
            opened_at=_at(1, month=10),
            closed_at=_at(3, month=10),
        )
        session.add_all([escalation, old])
        session.flush()
        session.add_all(
            [
                EscalationEvent(
                    escalation_id=escalation.id,
                    kind="opened",
                    to_level=1,
                    occurred_at=_at(24),
                    why="Outage",
                ),
                EscalationEvent(
                    escalation_id=escalation.id,
                    kind="raised",
                    from_level=1,
                    to_level=2,
                    occurred_at=_at(26, 15),
                    why="No fix yet",
                ),
                EscalationEvent(
                    escalation_id=old.id,
                    kind="opened",
                    to_level=1,
                    occurred_at=_at(1, month=10),
                    why="Billing",
                ),
            ]
        )
        plan = SuccessPlan(account_id=acme.id, title="Acme 2027")
        session.add(plan)
        session.flush()
        objective = Objective(plan_id=plan.id, outcome="Release weekly")
        session.add(objective)
        session.flush()
        kickoff = Milestone(
            objective_id=objective.id,
            title="Kickoff",
            due_on=date(2026, 11, 25),
            status="done",
            completed_at=_at(24),
        )
        pilot = Milestone(objective_id=objective.id, title="Pilot", due_on=date(2026, 12, 10))
        training = Milestone(
            objective_id=objective.id,
            title="Training",
            due_on=date(2026, 10, 1),
            status="done",
            completed_at=_at(30, month=9),
        )
        session.add_all([kickoff, pilot, training])
        session.flush()
        session.add(
            MilestoneMove(
                milestone_id=pilot.id,
                from_on=date(2026, 11, 26),
                to_on=date(2026, 12, 10),
                moved_on=date(2026, 11, 25),
            )
        )
        return Book(
            maya=str(maya.id),
            jonas=str(jonas.id),
            li=str(li.id),
            acme=str(acme.id),
            bolt=str(bolt.id),
            cove=str(cove.id),
            escalation=str(escalation.id),
            moved=str(pilot.id),
        )


def test_my_book_of_the_week_as_handed_over(db: Database, book: Book) -> None:
    with db.reading() as session:
        mine = member_book(session, book.maya, W48, FRIDAY, WEEK_RULES, TARGETS)
    assert (mine.member_id, mine.name, mine.call_target) == (book.maya, "Maya Patel", 5)
    assert sorted(a.name for a in mine.accounts) == ["Acme", "Bolt"]  # Dune is deleted
    acme = next(a for a in mine.accounts if a.id == book.acme)
    assert (acme.arr_cents, acme.renewal_date, acme.health_score) == (
        10_000_000,
        date(2027, 1, 15),
        30,
    )
    # The last before the week and the week's up to Friday; October's and Saturday's are not read.
    assert sorted(acme.snapshots, key=lambda s: s.on) == [
        Snapshot(date(2026, 11, 16), 75, engagement=80),
        Snapshot(date(2026, 11, 25), 30, engagement=20),
    ]
    bolt = next(a for a in mine.accounts if a.id == book.bolt)
    assert bolt.snapshots == (Snapshot(date(2026, 11, 9), 65),)
    assert [(p.started_on, p.ended_on) for p in bolt.recovery_plans] == [
        (date(2026, 6, 1), date(2026, 8, 1))
    ]
    assert sorted(mine.touches, key=lambda t: (t.on, t.kind)) == [
        Touch(book.bolt, date(2026, 9, 1), TouchKind.RENEWAL_CALL),
        Touch(book.acme, date(2026, 11, 23), TouchKind.CADENCE_CALL),
        Touch(book.acme, date(2026, 11, 24), TouchKind.EMAIL),
        Touch(book.bolt, date(2026, 11, 25), TouchKind.CADENCE_CALL),
        Touch(book.acme, date(2026, 11, 25), TouchKind.ESCALATION_CALL),
    ]
    [item] = mine.items
    assert (item.account_id, item.kind, item.due_on, item.label) == (
        book.bolt,
        "cadence-call",
        date(2026, 11, 24),
        "Cadence call",
    )
    [escalation] = mine.escalations  # Bolt's closed in October is not read
    assert (escalation.id, escalation.account_id, escalation.level) == (
        book.escalation,
        book.acme,
        2,
    )
    assert sorted(escalation.steps, key=lambda s: s.at) == [
        EscalationStep(EventKind.OPENED, _at(24), 1),
        EscalationStep(EventKind.RAISED, _at(26, 15), 2, 1),
    ]
    assert escalation.follow_ups == (date(2026, 11, 25),)
    by_title = {m.title: m for m in mine.milestones}
    assert set(by_title) == {"Kickoff", "Pilot"}  # Training was done in September
    assert (by_title["Kickoff"].status, by_title["Kickoff"].completed_on) == (
        MilestoneStatus.DONE,
        date(2026, 11, 24),
    )
    assert by_title["Pilot"].moves == (
        DueMove(date(2026, 11, 26), date(2026, 12, 10), date(2026, 11, 25)),
    )


def test_the_figures_of_my_week(db: Database, book: Book) -> None:
    with db.reading() as session:
        mine = member_book(session, book.maya, W48, FRIDAY, WEEK_RULES, TARGETS)
    week = my_week(mine, W48, FRIDAY, WEEK_RULES)
    assert (week.calls.words, week.calls.behind, week.calls.short) == ("2 of 5 calls", True, 3)
    assert week.coverage.words == "2 of 2 accounts (100%)"
    assert [(kind, n) for kind, n in week.touches.by_kind] == [
        (TouchKind.CADENCE_CALL, 2),
        (TouchKind.EMAIL, 1),
        (TouchKind.ESCALATION_CALL, 1),
    ]
    [mover] = week.movers
    assert (mover.account_name, mover.movement, mover.path) == (
        "Acme",
        Movement.DOWN,
        "yellow → red (Wed)",
    )
    assert mover.component is not None and mover.component.words == "engagement 80 → 20"
    [red] = week.red_without_plan
    assert red.account_name == "Acme"
    assert [(r.account_name, r.asked, r.at_risk) for r in week.renewals] == [
        ("Bolt", True, False),
        ("Acme", False, True),
    ]
    [overdue] = week.overdue
    assert (overdue.account_name, overdue.overdue_since) == ("Bolt", date(2026, 11, 25))
    figures = week.figures
    assert (figures.touches, figures.calls, figures.call_target) == (4, 2, 5)
    assert (figures.health_down, figures.red_without_plan, figures.renewals_at_risk) == (1, 1, 1)
    assert (figures.escalations_opened, figures.escalations_raised) == (1, 1)
    assert (figures.escalations_open, figures.went_overdue) == (1, 1)
    assert (figures.milestones_done, figures.milestones_moved, figures.milestones_slipped) == (
        1,
        1,
        0,
    )


def test_the_team_in_one_query_per_table(db: Database, book: Book) -> None:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with db.reading() as session:
            before = len(statements)
            books = team_books(session, W48, FRIDAY, WEEK_RULES, TARGETS)
            read = len(statements) - before
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    # Li manages and owns nothing: not a row. Jonas has no segment: his book's is Commercial.
    assert [(b.name, b.call_target, len(b.accounts)) for b in books] == [
        ("Jonas Weber", 10, 1),
        ("Maya Patel", 5, 2),
    ]
    assert [t.on for t in books[0].touches] == [date(2026, 11, 24)]
    # members, accounts, snapshots, recovery plans, escalations and their events, touches,
    # schedule, milestones and their moves: whatever the size of the team
    assert read <= 11, statements
    team = team_week(books, W48, FRIDAY, WEEK_RULES)
    assert [row.week.name for row in team.rows] == ["Maya Patel", "Jonas Weber"]
    assert team.totals.touches == 5


def test_the_team_among_some_members(db: Database, book: Book) -> None:
    """`among`: a manager's team. Its members are read as in the whole team's: the CSMs, and a
    manager only with a book of their own."""

    def names(among: frozenset[str] | None) -> list[str]:
        with db.reading() as session:
            found = team_books(session, W48, FRIDAY, WEEK_RULES, TARGETS, among)
        return [found.name for found in found]

    assert names(frozenset({book.li, book.maya})) == ["Maya Patel"]  # Li owns nothing
    assert names(frozenset()) == []
    assert names(None) == ["Jonas Weber", "Maya Patel"]
    with db.writing() as session:
        li = session.get(TeamMember, uuid.UUID(book.li))
        assert li is not None
        session.add(Account(name="Own", segment="enterprise", owner_id=li.id))
    assert names(frozenset({book.li, book.jonas})) == ["Jonas Weber", "Li Wei"]
    with db.reading() as session:
        (jonas,) = team_books(session, W48, FRIDAY, WEEK_RULES, TARGETS, frozenset({book.jonas}))
    assert (jonas.call_target, [a.name for a in jonas.accounts]) == (10, ["Cove"])
    assert [t.on for t in jonas.touches] == [date(2026, 11, 24)]


def test_a_week_to_come_and_a_stranger(db: Database, book: Book) -> None:
    with db.reading() as session:
        ahead = member_book(session, book.maya, W48.next, FRIDAY, WEEK_RULES, TARGETS)
        nobody = member_book(
            session, "00000000-0000-0000-0000-000000000001", W48, FRIDAY, WEEK_RULES, TARGETS
        )
    week = my_week(ahead, W48.next, FRIDAY, WEEK_RULES)
    assert (week.touches.total, week.calls.done, week.as_of) == (0, 0, FRIDAY)
    assert len(week.renewals) == 2  # read on Friday: the window runs from there
    assert nobody.accounts == () and nobody.call_target == 0


def test_the_demo_teams_week(demo_db: Path) -> None:
    from tests.conftest import TODAY

    demo = Database.open(demo_db)
    try:
        week = IsoWeek.of(TODAY).previous
        with demo.reading() as session:
            books = team_books(session, week, TODAY, WEEK_RULES, TARGETS)
        team = team_week(books, week, TODAY, WEEK_RULES)
    finally:
        demo.dispose()
    assert len(team.rows) == len(books) >= 2
    assert all(row.week.calls.target > 0 for row in team.rows)
    assert team.totals.touches > 0
    assert team.totals.accounts == sum(len(b.accounts) for b in books) > 0
