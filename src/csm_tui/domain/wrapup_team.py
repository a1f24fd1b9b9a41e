"""The team's week: each CSM's figures in one row, the team's totals, and the rows in the order of
what needs the manager (issue 22).

The order, most pressing first; each is compared only when the ones before it tie:

1. escalations past their SLA at the end of the week, more first: a customer kept waiting past
   a promise, and the manager is on the ladder from L3;
2. red accounts without a recovery plan, more first: the seeds ask for one within 48 hours;
3. renewals at risk (red or yellow within the window, the renewal question not asked), more first;
4. under the call target (the even pace to date), the most calls short first;

then by name. Each reason is kept in words, so that a row says why it is where it is; a row with
none needs nothing from the manager this week.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from csm_tui.domain.enums import Choice
from csm_tui.domain.iso_week import IsoWeek
from csm_tui.domain.team import Member
from csm_tui.domain.weekly_notes import WeekNotes
from csm_tui.domain.wrapup import CsmWeek, Figures, TouchTally, my_week, tally
from csm_tui.domain.wrapup_inputs import CsmBook, WeekRules


class Attention(Choice):
    """Why a CSM's row needs the manager, in the order the rows are sorted by."""

    BREACHED = "breached"
    RED_WITHOUT_PLAN = "red-without-plan"
    RENEWALS_AT_RISK = "renewals-at-risk"
    UNDER_TARGET = "under-target"


@dataclass(frozen=True, slots=True)
class Reason:
    kind: Attention
    count: int  # escalations, red accounts, renewals, or calls short of the pace
    words: str  # '2 escalations past their SLA'


@dataclass(frozen=True, slots=True)
class CsmRow:
    """One CSM in the team's table: their week, and why it needs the manager."""

    week: CsmWeek
    reasons: tuple[Reason, ...]  # in the order of `Attention`; () when nothing needs the manager

    @property
    def figures(self) -> Figures:
        return self.week.figures

    @property
    def why(self) -> str:
        """The reasons in one line: '1 escalation past its SLA; 2 of 5 cadence calls ...'."""
        return "; ".join(reason.words for reason in self.reasons) or "nothing needs you"


@dataclass(frozen=True, slots=True)
class TeamWeek:
    """The team's week: one row per CSM, what needs the manager first, and the totals; whose
    team it is and the submitted notes the reader may read, when the service read them."""

    week: IsoWeek
    today: date
    as_of: date  # the day states are read on (`IsoWeek.as_of`)
    rows: tuple[CsmRow, ...]  # in the order of the module docstring
    totals: Figures  # every row's figures added up
    touches: TouchTally  # the team's touches by kind and by day
    #: The manager whose team it is (`domain.team.whose_team`); None: the whole team.
    whose: Member | None = None
    #: The submitted notes of the week by member id; None: the notes were not read.
    notes: Mapping[str, WeekNotes] | None = None
    #: The members whose notes are not the reader's to read (a CSM's peers: their notes go to
    #: their manager); their rows show no notes, not even "not submitted".
    notes_hidden: frozenset[str] = frozenset()

    @property
    def title(self) -> str:
        """Whose team: "Dana Reyes's team", or "The team" (the whole team)."""
        return "The team" if self.whose is None else f"{self.whose.name}'s team"

    def notes_of(self, member_id: str) -> WeekNotes | None:
        """The member's submitted notes; None when they sent none, when the notes were not read,
        or when they are not the reader's (`notes_hidden`)."""
        if self.notes is None or member_id in self.notes_hidden:
            return None
        found = self.notes.get(member_id)
        return found if found is not None and found.submitted else None

    def shows_notes_of(self, member_id: str) -> bool:
        """Whether the member's row has notes to show, or says they sent none."""
        return self.notes is not None and member_id not in self.notes_hidden

    @property
    def behind(self) -> int:
        """CSMs under their call target (the even pace to date)."""
        return sum(1 for row in self.rows if row.week.calls.behind)

    @property
    def needing(self) -> tuple[CsmRow, ...]:
        """The rows with a reason: those that need the manager."""
        return tuple(row for row in self.rows if row.reasons)


def reasons(week: CsmWeek) -> tuple[Reason, ...]:
    """Why the CSM's week needs the manager, most pressing first, in words."""
    found: list[Reason] = []
    if breached := len(week.escalations.breached):
        words = _count(breached, "escalation past its SLA", "escalations past their SLA")
        found.append(Reason(Attention.BREACHED, breached, words))
    if red := len(week.red_without_plan):
        words = _count(
            red, "red account without a recovery plan", "red accounts without a recovery plan"
        )
        found.append(Reason(Attention.RED_WITHOUT_PLAN, red, words))
    if at_risk := len(week.renewals_at_risk):
        words = _count(at_risk, "renewal", "renewals")
        words += " at risk (red or yellow, renewal question not asked)"
        found.append(Reason(Attention.RENEWALS_AT_RISK, at_risk, words))
    calls = week.calls
    if calls.behind:
        words = f"under call target: {calls.words}"
        found.append(Reason(Attention.UNDER_TARGET, calls.expected - calls.done, words))
    return tuple(found)


def attention_key(row: CsmRow) -> tuple[int, int, int, int, str, str]:
    """The sort key of a row: the module docstring's order, then the name."""
    counts = {reason.kind: reason.count for reason in row.reasons}
    return (
        -counts.get(Attention.BREACHED, 0),
        -counts.get(Attention.RED_WITHOUT_PLAN, 0),
        -counts.get(Attention.RENEWALS_AT_RISK, 0),
        -counts.get(Attention.UNDER_TARGET, 0),
        row.week.name.casefold(),
        row.week.member_id,
    )


def team_of(weeks: Iterable[CsmWeek], week: IsoWeek, today: date) -> TeamWeek:
    """The team's week from its CSMs' weeks (each of `week` on `today`)."""
    rows: list[CsmRow] = []
    totals = Figures()
    touches = tally((), week, today)
    for csm in weeks:
        if csm.week != week or csm.today != today:
            raise ValueError(
                f"{csm.name}'s week is {csm.week} on {csm.today}, not {week} on {today}"
            )
        rows.append(CsmRow(csm, reasons(csm)))
        totals += csm.figures
        touches += csm.touches
    rows.sort(key=attention_key)
    return TeamWeek(week, today, week.as_of(today), tuple(rows), totals, touches)


def team_week(books: Iterable[CsmBook], week: IsoWeek, today: date, rules: WeekRules) -> TeamWeek:
    """Each CSM's week (`my_week`) in the team's table."""
    return team_of((my_week(book, week, today, rules) for book in books), week, today)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
