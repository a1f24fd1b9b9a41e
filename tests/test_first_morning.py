"""The first morning with a real book: a CRM export with no touch history gives a week of work,
not every account due today and hundreds of days overdue (issue 18, section 1).

The book is written as a CRM exports it (a UTF-8 BOM, Windows line ends, columns in its own
order, an extra column), with contracts that started years before the import.
"""

from __future__ import annotations

import csv
import io
import json
import math
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from csm_tui.domain.first_calls import working_days
from csm_tui.rules import default_rules
from tests.test_cli import TODAY, csm

DAY = date.fromisoformat(TODAY)
ACCOUNTS = 120
SEGMENTS = ("enterprise", "commercial", "smb", "mid-market")


def export(rows: int = ACCOUNTS, seed: int = 18) -> str:
    """A CRM-shaped accounts export: contracts started one to six years ago, renewals from one
    to eighteen months away, a tenth of the accounts red."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        ["name", "external_id", "segment", "priority", "arr", "health_score", "contract_start"]
        + ["renewal_date", "owner_email", "billing_city"]
    )
    for n in range(rows):
        start = DAY - timedelta(days=rng.randint(365, 6 * 365))
        renewal = DAY + timedelta(days=rng.randint(30, 540))
        score = rng.randint(30, 59) if n % 10 == 0 else rng.randint(60, 100)
        writer.writerow(
            [
                f"Account {n:03d}",
                f"0015g00000Acc{n:03d}",
                SEGMENTS[n % len(SEGMENTS)].title(),
                rng.choice(["PR1", "PR2", "PR2", "PR3"]),
                f"{rng.randint(5, 900) * 1000:,}",
                score,
                start.isoformat(),
                renewal.isoformat(),
                "maya@example.com",
                "Springfield",
            ]
        )
    return "\ufeff" + out.getvalue()


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("first-morning")
    (folder / "accounts.csv").write_bytes(export().encode())
    book = folder / "book.db"
    result = csm(
        "--db", str(book), "--today", TODAY, "import", "accounts", str(folder / "accounts.csv")
    )
    assert result.exit_code == 0, result.output
    return book


def queue(book: Path, *args: str, day: str = TODAY) -> list[dict]:
    result = csm("--db", str(book), "--today", day, "queue", "--team", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_first_queue_holds_one_period_s_share_of_first_calls(imported: Path) -> None:
    """Each cadence period's accounts are spread over its working days: today holds at most
    ceil(accounts / working days) of them, for each period (not 120 calls)."""
    rules = default_rules()
    every = {row.id: row.every for row in rules.cadence.rows}
    planned = [
        item
        for item in queue(imported, "--every-item", "--ahead", "366")
        if item["kind"] == "cadence-call"
    ]
    assert len(planned) == ACCOUNTS, "every account has its first call planned"
    assert all("first call planned by" in item["explanation"] for item in planned)
    accounts = Counter(every[item["rule_id"]] for item in planned)
    today = Counter(every[item["rule_id"]] for item in planned if item["due_date"] == TODAY)
    assert today, "the most urgent accounts are called on the first day"
    for period, count in today.items():
        share = math.ceil(accounts[period] / len(working_days(DAY, period, rules)))
        assert count <= share, (period, count, accounts[period])
    assert sum(today.values()) < ACCOUNTS / 5


def test_nothing_is_hundreds_of_days_overdue(imported: Path) -> None:
    items = queue(imported, "--every-item")
    worst = max(items, key=lambda item: item["overdue_days"])
    assert worst["overdue_days"] <= 90, worst  # a renewal question at most 90 days late
    assert not any(item["kind"] in {"nps-survey", "ebr"} for item in items)


def test_a_week_of_first_calls_spread_most_urgent_first(imported: Path) -> None:
    """Day after day of the first week, the planned calls come due a period's share at a time;
    red accounts (weekly) within the week."""
    due_by_day = {}
    for offset in range(7):
        day = (DAY + timedelta(days=offset)).isoformat()
        due_by_day[day] = sum(
            1
            for item in queue(imported, "--every-item", day=day)
            if item["kind"] == "cadence-call" and item["due_date"] == day
        )
    working = [count for day, count in due_by_day.items() if date.fromisoformat(day).weekday() < 5]
    assert all(count >= 1 for count in working), due_by_day
    assert max(working) <= math.ceil(ACCOUNTS / 5), due_by_day


def test_one_row_per_account_and_what_cannot_wait_first(imported: Path) -> None:
    rows = queue(imported)
    accounts = [row["account_external_id"] for row in rows]
    assert len(accounts) == len(set(accounts)), "one row per account"
    top = rows[0]
    assert top["kind"] in {"renewal-call", "health-assessment", "recovery-plan"}, top
    red = [row for row in rows if row["health_band"] == "red"]
    assert red and all(row["priority"] == "pr1" for row in red)
    for row in red:  # imported red, no history: what the seeds ask for a red account, due today
        kinds = {row["kind"], *(other["kind"] for other in row["also"])}
        assert {"health-assessment", "recovery-plan"} <= kinds, row
        due = {row["due_date"], *(other["due_date"] for other in row["also"])}
        assert TODAY in due


def test_a_stored_history_still_counts(tmp_path: Path) -> None:
    """An account whose last cadence call comes with the import is scheduled from that call,
    not planned as a first call."""
    (tmp_path / "accounts.csv").write_text(
        "external_id,name,segment,priority,health_score,contract_start\n"
        "A-1,Known,Commercial,PR2,85,2020-01-06\n"
        "A-2,Unknown,Commercial,PR2,85,2020-01-06\n"
    )
    (tmp_path / "touches.csv").write_text(
        "account_external_id,occurred_on,kind,summary\nA-1,2026-11-02,cadence-call,Monthly call\n"
    )
    book = tmp_path / "book.db"
    for kind in ("accounts", "touchpoints"):
        result = csm(
            "--db",
            str(book),
            "--today",
            TODAY,
            "import",
            kind,
            str(
                tmp_path / f"{kind.rstrip('s')}s.csv"
                if kind == "accounts"
                else tmp_path / "touches.csv"
            ),
        )
        assert result.exit_code == 0, result.output
    explained = csm("--db", str(book), "--today", TODAY, "rules", "explain", "A-1")
    assert "since the last cadence call on 2026-11-02" in explained.output, explained.output
    planned = csm("--db", str(book), "--today", TODAY, "rules", "explain", "A-2")
    assert "no cadence call on record; first call planned by 2026-11-2" in planned.output


def test_an_account_deleted_and_imported_again_enters_the_book_again(tmp_path: Path) -> None:
    """Its first call planned long ago does not come back hundreds of days overdue."""
    from sqlalchemy import update

    from csm_tui.models import Account
    from csm_tui.store.database import Database

    (tmp_path / "accounts.csv").write_text(
        "external_id,name,segment,priority,health_score\nA-1,Returning,SMB,PR2,85\n"
    )
    book = tmp_path / "book.db"
    first = "2025-03-03"
    for day in (first, TODAY):
        if day == TODAY:  # deleted in between, as an account that churned
            db = Database.open(book)
            with db.writing() as session:
                session.execute(update(Account).values(deleted_at=datetime(2025, 6, 1, tzinfo=UTC)))
            db.dispose()
        result = csm(
            "--db", str(book), "--today", day, "import", "accounts", str(tmp_path / "accounts.csv")
        )
        assert result.exit_code == 0, result.output
    explained = csm("--db", str(book), "--today", TODAY, "rules", "explain", "A-1").output
    assert f"first call planned by {TODAY}" in explained, explained
