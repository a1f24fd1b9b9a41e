"""Triage urgency in Taskwarrior's spirit: a sum of coefficient x term, each term in 0..1.

Every term says what it read, so the triage screen can show the sum line by line. Open
escalations at a pinned level (L5) and breached escalation SLAs are not given ever larger
coefficients (that would re-rank everything else): they are pinned above the rest instead.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date

from csm_tui.domain.decision import Term, Urgency
from csm_tui.domain.facts import AccountFacts, OpenEscalation
from csm_tui.domain.rulebook import EscalationSla, UrgencyCoefficients


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


def account_terms(
    facts: AccountFacts,
    coefficients: UrgencyCoefficients,
    today: date,
    *,
    band: str,
    priority: str,
    escalations: list[EscalationState],
) -> tuple[Term, ...]:
    """The terms every open item of an account shares, computed once per decision."""
    c = coefficients
    terms: list[Term] = []

    def add(name: str, value: float, coefficient: float, note: str) -> None:
        value = round(value, 3)  # as shown; a term too small to show is left out
        if value and coefficient:
            terms.append(Term(name, value, coefficient, note))

    add(f"health.{band}", 1.0, c.health_band.get(band, 0.0),
        f"health {facts.health_score}" if facts.health_score is not None else "no health score")
    add(f"priority.{priority}", 1.0, c.priority.get(priority, 0.0),
        priority.upper() if priority == facts.priority else f"{facts.priority.upper()} -> {priority.upper()}")
    if facts.renewal_date is not None:
        days = (facts.renewal_date - today).days
        near, far = c.renewal_near_days, c.renewal_far_days
        value = 1.0 if days <= near else clamp((far - days) / (far - near))
        add("renewal", value, c.renewal, f"renewal in {_days(days)}" if days >= 0 else f"renewal {_days(-days)} ago")
    if facts.arr > 0:
        value = clamp(math.log10(max(facts.arr, 1) / c.arr_floor) / math.log10(c.arr_cap / c.arr_floor))
        add("arr", value, c.arr, f"ARR ${facts.arr:,.0f}")
    if escalations:
        top = max(escalations, key=lambda state: state.escalation.level)
        level = top.escalation.level
        add("escalation", c.escalation_levels.get(level, 0.0), c.escalation, f"open L{level} escalation")
        breached = [state for state in escalations if state.breached]
        if breached:
            first = min(state.breach_at for state in breached)
            add("escalation.sla_breach", 1.0, c.sla_breach, f"SLA breached since {first.isoformat()}")
    last = max((days[bisect_right(days, today) - 1] for days in facts.touches.values()
                if days and days[0] <= today), default=None)
    days_since = (today - last).days if last else c.staleness_max_days
    add("staleness", clamp(days_since / c.staleness_max_days), c.staleness,
        f"last touch {_days(days_since)} ago" if last else "no touch on record")
    return tuple(terms)


def overdue_term(due: date, today: date, coefficients: UrgencyCoefficients) -> Term | None:
    """How late the item is, ramping from `overdue_ramp_start_days` to full at `..._full_days`."""
    c = coefficients
    late = (today - due).days
    span = c.overdue_ramp_full_days - c.overdue_ramp_start_days
    value = round(clamp((late - c.overdue_ramp_start_days) / span), 3)
    if not (value and c.overdue):
        return None
    return Term("overdue", value, c.overdue,
                f"{_days(late)} overdue" if late > 0 else "due today" if late == 0 else f"due in {_days(-late)}")


def snoozed_term(until: date, coefficients: UrgencyCoefficients) -> Term | None:
    if not coefficients.snoozed:
        return None
    return Term("snoozed", 1.0, coefficients.snoozed, f"snoozed until {until.isoformat()}")


def combine(
    due: date,
    snoozed_until: date | None,
    shared: tuple[Term, ...],
    coefficients: UrgencyCoefficients,
    today: date,
    pinned: tuple[bool, str | None] = (False, None),
) -> Urgency:
    """The item's own terms around the account's: overdue first, snoozed last, as shown."""
    late = overdue_term(due, today, coefficients)
    terms = (late, *shared) if late is not None else shared
    if snoozed_until is not None and (snoozed := snoozed_term(snoozed_until, coefficients)):
        terms = (*terms, snoozed)
    return Urgency(terms, *pinned)


def pin(escalations: list[EscalationState]) -> tuple[bool, str | None]:
    for state in sorted(escalations, key=lambda s: -s.escalation.level):
        if state.sla.pin:
            return True, f"open L{state.escalation.level} escalation"
        if state.breached:
            return True, f"L{state.escalation.level} escalation SLA breached since {state.breach_at.isoformat()}"
    return False, None
