"""`csm calendar`: the scheduled touches as an iCalendar file that a calendar imports again and
again without duplicates: the same touch keeps its UID from one file to the next, and a
reschedule moves its event."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import Result
from icalendar import Calendar, Component

from csm_tui.services.demo import DEMO_USER_EMAIL
from csm_tui.services.touch_calendar import event_day, touches_calendar
from tests.test_cli import TODAY, csm
from tests.test_cli_output import item

DAY = date.fromisoformat(TODAY)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("calendar") / "demo.db"
    result = csm("--db", str(target), "--today", TODAY, "demo", "--accounts", "60", "--no-open")
    assert result.exit_code == 0, result.output
    return target


@pytest.fixture
def book(built: Path, tmp_path: Path) -> Path:
    """A private copy of the demo book: a test may log touches in it."""
    for file in built.parent.glob(built.name + "*"):
        shutil.copy(file, tmp_path / file.name)
    return tmp_path / built.name


def run(book: Path, *args: str, user: str | None = DEMO_USER_EMAIL) -> Result:
    who = ["--as", user] if user else []
    result = csm("--db", str(book), "--today", TODAY, *who, *args)
    assert result.exit_code == 0, result.output
    return result


def events(result: Result) -> dict[str, Component]:
    """The file's events by UID (parsed back with icalendar: the file is valid)."""
    calendar = Calendar.from_ical(result.stdout_bytes)
    found = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    assert len(found) == len(calendar.walk("VEVENT")), "a UID used twice"
    return found


def start(event: Component) -> date:
    value = event.decoded("DTSTART")
    assert type(value) is date  # all-day: a date, not a moment
    return value


def test_every_touch_is_an_all_day_event_with_its_reason(book: Path) -> None:
    shown = events(run(book, "calendar", "--ahead", "14"))
    queue = run(book, "queue", "--ahead", "14", "--format", "json").stdout
    assert shown
    for uid, event in shown.items():
        day = start(event)
        assert DAY <= day <= DAY + timedelta(days=14)
        assert event.decoded("DTEND") == day + timedelta(days=1)
        assert uid.endswith("@csm-tui")
        label, account = str(event["SUMMARY"]).split(" — ")
        assert account in queue and label in queue
        assert " -> due " in str(event["DESCRIPTION"])  # the rule's reason
        assert str(event["TRANSP"]) == "TRANSPARENT"
    calendar = Calendar.from_ical(run(book, "calendar").stdout_bytes)
    assert str(calendar["X-WR-CALNAME"]) == "csm — Maya Patel"
    assert str(calendar["PRODID"]) == "-//csm-tui//csm calendar//EN"


def test_the_summary_names_the_touch_and_the_account(book: Path) -> None:
    cadence = [
        event
        for event in events(run(book, "calendar")).values()
        if str(event["UID"]).endswith("-cadence-call@csm-tui")
    ]
    assert cadence
    assert all(str(event["SUMMARY"]).startswith("Cadence call — ") for event in cadence)


def test_uids_are_the_same_from_one_run_to_the_next(book: Path) -> None:
    first = events(run(book, "calendar"))
    second = events(run(book, "calendar"))
    assert first.keys() == second.keys()
    assert {uid: start(event) for uid, event in first.items()} == {
        uid: start(event) for uid, event in second.items()
    }


def test_a_reschedule_moves_the_event_and_keeps_its_uid(book: Path) -> None:
    before = events(run(book, "calendar", "--ahead", "60"))
    account_id, cadence = next(
        (uid.removesuffix("-cadence-call@csm-tui"), event)
        for uid, event in before.items()
        if uid.endswith("-cadence-call@csm-tui") and start(event) == DAY
    )
    description = str(cadence["DESCRIPTION"])
    external_id = description.rsplit("csm rules explain ", 1)[1].strip()
    run(book, "log", external_id, "--kind", "cadence-call", "--summary", "Weekly call")
    after = events(run(book, "calendar", "--ahead", "60"))
    uid = f"{account_id}-cadence-call@csm-tui"
    assert uid in after
    assert start(after[uid]) > DAY  # moved to the next call, same event
    assert len(after) == len(before)


def test_a_later_file_says_it_is_newer() -> None:
    now = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)
    first = Calendar.from_ical(touches_calendar([item()], today=DAY, now=now, name="csm"))
    later = Calendar.from_ical(
        touches_calendar([item()], today=DAY, now=now + timedelta(hours=1), name="csm")
    )
    [one], [two] = first.walk("VEVENT"), later.walk("VEVENT")
    assert one["UID"] == two["UID"] == "1-cadence-call@csm-tui"
    assert two.decoded("SEQUENCE") > one.decoded("SEQUENCE")
    assert two.decoded("DTSTAMP") > one.decoded("DTSTAMP")


def test_an_overdue_touch_sits_on_today_and_a_snoozed_one_on_its_return() -> None:
    overdue = item(due_on=DAY - timedelta(days=5))
    assert event_day(overdue, DAY) == DAY
    assert event_day(item(due_on=DAY + timedelta(days=3)), DAY) == DAY + timedelta(days=3)
    snoozed = item(due_on=DAY - timedelta(days=2), snoozed_until=DAY + timedelta(days=4))
    assert event_day(snoozed, DAY) == DAY + timedelta(days=4)


def test_ahead_bounds_the_calendar(book: Path) -> None:
    week = events(run(book, "calendar", "--ahead", "7"))
    month = events(run(book, "calendar", "--ahead", "30"))
    assert week.keys() < month.keys()
    assert max(start(event) for event in week.values()) <= DAY + timedelta(days=7)
    today_only = events(run(book, "calendar", "--ahead", "0"))
    assert {start(event) for event in today_only.values()} == {DAY}


def test_a_snoozed_touch_is_on_the_day_it_comes_back(book: Path) -> None:
    shown = events(run(book, "calendar", "--ahead", "30"))
    uid, event = next(
        (uid, event)
        for uid, event in shown.items()
        if uid.endswith("-cadence-call@csm-tui") and start(event) == DAY
    )
    external_id = str(event["DESCRIPTION"]).rsplit("csm rules explain ", 1)[1].strip()
    back = DAY + timedelta(days=10)
    run(book, "snooze", external_id, "--until", back.isoformat(), "--reason", "On leave")
    after = events(run(book, "calendar", "--ahead", "30"))
    assert start(after[uid]) == back
    assert "Snoozed until" in str(after[uid]["DESCRIPTION"])
    assert "On leave" in str(after[uid]["DESCRIPTION"])


def test_a_booked_meeting_is_on_its_day_and_says_booked(book: Path) -> None:
    shown = events(run(book, "calendar", "--ahead", "30"))
    uid, event = next(
        (uid, event)
        for uid, event in shown.items()
        if uid.endswith("-cadence-call@csm-tui") and start(event) == DAY
    )
    external_id = str(event["DESCRIPTION"]).rsplit("csm rules explain ", 1)[1].strip()
    day = DAY + timedelta(days=4)
    booked = run(book, "meeting", external_id, "--on", day.isoformat(), "--note", "on Zoom")
    assert booked.exit_code == 0, booked.output
    after = events(run(book, "calendar", "--ahead", "30"))
    assert start(after[uid]) == day
    assert str(after[uid]["SUMMARY"]).endswith(" (booked)")
    assert "meeting booked for" in str(after[uid]["DESCRIPTION"])


def test_as_is_my_book_and_without_it_the_teams(book: Path) -> None:
    mine = events(run(book, "calendar"))
    team = events(run(book, "calendar", user=None))
    also_team = events(run(book, "calendar", "--team"))
    assert mine.keys() < team.keys()
    assert also_team.keys() == team.keys()
    assert all("owner Maya Patel" in str(event["DESCRIPTION"]) for event in mine.values())
    calendar = Calendar.from_ical(run(book, "calendar", user=None).stdout_bytes)
    assert str(calendar["X-WR-CALNAME"]) == "csm — the team"


def test_output_writes_the_file(book: Path, tmp_path: Path) -> None:
    target = tmp_path / "touches.ics"
    result = run(book, "calendar", "-o", str(target))
    assert result.stdout_bytes == b""
    count = len(Calendar.from_ical(target.read_bytes()).walk("VEVENT"))
    assert result.stderr == f"Wrote {count} touches to {target}.\n"


def test_a_bad_ahead_is_a_usage_error(book: Path) -> None:
    result = csm("--db", str(book), "calendar", "--ahead", "-3")
    assert result.exit_code == 2
    assert "-3 is not in the range 0<=x<=366" in result.output


def test_calendar_has_useful_help() -> None:
    result = csm("calendar", "--help")
    assert result.exit_code == 0
    assert "touches.ics" in result.output and "--ahead DAYS" in result.output


def test_output_in_a_folder_that_does_not_exist_is_one_clear_line(
    book: Path, tmp_path: Path
) -> None:
    target = tmp_path / "nowhere" / "touches.ics"
    result = csm("--db", str(book), "calendar", "--output", str(target))
    assert result.exit_code == 1
    assert result.output == (
        f"Error: cannot write {target}: the folder {target.parent} does not exist\n"
    )
