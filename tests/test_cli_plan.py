"""`csm plan`: a success plan worked from the shell, with its errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from csm_tui.cli import main
from csm_tui.models import Account, TeamMember
from csm_tui.store.database import Database

TODAY = date(2026, 11, 23)


@pytest.fixture
def book(sqlite_db: Database) -> Iterator[list[str]]:
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
                health_score=85,
                arr_cents=500_000_00,
                contract_start=date(2026, 9, 1),
                go_live_date=date(2026, 12, 1),
            )
        )
    path = sqlite_db.path
    sqlite_db.dispose()
    assert path is not None
    yield ["--db", str(path), "--today", TODAY.isoformat(), "--as", "maya@example.com"]


def run(options: list[str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*options, "plan", *args])
    return result.exit_code, result.output


def test_a_plan_from_the_shell(book: list[str], tmp_path: Path) -> None:
    code, said = run(book, "show", "CRM-ACME")
    assert code == 0 and "No success plan yet" in said, said
    code, said = run(book, "milestone", "done", "CRM-ACME", "kickoff")
    assert code == 1 and "has no success plan" in said, said
    code, said = run(book, "create", "CRM-ACME")
    assert code == 2 and "--title" in said, said
    code, said = run(book, "create", "CRM-ACME", "--template", "nonesuch")
    assert code == 1 and "nonesuch" in said, said
    code, said = run(book, "create", "CRM-ACME", "--template", "enterprise")
    assert code == 0 and "from the enterprise template" in said, said

    code, said = run(book, "show", "CRM-ACME", "--format", "json")
    [plan] = json.loads(said)
    first = plan["objectives"][0]
    milestone = first["milestones"][0]
    code, said = run(book, "milestone", "block", "CRM-ACME", milestone["id"][:8])
    assert code == 1 and "say why" in said, said
    code, said = run(book, "milestone", "block", "CRM-ACME", milestone["id"][:8], "--reason", "SSO")
    assert code == 0, said
    code, said = run(
        book, "milestone", "move", "CRM-ACME", milestone["id"][:8], "--to", "2027-01-15"
    )
    assert code == 0 and "Moved" in said, said
    code, said = run(book, "milestone", "done", "CRM-ACME", "e")  # in many titles
    assert code == 1 and "match" in said and "say more" in said, said
    code, said = run(book, "objective", "measure", "CRM-ACME", first["id"][:8], "42%")
    assert code == 0 and "Measured 42%" in said, said
    code, said = run(book, "review", "CRM-ACME", "--next", "2027-02-23")
    assert code == 0 and "Reviewed" in said, said

    code, said = run(book, "show", "CRM-ACME", "--format", "json")
    [plan] = json.loads(said)
    moved = plan["objectives"][0]["milestones"]
    moved_one = next(m for m in moved if m["id"] == milestone["id"])
    assert moved_one["status"] == "blocked" and moved_one["moves"][0]["to"] == "2027-01-15"
    assert plan["objectives"][0]["current"] == "42%"
    assert plan["next_review_on"] == "2027-02-23"

    out = tmp_path / "plan.md"
    code, said = run(book, "export", "CRM-ACME", "-o", str(out))
    assert code == 0, said
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# ") and "42%" in text and "2027-02-23" in text
    code, said = run(book, "show", "CRM-ACME")
    assert code == 0 and "blocked: SSO" in said, said
