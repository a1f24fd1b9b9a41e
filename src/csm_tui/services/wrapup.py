"""The weekly wrap-up (issue 22): a CSM's week and the team's, and their last 12 weeks (the
trends), read in one transaction and computed by the domain (`domain.wrapup`,
`domain.wrapup_team`, `domain.wrapup_trends`), so that the screen, `csm wrapup` and the export
all show the same figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from csm_tui.domain.iso_week import IsoWeek, week_meant
from csm_tui.domain.team import Member
from csm_tui.domain.wrapup import CsmWeek, my_week
from csm_tui.domain.wrapup_inputs import WeekRules
from csm_tui.domain.wrapup_team import TeamWeek, team_week
from csm_tui.domain.wrapup_trends import Trends, book_trends, team_trends, trend_span
from csm_tui.errors import CsmError
from csm_tui.rules import LoadedRules
from csm_tui.store import wrapup as store
from csm_tui.store.database import Database

#: A week as the caller has it: parsed, or as typed ("2026-W49"); None: this one.
Week = IsoWeek | str | None


class WrapupError(CsmError):
    """A week that cannot be shown as asked, said so that the user can see why."""


@dataclass
class Wrapup:
    db: Database
    rules: LoadedRules
    today: date
    me: Member | None

    def week(self, week: Week = None) -> IsoWeek:
        """The week meant: `week` checked, or this one (of `today`)."""
        try:
            return week_meant(week, self.today)
        except ValueError as error:
            raise WrapupError(str(error)) from None

    def my_week(self, week: Week = None) -> CsmWeek:
        """The signed-in member's week (this one by default)."""
        if self.me is None:
            raise WrapupError("whose week? Pass --as EMAIL (or set user_email)")
        wanted = self.week(week)
        rules = WeekRules.of(self.rules.rulebook)
        with self.db.reading() as session:
            book = store.member_book(
                session, self.me.id, wanted, self.today, rules, self._targets()
            )
        return my_week(book, wanted, self.today, rules)

    def team_week(self, week: Week = None) -> TeamWeek:
        """Every CSM's week in one table, what needs the manager first (this week by default)."""
        wanted = self.week(week)
        rules = WeekRules.of(self.rules.rulebook)
        with self.db.reading() as session:
            books = store.team_books(session, wanted, self.today, rules, self._targets())
        return team_week(books, wanted, self.today, rules)

    def trends(self, week: Week = None, team: bool = False) -> Trends:
        """The 12 weeks ending with `week` (this one by default), the signed-in member's or
        (`team`) the team's, read in one span (`domain.wrapup_trends`)."""
        me = self.me
        if not team and me is None:
            raise WrapupError("whose trends? Pass --as EMAIL (or set user_email), or --team")
        wanted = self.week(week)
        try:
            first = trend_span(wanted)[0]
        except ValueError as error:  # 12 weeks back is before the dates csm plans
            raise WrapupError(str(error)) from None
        rules = WeekRules.of(self.rules.rulebook)
        targets = self._targets()
        if team or me is None:
            with self.db.reading() as session:
                books = store.team_books_span(session, first, wanted, self.today, rules, targets)
            return team_trends(books, wanted, self.today, rules)
        with self.db.reading() as session:
            book = store.member_book_span(session, me.id, first, wanted, self.today, rules, targets)
        return book_trends(book, wanted, self.today, rules)

    def _targets(self) -> dict[str, int]:
        return dict(self.rules.rulebook.wrapup.cadence_calls_per_week)
