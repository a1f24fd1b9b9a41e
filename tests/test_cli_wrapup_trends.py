"""`csm wrapup --trends` on the demo book (2026-11-23, a Monday): the 12 weeks ending with the
week as a table and as JSON records, the same figures either way and as the week's wrap-up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import csm

MAYA = "maya.patel@demo.csm-tui.dev"


@pytest.fixture
def demo(demo_db: Path) -> list[str]:
    return ["--db", str(demo_db), "--today", "2026-11-23"]


def test_my_trends_as_a_table_and_as_records(demo: list[str]) -> None:
    text = csm(*demo, "--as", MAYA, "wrapup", "--trends")
    assert text.exit_code == 0, text.output
    lines = text.output.splitlines()
    assert lines[0] == "Maya Patel, 2026-W37 to 2026-W48, as of Mon 2026-11-23"
    assert lines[1].split() == [
        "Week",
        "Touches",
        "Calls",
        "Target",
        "Green",
        "Yellow",
        "Red",
        "Unknown",
        "L1",
        "L2",
        "L3",
        "L4",
        "L5",
    ]
    rows = lines[2:14]
    assert [row.split()[0] for row in rows] == [f"2026-W{n}" for n in range(37, 48)] + ["2026-W48*"]
    assert lines[-1] == "* 2026-W48 to date"
    found = csm(*demo, "--as", MAYA, "wrapup", "--trends", "--format", "json")
    assert found.exit_code == 0, found.output
    record = json.loads(found.output)
    assert (record["name"], record["csms"], record["first"], record["last"]) == (
        "Maya Patel",
        1,
        "2026-W37",
        "2026-W48",
    )
    for row, week in zip(rows, record["weeks"], strict=True):
        numbers = [
            week["touches"],
            week["calls"],
            week["call_target"],
            *week["health"].values(),
            *week["open_escalations"].values(),
        ]
        assert [int(n) for n in row.split()[1:]] == numbers
    assert all(week["call_target"] == 5 for week in record["weeks"])  # an Enterprise book
    assert sum(week["touches"] for week in record["weeks"]) > 0


def test_a_weeks_trend_is_its_wrap_up(demo: list[str]) -> None:
    args = [*demo, "wrapup", "--team", "--week", "2026-W47", "--format", "json"]
    trends = json.loads(csm(*args, "--trends").output)
    week = json.loads(csm(*args).output)
    last = trends["weeks"][-1]
    totals = week["totals"]
    assert (trends["name"], trends["csms"], last["week"]) == ("The team", 6, "2026-W47")
    assert (last["touches"], last["calls"], last["call_target"]) == (
        totals["touches"],
        totals["calls"],
        totals["call_target"],
    )
    assert sum(last["open_escalations"].values()) == totals["escalations_open"]
    assert sum(last["health"].values()) == totals["accounts"] == 120


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["wrapup", "--trends"], "Error: whose trends? Pass --as EMAIL"),
        (["wrapup", "--trends", "--team", "--format", "md"], "Error: --trends prints text or"),
        (["wrapup", "--trends", "--team", "--week", "2026-W60"], "Error: 2026-W60 is not a week"),
        (["wrapup", "--trends", "notes"], "Error: --trends shows the weeks"),
        (["wrapup", "--trends", "--team", "--week", "1900-W05"], "is outside the dates csm"),
    ],
)
def test_one_clear_line_when_it_cannot(demo: list[str], args: list[str], said: str) -> None:
    result = csm(*demo, *args)
    assert result.exit_code != 0
    assert said in result.output
    assert result.output.count("Error:") == 1
