"""The weekly wrap-up: a CSM's week in figures, from plain values.

Friday's review (seeds 004, "Weekly Routine") asks what the week did: touches logged, cadence calls
against the weekly minimum (seeds 000: Enterprise 5, Commercial 10, Scale 15), the book covered,
what went overdue, health movers, escalations, milestones, renewals ahead. The store reads rows
into the inputs of `wrapup_inputs`; `my_week` turns them into a `CsmWeek`, which the screen,
`csm wrapup` and the export all show, so that they say the same thing. The health movers are
`wrapup_health`'s, escalations and milestones `wrapup_history`'s, the team's table `wrapup_team`'s.

The days: a week is an ISO week, Monday to Sunday. Only its days up to `today` count (the current
week is partly in the future; a week to come counts none). What is a state rather than an event
(health band, open escalations and their SLA, recovery plans, renewals ahead) is read on `as_of`:
the week's last counted day, or `today` for a week still to come. Moments are UTC and an event
counts on its UTC day, as the engine's SLA clock does.

Decided here, where the issue is silent:

- Touches are those on the accounts of the book, whoever logged them (an import names no author, a
  colleague covers a holiday); every kind counts, as the book's "last touch" does. Calls are the
  touches of `WeekRules.call_kinds`: cadence calls, as the seeds count them.
- The call target shrinks with the week: a week with a holiday asks its share of a full week's
  target (4 workdays of 5 ask 4/5 of it, rounded half up). While the week runs a CSM is behind
  when under the even pace to date (rounded down: a whole call short); once its workdays are
  over, when under the target.
- Went overdue: an open item (as the schedule holds it now) whose first day late is a counted day.
- Coverage counts each account of the book touched at least once on the counted days.
- A renewal is in the window when it falls from `as_of` to `renewal_window_days` after it; the
  question counts as asked by a touch of `WeekRules.renewal_kinds` from `renewal_window_days`
  before the renewal up to `as_of`. It is at risk when the account is red or yellow and the
  question was not asked.
- A red account without a recovery plan: red at `as_of` (its last snapshot by then, else its
  score now) with no recovery plan in force that day.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date, timedelta

from csm_tui.domain.enums import TouchKind
from csm_tui.domain.health import HealthBand
from csm_tui.domain.iso_week import IsoWeek
from csm_tui.domain.ladder import EventKind
from csm_tui.domain.wrapup_health import HealthMove, Movement, band_on, movers
from csm_tui.domain.wrapup_history import (
    Escalations,
    Milestones,
    week_escalations,
    week_milestones,
)
from csm_tui.domain.wrapup_inputs import (
    BookAccount,
    CsmBook,
    ScheduledItem,
    Touch,
    WeekRules,
    weekday_name,
)

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class TouchTally:
    """Touches on the counted days, by kind and by day (each adds up to `total`)."""

    total: int
    by_kind: tuple[tuple[TouchKind, int], ...]  # the kinds logged, in `TouchKind` order
    by_day: tuple[tuple[date, int], ...]  # the week's seven days, Monday first (0 when not counted)

    def __add__(self, other: TouchTally) -> TouchTally:
        """Two CSMs' weeks together (the same week): the team's totals."""
        kinds = Counter(dict(self.by_kind)) + Counter(dict(other.by_kind))
        days = Counter(dict(self.by_day)) + Counter(dict(other.by_day))
        by_day = tuple((day, days[day]) for day, _ in self.by_day or other.by_day)
        return TouchTally(self.total + other.total, _kind_order(kinds), by_day)


@dataclass(frozen=True, slots=True)
class Calls:
    """Calls logged against the weekly target."""

    done: int  # calls logged on the counted days
    weekly_target: int  # what a full week asks
    target: int  # what this week asks: its share of workdays of a full week's
    expected: int  # by the last counted day at an even pace over the workdays (target when over)
    workdays: int  # the week's workdays
    elapsed: int  # of which counted

    @property
    def behind(self) -> bool:
        return self.done < self.expected

    @property
    def short(self) -> int:
        """Calls to go to the week's target."""
        return max(0, self.target - self.done)

    @property
    def words(self) -> str:
        """'3 of 5 calls', and when behind during the week, '(4 expected by now)'."""
        head = f"{self.done} of {self.target} call{'' if self.target == 1 else 's'}"
        if self.behind and self.expected < self.target:
            return f"{head} ({self.expected} expected by now)"
        return head


@dataclass(frozen=True, slots=True)
class Coverage:
    """Accounts of the book touched on the counted days."""

    touched: int
    book: int

    @property
    def percent(self) -> int | None:
        """Rounded down (100 only when every account was touched); None for an empty book."""
        return None if self.book == 0 else 100 * self.touched // self.book

    @property
    def words(self) -> str:
        """'12 of 40 accounts (30%)'; 'no accounts in the book'."""
        if self.book == 0:
            return "no accounts in the book"
        accounts = "account" if self.book == 1 else "accounts"
        return f"{self.touched} of {self.book} {accounts} ({self.percent}%)"


@dataclass(frozen=True, slots=True)
class OverdueItem:
    """An item of the schedule that went overdue during the week and is still open."""

    account_id: str
    account_name: str
    kind: str
    label: str  # as the queue names it
    due_on: date  # overdue from the day after
    snoozed_until: date | None  # put aside until then

    @property
    def overdue_since(self) -> date:
        return self.due_on + _ONE_DAY


@dataclass(frozen=True, slots=True)
class RenewalLine:
    """A renewal within the window after `as_of`."""

    account_id: str
    account_name: str
    arr_cents: int
    renewal_date: date
    days_left: int  # from `as_of`
    score: int | None  # health at `as_of`
    band: HealthBand
    asked_on: date | None  # the last touch that asked the renewal question since the window opened

    @property
    def asked(self) -> bool:
        return self.asked_on is not None

    @property
    def at_risk(self) -> bool:
        """Red or yellow, and the renewal question not asked."""
        return self.band in (HealthBand.RED, HealthBand.YELLOW) and not self.asked


@dataclass(frozen=True, slots=True)
class RedAccount:
    """A red account with no recovery plan in force at `as_of`."""

    account_id: str
    account_name: str
    arr_cents: int
    score: int | None


@dataclass(frozen=True, slots=True)
class AccountWeek:
    """An account of the book in the week: its touches and its health at `as_of` (the per-account
    export joins the movers, renewals and items to it by `account_id`)."""

    account_id: str
    account_name: str
    arr_cents: int
    renewal_date: date | None
    touches: int  # on the counted days
    score: int | None  # at `as_of`
    band: HealthBand


@dataclass(frozen=True, slots=True)
class Figures:
    """A week's figures as counts: a row of the team's table, and summed, its totals."""

    touches: int = 0
    calls: int = 0
    call_target: int = 0  # this week's
    calls_expected: int = 0  # by the last counted day
    accounts: int = 0  # in the book
    touched: int = 0  # accounts touched
    went_overdue: int = 0  # items overdue during the week and still open
    overdue_open: int = 0  # items overdue at `as_of`, since whenever
    health_down: int = 0
    health_up: int = 0
    health_back: int = 0  # dipped or peaked, and back
    escalations_opened: int = 0
    escalations_raised: int = 0
    escalations_resolved: int = 0
    escalations_closed: int = 0
    escalations_breached: int = 0  # past their SLA at `as_of`
    escalations_open: int = 0  # at `as_of`
    milestones_done: int = 0
    milestones_slipped: int = 0
    milestones_moved: int = 0
    renewals: int = 0  # within the window
    renewals_asked: int = 0
    renewals_at_risk: int = 0
    red_without_plan: int = 0

    def __add__(self, other: Figures) -> Figures:
        return Figures(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def coverage(self) -> Coverage:
        return Coverage(self.touched, self.accounts)


@dataclass(frozen=True, slots=True)
class CsmWeek:
    """A CSM's week: what `my_week` computes, what the screen, the CLI and the export show."""

    member_id: str
    name: str
    week: IsoWeek
    today: date
    as_of: date  # the day states are read on
    counted_days: tuple[date, ...]  # the days whose events count: up to `today`
    workdays: tuple[date, ...]  # the week's workdays under the calendar
    touches: TouchTally
    calls: Calls
    coverage: Coverage
    overdue: tuple[OverdueItem, ...]  # went overdue during the week, still open; oldest first
    overdue_open: int  # every item overdue at `as_of`
    movers: tuple[HealthMove, ...]  # down, dipped, peaked, up; then by ARR
    escalations: Escalations
    milestones: Milestones
    renewals: tuple[RenewalLine, ...]  # by renewal date
    red_without_plan: tuple[RedAccount, ...]  # by ARR, largest first
    accounts: tuple[AccountWeek, ...] = ()  # the book, by name

    @property
    def renewals_at_risk(self) -> tuple[RenewalLine, ...]:
        return tuple(line for line in self.renewals if line.at_risk)

    @property
    def figures(self) -> Figures:
        movements = Counter(move.movement for move in self.movers)
        escalations = self.escalations
        return Figures(
            touches=self.touches.total,
            calls=self.calls.done,
            call_target=self.calls.target,
            calls_expected=self.calls.expected,
            accounts=self.coverage.book,
            touched=self.coverage.touched,
            went_overdue=len(self.overdue),
            overdue_open=self.overdue_open,
            health_down=movements[Movement.DOWN],
            health_up=movements[Movement.UP],
            health_back=movements[Movement.DIPPED] + movements[Movement.PEAKED],
            escalations_opened=escalations.count(EventKind.OPENED),
            escalations_raised=escalations.count(EventKind.RAISED),
            escalations_resolved=escalations.count(EventKind.RESOLVED),
            escalations_closed=escalations.count(EventKind.CLOSED),
            escalations_breached=len(escalations.breached),
            escalations_open=escalations.open_at_end,
            milestones_done=len(self.milestones.done),
            milestones_slipped=len(self.milestones.slipped),
            milestones_moved=len(self.milestones.moved),
            renewals=len(self.renewals),
            renewals_asked=sum(1 for line in self.renewals if line.asked),
            renewals_at_risk=len(self.renewals_at_risk),
            red_without_plan=len(self.red_without_plan),
        )


# ---------- a CSM's week -----------------------------------------------------------------------


def my_week(book: CsmBook, week: IsoWeek, today: date, rules: WeekRules) -> CsmWeek:
    """The CSM's week on `today`: only its days up to `today` count."""
    counted = week.counted(today)
    as_of = week.as_of(today)
    names = {account.id: account.name for account in book.accounts}
    health = {account.id: band_on(account, as_of, rules.bands) for account in book.accounts}
    touches = [t for t in book.touches if t.account_id in names]
    in_week = [t for t in touches if week.monday <= t.on <= as_of]
    workdays = week.workdays(rules.calendar)
    return CsmWeek(
        member_id=book.member_id,
        name=book.name,
        week=week,
        today=today,
        as_of=as_of,
        counted_days=counted,
        workdays=workdays,
        touches=tally(in_week, week, today),
        calls=calls(in_week, book.call_target, week, today, rules),
        coverage=Coverage(len({t.account_id for t in in_week}), len(names)),
        overdue=_went_overdue(book.items, names, week, as_of) if counted else (),
        overdue_open=sum(1 for i in book.items if i.account_id in names and i.due_on < as_of),
        movers=movers(book.accounts, week, as_of, rules.bands) if counted else (),
        escalations=week_escalations(book.escalations, names, counted, as_of, rules),
        milestones=week_milestones(book.milestones, names, counted),
        renewals=_renewals(book.accounts, health, touches, as_of, rules),
        red_without_plan=_red_without_plan(book.accounts, health, as_of),
        accounts=_account_weeks(book.accounts, health, in_week),
    )


def tally(touches: Iterable[Touch], week: IsoWeek, today: date) -> TouchTally:
    """The touches of `week` up to `today` among `touches`, by kind and by day."""
    kept = [t for t in touches if t.on in week and t.on <= today]
    days = Counter(t.on for t in kept)
    by_day = tuple((day, days[day]) for day in week.days)
    return TouchTally(len(kept), _kind_order(Counter(t.kind for t in kept)), by_day)


def calls(
    touches: Iterable[Touch], weekly_target: int, week: IsoWeek, today: date, rules: WeekRules
) -> Calls:
    """Calls of `week` up to `today` against its share of `weekly_target` (see the module)."""
    workdays = week.workdays(rules.calendar)
    elapsed = sum(1 for day in workdays if day <= today)
    full = len(rules.calendar.workdays)
    target = (2 * weekly_target * len(workdays) + full) // (2 * full)  # half up
    expected = target * elapsed // len(workdays) if workdays else 0
    done = sum(1 for t in touches if t.kind in rules.call_kinds and t.on in week and t.on <= today)
    return Calls(done, weekly_target, target, expected, len(workdays), elapsed)


def _went_overdue(
    items: Iterable[ScheduledItem], names: Mapping[str, str], week: IsoWeek, as_of: date
) -> tuple[OverdueItem, ...]:
    first, last = week.monday - _ONE_DAY, as_of - _ONE_DAY  # overdue from the day after
    found = [
        OverdueItem(
            item.account_id,
            names[item.account_id],
            item.kind,
            item.label or item.kind.replace("-", " ").capitalize(),
            item.due_on,
            item.snoozed_until,
        )
        for item in items
        if item.account_id in names and first <= item.due_on <= last
    ]
    return tuple(sorted(found, key=lambda i: (i.due_on, i.account_name.casefold(), i.kind)))


# ---------- renewals and red accounts ----------------------------------------------------------


Health = Mapping[str, tuple[int | None, HealthBand]]  # account id -> score and band at `as_of`


def _renewals(
    accounts: Iterable[BookAccount],
    health: Health,
    touches: Iterable[Touch],
    as_of: date,
    rules: WeekRules,
) -> tuple[RenewalLine, ...]:
    window = timedelta(days=rules.renewal_window_days)
    asks: dict[str, list[date]] = {}
    for touch in touches:
        if touch.kind in rules.renewal_kinds and touch.on <= as_of:
            asks.setdefault(touch.account_id, []).append(touch.on)
    lines = []
    for account in accounts:
        renewal = account.renewal_date
        if renewal is None or not as_of <= renewal <= as_of + window:
            continue
        asked = max((d for d in asks.get(account.id, ()) if d >= renewal - window), default=None)
        score, band = health[account.id]
        days = (renewal - as_of).days
        lines.append(
            RenewalLine(
                account.id, account.name, account.arr_cents, renewal, days, score, band, asked
            )
        )
    return tuple(
        sorted(lines, key=lambda r: (r.renewal_date, -r.arr_cents, r.account_name.casefold()))
    )


def _red_without_plan(
    accounts: Iterable[BookAccount], health: Health, as_of: date
) -> tuple[RedAccount, ...]:
    found = []
    for account in accounts:
        score, band = health[account.id]
        if band is HealthBand.RED and not any(p.in_force(as_of) for p in account.recovery_plans):
            found.append(RedAccount(account.id, account.name, account.arr_cents, score))
    return tuple(sorted(found, key=lambda a: (-a.arr_cents, a.account_name.casefold())))


def _account_weeks(
    accounts: Iterable[BookAccount], health: Health, touches: Iterable[Touch]
) -> tuple[AccountWeek, ...]:
    counts = Counter(t.account_id for t in touches)
    found = [
        AccountWeek(
            account.id,
            account.name,
            account.arr_cents,
            account.renewal_date,
            counts[account.id],
            *health[account.id],
        )
        for account in accounts
    ]
    return tuple(sorted(found, key=lambda a: (a.account_name.casefold(), a.account_id)))


# ---------- words the text output and the export share -----------------------------------------


def week_head(name: str, week: IsoWeek, today: date, as_of: date) -> str:
    """'Maya Patel, 2026-W48 (Mon 2026-11-23 to Sun 2026-11-29), as of Fri 2026-11-27'."""
    head = f"{name}, {week} (Mon {week.monday} to Sun {week.sunday})"
    if today < week.monday:
        return f"{head}: still to come (states as of {as_of})"
    if today <= week.sunday:
        return f"{head}, as of {weekday_name(as_of)} {as_of}"
    return head


def touch_words(touches: TouchTally) -> str:
    """'4 (cadence call 2, email 1)'."""
    if not touches.total:
        return "none"
    kinds = ", ".join(f"{_lower(kind.label)} {n}" for kind, n in touches.by_kind)
    return f"{touches.total} ({kinds})"


def _lower(label: str) -> str:
    """'cadence call', but 'EBR' and 'NPS survey' as they are."""
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


def _kind_order(counts: Mapping[TouchKind, int]) -> tuple[tuple[TouchKind, int], ...]:
    return tuple((kind, counts[kind]) for kind in TouchKind if counts.get(kind))
