"""`csm wrapup` on the demo book (2026-11-23, a Monday): a CSM's week and the team's, in text
and JSON, the same figures either way; and one clear line when it cannot show a week."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import csm

MAYA = "maya.patel@demo.csm-tui.dev"


@pytest.fixture
def demo(demo_db: Path) -> list[str]:
    return ["--db", str(demo_db), "--today", "2026-11-23"]


def test_my_last_week_in_text_and_json(demo: list[str]) -> None:
    text = csm(*demo, "--as", MAYA, "wrapup", "--week", "2026-W47")
    assert text.exit_code == 0, text.output
    lines = text.output.splitlines()
    assert lines[0] == "Maya Patel, 2026-W47 (Mon 2026-11-16 to Sun 2026-11-22)"
    heads = [line.split(":")[0] for line in lines[1:] if not line.startswith(" ")]
    assert heads == [
        "Touches",
        "Calls",
        "Coverage",
        "Went overdue",
        "Health movers",
        "Escalations",
        "Milestones",
        "Renewals ahead",
        "Red without a recovery plan",
    ]
    found = csm(*demo, "--as", MAYA, "wrapup", "--week", "2026-W47", "--format", "json")
    assert found.exit_code == 0, found.output
    record = json.loads(found.output)
    assert (record["name"], record["week"], record["as_of"]) == (
        "Maya Patel",
        "2026-W47",
        "2026-11-22",
    )
    figures = record["figures"]
    assert figures["call_target"] == 5  # an Enterprise book
    assert figures["touches"] == record["touches"]["total"] > 0
    assert sum(record["touches"]["by_day"].values()) == figures["touches"]
    assert list(record["touches"]["by_day"]) == [f"2026-11-{day}" for day in range(16, 23)]
    calls = f"Calls: {figures['calls']} of {figures['call_target']} calls"
    assert any(line.startswith(calls) for line in lines)
    assert f"Coverage: {figures['touched']} of {figures['accounts']} accounts" in text.output
    assert len(record["renewals"]) == figures["renewals"]


def test_this_week_by_default(demo: list[str]) -> None:
    found = csm(*demo, "--as", MAYA, "wrapup", "--format", "json")
    record = json.loads(found.output)
    assert (record["week"], record["today"], record["as_of"]) == (
        "2026-W48",
        "2026-11-23",
        "2026-11-23",
    )
    text = csm(*demo, "--as", MAYA, "wrapup")
    assert text.output.splitlines()[0] == (
        "Maya Patel, 2026-W48 (Mon 2026-11-23 to Sun 2026-11-29), as of Mon 2026-11-23"
    )


def test_the_teams_week(demo: list[str]) -> None:
    found = csm(*demo, "wrapup", "--team", "--week", "2026-W47", "--format", "json")
    assert found.exit_code == 0, found.output
    record = json.loads(found.output)
    csms = record["csms"]
    assert len(csms) == 6  # the demo's CSMs; the manager owns no account
    assert "Jordan Reyes" not in {row["name"] for row in csms}
    assert record["totals"]["touches"] == sum(row["figures"]["touches"] for row in csms) > 0
    assert record["totals"]["accounts"] == 120
    text = csm(*demo, "wrapup", "--team", "--week", "2026-W47")
    lines = text.output.splitlines()
    assert lines[0].startswith("The team, 2026-W47 (Mon 2026-11-16 to Sun 2026-11-22): 6 CSMs")
    rows = lines[1 : 1 + len(csms)]
    assert [line.split(":")[0].strip() for line in rows] == [row["name"] for row in csms]
    for line, row in zip(rows, csms, strict=True):
        assert line.endswith(f" · {row['why']}")
    assert lines[1 + len(csms)].startswith(f"Totals: {record['totals']['touches']} touches")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["wrapup"], "Error: whose week? Pass --as EMAIL (or set user_email), or --team"),
        (["wrapup", "--team", "--week", "2026-W60"], "Error: 2026-W60 is not a week"),
        (["wrapup", "--team", "--week", "next"], "Error: "),
        (["wrapup", "--team", "notes"], "Error: --week, --team and --format go after `notes`"),
    ],
)
def test_one_clear_line_when_it_cannot(demo: list[str], args: list[str], said: str) -> None:
    result = csm(*demo, *args)
    assert result.exit_code != 0
    assert said in result.output
    assert result.output.count("Error:") == 1
