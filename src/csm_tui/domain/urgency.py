"""Triage urgency in Taskwarrior's spirit: a sum of coefficient x term, each term in 0..1.

Every term says what it read, so the triage screen can show the sum line by line. Open
escalations at a pinned level (L5) and breached escalation SLAs are not given ever larger
coefficients (that would re-rank everything else): they are pinned above the rest instead.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from csm_tui.domain.facts import AccountFacts, OpenEscalation
from csm_tui.domain.rulebook import EscalationSla, UrgencyCoefficients


@dataclass(frozen=True, slots=True)
class Term:
    """One weighted term of the urgency sum, shown like `task info` shows it."""

    name: str  # "overdue", "health.red", "priority.pr1", ...
    value: float  # normalised, 0..1
    coefficient: float
    note: str  # what it read, in words: "6 days overdue", "renewal in 135 days"

    @property
    def points(self) -> float:
        return self.value * self.coefficient


@dataclass(frozen=True, slots=True)
class Urgency:
    terms: tuple[Term, ...] = ()
    pinned: bool = False
    pin_reason: str | None = None

    @property
    def total(self) -> float:
        return round(sum(term.points for term in self.terms), 2)


@dataclass(frozen=True, slots=True)
class EscalationState:
    escalation: OpenEscalation
    sla: EscalationSla
    breach_at: date  # past this day the SLA is breached
    breached: bool
    last_follow_up: date | None = None  # the SLA clock restarts with each follow-up call


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


def last_touch(facts: AccountFacts, today: date) -> date | None:
    """The account's latest touch of any kind on or before `today`."""
    return max(
        (
            days[bisect_right(days, today) - 1]
            for days in facts.touches.values()
            if days and days[0] <= today
        ),
        default=None,
    )


def shared_terms(
    coefficients: UrgencyCoefficients,
    today: date,
    *,
    band: str,
    priority: str,
    assigned: str,
    score: int | None,
    renewal_date: date | None,
    arr_cents: int,
    escalation_level: int | None,
    breached_since: date | None,
    last_touch: date | None,
    memo: dict[Any, Any] | None = None,
) -> tuple[Term, ...]:
    """The terms every open item of an account shares, from plain values: a decision's
    (`Decision.shared`), and a stored schedule's as of a later day
    (`domain.queue.PlannedTouch.on`), alike to the digit.

    Each term depends on one or two values; with a `memo` (one read of the queue) equal values
    give the same `Term` object without computing it again.
    """
    c = coefficients
    cache: dict[Any, Any] = {} if memo is None else memo
    terms: list[Term] = []

    def add(key: tuple[Any, ...], build: Callable[[], Term | None]) -> None:
        term = cache.get(key, _MISSING)
        if term is _MISSING:
            term = cache[key] = build()
        if term is not None:
            terms.append(term)

    add(
        ("urgency.health", band, score),
        lambda: _term(
            f"health.{band}",
            1.0,
            c.health_band.get(band, 0.0),
            f"health {score}" if score is not None else "no health score",
        ),
    )
    add(
        ("urgency.priority", priority, assigned),
        lambda: _term(
            f"priority.{priority}",
            1.0,
            c.priority.get(priority, 0.0),
            priority.upper()
            if priority == assigned
            else f"{assigned.upper()} -> {priority.upper()}",
        ),
    )
    if renewal_date is not None:
        days = (renewal_date - today).days
        add(("urgency.renewal", days), lambda: _renewal_term(days, c))
    if arr_cents > 0:
        arr = arr_cents / 100
        add(
            ("urgency.arr", arr_cents),
            lambda: _term(
                "arr",
                clamp(math.log10(max(arr, 1) / c.arr_floor) / math.log10(c.arr_cap / c.arr_floor)),
                c.arr,
                f"ARR ${arr:,.0f}",
            ),
        )
    if escalation_level is not None:
        terms.extend(
            _term_list(
                "escalation",
                c.escalation_levels.get(escalation_level, 0.0),
                c.escalation,
                f"open L{escalation_level} escalation",
            )
        )
        if breached_since is not None:
            terms.extend(
                _term_list(
                    "escalation.sla_breach",
                    1.0,
                    c.sla_breach,
                    f"SLA breached since {breached_since.isoformat()}",
                )
            )
    days_since = (today - last_touch).days if last_touch else None
    add(("urgency.staleness", days_since), lambda: _staleness_term(days_since, c))
    return tuple(terms)


_MISSING = object()


def _term(name: str, value: float, coefficient: float, note: str) -> Term | None:
    """A term as shown (value rounded); one too small to show is left out."""
    value = round(value, 3)
    return Term(name, value, coefficient, note) if value and coefficient else None


def _term_list(name: str, value: float, coefficient: float, note: str) -> list[Term]:
    term = _term(name, value, coefficient, note)
    return [term] if term is not None else []


def _renewal_term(days: int, c: UrgencyCoefficients) -> Term | None:
    near, far = c.renewal_near_days, c.renewal_far_days
    value = 1.0 if days <= near else clamp((far - days) / (far - near))
    return _term(
        "renewal",
        value,
        c.renewal,
        f"renewal in {_days(days)}" if days >= 0 else f"renewal {_days(-days)} ago",
    )


def _staleness_term(days_since: int | None, c: UrgencyCoefficients) -> Term | None:
    if days_since is None:
        return _term("staleness", 1.0, c.staleness, "no touch on record")
    return _term(
        "staleness",
        clamp(days_since / c.staleness_max_days),
        c.staleness,
        f"last touch {_days(days_since)} ago",
    )


def overdue_term(due: date, today: date, coefficients: UrgencyCoefficients) -> Term | None:
    """How late the item is, ramping from `overdue_ramp_start_days` to full at `..._full_days`."""
    c = coefficients
    late = (today - due).days
    span = c.overdue_ramp_full_days - c.overdue_ramp_start_days
    value = round(clamp((late - c.overdue_ramp_start_days) / span), 3)
    if not (value and c.overdue):
        return None
    return Term(
        "overdue",
        value,
        c.overdue,
        f"{_days(late)} overdue"
        if late > 0
        else "due today"
        if late == 0
        else f"due in {_days(-late)}",
    )


def snoozed_term(until: date, coefficients: UrgencyCoefficients) -> Term | None:
    if not coefficients.snoozed:
        return None
    return Term("snoozed", 1.0, coefficients.snoozed, f"snoozed until {until.isoformat()}")


def kind_term(kind: str, label: str, coefficients: UrgencyCoefficients) -> Term | None:
    """What kind of item it is: `[urgency.kind]` weighs a renewal question above a survey."""
    words = label.split(" (")[0].lower()  # "escalation follow-up", without its level
    return _term(f"kind.{kind}", 1.0, coefficients.kind.get(kind, 0.0), words)


def item_terms(
    kind: str,
    label: str,
    due: date,
    snoozed_until: date | None,
    coefficients: UrgencyCoefficients,
    today: date,
    memo: dict[Any, Any] | None = None,
) -> tuple[Term, ...]:
    """An item's own terms: how late it is, what kind it is, and a running snooze (equal
    kind terms shared through `memo`, as `shared_terms` shares its own)."""
    terms = []
    if (late := overdue_term(due, today, coefficients)) is not None:
        terms.append(late)
    if memo is None:
        weight = kind_term(kind, label, coefficients)
    else:
        key = ("urgency.kind", kind, label)
        weight = memo.get(key, _MISSING)
        if weight is _MISSING:
            weight = memo[key] = kind_term(kind, label, coefficients)
    if weight is not None:
        terms.append(weight)
    if snoozed_until is not None and (snoozed := snoozed_term(snoozed_until, coefficients)):
        terms.append(snoozed)
    return tuple(terms)


def pin(escalations: list[EscalationState]) -> str | None:
    """Why the account's escalation follow-up is pinned on top, if it is."""
    for state in sorted(escalations, key=lambda s: -s.escalation.level):
        if state.sla.pin:
            return f"open L{state.escalation.level} escalation"
        if state.breached:
            since = state.breach_at.isoformat()
            return f"L{state.escalation.level} escalation SLA breached since {since}"
    return None
