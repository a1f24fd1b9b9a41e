"""`csm wrapup notes` as a CSM types it on a Friday: read, save, submit, and one clear line when
it refuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import csm

FRIDAY = "2026-12-04"


@pytest.fixture
def maya(tmp_path: Path) -> list[str]:
    """Global options for Maya (managed by Li) on a Friday of 2026-W49."""
    db = ["--db", str(tmp_path / "book.db")]
    manager = ["li@example.com", "--name", "Li Wei", "--role", "manager"]
    assert csm(*db, "team", "add", *manager).exit_code == 0
    assert csm(*db, "team", "add", "maya@example.com", "--name", "Maya Patel").exit_code == 0
    assert csm(*db, "team", "set", "maya@example.com", "--manager", "li@example.com").exit_code == 0
    return [*db, "--today", FRIDAY, "--as", "maya@example.com"]


def test_no_notes_yet(maya: list[str]) -> None:
    result = csm(*maya, "wrapup", "notes")
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "Maya Patel, 2026-W49 (Mon 2026-11-30 to Sun 2026-12-06): not written",
        "Wins:",
        "  -",
        "Risks:",
        "  -",
        "Asks:",
        "  -",
    ]


def test_save_in_parts_then_submit(maya: list[str]) -> None:
    saved = csm(*maya, "wrapup", "notes", "--wins", "Acme renewed\nBolt live")
    assert saved.exit_code == 0
    assert saved.output.splitlines()[:2] == [
        "Saved the notes of 2026-W49 (a draft: submit them when the week is done).",
        "Maya Patel, 2026-W49 (Mon 2026-11-30 to Sun 2026-12-06): draft, saved 2026-12-04",
    ]
    csm(*maya, "wrapup", "notes", "--asks", "An intro to Cove's CFO")
    sent = csm(*maya, "wrapup", "notes", "--risks", "Bolt's sponsor left", "--submit")
    assert sent.exit_code == 0
    assert sent.output.splitlines() == [
        "Saved the notes of 2026-W49 (a draft: submit them when the week is done).",
        "Submitted the notes of 2026-W49: they stay as they were sent (Li Wei reads them in "
        "the team's week).",
        "Maya Patel, 2026-W49 (Mon 2026-11-30 to Sun 2026-12-06): submitted on 2026-12-04",
        "Wins:",
        "  Acme renewed",
        "  Bolt live",
        "Risks:",
        "  Bolt's sponsor left",
        "Asks:",
        "  An intro to Cove's CFO",
    ]
    record = json.loads(csm(*maya, "wrapup", "notes", "--format", "json").output)
    assert {key: record[key] for key in ("member", "week", "status", "wins", "risks", "asks")} == {
        "member": "maya@example.com",
        "week": "2026-W49",
        "status": "submitted",
        "wins": "Acme renewed\nBolt live",
        "risks": "Bolt's sponsor left",
        "asks": "An intro to Cove's CFO",
    }
    assert record["submitted_at"].startswith("2026-12-04T")


def test_another_week(maya: list[str]) -> None:
    csm(*maya, "wrapup", "notes", "--week", "2026-W48", "--wins", "Last week's win")
    assert "not written" in csm(*maya, "wrapup", "notes").output
    last = csm(*maya, "wrapup", "notes", "--week", "2026-w48").output
    assert "2026-W48 (Mon 2026-11-23 to Sun 2026-11-29): draft" in last


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["--wins", "More", "--submit"],
            1,
            "Error: the notes of 2026-W49 were submitted on Fri 2026-12-04 and stay as they were "
            "sent: nothing was changed",
        ),
        (
            ["--submit"],
            1,
            "Error: the notes of 2026-W49 were submitted already, on Fri 2026-12-04: a "
            "submitted report stays as it was sent",
        ),
        (
            ["--week", "2026-W50", "--submit"],
            1,
            "Error: nothing to submit for 2026-W50: write your wins, risks or asks first (a "
            "report says at least one of them)",
        ),
        (
            ["--week", "2027-W53"],
            1,
            "Error: 2027-W53 is not a week: 2027 has weeks W01 to W52",
        ),
    ],
    ids=["save-after-submit", "submit-twice", "submit-empty", "not-a-week"],
)
def test_refused_in_one_clear_line(
    maya: list[str], args: list[str], code: int, message: str
) -> None:
    assert csm(*maya, "wrapup", "notes", "--wins", "Acme", "--submit").exit_code == 0
    result = csm(*maya, "wrapup", "notes", *args)
    assert result.exit_code == code
    assert result.output.splitlines()[-1] == message
    assert "Acme" in csm(*maya, "wrapup", "notes").output


def test_whose_notes(maya: list[str]) -> None:
    result = csm(*maya[:-2], "wrapup", "notes")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "Error: whose notes? Pass --as EMAIL (or set user_email)"
    )


@pytest.mark.parametrize("command", [["wrapup"], ["wrapup", "notes"]])
def test_wrapup_has_useful_help(command: list[str]) -> None:
    result = csm(*command, "--help")
    assert result.exit_code == 0 and "Usage: csm wrapup" in result.output
