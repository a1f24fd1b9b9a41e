"""The weekly wrap-up (issue 22): a CSM's week and the team's, and their last 12 weeks (the
trends), read in one transaction and computed by the domain (`domain.wrapup`,
`domain.wrapup_team`, `domain.wrapup_trends`), so that the screen, `csm wrapup` and the export
all show the same figures."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from csm_tui.domain.enums import Role
from csm_tui.domain.iso_week import IsoWeek, week_meant
from csm_tui.domain.team import Member, reports_under, whose_team
from csm_tui.domain.wrapup import CsmWeek, my_week
from csm_tui.domain.wrapup_inputs import WeekRules
from csm_tui.domain.wrapup_team import TeamWeek, team_week
from csm_tui.domain.wrapup_trends import Trends, book_trends, team_trends, trend_span
from csm_tui.errors import CsmError
from csm_tui.rules import LoadedRules
from csm_tui.store import team as team_store
from csm_tui.store import wrapup as store
from csm_tui.store import wrapup_notes as notes_store
from csm_tui.store.database import Database

if TYPE_CHECKING:
    from sqlmodel import Session

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
        return self.member_week(self.me.id, week)

    def member_week(self, member_id: str, week: Week = None) -> CsmWeek:
        """A member's week, as the team's week has it (a manager opens a CSM's row)."""
        wanted = self.week(week)
        rules = WeekRules.of(self.rules.rulebook)
        with self.db.reading() as session:
            book = store.member_book(session, member_id, wanted, self.today, rules, self._targets())
        return my_week(book, wanted, self.today, rules)

    def team_week(self, week: Week = None) -> TeamWeek:
        """The team's week (this one by default): each CSM's week in one table, what needs the
        manager first, the totals, and each CSM's submitted notes; in one transaction.

        Whose team (`domain.team.whose_team`), for the signed-in member (`me`):

        - a manager others report to: their team, the whole tree under them (their reports,
          and a report's reports when that report manages people too: a director sees every
          team under them);
        - a CSM with a manager: their manager's team, the same rows their manager sees (the
          team a CSM is on is their manager's);
        - anyone else (nobody signed in, a CSM without a manager, a manager nobody reports to
          yet): the whole team, as before the team said who reports to whom.

        In any of these the rows are the CSMs, and any other member with live accounts of their
        own (a manager with a book: their accounts would be missing from the totals otherwise).

        Notes: only submitted ones (a draft is not the manager's to read). A CSM reads their own
        only: their peers' notes go to their manager (`TeamWeek.notes_hidden`); a manager, and
        anyone reading the whole team, reads every row's."""
        wanted = self.week(week)
        rules = WeekRules.of(self.rules.rulebook)
        me = self.me
        with self.db.reading() as session:
            whose, among = self._team(session)
            books = store.team_books(session, wanted, self.today, rules, self._targets(), among)
            members = [book.member_id for book in books]
            readable = members
            if me is not None and me.role is Role.CSM:
                readable = [member for member in members if member == me.id]
            notes = notes_store.submitted_notes(session, readable, wanted)
        team = team_week(books, wanted, self.today, rules)
        hidden = frozenset(members) - frozenset(readable)
        return replace(team, whose=whose, notes=notes, notes_hidden=hidden)

    def _team(self, session: Session) -> tuple[Member | None, frozenset[str] | None]:
        """Whose team the signed-in member reads (`team_week` says), and its members' ids
        (None: the whole team)."""
        manager_of = team_store.managers_of(session)
        head = whose_team(self.me, manager_of)
        whose = None if head is None else team_store.live_member(session, head)
        among = None if whose is None else reports_under(whose.id, manager_of) | {whose.id}
        return whose, among

    def trends(self, week: Week = None, team: bool = False) -> Trends:
        """The 12 weeks ending with `week` (this one by default), the signed-in member's or
        (`team`) their team's (whose, as `team_week` says), read in one span
        (`domain.wrapup_trends`)."""
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
                whose, among = self._team(session)
                books = store.team_books(
                    session, wanted, self.today, rules, targets, among, since=first
                )
            trends = team_trends(books, wanted, self.today, rules)
            return trends if whose is None else replace(trends, name=f"{whose.name}'s team")
        with self.db.reading() as session:
            book = store.member_book(
                session, me.id, wanted, self.today, rules, targets, since=first
            )
        return book_trends(book, wanted, self.today, rules)

    def _targets(self) -> dict[str, int]:
        return dict(self.rules.rulebook.wrapup.cadence_calls_per_week)
