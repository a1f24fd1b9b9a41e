"""A meeting already booked, as the engine sees it (`domain.facts.Booking`)."""

from __future__ import annotations

from datetime import date, timedelta

from csm_tui.domain.decision import Candidate, Decision, Status
from csm_tui.domain.engine import decide
from csm_tui.domain.facts import AccountFacts, Booking
from csm_tui.rules import default_rules

RULES = default_rules()
TODAY = date(2026, 11, 23)  # a Monday
THURSDAY = TODAY + timedelta(days=3)


def acme(*bookings: Booking, touches: tuple[date, ...] = (date(2026, 9, 1),)) -> AccountFacts:
    """A commercial account whose monthly call is weeks overdue."""
    return AccountFacts(
        account_id="acme",
        name="Acme",
        segment="commercial",
        priority="pr2",
        health_score=85,
        touches={"cadence-call": touches, "nps-survey": (date(2026, 10, 1),)},
        bookings=bookings,
    )


def cadence(facts: AccountFacts, today: date = TODAY) -> tuple[Decision, Candidate]:
    decision = decide(facts, RULES, today)
    [item] = [c for c in decision.candidates if c.kind == "cadence-call"]
    return decision, item


def test_a_booked_call_waits_for_its_day_and_the_plan_holds_until_the_day_after() -> None:
    decision, item = cadence(acme(Booking("cadence-call", THURSDAY, TODAY, "with the CFO")))
    assert (item.due, item.status, item.booked_for) == (THURSDAY, Status.UPCOMING, THURSDAY)
    assert "meeting booked for 2026-11-26 (with the CFO)" in item.reason
    assert decision.urgency(item).total < cadence(acme())[0].urgency(cadence(acme())[1]).total
    assert decision.valid_until == THURSDAY + timedelta(days=1)  # then it comes back


def test_on_its_day_it_is_due_and_the_day_after_it_is_back_as_it_was() -> None:
    booking = Booking("cadence-call", THURSDAY, TODAY)
    _, on_the_day = cadence(acme(booking), THURSDAY)
    assert (on_the_day.due, on_the_day.status) == (THURSDAY, Status.DUE)
    friday = THURSDAY + timedelta(days=1)
    _, after = cadence(acme(booking), friday)
    _, unbooked = cadence(acme(), friday)
    assert after == unbooked


def test_a_call_logged_before_the_day_is_the_meeting() -> None:
    booking = Booking("cadence-call", THURSDAY, TODAY)
    tuesday = TODAY + timedelta(days=1)
    _, item = cadence(acme(booking, touches=(date(2026, 9, 1), tuesday)), tuesday)
    assert item.booked_for is None
    assert item.due is not None and item.due > THURSDAY


def test_a_booking_of_another_kind_leaves_the_call_alone() -> None:
    _, item = cadence(acme(Booking("ebr", THURSDAY, TODAY)))
    assert item.booked_for is None and item.status is Status.OVERDUE
