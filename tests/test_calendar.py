from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from csm_tui.domain.calendar import (
    EARLIEST,
    LATEST,
    LONGEST,
    Duration,
    DurationError,
    Shifted,
    Unit,
    WorkCalendar,
    add_days,
    fmt_day,
    shift,
)

D = date.fromisoformat
HOLIDAYS = frozenset({D("2026-09-07"), D("2026-11-26"), D("2026-12-25"), D("2027-01-01")})
CAL = WorkCalendar(holidays=HOLIDAYS)  # Mon-Fri; Labor Day (Mon), Thanksgiving (Thu), two Fridays
PLAIN = WorkCalendar()


def _shift(anchor: str, text: str, cal: WorkCalendar = CAL, *, roll: bool = True) -> Shifted:
    return shift(D(anchor), Duration.parse(text), cal, roll=roll)


# ---------- parsing ----------


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("24h", 24, Unit.HOURS),
        ("3d", 3, Unit.DAYS),
        ("5bd", 5, Unit.BUSINESS_DAYS),
        ("2w", 2, Unit.WEEKS),
        ("1mo", 1, Unit.MONTHS),
        ("1y", 1, Unit.YEARS),
        ("-120d", -120, Unit.DAYS),
        ("+3d", 3, Unit.DAYS),
        ("0d", 0, Unit.DAYS),
        ("  6mo ", 6, Unit.MONTHS),
    ],
)
def test_parse_reads_amount_and_unit(text, amount, unit):
    duration = Duration.parse(text)
    assert (duration.amount, duration.unit) == (amount, unit)
    assert str(duration) == text.strip()


def test_a_leading_plus_is_the_same_duration_spelled_differently():
    assert Duration.parse("+3d") == Duration.parse("3d")
    assert str(Duration.parse("+3d")) == "+3d"


def test_is_negative_and_approx_days():
    assert Duration.parse("-1d").is_negative and not Duration.parse("0d").is_negative
    approx = [Duration.parse(t).approx_days() for t in ("36h", "3d", "5bd", "2w", "1mo", "1y")]
    assert approx == pytest.approx([1.5, 3, 7, 14, 30.44, 365.25])
    assert Duration.parse("-2w").approx_days() == -14


EXPECTED = "expected a whole number and a unit, like 24h, 3d, 5bd, 2w, 1mo or 1y"


@pytest.mark.parametrize(
    "text", ["", "3", "d", "3 days", "1.5d", "P1D", "3D", "--3d", "+-3d", "3d2"]
)
def test_parse_rejects_malformed_text_and_says_what_is_expected(text):
    with pytest.raises(DurationError) as caught:
        Duration.parse(text)
    assert str(caught.value).startswith(f'bad duration "{text}": {EXPECTED}')
    assert "(a leading - counts back)" in str(caught.value)


@pytest.mark.parametrize("text", ["3m", "-1m", " 12m"])
def test_m_is_rejected_as_ambiguous_with_a_hint(text):
    with pytest.raises(DurationError, match="ambiguous unit") as caught:
        Duration.parse(text)
    assert str(caught.value) == f'ambiguous unit "m" in "{text.strip()}": write "mo" for months'


def test_a_bare_number_from_toml_is_told_to_become_a_string():
    with pytest.raises(DurationError, match=r'bad duration 3: write it as a string, like "3d"'):
        Duration.parse(3)  # type: ignore[arg-type]


def test_duration_error_is_a_value_error():
    assert issubclass(DurationError, ValueError)


# ---------- the calendar ----------


def test_from_names_is_case_insensitive():
    cal = WorkCalendar.from_names(["Mon", "TUE", " wed ", "thu"], [D("2026-12-25")])
    assert cal == WorkCalendar(frozenset({0, 1, 2, 3}), frozenset({D("2026-12-25")}))
    assert not cal.is_workday(D("2026-11-20"))  # a Friday, off in a four-day week


def test_from_names_rejects_an_unknown_weekday_and_lists_the_allowed_ones():
    with pytest.raises(ValueError, match='unknown weekday "monday": expected one of mon, tue, '):
        WorkCalendar.from_names(["monday"], [])


@pytest.mark.parametrize(
    "build", [lambda: WorkCalendar(frozenset()), lambda: WorkCalendar.from_names([], [])]
)
def test_an_empty_work_week_is_refused(build):
    with pytest.raises(ValueError, match="^a work week needs at least one working day$"):
        build()


def test_weekday_numbers_out_of_range_are_refused():
    with pytest.raises(ValueError, match=r"0-6, got \[7\]"):
        WorkCalendar(frozenset({7}))


def test_is_workday_and_roll_forward():
    assert CAL.is_workday(D("2026-11-20")) and not CAL.is_workday(D("2026-11-21"))
    assert not CAL.is_workday(D("2026-12-25"))
    assert CAL.roll_forward(D("2026-11-20")) == D("2026-11-20")
    assert CAL.roll_forward(D("2026-12-25")) == D("2026-12-28")
    assert CAL.roll_forward(D("2026-09-05")) == D("2026-09-08")  # Sat, Sun, Labor Day Mon


def test_fmt_day():
    assert fmt_day(D("2026-11-02")) == "2026-11-02 (Mon)"
    assert fmt_day(D("2026-11-22")) == "2026-11-22 (Sun)"


# ---------- d and w: calendar days, then roll forward ----------


@pytest.mark.parametrize(
    ("anchor", "text", "due"),
    [
        ("2026-11-02", "3d", "2026-11-05"),  # Mon -> Thu
        ("2026-11-19", "3d", "2026-11-23"),  # Thu -> Sun -> Mon: weekends count, then roll
        ("2026-11-23", "-1d", "2026-11-23"),  # Mon -> Sun rolls FORWARD, back to Mon
        ("2026-11-23", "-3d", "2026-11-20"),  # Mon -> Fri
        ("2026-11-21", "0d", "2026-11-23"),  # a Saturday anchor rolls even with no offset
        ("2026-11-02", "2w", "2026-11-16"),
        ("2026-12-11", "2w", "2026-12-28"),  # Fri holiday, then the weekend
        ("2026-08-29", "1w", "2026-09-08"),  # the weekend, then a Monday holiday
        ("2026-12-19", "-3w", "2026-11-30"),  # Sat -3w is Sat, rolls to Mon
    ],
)
def test_days_and_weeks_count_calendar_days_then_roll(anchor, text, due):
    assert _shift(anchor, text).day == D(due)


def test_a_workday_result_has_one_step():
    assert _shift("2026-11-02", "2w").steps == ("+2w from 2026-11-02 (Mon) -> 2026-11-16 (Mon)",)
    assert _shift("2026-11-02", "-120d").steps[0].startswith("-120d from 2026-11-02 (Mon) -> ")


@pytest.mark.parametrize(
    ("anchor", "text", "roll_step"),
    [
        ("2026-11-19", "2d", "rolled past the weekend to 2026-11-23 (Mon)"),
        ("2026-11-25", "1d", "rolled past holiday 2026-11-26 (Thu) to 2026-11-27 (Fri)"),
        (
            "2026-12-24",
            "1d",
            "rolled past holiday 2026-12-25 (Fri) and the weekend to 2026-12-28 (Mon)",
        ),
        (
            "2026-09-04",
            "1d",
            "rolled past the weekend and holiday 2026-09-07 (Mon) to 2026-09-08 (Tue)",
        ),
    ],
)
def test_the_roll_step_names_what_it_skipped(anchor, text, roll_step):
    assert _shift(anchor, text).steps[-1] == roll_step


def test_two_holidays_in_a_row_are_both_named():
    cal = WorkCalendar(holidays=frozenset({D("2026-12-24"), D("2026-12-25")}))
    assert _shift("2026-12-23", "1d", cal).steps[-1] == (
        "rolled past holidays 2026-12-24 (Thu), 2026-12-25 (Fri) and the weekend"
        " to 2026-12-28 (Mon)"
    )


def test_a_day_off_outside_the_weekend_is_not_called_the_weekend():
    four_days = WorkCalendar.from_names(["mon", "tue", "wed", "thu"], [])
    assert _shift("2026-11-19", "1d", four_days).steps[-1] == (
        "rolled past non-working days to 2026-11-23 (Mon)"
    )


def test_roll_false_keeps_the_raw_date():
    assert _shift("2026-11-19", "2d", roll=False) == Shifted(
        D("2026-11-21"), ("+2d from 2026-11-19 (Thu) -> 2026-11-21 (Sat)",)
    )


# ---------- mo and y: relativedelta from the anchor, clamped, then roll ----------


@pytest.mark.parametrize(
    ("anchor", "text", "raw"),
    [
        ("2026-01-29", "1mo", "2026-02-28"),
        ("2026-01-30", "1mo", "2026-02-28"),
        ("2026-01-31", "1mo", "2026-02-28"),
        ("2028-01-29", "1mo", "2028-02-29"),  # leap year
        ("2028-01-30", "1mo", "2028-02-29"),
        ("2028-01-31", "1mo", "2028-02-29"),
        ("2026-01-31", "2mo", "2026-03-31"),  # from the anchor in one step: no drift to Mar 28
        ("2026-01-31", "3mo", "2026-04-30"),
        ("2026-08-31", "-6mo", "2026-02-28"),
        ("2026-03-31", "-1mo", "2026-02-28"),
        ("2028-02-29", "1y", "2029-02-28"),
        ("2028-02-29", "-1y", "2027-02-28"),
        ("2028-02-29", "4y", "2032-02-29"),
        ("2026-11-02", "0mo", "2026-11-02"),
    ],
)
def test_months_and_years_clamp_at_month_end(anchor, text, raw):
    assert _shift(anchor, text, roll=False).day == D(raw)


def test_a_clamped_month_end_says_so_and_then_rolls():
    assert _shift("2026-01-31", "1mo").steps == (
        "+1mo from 2026-01-31 (Sat) -> 2026-02-28 (Sat), clamped to month end",
        "rolled past the weekend to 2026-03-02 (Mon)",
    )
    assert _shift("2028-02-29", "1y").steps == (
        "+1y from 2028-02-29 (Tue) -> 2029-02-28 (Wed), clamped to month end",
    )
    assert _shift("2026-06-20", "6mo").steps == (
        "+6mo from 2026-06-20 (Sat) -> 2026-12-20 (Sun)",
        "rolled past the weekend to 2026-12-21 (Mon)",
    )


# ---------- bd: counted working days ----------


@pytest.mark.parametrize(
    ("anchor", "text", "due"),
    [
        ("2026-12-23", "5bd", "2026-12-31"),  # Wed; skips Christmas and the weekend
        ("2026-12-23", "6bd", "2027-01-04"),  # and New Year's Day and the next weekend
        ("2026-12-24", "5bd", "2027-01-04"),
        ("2027-01-04", "-5bd", "2026-12-24"),
        ("2026-11-20", "1bd", "2026-11-23"),  # Fri -> Mon
        ("2026-11-21", "1bd", "2026-11-23"),  # Sat: the first workday after it
        ("2026-11-21", "-1bd", "2026-11-20"),  # Sat: the last workday before it
        ("2026-11-21", "0bd", "2026-11-23"),  # 0bd rolls forward
        ("2027-01-01", "0bd", "2027-01-04"),
        ("2026-11-23", "0bd", "2026-11-23"),
        ("2026-09-04", "1bd", "2026-09-08"),  # Labor Day Monday
    ],
)
def test_business_days_count_only_working_days(anchor, text, due):
    assert _shift(anchor, text).day == D(due)


def test_business_days_step():
    assert _shift("2026-12-23", "5bd").steps == (
        "+5bd from 2026-12-23 (Wed) -> 2026-12-31 (Thu), counting working days only",
    )


def test_business_days_ignore_holidays_the_calendar_does_not_have():
    assert _shift("2026-12-23", "5bd", PLAIN).day == D("2026-12-30")


# ---------- h: elapsed time, whole days away from the anchor, never rolled ----------


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("0h", "2026-11-20"),
        ("1h", "2026-11-21"),
        ("24h", "2026-11-21"),  # Fri -> Sat: the SLA clock runs over the weekend
        ("25h", "2026-11-22"),
        ("36h", "2026-11-22"),
        ("48h", "2026-11-22"),
        ("72h", "2026-11-23"),
        ("-1h", "2026-11-19"),
        ("-24h", "2026-11-19"),
        ("-36h", "2026-11-18"),
    ],
)
def test_hours_move_whole_days_and_do_not_roll(text, due):
    assert _shift("2026-11-20", text).day == D(due)


def test_hours_step_says_there_is_no_roll():
    assert _shift("2026-11-20", "24h").steps == (
        "+24h from 2026-11-20 (Fri) -> 2026-11-21 (Sat), elapsed time: no roll",
    )
    assert _shift("2026-12-24", "24h").day == D("2026-12-25")  # a holiday, too


# ---------- properties ----------

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
calendars = st.builds(
    WorkCalendar,
    st.frozensets(st.integers(0, 6), min_size=1),
    st.frozensets(st.dates(min_value=date(1999, 1, 1), max_value=date(2102, 12, 31)), max_size=40),
)
rolling_units = st.sampled_from(["d", "w", "mo", "y"])


@given(days, st.integers(-400, 400), rolling_units, calendars)
def test_a_rolled_result_is_a_workday_on_or_after_the_raw_date(anchor, n, unit, cal):
    rolled = shift(anchor, Duration.parse(f"{n}{unit}"), cal)
    raw = shift(anchor, Duration.parse(f"{n}{unit}"), cal, roll=False)
    assert cal.is_workday(rolled.day)
    assert raw.day <= rolled.day < raw.day + timedelta(days=7 * (1 + len(cal.holidays)))
    assert len(rolled.steps) == (1 if raw.day == rolled.day else 2)


@given(days, st.integers(-60, 60), calendars)
def test_business_days_land_on_a_workday_after_exactly_n_of_them(anchor, n, cal):
    due = shift(anchor, Duration.parse(f"{n}bd"), cal).day
    assert cal.is_workday(due)
    if n > 0:
        between = [anchor + timedelta(days=i) for i in range(1, (due - anchor).days + 1)]
        assert sum(map(cal.is_workday, between)) == n
    elif n < 0:
        between = [due + timedelta(days=i) for i in range((anchor - due).days)]
        assert sum(map(cal.is_workday, between)) == -n
    else:
        assert due == cal.roll_forward(anchor)


@given(days, st.integers(-240, 240))
def test_months_never_drift_from_the_anchor(anchor, k):
    raw = shift(anchor, Duration.parse(f"{k}mo"), PLAIN, roll=False).day
    assert raw == anchor + relativedelta(months=k)
    assert raw.day == anchor.day or raw == raw + relativedelta(day=31)  # only ever clamped


@given(days, st.integers(-1000, 1000), calendars)
def test_hours_never_roll_and_cover_the_whole_elapsed_span(anchor, hours, cal):
    moved = (shift(anchor, Duration.parse(f"{hours}h"), cal).day - anchor).days
    assert abs(moved) * 24 >= abs(hours) > (abs(moved) - 1) * 24
    assert moved * hours >= 0


# ---------- the ends of the calendar (issue 19) ----------


def test_the_supported_range_and_the_longest_duration_leave_room_on_both_sides() -> None:
    """A date in EARLIEST..LATEST moved by a few of the longest durations is still a date."""
    assert [EARLIEST.isoformat(), LATEST.isoformat()] == ["1900-01-01", "2199-12-31"]
    # The longest: 2600 working days of a one-day work week (50 years), then two windows.
    span = timedelta(days=2600 * 7 + 2 * 3653)
    assert EARLIEST - span > date.min and LATEST + span < date.max
    for unit, amount in LONGEST.items():
        assert not Duration(amount, unit, f"{amount}{unit}").is_too_long
        assert Duration(-amount - 1, unit, f"-{amount + 1}{unit}").is_too_long


@pytest.mark.parametrize("text", ["9999999999d", "-" + "9" * 5000 + "y"])
def test_a_duration_of_more_than_nine_digits_is_refused_by_the_parser(text: str) -> None:
    with pytest.raises(DurationError, match="is too long: at most 10 years"):
        Duration.parse(text)


@pytest.mark.parametrize(
    ("anchor", "text", "held"),
    [
        ("9999-12-30", "5bd", date.max),
        ("9999-12-30", "1y", date.max),
        ("9999-12-30", "48h", date.max),
        ("9999-12-25", "2w", date.max),
        ("0001-01-03", "-1mo", date.min),
        ("0001-01-03", "-3d", date.min),
        ("0001-01-03", "-5bd", date.min),
    ],
)
def test_a_shift_past_the_end_of_the_calendar_is_held_there(
    anchor: str, text: str, held: date
) -> None:
    moved = shift(D(anchor), Duration.parse(text), PLAIN)
    assert moved.day == held
    assert moved.steps == (
        f"{Duration.parse(text).amount:+d}{Duration.parse(text).unit} from {fmt_day(D(anchor))} "
        f"-> past the end of the calendar: held at {fmt_day(held)}",
    )


def test_a_backward_shift_that_rolls_off_the_end_is_held_at_the_last_day() -> None:
    mondays = WorkCalendar(frozenset({0}))  # 9999-12-31 is a Friday: no Monday after it
    moved = shift(date.max, Duration.parse("-1d"), mondays)
    assert moved.day == date.max
    assert moved.steps[-1].endswith("rolled past the end of the calendar: held at 9999-12-31 (Fri)")


def test_add_days_is_held_at_the_ends_of_the_calendar() -> None:
    assert add_days(date(2026, 11, 23), 7) == date(2026, 11, 30)
    assert add_days(date.max, 1) == date.max
    assert add_days(date.min, -1) == date.min
    assert add_days(date(9999, 12, 1), 3650) == date.max
