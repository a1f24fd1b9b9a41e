"""ISO weeks as a weekly report is filed under them, and the checks on weekly notes
(`domain.iso_week`, `domain.weekly_notes`)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from csm_tui.domain.calendar import EARLIEST, LATEST
from csm_tui.domain.iso_week import IsoWeek, week_meant, weeks_in
from csm_tui.domain.weekly_notes import WeekNotes, note_text, save_refusal, submit_refusal

W49 = IsoWeek(2026, 49)


@pytest.mark.parametrize("text", ["2026-W49", "2026-w49", " 2026W49 ", "2026-W49\n"])
def test_a_week_is_read_as_people_type_it(text: str) -> None:
    assert IsoWeek.parse(text) == W49
    assert str(IsoWeek.parse(text)) == "2026-W49"


def test_a_week_knows_its_days() -> None:
    assert (W49.monday, W49.sunday) == (date(2026, 11, 30), date(2026, 12, 6))
    assert len(W49.days) == 7 and W49.days[4] == date(2026, 12, 4)
    assert date(2026, 12, 6) in W49 and date(2026, 12, 7) not in W49


def test_the_week_of_a_day_crosses_the_year_as_iso_says() -> None:
    assert IsoWeek.of(date(2026, 11, 23)) == IsoWeek(2026, 48)
    assert IsoWeek.of(date(2027, 1, 1)) == IsoWeek(2026, 53)  # a Friday: the old year's week
    assert IsoWeek.of(date(2024, 12, 30)) == IsoWeek(2025, 1)  # a Monday: the new year's
    assert str(IsoWeek(2026, 5)) == "2026-W05"


def test_weeks_go_forward_and_back_across_years() -> None:
    assert W49.shifted(1) == IsoWeek(2026, 50)
    assert W49.shifted(5) == IsoWeek(2027, 1)  # through 2026-W53
    assert IsoWeek(2027, 1).shifted(-1) == IsoWeek(2026, 53)
    assert IsoWeek(2026, 1) < W49 < IsoWeek(2027, 1)


def test_53_weeks_only_in_a_long_year() -> None:
    assert (weeks_in(2026), weeks_in(2027)) == (53, 52)
    assert IsoWeek.parse("2026-W53") == IsoWeek(2026, 53)


def test_every_day_csm_plans_has_a_week() -> None:
    assert IsoWeek.of(EARLIEST) == IsoWeek(1900, 1)
    assert IsoWeek.of(LATEST) == IsoWeek(2200, 1)  # Tuesday 2199-12-31


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("49", "'49' is not a week: write the ISO year and week, like 2026-W49"),
        ("2026-12-04", "'2026-12-04' is not a week: write the ISO year and week, like 2026-W49"),
        ("2026-W", "'2026-W' is not a week: write the ISO year and week, like 2026-W49"),
        ("2027-W53", "2027-W53 is not a week: 2027 has weeks W01 to W52"),
        ("2026-W00", "2026-W00 is not a week: 2026 has weeks W01 to W53"),
        ("2026-W99", "2026-W99 is not a week: 2026 has weeks W01 to W53"),
        ("1899-W52", "1899-W52 is outside the dates csm plans (1900-01-01 to 2199-12-31)"),
        ("2200-W02", "2200-W02 is outside the dates csm plans (1900-01-01 to 2199-12-31)"),
        ("0000-W01", "0000-W01 is outside the dates csm plans (1900-01-01 to 2199-12-31)"),
    ],
)
def test_a_week_that_is_not_one_says_what_to_write(text: str, message: str) -> None:
    with pytest.raises(ValueError) as error:
        IsoWeek.parse(text)
    assert str(error.value) == message


# --- weekly notes ----------------------------------------------------------------------------

SENT = datetime(2026, 12, 4, 16, 30, tzinfo=UTC)


def test_a_note_is_trimmed_and_keeps_its_lines() -> None:
    assert note_text("wins", "  Acme renewed\n\tBolt live  \n") == "Acme renewed\n\tBolt live"


@pytest.mark.parametrize("control", ["\x00", "\x1b", "\x7f", "\x9b"])
def test_a_note_refuses_control_characters(control: str) -> None:
    with pytest.raises(ValueError) as error:
        note_text("risks", f"Acme{control}[2J")
    assert str(error.value) == (
        f"risks: holds the control character {control!r}, which a terminal may take as a "
        "command: type the text again without it"
    )


def test_a_draft_may_change_and_a_submitted_report_may_not() -> None:
    draft = WeekNotes("m", W49, wins="Acme renewed")
    assert save_refusal(draft) is None
    sent = WeekNotes("m", W49, wins="Acme renewed", submitted_at=SENT)
    assert save_refusal(sent) == (
        "the notes of 2026-W49 were submitted on Fri 2026-12-04 and stay as they were sent: "
        "nothing was changed"
    )


def test_what_may_be_submitted() -> None:
    friday = date(2026, 12, 4)
    assert submit_refusal(WeekNotes("m", W49, asks="A hand with Bolt"), friday) is None
    assert submit_refusal(WeekNotes("m", W49, wins="x", submitted_at=SENT), friday) == (
        "the notes of 2026-W49 were submitted already, on Fri 2026-12-04: a submitted report "
        "stays as it was sent"
    )
    assert submit_refusal(WeekNotes("m", W49, wins="  \n"), friday) == (
        "nothing to submit for 2026-W49: write your wins, risks or asks first (a report says "
        "at least one of them)"
    )
    assert submit_refusal(WeekNotes("m", W49, wins="x"), date(2026, 11, 29)) == (
        "2026-W49 has not begun (it starts on Mon 2026-11-30): submit its notes once the week "
        "is under way"
    )


def test_the_week_meant_is_as_typed_or_the_week_of_today() -> None:
    today = date(2026, 12, 9)
    assert week_meant(None, today) == IsoWeek(2026, 50)
    assert week_meant("2026-W49", today) == IsoWeek(2026, 49)
    assert week_meant(IsoWeek(2026, 1), today) == IsoWeek(2026, 1)
    with pytest.raises(ValueError, match="like 2026-W49"):
        week_meant("last week", today)
