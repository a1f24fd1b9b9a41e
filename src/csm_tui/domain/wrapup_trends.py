"""The wrap-up's trends (issue 22): the last 12 weeks of a CSM's book, or the team's, as the
figures the charts draw: touches and cadence calls against the week's call target, the accounts
in each health band, and the open escalations by level.

Each week is read as `wrapup.my_week` reads it, so that a week's bar says what its wrap-up says:
only its days up to `today` count (a week still running counts its days so far, a week to come
none), and what is a state (health band, open escalations) is read on `IsoWeek.as_of(today)`,
its last counted day, or `today` for a week to come (the states of today, not zeros).

Decided here, where the issue is silent:

- Membership is today's: the accounts a CSM owns now count for every past week, with their
  whole history (touches, snapshots, escalations), and accounts they owned then but not now do
  not count. The store keeps no history of ownership, and a manager reading a trend asks "how has
  this book been doing", not "what did this person carry in August". The team's trends are the
  sum of its CSMs' books, so they hold every account with an owner on the team.
- The call target of a week is the sum over the CSMs of their weekly target's share of the
  week's workdays (`wrapup.calls`): a holiday week asks less. It is the target of the CSMs' books
  now, as membership is.
- A health band on a day is `wrapup_health.band_on`: the account's last snapshot by then, else
  its score now (an account with no snapshot yet counts in the band of its score now; with no
  score at all, as unknown).
- An open escalation is one whose history says it was open at the end of the day
  (`wrapup_history.open_levels`), counted at the level it stood at then.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from csm_tui.domain.health import HealthBand
from csm_tui.domain.iso_week import IsoWeek
from csm_tui.domain.ladder import LEVELS
from csm_tui.domain.wrapup import calls
from csm_tui.domain.wrapup_health import band_on
from csm_tui.domain.wrapup_history import open_levels
from csm_tui.domain.wrapup_inputs import CsmBook, Touch, WeekRules, weekday_name

#: How many weeks the trends show: a quarter, the span of a QBR's look back.
TREND_WEEKS = 12

#: The bands in the order the charts stack them, the healthiest at the bottom.
BANDS = (HealthBand.GREEN, HealthBand.YELLOW, HealthBand.RED, HealthBand.UNKNOWN)


@dataclass(frozen=True, slots=True)
class TrendWeek:
    """One week of the trends: counts, so that the team's week is its CSMs' weeks added up."""

    week: IsoWeek
    as_of: date  # the day its states are read on
    counted_days: int  # its days up to `today`: 7 for a past week, 0 for a week to come
    touches: int  # on the counted days
    calls: int  # touches of `WeekRules.call_kinds` on the counted days
    call_target: int  # what the week asks (its share of workdays of a full week's target)
    bands: tuple[int, ...]  # accounts in each band of `BANDS` at `as_of`
    escalations: tuple[int, ...]  # open escalations at `as_of` at each level of `LEVELS`

    def __add__(self, other: TrendWeek) -> TrendWeek:
        """Two books' same week: the team's."""
        if (self.week, self.as_of) != (other.week, other.as_of):
            raise ValueError(f"cannot add {other.week} as of {other.as_of} to {self.week}")
        return TrendWeek(
            self.week,
            self.as_of,
            self.counted_days,
            self.touches + other.touches,
            self.calls + other.calls,
            self.call_target + other.call_target,
            _add(self.bands, other.bands),
            _add(self.escalations, other.escalations),
        )

    def band(self, band: HealthBand) -> int:
        return self.bands[BANDS.index(band)]

    @property
    def accounts(self) -> int:
        return sum(self.bands)

    @property
    def open_escalations(self) -> int:
        return sum(self.escalations)

    @property
    def progress(self) -> str:
        """'' for a week that is over, 'to date' while it runs, 'to come' before it begins."""
        return "" if self.counted_days == 7 else "to date" if self.counted_days else "to come"


@dataclass(frozen=True, slots=True)
class Trends:
    """A book's last weeks, oldest first, the last one the week asked for."""

    name: str  # the CSM's name, "The team", or whose ("Jordan Reyes's team")
    today: date
    csms: int  # the books summed: 1 for a CSM's own
    weeks: tuple[TrendWeek, ...]

    @property
    def last(self) -> IsoWeek:
        return self.weeks[-1].week

    @property
    def first(self) -> IsoWeek:
        return self.weeks[0].week

    @property
    def head(self) -> str:
        """'Maya Patel, 2026-W37 to 2026-W48, as of Mon 2026-11-23' (as of: the last week's
        day its states are read on, said while that week runs or is to come)."""
        last = self.weeks[-1]
        head = f"{self.name}, {self.first} to {self.last}"
        if not last.progress:
            return head
        return f"{head}, as of {weekday_name(last.as_of)} {last.as_of}"


def trend_span(week: IsoWeek, weeks: int = TREND_WEEKS) -> tuple[IsoWeek, ...]:
    """The `weeks` ISO weeks ending with `week`, oldest first."""
    if weeks < 1:
        raise ValueError(f"trends span at least one week, got {weeks}")
    return tuple(week.shifted(n) for n in range(1 - weeks, 1))


def book_trends(
    book: CsmBook, week: IsoWeek, today: date, rules: WeekRules, weeks: int = TREND_WEEKS
) -> Trends:
    """A CSM's book over the `weeks` weeks ending with `week`, on `today` (see the module)."""
    return Trends(book.name, today, 1, _weeks(book, trend_span(week, weeks), today, rules))


def team_trends(
    books: Iterable[CsmBook],
    week: IsoWeek,
    today: date,
    rules: WeekRules,
    weeks: int = TREND_WEEKS,
) -> Trends:
    """The team's trends: every book's weeks added up (an empty team: zeros)."""
    span = trend_span(week, weeks)
    total = tuple(_empty(w, today) for w in span)
    count = 0
    for book in books:
        count += 1
        total = tuple(a + b for a, b in zip(total, _weeks(book, span, today, rules), strict=True))
    return Trends("The team", today, count, total)


def _weeks(
    book: CsmBook, span: Sequence[IsoWeek], today: date, rules: WeekRules
) -> tuple[TrendWeek, ...]:
    ids = {account.id for account in book.accounts}
    by_week: defaultdict[IsoWeek, list[Touch]] = defaultdict(list)
    for touch in book.touches:
        if touch.account_id in ids and touch.on <= today:
            by_week[IsoWeek.of(touch.on)].append(touch)
    days = [w.as_of(today) for w in span]
    levels = [open_levels(record, days) for record in book.escalations if record.account_id in ids]
    found = []
    for n, week in enumerate(span):
        as_of = days[n]
        touches = by_week.get(week, [])
        share = calls(touches, book.call_target, week, today, rules)
        bands = [band_on(account, as_of, rules.bands)[1] for account in book.accounts]
        open_at = [record[n] for record in levels]
        found.append(
            TrendWeek(
                week,
                as_of,
                len(week.counted(today)),
                len(touches),
                share.done,
                share.target,
                tuple(bands.count(band) for band in BANDS),
                tuple(open_at.count(level) for level in LEVELS),
            )
        )
    return tuple(found)


def _empty(week: IsoWeek, today: date) -> TrendWeek:
    return TrendWeek(
        week,
        week.as_of(today),
        len(week.counted(today)),
        0,
        0,
        0,
        (0,) * len(BANDS),
        (0,) * len(LEVELS),
    )


def _add(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(x + y for x, y in zip(a, b, strict=True))
