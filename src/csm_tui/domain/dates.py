"""Dates as CRM exports write them: ISO dates and datetimes, and slash dates in the order the
file itself shows.

ISO is always read (`2024-09-15`, `2024-09-15 10:04`, `2024-09-15T10:04:25.000+0000`, `...Z`,
`...+02:00`), as the day it names in its own offset: the day the CRM showed. A slash date
(`10/16/2024`) is month first in the US and day first in most other places, and nothing in one
value says which unless a number is past 12; so the whole file is looked at (`SlashDates`): a
day past 12 in the first place proves D/M, in the second M/D. The parsing itself is the
standard library's (`datetime.fromisoformat`, `strptime`).

Digits are ASCII only: a regular expression's digit class and `strptime` would also take
Arabic-Indic and full-width ones. A date outside `EARLIEST..LATEST` is refused here, where it
comes in: the scheduler adds cadences to it and must never leave the range of `date`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from csm_tui.domain.calendar import EARLIEST, LATEST

MONTH_FIRST = "%m/%d/%Y"
DAY_FIRST = "%d/%m/%Y"
ISO_EXPECTED = "a date as YYYY-MM-DD, like 2026-11-23"
IN_RANGE_EXPECTED = f"a date from {EARLIEST} to {LATEST} (the dates csm plans in)"

_ISO = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?",
    re.ASCII,
)
#: M/D/YYYY or D/M/YYYY, with the time of day some exports add (`10/16/2024 2:03 PM`).
_SLASH = re.compile(
    r"(?P<date>(?P<first>\d{1,2})/(?P<second>\d{1,2})/\d{4})"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?)?",
    re.ASCII,
)
_SAMPLE = date(2026, 11, 23)


@functools.lru_cache(maxsize=4096)
def parse_iso_day(text: str) -> date:
    """The day of an ISO date or datetime; ValueError(what was expected) otherwise.

    The pattern comes first: `fromisoformat` alone also takes `20240915` and `2024-W37-1`.
    """
    if _ISO.fullmatch(text):
        try:
            day = datetime.fromisoformat(text).date()
        except ValueError:
            pass
        else:
            return in_range(day)
    raise ValueError(ISO_EXPECTED)


def in_range(day: date) -> date:
    """`day`, if csm can plan from it; ValueError(what was expected) otherwise."""
    if EARLIEST <= day <= LATEST:
        return day
    raise DateOutOfRange


class DateOutOfRange(ValueError):
    """A well-written date too far from now to plan with (0001-01-01, 9999-12-31)."""

    def __init__(self) -> None:
        super().__init__(IN_RANGE_EXPECTED)


def is_slash_date(text: str) -> bool:
    return _SLASH.fullmatch(text) is not None


@dataclass(frozen=True, slots=True)
class SlashDates:
    """What the slash dates of a file show about their order: a value that only month first
    can read (its second number is past 12), one that only day first can, and how many."""

    count: int = 0
    example: str | None = None
    month_first: str | None = None
    day_first: str | None = None

    @property
    def format(self) -> str | None:
        """The order the values prove, or None: none to read, ambiguous, or contradictory."""
        if self.month_first and not self.day_first:
            return MONTH_FIRST
        if self.day_first and not self.month_first:
            return DAY_FIRST
        return None

    @property
    def contradictory(self) -> bool:
        return bool(self.month_first and self.day_first)


def slash_dates(values: Iterable[str]) -> SlashDates:
    count = 0
    example = month_first = day_first = None
    for text in values:
        match = _SLASH.fullmatch(text)
        if match is None:
            continue
        count += 1
        example = example or text
        first, second = int(match["first"]), int(match["second"])
        if second > 12 and first <= 12 and month_first is None:
            month_first = text
        elif first > 12 and second <= 12 and day_first is None:
            day_first = text
    return SlashDates(count, example, month_first, day_first)


def format_example(fmt: str) -> str:
    return _SAMPLE.strftime(fmt)


def check_date_format(fmt: str) -> str | None:
    """Why `fmt` cannot read dates (None if it can): it must name the day, the month and the
    year, and read back what it writes."""
    day = "%d" in fmt or "%-d" in fmt
    month = any(code in fmt for code in ("%m", "%b", "%B"))
    year = "%Y" in fmt or "%y" in fmt
    if not (day and month and year):
        return (
            f"{fmt!r} must name the day (%d), the month (%m or %b) and the year (%Y), like %m/%d/%Y"
        )
    try:
        if datetime.strptime(_SAMPLE.strftime(fmt), fmt).date() != _SAMPLE:
            raise ValueError
    except ValueError:
        return f"{fmt!r} cannot read back the dates it writes; use codes like %m/%d/%Y"
    return None


def day_parser(fmt: str | None) -> Callable[[str], date]:
    """A parser of the cells of a date column: ISO always, and dates written in `fmt` (a time
    of day after a slash date is ignored). Without `fmt` a slash date raises `AmbiguousDate`."""
    if fmt is None:

        def iso_only(text: str) -> date:
            try:
                return parse_iso_day(text)
            except ValueError:
                if _SLASH.fullmatch(text):
                    raise AmbiguousDate(text) from None
                raise

        return iso_only

    expected = f"a date like {format_example(fmt)} ({fmt}) or YYYY-MM-DD"

    @functools.lru_cache(maxsize=4096)
    def parse(text: str) -> date:
        if not text.isascii():  # strptime's %Y takes any digits
            raise ValueError(expected)
        try:
            return in_range(datetime.strptime(text, fmt).date())
        except DateOutOfRange:
            raise
        except ValueError:
            pass
        if (match := _SLASH.fullmatch(text)) is not None:
            try:
                return in_range(datetime.strptime(match["date"], fmt).date())
            except DateOutOfRange:
                raise
            except ValueError:
                pass
        try:
            return parse_iso_day(text)
        except DateOutOfRange:
            raise
        except ValueError:
            raise ValueError(expected) from None

    return parse


class AmbiguousDate(ValueError):
    """A slash date in a file whose values do not show the order (no number past 12)."""

    def __init__(self, text: str) -> None:
        super().__init__(
            "a date in a known order: no day in this file is past 12, so M/D/YYYY and "
            "D/M/YYYY both fit"
        )
        self.text = text
