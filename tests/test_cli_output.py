"""What `csm accounts`, `csm queue` and `csm rules preview` print, byte for byte: the row
functions of `csm_tui.output` on hand-made values, and the commands on a small imported book
(no demo generator, so the expected text moves only when the wording or the rules do)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from csm_tui import output
from csm_tui.domain.book import AccountRow
from csm_tui.domain.enums import Priority, Segment
from csm_tui.domain.health import BandThresholds
from csm_tui.domain.queue import QueueItem
from csm_tui.domain.triage import HEALTH_DROP
from tests.test_cli import TODAY, csm

DAY = date.fromisoformat(TODAY)
BANDS = BandThresholds()

ACCOUNTS_CSV = """\
external_id,name,segment,priority,arr,owner_email,health_score,renewal_date
A-1,Northwind Logistics,Enterprise,PR2,120000,ada@example.com,55,2027-01-15
A-2,Bluepeak,SMB,PR3,,ada@example.com,,
A-3,Corvid Health,Mid-Market,PR1,1250000,bo@example.com,91,2026-12-20
"""

TOUCHES_CSV = """\
account_external_id,occurred_on,kind,summary,sentiment,owner_email
A-1,2026-11-01,cadence-call,Hello,positive,ada@example.com
A-3,2026-11-16,cadence-call,Weekly,neutral,bo@example.com
"""


# --- the row functions -------------------------------------------------------------------------


def account(**changes: Any) -> AccountRow:
    row = AccountRow(
        id="1",
        external_id="A-1",
        name="Northwind",
        segment=Segment.ENTERPRISE,
        priority=Priority.PR1,
        arr_cents=12_000_000,
        owner_name="Ada",
        owner_email="ada@example.com",
        health_score=72,
        renewal_date=date(2026, 12, 3),
        last_touch=date(2026, 11, 2),
    )
    return replace(row, **changes)


def item(**changes: Any) -> QueueItem:
    row = QueueItem(
        account_id="1",
        external_id="A-1",
        account_name="Northwind",
        owner_name="Ada",
        owner_email="ada@example.com",
        segment="enterprise",
        priority="pr1",
        arr_cents=12_000_000,
        health_score=72,
        renewal_date=date(2026, 12, 3),
        kind="cadence-call",
        label="Cadence call",
        due_on=date(2026, 11, 20),
        latest_on=None,
        overdue_days=3,
        rule_id="cadence.enterprise",
        urgency=12.345,
        pinned=False,
        status="overdue",
        explanation="why",
        snoozed_until=None,
        snooze_reason=None,
    )
    return replace(row, **changes)


def test_an_account_row_and_record() -> None:
    assert output.account_row(account(), DAY) == [
        "A-1",
        "Northwind",
        "Enterprise",
        "PR1",
        "$120.0k",
        "Ada",
        "72 yellow",
        "2026-12-03",
        "10d",
        "2026-11-02",
    ]
    bare = account(
        external_id=None, owner_name=None, health_score=None, renewal_date=None, last_touch=None
    )
    assert output.account_row(bare, DAY)[0] == ""
    assert output.account_row(bare, DAY)[5:] == ["-", "-", "-", "-", "never"]
    assert output.account_record(account(), DAY) == {
        "external_id": "A-1",
        "name": "Northwind",
        "segment": "enterprise",
        "priority": "pr1",
        "assigned_priority": "pr1",
        "priority_derived": False,
        "arr": 120000.0,
        "owner_email": "ada@example.com",
        "health_score": 72,
        "health_band": "yellow",
        "renewal_date": "2026-12-03",
        "days_to_renewal": 10,
        "last_touch": "2026-11-02",
    }
    raised = account(assigned_priority=Priority.PR2)  # red, say: the rules make it PR1
    assert output.account_row(raised, DAY)[3] == "PR1*"
    assert output.account_record(raised, DAY)["priority"] == "pr1"
    assert output.account_record(raised, DAY)["assigned_priority"] == "pr2"
    assert output.account_record(raised, DAY)["priority_derived"] is True


def test_queue_rows_mark_pins_and_health_drops_and_add_the_owner_for_the_team() -> None:
    items = [
        item(pinned=True),
        item(kind=HEALTH_DROP, label="Health drop", owner_name=None, health_score=None),
    ]
    assert output.queue_rows(items, DAY, BANDS, team=False) == [
        ["1", "! Northwind", "Cadence call", "3d overdue", "72 yellow", "PR1", "$120.0k", "12.3"]
        + ["cadence.enterprise"],
        ["2", "Northwind", "Health drop", "to review", "-", "PR1", "$120.0k", "12.3"]
        + ["cadence.enterprise"],
    ]
    team = output.queue_rows(items, DAY, BANDS, team=True)
    assert [row[2] for row in team] == ["Ada", "-"]
    assert output.queue_headers(team=True)[:4] == ["#", "Account", "Owner", "What"]


def test_a_queue_record_reads_its_band_from_the_rules_thresholds() -> None:
    record = output.queue_record(item(), BandThresholds(green=70, yellow=50))
    assert record["health_band"] == "green"
    assert (record["due_date"], record["arr"], record["renewal_date"]) == (
        "2026-11-20",
        120000.0,
        "2026-12-03",
    )
    assert output.queue_record(item(renewal_date=None), BANDS)["renewal_date"] is None


def test_touch_words() -> None:
    assert output.touch_words(None) == "nothing"


def test_a_text_table_aligns_numbers_right_and_ends_no_line_in_spaces() -> None:
    table = output.text_table(["Name", "ARR", "Note"], [["Acme", "$1k", ""], ["B", "$20k", "x"]])
    assert table.splitlines() == [
        "Name  ARR   Note",
        "----  ----  ----",
        "Acme  $1k",
        "B     $20k  x",
    ]
    right = output.text_table(["Name", "ARR"], [["Acme", "$1k"], ["B", "$20k"]], right={1})
    assert right.splitlines()[2:] == ["Acme   $1k", "B     $20k"]


# --- the commands on a small book --------------------------------------------------------------


@pytest.fixture(scope="module")
def small_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("small")
    book = folder / "book.db"
    (folder / "accounts.csv").write_text(ACCOUNTS_CSV)
    (folder / "touches.csv").write_text(TOUCHES_CSV)
    for kind, name in (("accounts", "accounts.csv"), ("touchpoints", "touches.csv")):
        result = csm("--db", str(book), "--today", TODAY, "import", kind, str(folder / name))
        assert result.exit_code == 0, result.output
    return book


def printed(book: Path, *args: str) -> str:
    result: Result = csm("--db", str(book), "--today", TODAY, *args)
    assert result.exit_code == 0, result.output
    return result.output


def test_accounts_as_a_table(small_book: Path) -> None:
    assert printed(small_book, "accounts", "--team") == (
        "ID   Account              Segment     Pri       ARR  Owner  Health    Renewal      In  "
        "Last touch\n"
        "---  -------------------  ----------  ----  -------  -----  --------  ----------  ---  "
        "----------\n"
        "A-1  Northwind Logistics  Enterprise  PR1*  $120.0k  Ada    55 red    2027-01-15  53d  "
        "2026-11-01\n"
        "A-2  Bluepeak             SMB         PR3        $0  Ada    -         -             -  "
        "never\n"
        "A-3  Corvid Health        Mid-Market  PR1    $1.25M  Bo     91 green  2026-12-20  27d  "
        "2026-11-16\n"
    )


def test_accounts_as_json(small_book: Path) -> None:
    text = printed(small_book, "--as", "bo@example.com", "accounts", "--format", "json")
    assert text == (
        "[\n"
        "  {\n"
        '    "external_id": "A-3",\n'
        '    "name": "Corvid Health",\n'
        '    "segment": "mid-market",\n'
        '    "priority": "pr1",\n'
        '    "assigned_priority": "pr1",\n'
        '    "priority_derived": false,\n'
        '    "arr": 1250000.0,\n'
        '    "owner_email": "bo@example.com",\n'
        '    "health_score": 91,\n'
        '    "health_band": "green",\n'
        '    "renewal_date": "2026-12-20",\n'
        '    "days_to_renewal": 27,\n'
        '    "last_touch": "2026-11-16"\n'
        "  }\n"
        "]\n"
    )


def test_my_queue_and_the_teams_as_tables(small_book: Path) -> None:
    """One row per account: its most urgent item, the others named after it. Northwind was
    imported red with no history (its assessment and recovery plan are due the day it was first
    seen red); its yearly EBR and NPS survey count from the day it entered the book, not from
    a contract start long before; Bluepeak's first call is planned for tomorrow."""
    assert printed(small_book, "--as", "ada@example.com", "queue") == (
        "#  Account              What                                                           "
        "    Due          Health  Pri       ARR  Urgency  Rule\n"
        "-  -------------------  ---------------------------------------------------------------"
        "--  -----------  ------  ----  -------  -------  ---------------------\n"
        "1  Northwind Logistics  Renewal question + Cadence call, Health assessment, Recovery pl"
        "an  67d overdue  55 red  PR1*  $120.0k     38.7  renewal.soft-question\n"
    )
    assert printed(small_book, "--as", "ada@example.com", "queue", "--every-item") == (
        "#  Account              What               Due          Health  Pri       ARR  Urgency  "
        "Rule\n"
        "-  -------------------  -----------------  -----------  ------  ----  -------  -------  "
        "------------------------\n"
        "1  Northwind Logistics  Renewal question   67d overdue  55 red  PR1*  $120.0k     38.7  "
        "renewal.soft-question\n"
        "2  Northwind Logistics  Cadence call       14d overdue  55 red  PR1*  $120.0k     34.7  "
        "cadence.red\n"
        "3  Northwind Logistics  Health assessment  due today    55 red  PR1*  $120.0k     31.7  "
        "health.red.assessment\n"
        "4  Northwind Logistics  Recovery plan      due today    55 red  PR1*  $120.0k     30.7  "
        "health.red.recovery-plan\n"
    )
    team = printed(small_book, "queue", "--team").splitlines()
    assert team[0].split() == [
        "#",
        "Account",
        "Owner",
        "What",
        "Due",
        "Health",
        "Pri",
        "ARR",
        "Urgency",
        "Rule",
    ]
    assert team[3].split() == [
        *[
            "2",
            "Corvid",
            "Health",
            "Bo",
            "Renewal",
            "question",
            "91d",
            "overdue",
            "91",
            "green",
            "PR1",
            "$1.25M",
            "33.2",
        ],
        "renewal.soft-question",
    ]
    assert len(team) == 2 + 2


def test_the_queue_as_json(small_book: Path) -> None:
    records = json.loads(printed(small_book, "--as", "bo@example.com", "queue", "--format", "json"))
    assert records == [
        {
            "account_external_id": "A-3",
            "account_name": "Corvid Health",
            "owner_email": "bo@example.com",
            "kind": "renewal-call",
            "label": "Renewal question",
            "due_date": "2026-08-24",
            "overdue_days": 91,
            "rule_id": "renewal.soft-question",
            "urgency": 33.16,
            "pinned": False,
            "booked_for": None,
            "explanation": "Renewal question: 120 days before the renewal date on 2026-12-20 -> "
            "due 2026-08-24 (late after 2026-09-21), 91 days overdue",
            "segment": "mid-market",
            "priority": "pr1",
            "assigned_priority": "pr1",
            "priority_derived": False,
            "arr": 1250000.0,
            "health_score": 91,
            "health_band": "green",
            "renewal_date": "2026-12-20",
            "also": [],
        }
    ]
    [northwind] = json.loads(
        printed(small_book, "--as", "ada@example.com", "queue", "--format", "json")
    )
    assert (northwind["priority"], northwind["assigned_priority"]) == ("pr1", "pr2")
    assert northwind["priority_derived"] is True
    assert [(other["kind"], other["due_date"]) for other in northwind["also"]] == [
        ("cadence-call", "2026-11-09"),
        ("health-assessment", "2026-11-23"),
        ("recovery-plan", "2026-11-23"),
    ]


def test_an_empty_queue_says_so(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    assert printed(empty, "queue", "--team") == (
        "Nothing due on 2026-11-23 (--ahead 7 shows the week).\n"
    )
    assert printed(empty, "queue", "--team", "--ahead", "3") == "Nothing due on 2026-11-23.\n"
    assert printed(empty, "accounts", "--team") == (
        "No accounts. Import some: csm import accounts FILE.csv\n"
    )


def test_a_rules_preview_as_a_table_and_as_json(small_book: Path, tmp_path: Path) -> None:
    weekly = tmp_path / "weekly.toml"
    weekly.write_text(
        '[[cadence.rules]]\nid = "cadence.everyone-weekly"\nlabel = "Weekly"\n'
        'when = {}\nevery = "1w"\n'
    )
    assert printed(small_book, "rules", "preview", str(weekly)) == (
        f"{weekly} against the shipped rules, as of 2026-11-23: 1 of 3 accounts' next touch "
        "would move.\n"
        "ID   Account   Now                          With weekly.toml         Rule\n"
        "---  --------  -----------------------  --  -----------------------  "
        "-----------------------\n"
        "A-2  Bluepeak  Cadence call 2026-11-24  ->  Cadence call 2026-11-24  "
        "cadence.everyone-weekly\n"
    )
    preview = json.loads(printed(small_book, "rules", "preview", str(weekly), "--format", "json"))
    assert (preview["accounts"], preview["moved"]) == (3, 1)
    [move] = preview["moves"]
    assert (move["account_external_id"], move["account_name"]) == ("A-2", "Bluepeak")
    assert (move["before"]["rule_id"], move["after"]["rule_id"]) == (
        "cadence.default",
        "cadence.everyone-weekly",
    )
    empty = tmp_path / "empty.db"
    assert printed(empty, "rules", "preview", str(weekly)) == (
        f"{weekly} against the shipped rules, as of 2026-11-23: 0 of 0 accounts' next touch "
        "would move.\n"
    )


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
def test_json_refuses_a_number_that_json_cannot_carry(number: float) -> None:
    """`NaN` and `Infinity` are not JSON: a slip that lets one through fails loudly (issue 19)
    instead of printing a file that a reader rejects."""
    from csm_tui.domain.exchange import ExportKind, Table

    table = Table(ExportKind.QUEUE, ("urgency",), [(number,)])
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        output.json_text(table)
    assert output.json_text(Table(ExportKind.QUEUE, ("urgency",), [(1.5,)])) == (
        '[\n  {\n    "urgency": 1.5\n  }\n]\n'
    )
