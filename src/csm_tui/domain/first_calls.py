"""The first calls of accounts that enter the book with no call on record.

Left alone, every such account would be due at once: a CRM export of 120 accounts with no call
history would put 120 cadence calls on the first morning. Instead the accounts that share a
cadence period are spread over its working days, one period's share a day, the most urgent
first (an account imported red, or renewing soon, is called today; a quiet one later), and
each plan is kept on the account (`first_call_by`) so that the engine says why ("first call
planned by ...").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from csm_tui.domain.calendar import Duration, add_days, shift
from csm_tui.domain.engine import decide
from csm_tui.domain.facts import AccountFacts
from csm_tui.domain.rulebook import Rulebook

#: The longest spread, in days: a cadence of years still plans the first call within one.
_MAX_SPREAD_DAYS = 366


def needs_first_call(facts: AccountFacts, rules: Rulebook, today: date) -> bool:
    """Whether the account entered the book today with no call on record and none planned."""
    return (
        facts.entered_on == today
        and facts.first_call_by is None
        and facts.last(tuple(rules.cadence.satisfied_by)) is None
    )


def first_calls(facts: Iterable[AccountFacts], rules: Rulebook, today: date) -> dict[str, date]:
    """The day of the first call of each account that needs one planned (by account id).

    The accounts are grouped by the period of the cadence row that matches them, ranked within
    a group as triage would rank them (a pinned item first, then the urgency of the account's
    most urgent item, then ARR and name), and planned in that order from today (or from the
    cadence's anchor, a contract start or go-live, if it is still to come), one period's share
    a working day: 120 accounts on a quarterly cadence are two calls a day; three accounts are
    called on three days, not spread over the quarter.
    """
    rows = {row.id: row for row in rules.cadence.rows}
    groups: defaultdict[Duration, list[tuple[tuple[object, ...], str, date]]] = defaultdict(list)
    for one in facts:
        if not needs_first_call(one, rules, today):
            continue
        decision = decide(one, rules, today)
        cadence = next(c for c in decision.candidates if c.rule_id in rows)
        urgencies = [decision.urgency(candidate) for candidate in decision.open]
        pinned = any(urgency.pinned for urgency in urgencies)
        most = max((urgency.total for urgency in urgencies), default=0.0)
        rank = (not pinned, -most, -one.arr_cents, one.name.lower(), one.account_id)
        anchor = rules.cadence.fallback_anchor
        begins = getattr(one, anchor) if anchor is not None else None
        start = max(today, begins or today)  # a contract (or go-live) still to come
        groups[rows[cadence.rule_id].every].append((rank, one.account_id, start))
    planned: dict[str, date] = {}
    periods: dict[tuple[date, Duration], list[date]] = {}
    for every, accounts in groups.items():
        accounts.sort()
        for index, (_, account_id, start) in enumerate(accounts):
            days = periods.get((start, every))
            if days is None:
                days = periods[start, every] = working_days(start, every, rules)
            per_day = -(-len(accounts) // len(days))  # one period's share, rounded up
            planned[account_id] = days[index // per_day]
    return planned


def working_days(start: date, every: Duration, rules: Rulebook) -> list[date]:
    """The working days of one period from `start` (at least the first working day)."""
    end = shift(start, every, rules.calendar, roll=False).day
    end = min(end, add_days(start, _MAX_SPREAD_DAYS))
    calendar = rules.calendar
    days = [
        day
        for offset in range((end - start).days)
        for day in [start + timedelta(days=offset)]
        if calendar.is_workday(day)
    ]
    return days or [calendar.roll_forward(start)]
