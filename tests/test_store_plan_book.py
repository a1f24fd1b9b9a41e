"""The book's plans read in bulk (`store.plan_book`) on SQLite and PostgreSQL, and the book read
with them through the workspace (`Workspace.book_plans`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from csm_tui.domain.enums import MilestoneStatus, Role
from csm_tui.domain.plan_book import Standing
from csm_tui.domain.success_plan import PlanStatus
from csm_tui.domain.team import Member
from csm_tui.models import Account, Milestone, Objective, SuccessPlan, TeamMember
from csm_tui.rules import load_rules
from csm_tui.services.workspace import Workspace
from csm_tui.store.database import Database
from csm_tui.store.plan_book import book_plans

TODAY = date(2026, 11, 23)
GONE = datetime(2026, 11, 1, tzinfo=UTC)


@dataclass
class Book:
    maya: Member
    acme: str  # Maya's Enterprise account: an active plan in trouble, a draft, a deleted plan
    bolt: str  # Maya's Commercial account: no plan
    cove: str  # Jonas's Enterprise account: an on-hold plan
    dune: str  # Maya's deleted account, with an active plan


def _plan(account: Account, status: str, day: int = 1, **fields: Any) -> SuccessPlan:
    made = datetime(2026, 6, day, 9, tzinfo=UTC)
    return SuccessPlan(
        account_id=account.id,
        title=f"{account.name} {status}",
        status=status,
        created_at=made,
        **fields,
    )


@pytest.fixture
def book(db: Database) -> Book:
    with db.writing() as session:
        maya = TeamMember(name="Maya Patel", email="maya@example.com")
        jonas = TeamMember(name="Jonas Weber", email="jonas@example.com")
        session.add_all([maya, jonas])
        session.flush()
        acme = Account(name="Acme", segment="enterprise", owner_id=maya.id)
        bolt = Account(name="Bolt", segment="commercial", owner_id=maya.id)
        cove = Account(name="Cove", segment="enterprise", owner_id=jonas.id)
        dune = Account(name="Dune", segment="enterprise", owner_id=maya.id, deleted_at=GONE)
        session.add_all([acme, bolt, cove, dune])
        session.flush()
        active = _plan(acme, "active", reviewed_on=date(2026, 11, 2))
        plans = [
            active,
            _plan(acme, "draft", day=2),
            _plan(acme, "active", deleted_at=GONE),
            _plan(cove, "on-hold"),
            _plan(dune, "active"),
        ]
        session.add_all(plans)
        session.flush()
        kept = Objective(plan_id=active.id, outcome="Release weekly")
        dropped = Objective(plan_id=active.id, outcome="Old aim", deleted_at=GONE)
        on_hold = Objective(plan_id=plans[3].id, outcome="Paused")
        session.add_all([kept, dropped, on_hold])
        session.flush()
        session.add_all(
            [
                Milestone(
                    objective_id=kept.id,
                    title="Kickoff",
                    due_on=date(2026, 7, 1),
                    status="done",
                    completed_at=GONE,
                ),
                Milestone(objective_id=kept.id, title="SSO", due_on=date(2026, 11, 10)),
                Milestone(
                    objective_id=kept.id, title="Pilot", due_on=date(2027, 1, 10), status="slipped"
                ),
                Milestone(
                    objective_id=kept.id,
                    title="Data",
                    due_on=None,
                    status="blocked",
                    blocked_reason="waiting on IT",
                    blocked_on=date(2026, 11, 3),
                ),
                Milestone(
                    objective_id=kept.id, title="Gone", due_on=date(2026, 10, 1), deleted_at=GONE
                ),
                Milestone(
                    objective_id=dropped.id, title="Of a deleted aim", due_on=date(2026, 10, 1)
                ),
                Milestone(objective_id=on_hold.id, title="Held", due_on=date(2026, 10, 1)),
            ]
        )
        me = Member(id=str(maya.id), name=maya.name, email=maya.email, role=Role.CSM)
        return Book(me, str(acme.id), str(bolt.id), str(cove.id), str(dune.id))


def test_every_live_plan_of_my_book_and_the_active_ones_open_milestones(
    db: Database, book: Book
) -> None:
    with db.reading() as session:
        found = book_plans(session, "MAYA@example.com ")  # as "mine" matches everywhere
    assert set(found) == {book.acme}  # Bolt has no plan; Dune is deleted; Cove is Jonas's
    active, draft = found[book.acme]
    assert (active.status, draft.status) == (PlanStatus.ACTIVE, PlanStatus.DRAFT)
    assert str(active.account_id) == book.acme
    assert active.reviewed_on == date(2026, 11, 2)
    assert active.created_on == date(2026, 6, 1)
    assert [(m.title, m.status, m.due_on) for m in active.milestones] == [
        ("SSO", MilestoneStatus.PLANNED, date(2026, 11, 10)),
        ("Pilot", MilestoneStatus.SLIPPED, date(2027, 1, 10)),
        ("Data", MilestoneStatus.BLOCKED, None),
    ]
    assert active.milestones[-1].blocked_on == date(2026, 11, 3)
    assert draft.milestones == ()


def test_the_team_book_in_three_queries(db: Database, book: Book) -> None:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with db.reading() as session:
            before = len(statements)
            found = book_plans(session)
            queries = [s for s in statements[before:] if s.lstrip().upper().startswith("SELECT")]
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert set(found) == {book.acme, book.cove}
    [held] = found[book.cove]
    assert held.status is PlanStatus.ON_HOLD and held.milestones == ()  # not read: not worked
    assert len(queries) == 3, queries  # plans, objectives, milestones


def test_the_book_read_with_its_plans_says_where_each_account_stands(
    db: Database, book: Book, tmp_path: Path
) -> None:
    rules = load_rules(None, tmp_path)
    workspace = Workspace(database="test", today=TODAY, me=book.maya, rules=rules, db=db)
    assert all(row.plan is None for row in workspace.book(team=False))
    mine = {row.name: row.plan for row in workspace.book_plans(team=False)}
    assert set(mine) == {"Acme", "Bolt"}
    acme, bolt = mine["Acme"], mine["Bolt"]
    assert acme is not None and bolt is not None
    assert (acme.standing, acme.slipped, acme.blocked) == (Standing.SLIPPED, 2, 1)
    assert acme.review_due_on is None  # reviewed on 2026-11-02, every month
    assert acme.words == "2 slipped, 1 blocked"
    assert (bolt.standing, bolt.required, bolt.words) == (Standing.NO_PLAN, False, "no plan")
    team = {row.name: row.plan for row in workspace.book_plans(team=True)}
    cove = team["Cove"]
    assert cove is not None
    assert (cove.standing, cove.required, cove.words) == (Standing.NO_PLAN, True, "on hold")
