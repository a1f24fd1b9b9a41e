"""`csm plan list`: where each account of a book stands with its success plans, in the order
of the book's plans view."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from click.testing import CliRunner

from csm_tui.cli import main
from csm_tui.models import Account, Milestone, Objective, SuccessPlan, TeamMember
from csm_tui.store.database import Database

TODAY = date(2026, 11, 23)


@pytest.fixture
def book(sqlite_db: Database) -> Iterator[list[str]]:
    with sqlite_db.writing() as session:
        maya = TeamMember(name="Maya Patel", email="maya@example.com")
        jonas = TeamMember(name="Jonas Weber", email="jonas@example.com")
        session.add_all([maya, jonas])
        session.flush()
        accounts = [
            Account(name="Zenith", external_id="Z", segment="enterprise", owner_id=maya.id),
            Account(name="Bolt", external_id="B", segment="commercial", owner_id=maya.id),
            Account(name="Acme", external_id="A", segment="enterprise", owner_id=maya.id),
            Account(name="Cove", external_id="C", segment="enterprise", owner_id=jonas.id),
        ]
        session.add_all(accounts)
        session.flush()
        made = datetime(2026, 11, 1, tzinfo=UTC)
        zenith = SuccessPlan(account_id=accounts[0].id, title="Z", created_at=made)
        bolt = SuccessPlan(account_id=accounts[1].id, title="B", created_at=made)
        session.add_all([zenith, bolt])
        session.flush()
        aim = Objective(plan_id=bolt.id, outcome="Adopt")
        session.add(aim)
        session.flush()
        session.add(Milestone(objective_id=aim.id, title="SSO", due_on=date(2026, 11, 10)))
    path = sqlite_db.path
    sqlite_db.dispose()
    assert path is not None
    yield ["--db", str(path), "--today", TODAY.isoformat()]


def run(options: list[str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*options, "plan", "list", *args])
    return result.exit_code, result.output


def test_my_book_by_its_plans(book: list[str]) -> None:
    code, said = run([*book, "--as", "maya@example.com"])
    assert code == 0, said
    lines = said.splitlines()
    assert lines[0].split() == ["ID", "Account", "Segment", "Owner", "Plan"]
    assert [line.split()[:2] for line in lines[2:]] == [
        ["A", "Acme"],
        ["B", "Bolt"],
        ["Z", "Zenith"],
    ]
    assert lines[2].endswith("no plan") and lines[3].endswith("1 slipped")
    assert lines[4].endswith("on track")


def test_the_team_in_json(book: list[str]) -> None:
    code, said = run(book, "--team", "--format", "json")
    assert code == 0, said
    records = json.loads(said)
    assert [(r["name"], r["standing"], r["plan_required"]) for r in records] == [
        ("Acme", "no-plan", True),
        ("Cove", "no-plan", True),
        ("Bolt", "slipped", False),
        ("Zenith", "on-track", False),
    ]
    assert records[2]["slipped"] == 1 and records[2]["words"] == "1 slipped"
    assert records[0]["inactive_plan"] is None and records[0]["review_due_on"] is None


def test_whose_book_must_be_said(book: list[str]) -> None:
    code, said = run(book)
    assert code == 2 and "--team" in said, said
