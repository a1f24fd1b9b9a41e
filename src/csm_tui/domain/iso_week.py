"""An ISO week, as a weekly report is filed under it ("2026-W49"): weeks begin on Monday, and
week 1 is the one with the year's first Thursday (so 2026-W53 exists, 2027-W53 does not)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from csm_tui.domain.calendar import EARLIEST, LATEST, WorkCalendar

_WEEK = re.compile(r"(\d{4})-?W(\d{1,2})")


@dataclass(frozen=True, slots=True, order=True)
class IsoWeek:
    year: int
    week: int

    def __post_init__(self) -> None:
        outside = f"{self} is outside the dates csm plans ({EARLIEST} to {LATEST})"
        if not EARLIEST.year - 1 <= self.year <= LATEST.year + 1:
            raise ValueError(outside)
        last = weeks_in(self.year)
        if not 1 <= self.week <= last:
            raise ValueError(f"{self} is not a week: {self.year} has weeks W01 to W{last}")
        if self.sunday < EARLIEST or self.monday > LATEST:
            raise ValueError(outside)

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """`2026-W49` (also `2026-w49`, `2026W49`); ValueError saying what to write."""
        match = _WEEK.fullmatch(text.strip().upper())
        if match is None:
            raise ValueError(
                f"{text.strip()!r} is not a week: write the ISO year and week, like 2026-W49"
            )
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, day: date) -> IsoWeek:
        year, week, _weekday = day.isocalendar()
        return cls(year, week)

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def days(self) -> tuple[date, ...]:
        """Monday to Sunday (which of them are workdays is the rules' calendar's to say)."""
        return tuple(self.monday + timedelta(days=n) for n in range(7))

    def shifted(self, weeks: int) -> IsoWeek:
        """The week `weeks` later (earlier when negative)."""
        return IsoWeek.of(self.monday + timedelta(weeks=weeks))

    @property
    def previous(self) -> IsoWeek:
        return self.shifted(-1)

    @property
    def next(self) -> IsoWeek:
        return self.shifted(1)

    def workdays(self, calendar: WorkCalendar) -> tuple[date, ...]:
        """Its working days under the rules file's calendar: a holiday makes fewer."""
        return tuple(day for day in self.days if calendar.is_workday(day))

    def counted(self, today: date) -> tuple[date, ...]:
        """Its days up to `today`: all of a past week, none of a week to come."""
        return tuple(day for day in self.days if day <= today)

    def as_of(self, today: date) -> date:
        """The day its states are read on: its last counted day, or `today` before it begins."""
        return min(self.sunday, today)

    def __contains__(self, day: object) -> bool:
        """A day, or a moment (a UTC `datetime`: its UTC day), within Monday to Sunday."""
        if isinstance(day, datetime):
            day = day.astimezone(UTC).date()
        return isinstance(day, date) and self.monday <= day <= self.sunday

    def __str__(self) -> str:
        return f"{self.year:04d}-W{self.week:02d}"


def week_meant(week: IsoWeek | str | None, today: date) -> IsoWeek:
    """The week a command or a screen asks for: as typed ("2026-W49", checked), or the week of
    `today` when none is given. ValueError says what to write."""
    if week is None:
        return IsoWeek.of(today)
    return week if isinstance(week, IsoWeek) else IsoWeek.parse(week)


def weeks_in(year: int) -> int:
    """52 or 53: December 28th is always in the year's last week."""
    return date(year, 12, 28).isocalendar()[1]
