"""The escalation ladder's service and store (`services.escalations`, `store.escalations`) on
SQLite and PostgreSQL: the whole life of an escalation, each step rescheduling its account and
each undone; and `csm escalation` with its errors."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlmodel import col

from csm_tui.cli import main
from csm_tui.domain.enums import Role
from csm_tui.domain.team import Member
from csm_tui.models import (
    Account,
    Escalation,
    EscalationEvent,
    HealthSnapshot,
    RecoveryPlan,
    TeamMember,
    Touchpoint,
)
from csm_tui.rules import load_rules
from csm_tui.services.escalations import EscalationError, Escalations
from csm_tui.services.triage import Triage
from csm_tui.store.database import Database

MONDAY = date(2026, 12, 21)  # the week of the Christmas holidays in the shipped rules file
WEDNESDAY = date(2026, 12, 23)


@dataclass(frozen=True)
class Book:
    me: Member
    account_id: str


@pytest.fixture
def book(db: Database) -> Book:
    with db.writing() as session:
        maya = TeamMember(name="Maya Patel", email="maya@example.com")
        session.add(maya)
        session.flush()
        account = Account(
            name="Acme",
            external_id="CRM-ACME",
            segment="enterprise",
            owner_id=maya.id,
            health_score=45,
            arr_cents=500_000_00,
            contract_start=date(2026, 9, 1),
            renewal_date=date(2027, 3, 31),
        )
        session.add(account)
        session.flush()
        session.add(HealthSnapshot(account_id=account.id, taken_on=MONDAY, score=45))
        me = Member(id=str(maya.id), name=maya.name, email=maya.email, role=Role.CSM)
        return Book(me, str(account.id))


def ladder_on(db: Database, day: date, me: Member, tmp_path: Path, hour: int = 9) -> Escalations:
    escalations = Escalations(db, load_rules(None, tmp_path), day, me)
    escalations.now = lambda: datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
    escalations.schedule.recompute_all()
    return escalations


def follow_up_item(db: Database, day: date, me: Member, tmp_path: Path) -> tuple[str, date] | None:
    """The account's escalation follow-up on the queue: its label and due day."""
    triage = Triage(db, load_rules(None, tmp_path), day, me)
    view = triage.load(team=True, record=False, ahead_days=30)
    for item in view.items:
        if item.kind == "escalation-call":
            return item.label, item.due_on
        for other in item.others:
            if other.kind == "escalation-call":
                return other.label, other.due_on
    return None


def count(db: Database, model: type, **where: object) -> int:
    with db.reading() as session:
        statement = select(func.count()).select_from(model)
        for name, value in where.items():
            statement = statement.where(col(getattr(model, name)) == value)
        return int(session.scalar(statement) or 0)


def test_the_life_of_an_escalation_each_step_rescheduled_and_undone(
    db: Database, book: Book, tmp_path: Path
) -> None:
    monday = ladder_on(db, MONDAY, book.me, tmp_path)
    done = monday.open(book.account_id, "Outage for three days", "support")
    assert "Opened an L1 escalation for Acme" in done.message
    [line] = monday.ladder(team=False).lines
    assert (line.row.level, line.countdown, line.breached) == (1, "in 24h", False)
    assert follow_up_item(db, MONDAY, book.me, tmp_path) == (
        "Escalation follow-up (L1)",
        MONDAY + timedelta(days=1),
    )
    key = line.row.id

    # The follow-up call the SLA asks for: a touch and an event; the next one tomorrow.
    monday.follow_up(key, "Walked the VP through the fix")
    assert count(db, Touchpoint, kind="escalation-call") == 1
    assert monday.show(key).line.row.last_follow_up == MONDAY

    # Raised to L3 on the Wednesday before Christmas: five business days, skipping the two
    # holidays, the weekend and the New Year's ones: due Tuesday 5 January.
    wednesday = ladder_on(db, WEDNESDAY, book.me, tmp_path, hour=15)
    raised = wednesday.raise_level(key, "No fix in sight", to_level=3)
    assert "Raised the escalation from L1 to L3 (Acme)" in raised.message
    line = wednesday.show(key).line
    assert (line.row.level, line.countdown, line.days_at_level) == (3, "in 5 business days", 0)
    assert follow_up_item(db, WEDNESDAY, book.me, tmp_path) == (
        "Escalation follow-up (L3)",
        date(2027, 1, 5),
    )
    events = [event.kind for event in wednesday.show(key).view.events]
    assert events == ["opened", "follow-up", "raised"]
    raised_event = wednesday.show(key).view.events[-1]
    assert (raised_event.from_level, raised_event.to_level, raised_event.actor_name) == (
        1,
        3,
        "Maya Patel",
    )

    lowered = wednesday.lower_level(key, "Workaround in place")
    assert wednesday.show(key).line.row.level == 2
    assert follow_up_item(db, WEDNESDAY, book.me, tmp_path) == (
        "Escalation follow-up (L2)",
        WEDNESDAY + timedelta(days=2),
    )
    with pytest.raises(EscalationError, match="resolution steps"):
        wednesday.resolve(key, "  ")
    resolved = wednesday.resolve(key, "Patched; confirmed with the customer")
    assert follow_up_item(db, WEDNESDAY, book.me, tmp_path) is None, "resolved: off the queue"
    with pytest.raises(EscalationError, match="post-escalation review"):
        wednesday.close(key, "")
    closed = wednesday.close(key, "Page support on day one", process_changed=True)
    shown = wednesday.show(key).view
    assert (shown.row.status, shown.lessons_learned, shown.process_changed) == (
        "closed",
        "Page support on day one",
        True,
    )
    assert wednesday.ladder(team=True).lines == ()
    assert [line.row.id for line in wednesday.ladder(team=True, closed=True).lines] == [key]
    reopened = wednesday.reopen(key, "It broke again")
    assert wednesday.show(key).line.row.status == "open"
    assert follow_up_item(db, WEDNESDAY, book.me, tmp_path) is not None

    # Each step undone, the last first: the escalation as it was before it.
    expected = [("closed", 2), ("resolved", 2), ("open", 2), ("open", 3), ("open", 1)]
    for done, (status, level) in zip(
        [reopened, closed, resolved, lowered, raised], expected, strict=True
    ):
        said = wednesday.undo(done.undo)
        assert said.startswith("Undone: "), said
        row = wednesday.show(key).line.row
        assert (row.status, row.level) == (status, level)
    assert [event.kind for event in wednesday.show(key).view.events] == ["opened", "follow-up"]
    assert follow_up_item(db, WEDNESDAY, book.me, tmp_path) is not None


def test_the_steps_that_cannot_be_taken_say_why(db: Database, book: Book, tmp_path: Path) -> None:
    escalations = ladder_on(db, MONDAY, book.me, tmp_path)
    escalations.open(book.account_id, "Legal hold", "company", level=5)
    with pytest.raises(EscalationError, match="already has an open escalation"):
        escalations.open(book.account_id, "Again", "company")
    key = escalations.find("CRM-ACME")
    with pytest.raises(EscalationError, match="top of the ladder"):
        escalations.raise_level(key, "Higher")
    with pytest.raises(EscalationError, match="needs a reason"):
        escalations.lower_level(key, " ")
    with pytest.raises(EscalationError, match="still open: resolve it first"):
        escalations.close(key, "lessons", process_changed=False)
    with pytest.raises(EscalationError, match="no escalation matches"):
        escalations.find("nobody")
    with pytest.raises(EscalationError, match="risk category"):
        escalations.open(book.account_id, "x", "weather")
    [line] = escalations.ladder(team=True).lines
    assert line.countdown == "now" and line.row.level == 5


def test_a_recovery_plan_satisfies_the_red_accounts_item_and_is_undone(
    db: Database, book: Book, tmp_path: Path
) -> None:
    escalations = ladder_on(db, MONDAY, book.me, tmp_path)
    escalations.open(book.account_id, "Outage", "support")
    key = escalations.find("CRM-ACME")
    done = escalations.recovery_plan(
        book.account_id,
        objectives="Stable for 30 days",
        quick_wins="Hotfix",
        stakeholder_plan="Weekly exec sync",
        success_metrics="No P1 for 30 days",
        escalation_id=key,
    )
    assert count(db, Touchpoint, kind="recovery-plan") == 1
    [plan] = escalations.show(key).view.plans
    assert (plan.objectives, plan.started_on, plan.check_ins) == (
        "Stable for 30 days",
        MONDAY,
        (MONDAY,),
    )
    ended = escalations.end_recovery_plan(plan.id)
    assert escalations.show(key).view.plans[0].ended_on == MONDAY
    with pytest.raises(EscalationError, match="already ended"):
        escalations.end_recovery_plan(plan.id)
    escalations.undo(ended.undo)
    assert escalations.show(key).view.plans[0].ended_on is None
    escalations.undo(done.undo)
    assert escalations.show(key).view.plans == ()
    assert count(db, RecoveryPlan) == 1  # kept, soft deleted
    with db.reading() as session:
        live = session.scalar(
            select(func.count())
            .select_from(Touchpoint)
            .where(col(Touchpoint.kind) == "recovery-plan", col(Touchpoint.deleted_at).is_(None))
        )
    assert live == 0


def test_the_steps_onto_the_ladder_of_older_books_keep_their_kinds(
    db: Database, book: Book, tmp_path: Path
) -> None:
    """Only a step that moves the level restarts the SLA clock: a note does not."""
    escalations = ladder_on(db, MONDAY, book.me, tmp_path)
    escalations.open(book.account_id, "Outage", "support")
    key = escalations.find("CRM-ACME")
    before = escalations.show(key).line.row.level_since
    later = ladder_on(db, WEDNESDAY, book.me, tmp_path)
    later.note(key, "Spoke to their CTO")
    assert later.show(key).line.row.level_since == before
    with db.reading() as session:
        kinds = session.scalars(
            select(col(EscalationEvent.kind)).where(
                col(EscalationEvent.escalation_id) == uuid.UUID(key)
            )
        ).all()
    assert sorted(kinds) == ["note", "opened"]
    assert count(db, Escalation) == 1


# --- csm escalation ------------------------------------------------------------------------------


@pytest.fixture
def cli_book(sqlite_db: Database, tmp_path: Path) -> Iterator[list[str]]:
    """A SQLite book with Acme and Maya, and the global options that open it."""
    with sqlite_db.writing() as session:
        maya = TeamMember(name="Maya Patel", email="maya@example.com")
        session.add(maya)
        session.flush()
        session.add(
            Account(
                name="Acme",
                external_id="CRM-ACME",
                segment="enterprise",
                owner_id=maya.id,
                health_score=45,
                arr_cents=500_000_00,
                contract_start=date(2026, 9, 1),
            )
        )
    path = sqlite_db.path
    sqlite_db.dispose()
    assert path is not None
    yield ["--db", str(path), "--today", MONDAY.isoformat(), "--as", "maya@example.com"]


def run(options: list[str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*options, "escalation", *args])
    return result.exit_code, result.output


def test_the_cli_walks_an_escalation_and_says_what_is_wrong(cli_book: list[str]) -> None:
    code, said = run(cli_book, "open", "CRM-ACME", "--reason", "Outage", "--category", "Support")
    assert code == 0, said
    assert "Opened an L1 escalation for Acme" in said
    code, said = run(cli_book, "list", "--format", "json")
    assert code == 0, said
    [record] = json.loads(said)
    assert (record["level"], record["account"], record["breached"]) == (1, "Acme", False)
    short = record["id"][:8]
    code, said = run(cli_book, "raise", short, "--reason", "No fix", "--to", "5")
    assert code == 0 and "from L1 to L5" in said, said
    code, said = run(cli_book, "raise", "CRM-ACME", "--reason", "Higher")
    assert code == 1 and "top of the ladder" in said, said
    code, said = run(cli_book, "close", short, "--lessons", "x")
    assert code == 1 and "resolve it first" in said, said
    code, said = run(cli_book, "resolve", short, "--steps", "Patched")
    assert code == 0, said
    code, said = run(cli_book, "close", short)
    assert code == 1 and "post-escalation review" in said, said
    code, said = run(cli_book, "close", short, "--lessons", "Page support early")
    assert code == 0, said
    code, said = run(cli_book, "show", short)
    assert code == 0 and "lessons learned: Page support early" in said, said
    assert "raised" in said and "L1 → L5" in said
    code, said = run(
        cli_book, "recovery-plan", "CRM-ACME", "--objectives", "Stable again", "--escalation", short
    )
    assert code == 0 and "Wrote the recovery plan of Acme" in said, said
    code, said = run(cli_book, "show", short, "--format", "json")
    [plan] = json.loads(said)["recovery_plans"]
    code, said = run(cli_book, "end-plan", plan["id"])
    assert code == 0 and "Ended the recovery plan of Acme" in said, said
    code, said = run(cli_book, "show", "0123456789")
    assert code == 1 and "no escalation matches" in said, said
    code, said = run(cli_book, "open", "CRM-ACME", "--reason", "x", "--category", "weather")
    assert code == 2 and "weather" in said, said
