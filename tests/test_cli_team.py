"""`csm team list` with roles, segments, managers and targets, and `csm team set` as a team
admin types it: what it says, and one clear line when it refuses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.test_cli import TODAY, csm


@pytest.fixture
def book(tmp_path: Path) -> list[str]:
    """Li (a manager) and Maya (a CSM who owns nothing yet), as `--db` options."""
    db = ["--db", str(tmp_path / "book.db")]
    manager = ["li@example.com", "--name", "Li Wei", "--role", "manager"]
    assert csm(*db, "team", "add", *manager).exit_code == 0
    assert csm(*db, "team", "add", "maya@example.com", "--name", "Maya Patel").exit_code == 0
    return db


def records(book: list[str], *options: str) -> dict[str, dict[str, Any]]:
    listed = csm(*book, *options, "team", "list", "--format", "json")
    assert listed.exit_code == 0, listed.output
    return {row["email"]: row for row in json.loads(listed.output)}


def test_set_a_manager_and_a_segment(book: list[str]) -> None:
    result = csm(
        *book, "team", "set", "maya@example.com", "--manager", "li@example.com", "--segment", "SMB"
    )
    assert result.exit_code == 0
    assert result.output == (
        "Maya Patel <maya@example.com>: CSM, segment SMB, managed by Li Wei <li@example.com>; "
        "weekly target 15 cadence calls (SMB).\n"
    )
    assert records(book)["maya@example.com"] == {
        "name": "Maya Patel",
        "email": "maya@example.com",
        "role": "csm",
        "segment": "smb",
        "manager": "li@example.com",
        "accounts": 0,
        "book": {},
        "weekly_call_target": {"calls": 15, "segment": "smb", "from_book": False},
    }
    assert csm(*book, "team", "list").output.splitlines() == [
        "Name        E-mail            Role     Segment  Manager  Accounts  Calls/wk",
        "----------  ----------------  -------  -------  -------  --------  --------",
        "Li Wei      li@example.com    Manager                           0",
        "Maya Patel  maya@example.com  CSM      SMB      Li Wei          0        15",
    ]


def test_clear_the_manager_and_the_segment(book: list[str]) -> None:
    csm(*book, "team", "set", "maya@example.com", "--manager", "li@example.com", "--segment", "smb")
    result = csm(*book, "team", "set", "maya@example.com", "--no-manager", "--no-segment")
    assert result.output == (
        "Maya Patel <maya@example.com>: CSM, no segment set, managed by nobody; no weekly "
        "target (no segment set, no accounts).\n"
    )


def test_a_rules_file_sets_the_targets(book: list[str], tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text("[wrapup]\ncadence_calls_per_week = { commercial = 12 }\n")
    csm(*book, "team", "set", "maya@example.com", "--segment", "commercial")
    target = records(book, "--rules", str(rules))["maya@example.com"]["weekly_call_target"]
    assert target == {"calls": 12, "segment": "commercial", "from_book": False}
    assert records(book)["maya@example.com"]["weekly_call_target"] == {
        "calls": 10,
        "segment": "commercial",
        "from_book": False,
    }


def test_without_a_segment_the_book_decides(tmp_path: Path) -> None:
    db = ["--db", str(tmp_path / "demo.db")]
    assert csm(*db, "--today", TODAY, "demo", "--accounts", "40", "--no-open").exit_code == 0
    rows = records(db)
    csms = [row for row in rows.values() if row["role"] == "csm"]
    assert {row["weekly_call_target"]["calls"] for row in csms} == {5, 10, 15}
    email = next(row["email"] for row in csms if row["segment"] == "scale")
    result = csm(*db, "team", "set", str(email), "--no-segment")
    assert result.output.endswith("; weekly target 15 cadence calls (Scale, most of the book).\n")
    line = next(line for line in csm(*db, "team", "list").output.splitlines() if email in line)
    assert "Scale (book)" in line and line.endswith("15")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["nobody@example.com", "--role", "manager"],
            1,
            "Error: nobody in the team has the e-mail nobody@example.com; known: "
            "li@example.com, maya@example.com",
        ),
        (
            ["li@example.com", "--manager", "maya@example.com"],
            1,
            "Error: maya@example.com (Maya Patel) is a CSM, not a manager: make them one first "
            "(csm team set maya@example.com --role manager)",
        ),
        (
            ["li@example.com", "--manager", "li@example.com"],
            1,
            "Error: li@example.com cannot manage themselves: name their manager, or --no-manager",
        ),
        (
            ["li@example.com", "--role", "csm"],
            1,
            "Error: li@example.com still manages 1 member (maya@example.com): give them another "
            "manager first (csm team set EMAIL --manager MANAGER, or --no-manager)",
        ),
        (
            ["li@example.com"],
            2,
            "Error: nothing to change: say --name, --role, --manager/--no-manager or "
            "--segment/--no-segment",
        ),
        (
            ["li@example.com", "--segment", "partner"],
            2,
            "Error: Invalid value for '--segment': 'partner' is not one of enterprise, "
            "commercial, mid-market, smb, scale",
        ),
        (
            ["li@example.com", "--role", "boss"],
            2,
            "Error: Invalid value for '--role': 'boss' is not one of csm, manager",
        ),
        (
            ["li@example.com", "--segment", "smb", "--no-segment"],
            2,
            "Error: --segment and --no-segment contradict each other: say one",
        ),
    ],
    ids=[
        "unknown",
        "not-a-manager",
        "themselves",
        "still-manages",
        "nothing",
        "unknown-segment",
        "unknown-role",
        "contradiction",
    ],
)
def test_team_set_refuses_in_one_clear_line(
    book: list[str], args: list[str], code: int, message: str
) -> None:
    csm(*book, "team", "set", "maya@example.com", "--manager", "li@example.com")
    before = records(book)
    result = csm(*book, "team", "set", *args)
    assert result.exit_code == code
    assert result.output.splitlines()[-1] == message
    assert records(book) == before


def test_a_loop_of_managers_is_refused(book: list[str]) -> None:
    assert csm(*book, "team", "add", "jo@example.com", "--role", "manager").exit_code == 0
    assert csm(*book, "team", "set", "li@example.com", "--manager", "jo@example.com").exit_code == 0
    result = csm(*book, "team", "set", "jo@example.com", "--manager", "li@example.com")
    assert result.exit_code == 1
    assert result.output == (
        "Error: li@example.com already reports to jo@example.com (li@example.com → "
        "jo@example.com): jo@example.com cannot report to them too; change li@example.com's "
        "manager first\n"
    )
