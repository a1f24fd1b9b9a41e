"""`csm log`, `csm snooze` and `csm queue` as a user types them, on a demo book at a fixed --today:
what they print, what they change in the queue, and one clear line when they refuse."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import func, select
from sqlmodel import col

from csm_tui.models import ActionItem, Snooze, Touchpoint, TriageVisit
from csm_tui.services.demo import DEMO_USER_EMAIL
from csm_tui.store.database import Database
from tests.test_cli import TODAY, csm

SNOOZABLE = {"cadence-call", "nps-survey", "onboarding-review", "ebr", "milestone"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("built") / "demo.db"
    result = csm("--db", str(target), "--today", TODAY, "demo", "--accounts", "40", "--no-open")
    assert result.exit_code == 0, result.output
    return target


@pytest.fixture
def book(built: Path, tmp_path: Path) -> Path:
    """A private copy of the demo book: every test may write to it."""
    for file in built.parent.glob(built.name + "*"):  # with any -wal / -shm beside it
        shutil.copy(file, tmp_path / file.name)
    return tmp_path / built.name


def on(book: Path, *args: str) -> Result:
    return csm("--db", str(book), "--today", TODAY, *args)


def mine(book: Path, *args: str) -> Result:
    return on(book, "--as", DEMO_USER_EMAIL, *args)


def queue_json(book: Path, *args: str, user: str | None = DEMO_USER_EMAIL) -> list[dict]:
    """Every item of the queue, one per row (`--every-item`), as JSON."""
    who = ["--as", user] if user else []
    result = on(book, *who, "queue", "--format", "json", "--every-item", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def keys(items: list[dict]) -> set[tuple[str, str]]:
    return {(item["account_external_id"], item["kind"]) for item in items}


def one_error_line(result: Result) -> str:
    """The single line a refused command prints, without its 'Error: ' prefix."""
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0].removeprefix("Error: ")


def count(book: Path, model: type) -> int:
    database = Database.open(book)
    try:
        with database.reading() as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        database.dispose()


def team_drops(book: Path) -> list[dict]:
    return [item for item in queue_json(book, "--team", user=None) if item["kind"] == "health-drop"]


def my_cadence_call(book: Path) -> dict:
    calls = [item for item in queue_json(book) if item["kind"] == "cadence-call"]
    assert calls, "the demo book gives its user a cadence call due by today"
    return calls[0]


def my_snoozable_item(book: Path) -> dict:
    items = [item for item in queue_json(book) if item["kind"] in SNOOZABLE]
    assert items, "the demo book gives its user something snoozable due by today"
    return items[0]


# --- csm log -----------------------------------------------------------------------------------


def test_log_says_what_was_logged_and_what_is_next(book: Path) -> None:
    call = my_cadence_call(book)
    result = mine(
        book,
        "log",
        call["account_external_id"],
        "--kind",
        "cadence-call",
        "--summary",
        "Weekly sync",
    )
    assert result.exit_code == 0, result.output
    first, *rest = result.output.splitlines()
    assert first.startswith(f"Logged a cadence call for {call['account_name']}. ")
    assert "Next: " in first
    assert rest and rest[0].startswith("  why: ")


def test_a_logged_call_leaves_todays_queue(book: Path) -> None:
    call = my_cadence_call(book)
    external_id = call["account_external_id"]
    assert (
        mine(
            book, "log", external_id, "--kind", "cadence-call", "--summary", "Weekly sync"
        ).exit_code
        == 0
    )
    assert (external_id, "cadence-call") not in keys(queue_json(book))
    later = {
        item["due_date"]
        for item in queue_json(book, "--ahead", "366")
        if (item["account_external_id"], item["kind"]) == (external_id, "cadence-call")
    }
    assert later and min(later) > TODAY  # rescheduled, not gone


def test_log_keeps_the_sentiment_the_notes_and_the_action_items(book: Path) -> None:
    call = my_cadence_call(book)
    result = mine(
        book,
        "log",
        call["account_external_id"],
        "--kind",
        "Cadence Call",
        "--summary",
        "QBR prep",
        "--sentiment",
        "Negative",
        "--notes",
        "Budget freeze",
        "--action",
        "Send the deck",
        "--action",
        "Book the EBR",
        "--on",
        "2026-11-20",
    )
    assert result.exit_code == 0, result.output
    database = Database.open(book)
    try:
        with database.reading() as session:
            touch = session.scalars(
                select(Touchpoint).where(col(Touchpoint.summary) == "QBR prep")
            ).one()
            actions = set(
                session.scalars(
                    select(col(ActionItem.title)).where(col(ActionItem.touchpoint_id) == touch.id)
                )
            )
    finally:
        database.dispose()
    assert (touch.kind, touch.occurred_on.isoformat(), touch.sentiment, touch.notes) == (
        "cadence-call",
        "2026-11-20",
        "negative",
        "Budget freeze",
    )
    assert touch.owner_id is not None  # the --as user
    assert actions == {"Send the deck", "Book the EBR"}


@pytest.mark.parametrize(
    "change, message",
    [
        (
            ["--on", "2026-11-24"],
            "a touch is logged once it happened: 2026-11-24 is after today (2026-11-23)",
        ),
        (["--summary", "  "], "a touch needs a summary: one line on what happened"),
        (
            ["--on", "0001-01-01"],
            "0001-01-01 is before 1900-01-01, the first day csm plans with: check the year",
        ),
    ],
    ids=["on-in-the-future", "blank-summary", "on-before-the-calendar"],
)
def test_a_bad_log_is_one_clear_line_and_writes_nothing(
    book: Path, change: list[str], message: str
) -> None:
    call = my_cadence_call(book)
    before = count(book, Touchpoint)
    options = {"--kind": "cadence-call", "--summary": "Weekly sync"}
    options.update(dict(zip(change[::2], change[1::2], strict=True)))
    result = mine(
        book,
        "log",
        call["account_external_id"],
        *[part for pair in options.items() for part in pair],
    )
    assert one_error_line(result) == message
    assert count(book, Touchpoint) == before


TOUCH_KINDS = (
    "cadence-call, ebr, renewal-call, onboarding-review, training, email, meeting, nps-survey, "
    "escalation-call, health-assessment, recovery-plan, note"
)


@pytest.mark.parametrize(
    "command, message",
    [
        (
            ["log", "ACC-000001", "--summary", "Sync", "--kind", "phone-call"],
            f"Invalid value for '--kind': 'phone-call' is not one of {TOUCH_KINDS}",
        ),
        (
            ["log", "ACC-000001", "--summary", "Sync", "--kind", "email", "--sentiment", "meh"],
            "Invalid value for '--sentiment': 'meh' is not one of positive, neutral, negative",
        ),
        (
            ["snooze", "ACC-000001", "--until", "2026-11-30", "--reason", "R", "--kind", "call"],
            f"Invalid value for '--kind': 'call' is not one of {TOUCH_KINDS}, milestone, "
            "success-plan",
        ),
    ],
    ids=["log-kind", "log-sentiment", "snooze-kind"],
)
def test_a_mistyped_kind_or_sentiment_is_a_usage_error_naming_the_words(
    book: Path, command: list[str], message: str
) -> None:
    before = count(book, Touchpoint), count(book, Snooze)
    result = mine(book, *command)
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"Usage: csm {command[0]} [OPTIONS] EXTERNAL_ID\n")
    assert result.output.strip().splitlines()[-1] == f"Error: {message}"
    assert (count(book, Touchpoint), count(book, Snooze)) == before


def test_kinds_and_sentiments_are_read_as_loosely_as_a_crm_writes_them(book: Path) -> None:
    item, call = my_snoozable_item(book), my_cadence_call(book)
    snoozed = mine(
        book,
        "snooze",
        item["account_external_id"],
        "--until",
        "2026-11-30",
        "--reason",
        "R",
        "--kind",
        item["kind"].replace("-", "_").upper(),  # NPS_SURVEY, CADENCE_CALL...
    )
    assert snoozed.exit_code == 0, snoozed.output
    assert snoozed.output.startswith(f"Snoozed {item['kind'].replace('-', ' ')} for ")
    logged = mine(
        book,
        "log",
        call["account_external_id"],
        "--kind",
        "Cadence  Call",
        "--summary",
        "Sync",
        "--sentiment",
        " ",  # no sentiment, as before
    )
    assert logged.exit_code == 0, logged.output
    assert logged.output.startswith(f"Logged a cadence call for {call['account_name']}. ")


def test_log_on_an_unknown_account_is_one_clear_line(book: Path) -> None:
    before = count(book, Touchpoint)
    result = mine(book, "log", "NOPE-1", "--kind", "cadence-call", "--summary", "Weekly sync")
    assert one_error_line(result) == (
        "no account has the external id 'NOPE-1'; `csm accounts --team` lists them"
    )
    assert count(book, Touchpoint) == before


def test_log_with_a_date_that_is_not_a_date_is_a_usage_error(book: Path) -> None:
    call = my_cadence_call(book)
    result = mine(
        book,
        "log",
        call["account_external_id"],
        "--kind",
        "cadence-call",
        "--summary",
        "Weekly sync",
        "--on",
        "23/11/2026",
    )
    assert result.exit_code == 2
    assert "'23/11/2026'" in result.output and "--on" in result.output


# --- csm snooze --------------------------------------------------------------------------------


def test_snooze_puts_the_item_aside_and_it_leaves_the_queue(book: Path) -> None:
    item = my_snoozable_item(book)
    external_id = item["account_external_id"]
    result = mine(
        book,
        "snooze",
        external_id,
        "--until",
        "2026-11-30",
        "--kind",
        item["kind"],
        "--reason",
        "Customer on holiday",
    )
    assert result.exit_code == 0, result.output
    what = item["kind"].replace("-", " ")
    assert result.output.splitlines()[0] == (
        f"Snoozed {what} for {item['account_name']} until 2026-11-30."
    )
    assert (external_id, item["kind"]) not in keys(queue_json(book))


def test_snooze_without_a_kind_puts_every_snoozable_touch_aside(book: Path) -> None:
    item = my_snoozable_item(book)
    external_id = item["account_external_id"]
    result = mine(book, "snooze", external_id, "--until", "2026-12-01", "--reason", "Reorg")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        f"Snoozed every snoozable touch for {item['account_name']} until 2026-12-01."
    )
    left = {kind for eid, kind in keys(queue_json(book)) if eid == external_id}
    assert not left & SNOOZABLE


@pytest.mark.parametrize(
    "until, extra, message",
    [
        (
            "2026-12-24",
            [],
            "a snooze runs at most 30d (the rules file): until 2026-12-23 at the latest",
        ),
        ("2026-11-23", [], "snooze until a day after today (2026-11-23), not 2026-11-23"),
        (
            "2026-11-30",
            ["--kind", "renewal-call"],
            "renewal-call cannot be snoozed (the rules file allows: cadence-call, ebr, milestone, "
            "nps-survey, onboarding-review, success-plan); log it or escalate instead",
        ),
    ],
    ids=["beyond-30-days", "until-today", "renewal-call"],
)
def test_a_snooze_the_rules_refuse_is_one_clear_line(
    book: Path, until: str, extra: list[str], message: str
) -> None:
    item = my_snoozable_item(book)
    before = queue_json(book)
    result = mine(
        book, "snooze", item["account_external_id"], "--until", until, "--reason", "Busy", *extra
    )
    assert one_error_line(result) == message
    assert count(book, Snooze) == 0
    assert queue_json(book) == before


def test_a_snooze_needs_a_reason(book: Path) -> None:
    item = my_snoozable_item(book)
    result = mine(
        book, "snooze", item["account_external_id"], "--until", "2026-11-30", "--reason", "   "
    )
    assert one_error_line(result) == (
        "say why you snooze it: the reason shows on the queue afterwards"
    )


def test_a_snooze_may_run_to_the_limit(book: Path) -> None:
    item = my_snoozable_item(book)
    result = mine(
        book,
        "snooze",
        item["account_external_id"],
        "--until",
        "2026-12-23",
        "--kind",
        item["kind"],
        "--reason",
        "Busy season",
    )
    assert result.exit_code == 0, result.output
    assert (item["account_external_id"], item["kind"]) not in keys(queue_json(book))


# --- csm queue ---------------------------------------------------------------------------------


def test_the_queue_lists_health_drops_as_rows_to_review(book: Path) -> None:
    drops = team_drops(book)
    if not drops:
        pytest.skip("this demo book has no health drop since yesterday")
    drop = drops[0]
    assert drop["label"] == "Health drop" and drop["due_date"] == TODAY and not drop["pinned"]
    assert drop["explanation"].startswith("Health dropped from ")
    assert "since the last triage on 2026-11-22" in drop["explanation"]
    owners = queue_json(book, user=drop["owner_email"])
    assert (drop["account_external_id"], "health-drop") in keys(owners)
    table = on(book, "--as", drop["owner_email"], "queue").output
    line = next(line for line in table.splitlines() if "Health drop" in line)
    assert drop["account_name"] in line and "to review" in line


def test_looking_at_the_queue_does_not_count_as_a_triage(book: Path) -> None:
    drops = team_drops(book)
    queue_json(book)
    assert on(book, "--as", DEMO_USER_EMAIL, "queue").exit_code == 0
    assert count(book, TriageVisit) == 0
    again = team_drops(book)
    assert again == drops  # still "since yesterday": nothing moved the last triage on


@pytest.mark.parametrize("command", [["log"], ["snooze"]])
def test_log_and_snooze_have_useful_help(command: list[str]) -> None:
    result = csm(*command, "--help")
    assert result.exit_code == 0
    assert "Usage: csm" in result.output and "EXTERNAL_ID" in result.output


def test_a_booked_meeting_takes_its_item_off_today_s_queue(book: Path) -> None:
    call = my_cadence_call(book)
    external_id = call["account_external_id"]
    result = on(book, "--as", DEMO_USER_EMAIL, "meeting", external_id, "--on", "2026-11-26")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Booked a cadence call with ")
    assert "for Thu 26 Nov." in result.output.splitlines()[0]
    assert (external_id, "cadence-call") not in keys(queue_json(book))
    [booked] = [
        item
        for item in queue_json(book, "--ahead", "3")
        if (item["account_external_id"], item["kind"]) == (external_id, "cadence-call")
    ]
    assert (booked["due_date"], booked["booked_for"]) == ("2026-11-26", "2026-11-26")


def test_a_bad_booking_is_one_clear_line(book: Path) -> None:
    external_id = my_cadence_call(book)["account_external_id"]
    passed = on(book, "meeting", external_id, "--on", "2026-11-20")
    assert one_error_line(passed) == "2026-11-20 has passed: log the meeting instead"
    milestone = on(book, "meeting", external_id, "--on", "2026-11-26", "--kind", "milestone")
    assert milestone.exit_code == 2
    assert "'milestone' is not one of cadence-call" in milestone.output
    unknown = on(book, "meeting", "NOPE-1", "--on", "2026-11-26")
    assert "no account has the external id 'NOPE-1'" in one_error_line(unknown)
