"""Accounts whose history is unknown, as the engine decides them (issue 18, section 1): where a
clock with nothing on record starts, first calls planned on entry, an account first seen red."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from csm_tui.domain.decision import Candidate, Decision
from csm_tui.domain.engine import decide
from csm_tui.domain.facts import AccountFacts, HealthPoint
from csm_tui.domain.first_calls import first_calls
from csm_tui.domain.rules_file import RulesText, parse_rules
from csm_tui.rules import default_rules, default_text

RULES = default_rules()
TODAY = date(2026, 11, 23)  # a Monday


def new_account(**fields: object) -> AccountFacts:
    base: dict[str, object] = {
        "account_id": "new",
        "name": "Newco",
        "segment": "commercial",
        "priority": "pr2",
        "health_score": 85,
        "contract_start": date(2021, 3, 1),
        "entered_on": TODAY,
    }
    return AccountFacts(**{**base, **fields})  # type: ignore[arg-type]


def candidate(decision: Decision, kind: str) -> Candidate:
    [found] = [c for c in decision.candidates if c.kind == kind and c.is_open]
    return found


def test_a_clock_with_nothing_on_record_starts_when_the_account_entered_the_book() -> None:
    decision = decide(new_account(), RULES, TODAY)
    call = candidate(decision, "cadence-call")  # commercial PR2: every month
    assert call.due == date(2026, 12, 23)
    assert "since the account entered the book (no call yet) on 2026-11-23" in call.reason
    survey = candidate(decision, "nps-survey")
    assert survey.due is not None and survey.due > TODAY


def test_a_planned_first_call_is_brought_forward_when_the_account_turns_red() -> None:
    """Planned in three weeks while green; red now: the weekly red cadence brings it forward."""
    planned = TODAY + timedelta(days=21)
    red = new_account(health_score=40, first_call_by=planned)
    call = candidate(decide(red, RULES, TODAY), "cadence-call")
    assert call.due == date(2026, 11, 30)  # a week after entering
    assert "first call planned by 2026-12-14, brought forward by the red account" in call.reason
    green = candidate(decide(replace(red, health_score=85), RULES, TODAY), "cadence-call")
    assert green.due == planned


def test_first_calls_start_at_the_cadence_anchor_still_to_come() -> None:
    """With the cadence counted from go-live, an account going live in March is not called
    before it."""
    rules = parse_rules(
        default_text(), RulesText('[cadence]\nfallback_anchor = "go_live_date"\n', "rules.toml")
    )
    go_live = date(2027, 3, 1)
    planned = first_calls([new_account(go_live_date=go_live)], rules, TODAY)
    assert planned == {"new": go_live}
    decision = decide(new_account(go_live_date=go_live, first_call_by=go_live), rules, TODAY)
    assert candidate(decision, "cadence-call").due == go_live


def test_red_since_before_the_health_window_is_not_a_change_that_moves_with_the_day() -> None:
    """Red since a snapshot older than the window: the day it turned red is not on record, and
    no assessment is owed for a day that moves as the window does."""
    long_ago = TODAY - timedelta(days=365)
    facts = new_account(
        health_score=40,
        entered_on=date(2024, 1, 8),
        health=(HealthPoint(long_ago, 40), HealthPoint(TODAY - timedelta(days=30), 40)),
    )
    for later in (0, 7, 28):
        decision = decide(facts, RULES, TODAY + timedelta(days=later))
        assert not [c for c in decision.candidates if c.kind == "health-assessment" and c.is_open]


def test_an_account_first_seen_red_in_the_window_gets_its_assessment_then() -> None:
    seen = TODAY - timedelta(days=2)
    facts = new_account(health_score=40, entered_on=seen, health=(HealthPoint(seen, 40),))
    assessment = candidate(decide(facts, RULES, TODAY), "health-assessment")
    assert assessment.due == seen
    assert "turning red on 2026-11-21" in assessment.reason


def test_a_plan_holds_only_until_an_account_entering_later_is_seen() -> None:
    """Planning ahead: an account that enters the book on a later day is red from then; the
    plan made today must end that day so the morning recompute sees it."""
    later = TODAY + timedelta(days=3)
    decision = decide(new_account(health_score=40, entered_on=later), RULES, TODAY)
    assert decision.valid_until is not None and decision.valid_until <= later
