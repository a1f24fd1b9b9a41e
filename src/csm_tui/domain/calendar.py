"""Durations such as "3d", "5bd" or "6mo", and the working calendar that turns them into due dates.

How `shift(anchor, duration, calendar)` moves a date, unit by unit:

- `d`, `w`: calendar days (a week is 7 days) from the anchor; weekends and holidays count. If the
  result is not a workday it rolls FORWARD to the next workday ("following"), also for negative
  amounts: a delay that ends on a Saturday is due on Monday.
- `bd`: counts working days, skipping weekends and holidays: +1bd is the first workday after the
  anchor, -1bd the last one before it. The result is always a workday; `0bd` rolls the anchor
  forward. From a non-workday, +0bd and +1bd both give the next workday.
- `mo`, `y`: `anchor + relativedelta(months=n)` (or `years=n`), always in one step from the
  anchor, never by repeated additions, so nothing drifts: Jan 31 +1mo = Feb 28 (Feb 29 in a leap
  year), Jan 31 +2mo = Mar 31, Feb 29 +1y = Feb 28. Then it rolls as for days.
- `h`: elapsed time, which a date anchor cannot hold exactly, so the date moves by whole days
  away from the anchor (+24h = +1 day, +36h = +2, 0h = same day, -24h = -1, -36h = -2): the due
  date covers any time of day the anchor had. It never rolls: an SLA clock does not stop for
  weekends or holidays.

`roll=False` turns the roll off for every unit (`bd` results are workdays anyway). Each step of
the arithmetic is recorded in `Shifted.steps` as a sentence, so an explanation can show its work.
The calendar is plain data (a weekmask and a holiday list): this module never reads the clock.

The dates csm plans in run from `EARLIEST` to `LATEST`: what comes in (a CSV import, `--today`)
is refused outside them, and a rules file holds no duration longer than `LONGEST` (10 years), so
no shift of a date in range comes anywhere near `date.min` or `date.max`. A date from older data
still can: `shift` then stops at the end of the calendar and says so instead of raising.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_DURATION = re.compile(r"([+-]?)([0-9]+)(h|d|bd|w|mo|y)")
_MINUTES_OR_MONTHS = re.compile(r"[+-]?[0-9]+m")
_EXPECTED = (
    "expected a whole number and a unit, like 24h, 3d, 5bd, 2w, 1mo or 1y (a leading - counts back)"
)
_ONE_DAY = timedelta(days=1)

#: The first and last dates csm plans in: any date a CRM could hold for a contract, a touch or a
#: renewal. Inputs outside them are refused where they come in (CSV rows, `--today`).
EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)

#: More digits than any duration can use: refused before `int()` (which stops at 4,300 digits).
_MAX_DIGITS = 9


class DurationError(ValueError):
    """A duration in the rules file that cannot be read; the message says what would be."""


class Unit(StrEnum):
    HOURS = "h"
    DAYS = "d"
    BUSINESS_DAYS = "bd"
    WEEKS = "w"
    MONTHS = "mo"
    YEARS = "y"


#: The longest duration of a rules file in each unit, either way: 10 years (business days as
#: 10 years of Monday-to-Friday weeks). Far past any cadence, window or SLA a CSM writes, and
#: short enough that a date in EARLIEST..LATEST shifted by several of them stays a date.
LONGEST = {
    Unit.YEARS: 10,
    Unit.MONTHS: 120,
    Unit.WEEKS: 521,
    Unit.DAYS: 3_650,
    Unit.BUSINESS_DAYS: 2_600,
    Unit.HOURS: 87_600,
}

_APPROX_DAYS = {
    Unit.HOURS: 1 / 24,
    Unit.DAYS: 1.0,
    Unit.BUSINESS_DAYS: 7 / 5,
    Unit.WEEKS: 7.0,
    Unit.MONTHS: 30.44,
    Unit.YEARS: 365.25,
}


@dataclass(frozen=True, slots=True)
class Duration:
    """A signed whole amount of one unit; `text` keeps the spelling for messages, not equality."""

    amount: int
    unit: Unit
    text: str = field(compare=False)

    @classmethod
    def parse(cls, text: str) -> Duration:
        if not isinstance(text, str):  # TOML `every = 3` arrives as an int: say how to fix it
            raise DurationError(f'bad duration {text!r}: write it as a string, like "3d"')
        written = text.strip()
        match = _DURATION.fullmatch(written)
        if match is None:
            if _MINUTES_OR_MONTHS.fullmatch(written):
                raise DurationError(f'ambiguous unit "m" in "{written}": write "mo" for months')
            raise DurationError(f'bad duration "{text}": {_EXPECTED}')
        sign, digits, unit = match.groups()
        if len(digits.lstrip("0")) > _MAX_DIGITS:
            raise DurationError(too_long(written))
        magnitude = int(digits.lstrip("0") or "0")
        amount = -magnitude if sign == "-" else magnitude
        return cls(amount, Unit(unit), written)

    def __str__(self) -> str:
        return self.text

    @property
    def is_negative(self) -> bool:
        return self.amount < 0

    @property
    def is_too_long(self) -> bool:
        """Longer than a rules file may hold (`LONGEST`), either way."""
        return abs(self.amount) > LONGEST[self.unit]

    def approx_days(self) -> float:
        """Rough length, only for validation such as `latest >= every` across different units."""
        return self.amount * _APPROX_DAYS[self.unit]


def too_long(text: str) -> str:
    """Why a duration longer than `LONGEST` is refused, in the words of a rules problem:
    '"99999y" is too long: at most 10 years (10y, 120mo, ...); a longer one overflows the
    calendar' (a duration of a thousand digits quoted by its ends)."""
    written = text.strip()
    shown = written if len(written) <= 24 else f"{written[:10]}...{written[-6:]}"
    sign, back = ("-", " back") if written.startswith("-") else ("", "")
    each = [f"{sign}{amount}{unit}" for unit, amount in LONGEST.items()]
    units = f"{', '.join(each[:-1])} or {each[-1]}"
    why = "a longer one overflows the calendar"
    return f'"{shown}" is too long: at most 10 years{back} ({units}); {why}'


def add_days(day: date, days: int) -> date:
    """`day` moved by `days`, held at `date.min` or `date.max` rather than raising: a date from
    older data near the ends of the calendar must not stop a decision."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """Which weekdays are worked (`date.weekday()` numbers) and which dates are holidays."""

    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        # Coerce so a list or set from a caller still hashes; reject a week that would loop forever.
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        if not self.workdays:
            raise ValueError("a work week needs at least one working day")
        if not self.workdays <= set(range(7)):
            got = sorted(self.workdays)
            raise ValueError(f"workdays are date.weekday() numbers 0-6, got {got}")

    @classmethod
    def from_names(cls, workdays: Iterable[str], holidays: Iterable[date]) -> WorkCalendar:
        numbers: set[int] = set()
        for name in workdays:
            key = name.strip().lower()
            if key not in WEEKDAY_NAMES:
                allowed = ", ".join(WEEKDAY_NAMES)
                raise ValueError(f'unknown weekday "{name}": expected one of {allowed}')
            numbers.add(WEEKDAY_NAMES.index(key))
        return cls(frozenset(numbers), frozenset(holidays))

    def is_workday(self, day: date) -> bool:
        return day.weekday() in self.workdays and day not in self.holidays

    def roll_forward(self, day: date) -> date:
        while not self.is_workday(day):
            day += _ONE_DAY
        return day

    def add_business_days(self, day: date, n: int) -> date:
        if n == 0:
            return self.roll_forward(day)
        step = _ONE_DAY if n > 0 else -_ONE_DAY
        for _ in range(abs(n)):
            day += step
            while not self.is_workday(day):
                day += step
        return day


@dataclass(frozen=True, slots=True)
class Shifted:
    """A date moved by a duration, with the human steps that got there."""

    day: date
    steps: tuple[str, ...]


def fmt_day(day: date) -> str:
    """ISO date and a short English weekday, "2026-11-02 (Mon)", independent of the locale."""
    return f"{day.isoformat()} ({WEEKDAY_NAMES[day.weekday()].capitalize()})"


def shift(
    anchor: date, duration: Duration, calendar: WorkCalendar, *, roll: bool = True
) -> Shifted:
    """Move `anchor` by `duration` as the module docstring describes, recording each step.

    Memoised: a book of business has a few thousand distinct (anchor, duration) pairs across
    a hundred thousand accounts, and the result (steps included) is immutable.
    """
    return _shift(anchor, duration, calendar, roll)


@lru_cache(maxsize=1 << 16)
def _shift(anchor: date, duration: Duration, calendar: WorkCalendar, roll: bool) -> Shifted:
    try:
        return _shift_within(anchor, duration, calendar, roll)
    except (OverflowError, ValueError):  # past date.max or date.min ("year 10000 is out of range")
        n = duration.amount
        return _held(f"{n:+d}{duration.unit} from {fmt_day(anchor)} ->", n >= 0)


def _held(head: str, forward: bool) -> Shifted:
    """A shift that ran off the calendar (a date of older data near its end): held at the end."""
    end = date.max if forward else date.min
    return Shifted(end, (f"{head} past the end of the calendar: held at {fmt_day(end)}",))


def _shift_within(anchor: date, duration: Duration, calendar: WorkCalendar, roll: bool) -> Shifted:
    n, unit = duration.amount, duration.unit
    head = f"{n:+d}{unit} from {fmt_day(anchor)} ->"
    if unit is Unit.HOURS:
        days = -(-n // 24) if n > 0 else n // 24  # whole days away from the anchor
        day = anchor + timedelta(days=days)
        return Shifted(day, (f"{head} {fmt_day(day)}, elapsed time: no roll",))
    if unit is Unit.BUSINESS_DAYS:
        day = calendar.add_business_days(anchor, n)
        return Shifted(day, (f"{head} {fmt_day(day)}, counting working days only",))
    if unit in (Unit.DAYS, Unit.WEEKS):
        day = anchor + timedelta(days=n * (7 if unit is Unit.WEEKS else 1))
        steps = [f"{head} {fmt_day(day)}"]
    else:
        from dateutil.relativedelta import relativedelta  # only months and years need it

        delta = relativedelta(months=n) if unit is Unit.MONTHS else relativedelta(years=n)
        day = anchor + delta
        clamped = ", clamped to month end" if day.day != anchor.day else ""
        steps = [f"{head} {fmt_day(day)}{clamped}"]
    if roll and not calendar.is_workday(day):
        try:
            rolled = calendar.roll_forward(day)
        except OverflowError:  # a backward shift can still roll forward off the calendar
            return _held(" ".join(steps) + ", rolled", forward=True)
        steps.append(_roll_step(day, rolled, calendar))
        day = rolled
    return Shifted(day, tuple(steps))


def _roll_step(start: date, end: date, calendar: WorkCalendar) -> str:
    """Say what a roll skipped: "the weekend", named holidays, or both in the order met."""
    skipped = [start + timedelta(days=i) for i in range((end - start).days)]
    holidays = [d for d in skipped if d.weekday() in calendar.workdays]
    off_days = [d for d in skipped if d.weekday() not in calendar.workdays]
    parts: list[tuple[date, str]] = []
    if holidays:
        label = "holiday" if len(holidays) == 1 else "holidays"
        parts.append((holidays[0], f"{label} {', '.join(fmt_day(d) for d in holidays)}"))
    if off_days:
        weekend = all(d.weekday() >= 5 for d in off_days)
        plural = "s" if len(off_days) > 1 else ""
        parts.append((off_days[0], "the weekend" if weekend else f"non-working day{plural}"))
    reasons = " and ".join(text for _, text in sorted(parts))
    return f"rolled past {reasons} to {fmt_day(end)}"
