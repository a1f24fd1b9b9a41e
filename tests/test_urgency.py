"""Triage urgency, worked by hand from the coefficients of the shipped rules (default.toml).

urgency = sum(coefficient x term), each term in 0..1, rounded to 3 places before multiplying:

    overdue      12.0 x clamp((days overdue + 7) / 21)       0 a week before due, 1 at 14 days late
    health band  red 8.0, yellow 3.0, green 0.0, unknown 1.0
    priority     pr1 6.0, pr2 3.9, pr3 1.8                   (after derive: red -> pr1)
    renewal      6.0 x (1 if <= 30 days away, else clamp((180 - days) / 150))
    arr          4.0 x clamp(log10(arr / 10k) / log10(1M / 10k))
    escalation   10.0 x the highest open level: L1 .2, L2 .4, L3 .6, L4 .8, L5 1
    sla breach   5.0 if any open escalation is past its SLA (latest, else within)
    staleness    2.0 x min(1, days since the last touch / 90)
    snoozed      -5.0 if the item is snoozed
    kind         what kind of item: escalation call 6, health assessment 6, recovery plan 5,
                 renewal question 5, onboarding review 3, milestone 2, cadence call 1, EBR 1,
                 NPS survey 0

An open L5 escalation or a breached SLA pins the account above the rest instead.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from csm_tui.domain.decision import Candidate, Decision, Status
from csm_tui.domain.engine import decide
from csm_tui.domain.facts import AccountFacts, OpenEscalation, OpenMilestone, Snooze
from csm_tui.domain.urgency import Urgency
from csm_tui.rules import default_rules

RULES = default_rules()
TODAY = date(2026, 11, 23)  # a Monday
D = date.fromisoformat


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def account(**fields: Any) -> AccountFacts:
    base: dict[str, Any] = {
        "account_id": "acc",
        "name": "Acme",
        "segment": "commercial",
        "priority": "pr2",
    }
    return AccountFacts(**{**base, **fields})


def candidate(decision: Decision, rule_id: str) -> Candidate:
    [found] = [c for c in decision.candidates if c.rule_id == rule_id]
    return found


def terms(urgency: Urgency) -> dict[str, tuple[float, float]]:
    return {term.name: (term.value, term.coefficient) for term in urgency.terms}


def points(urgency: Urgency) -> dict[str, float]:
    return {term.name: term.points for term in urgency.terms}


def triage_key(urgency: Urgency) -> tuple[bool, float]:
    """Section 7.2 of the design: pinned first, then by urgency, highest first."""
    return (not urgency.pinned, -urgency.total)


# ---------- A: Enterprise, red, 6 days overdue, open L2, renewal in 135 days, $250k ---------

ACCOUNT_A = account(
    segment="enterprise",
    priority="pr2",
    health_score=54,
    arr_cents=250_000_00,
    contract_start=D("2025-04-07"),
    renewal_date=D("2027-04-07"),  # 135 days after TODAY
    touches={
        "cadence-call": (D("2026-11-10"),),
        "ebr": (D("2026-06-01"),),
        "nps-survey": (D("2026-09-01"),),
    },
    escalations=(OpenEscalation("e2", 2, at("2026-11-22T10:00"), at("2026-11-22T10:00")),),
)


def test_a_enterprise_red_overdue_with_an_open_l2() -> None:
    decision = decide(ACCOUNT_A, RULES, TODAY)
    assert (decision.band, decision.priority) == ("red", "pr1")
    item = decision.next
    assert item is not None and item.rule_id == "cadence.red"
    # cadence.red: every 1w from the call on Tue 11-10 -> Tue 11-17, 6 days overdue
    assert (item.due, item.status, item.overdue_days) == (D("2026-11-17"), Status.OVERDUE, 6)
    urgency = decision.urgency(item)
    # overdue     (6 + 7) / 21 = 0.619                x 12.0 =  7.428
    # health.red  1                                   x  8.0 =  8.000
    # priority    1 (PR2 -> PR1 by priority.red-is-pr1) x 6.0 = 6.000
    # renewal     (180 - 135) / 150 = 0.3             x  6.0 =  1.800
    # arr         log10(25) / log10(100) = 0.699      x  4.0 =  2.796
    # escalation  L2 = 0.4                            x 10.0 =  4.000
    # staleness   13 / 90 = 0.144                     x  2.0 =  0.288
    # kind        a cadence call                      x  1.0 =  1.000
    # total                                                    31.312 -> 31.31
    assert terms(urgency) == {
        "overdue": (0.619, 12.0),
        "kind.cadence-call": (1.0, 1.0),
        "health.red": (1.0, 8.0),
        "priority.pr1": (1.0, 6.0),
        "renewal": (0.3, 6.0),
        "arr": (0.699, 4.0),
        "escalation": (0.4, 10.0),
        "staleness": (0.144, 2.0),
    }
    assert points(urgency) == pytest.approx(
        {
            "overdue": 7.428,
            "kind.cadence-call": 1.0,
            "health.red": 8.0,
            "priority.pr1": 6.0,
            "renewal": 1.8,
            "arr": 2.796,
            "escalation": 4.0,
            "staleness": 0.288,
        }
    )
    assert urgency.total == pytest.approx(31.31)
    assert not urgency.pinned and urgency.pin_reason is None
    notes = {term.name: term.note for term in urgency.terms}
    assert notes == {
        "overdue": "6 days overdue",
        "kind.cadence-call": "cadence call",
        "health.red": "health 54",
        "priority.pr1": "PR2 -> PR1",
        "renewal": "renewal in 135 days",
        "arr": "ARR $250,000",
        "escalation": "open L2 escalation",
        "staleness": "last touch 13 days ago",
    }


# ---------- B: Commercial, green, PR2, due in 10 days ---------------------------------------

ACCOUNT_B = account(
    health_score=85,
    arr_cents=30_000_00,
    contract_start=D("2026-09-19"),
    renewal_date=D("2027-09-19"),  # 300 days after TODAY
    touches={"cadence-call": (D("2026-11-03"),)},
)


def test_b_commercial_green_pr2_due_in_ten_days() -> None:
    decision = decide(ACCOUNT_B, RULES, TODAY)
    item = decision.next
    assert item is not None and item.rule_id == "cadence.commercial"
    # every 1mo from Tue 11-03 -> Thu 12-03, in 10 days; latest 3mo -> Wed 2027-02-03
    assert (item.due, item.latest, item.status) == (
        D("2026-12-03"),
        D("2027-02-03"),
        Status.UPCOMING,
    )
    # overdue     (-10 + 7) / 21 < 0 -> 0        left out
    # health      green coefficient 0.0          left out
    # priority    1                    x 3.9 = 3.900
    # renewal     (180 - 300) / 150 < 0 -> 0     left out
    # arr         log10(3) / 2 = 0.239 x 4.0 = 0.956
    # staleness   20 / 90 = 0.222      x 2.0 = 0.444
    # kind        a cadence call       x 1.0 = 1.000
    # total                                    6.300
    assert terms(decision.urgency(item)) == {
        "kind.cadence-call": (1.0, 1.0),
        "priority.pr2": (1.0, 3.9),
        "arr": (0.239, 4.0),
        "staleness": (0.222, 2.0),
    }
    assert decision.urgency(item).total == pytest.approx(6.30)
    assert not decision.urgency(item).pinned


def test_zero_terms_are_left_out_of_the_breakdown() -> None:
    decision = decide(ACCOUNT_B, RULES, TODAY)
    item = decision.next
    assert item is not None
    names = [term.name for term in decision.urgency(item).terms]
    assert "overdue" not in names and "renewal" not in names and "health.green" not in names
    assert all(term.value and term.coefficient for term in decision.urgency(item).terms)


# ---------- D: an open L5 pins the account even with a lower total --------------------------

ACCOUNT_D = account(
    segment="enterprise",
    priority="pr1",
    health_score=90,
    arr_cents=1_200_000_00,
    contract_start=D("2026-05-01"),
    renewal_date=D("2027-06-11"),  # 200 days after TODAY
    touches={
        "cadence-call": (D("2026-11-12"),),
        "ebr": (D("2026-10-20"),),
        "nps-survey": (D("2026-10-01"),),
    },
    escalations=(OpenEscalation("e5", 5, at("2026-11-23T08:00"), at("2026-11-23T08:00")),),
)


def test_d_an_open_l5_pins_the_account_above_a_higher_total() -> None:
    decision = decide(ACCOUNT_D, RULES, TODAY)
    item = decision.next
    assert item is not None and item.rule_id == "escalation.follow-up"
    assert item.kind == "escalation-call"
    assert (item.due, item.status) == (TODAY, Status.DUE)  # L5: within 0h of 08:00 today
    # overdue     (0 + 7) / 21 = 0.333     x 12.0 =  3.996
    # health      green                          left out
    # priority    1                        x  6.0 =  6.000
    # renewal     (180 - 200) / 150 < 0          left out
    # arr         $1.2M >= cap -> 1        x  4.0 =  4.000
    # escalation  L5 = 1.0                 x 10.0 = 10.000
    # sla breach  not yet: due today, breached only after today
    # staleness   11 / 90 = 0.122          x  2.0 =  0.244
    # kind        an escalation call       x  6.0 =  6.000
    # total                                         30.240
    assert terms(decision.urgency(item)) == {
        "overdue": (0.333, 12.0),
        "kind.escalation-call": (1.0, 6.0),
        "priority.pr1": (1.0, 6.0),
        "arr": (1.0, 4.0),
        "escalation": (1.0, 10.0),
        "staleness": (0.122, 2.0),
    }
    assert decision.urgency(item).total == pytest.approx(30.24)
    assert (
        decision.urgency(item).pinned and decision.urgency(item).pin_reason == "open L5 escalation"
    )
    # only the follow-up is pinned: the L5 call tops the queue, not the account's other items,
    # which still carry the escalation term
    others = [c for c in decision.open if c.rule_id != "escalation.follow-up"]
    assert others and not any(decision.urgency(c).pinned for c in others)
    assert all(terms(decision.urgency(c))["escalation"] == (1.0, 10.0) for c in others)

    decision_a = decide(ACCOUNT_A, RULES, TODAY)
    a = decision_a.next
    assert a is not None
    assert decision.urgency(item).total < decision_a.urgency(a).total
    ranked = sorted(
        [("A", decision_a.urgency(a)), ("D", decision.urgency(item))],
        key=lambda pair: triage_key(pair[1]),
    )
    assert [name for name, _ in ranked] == ["D", "A"]


# ---------- a breached L1 pins and adds the breach term -------------------------------------


def test_a_breached_l1_pins_and_adds_the_breach_term() -> None:
    facts = account(
        health_score=85,
        escalations=(OpenEscalation("e1", 1, at("2026-11-20T10:00"), at("2026-11-20T10:00")),),
    )
    decision = decide(facts, RULES, TODAY)
    item = decision.next
    # everything else with nothing on record is due now (today); the escalation outranks it
    assert item is not None and item.rule_id == "escalation.follow-up"
    # within 24h of Fri 11-20 10:00 -> Sat 11-21 (hours never roll): 2 days overdue;
    # latest 48h -> Sun 11-22 is the breach day, so on Mon 11-23 the SLA is breached
    assert (item.due, item.overdue_days) == (D("2026-11-21"), 2)
    # overdue     (2 + 7) / 21 = 0.429     x 12.0 =  5.148
    # priority    1                        x  3.9 =  3.900
    # escalation  L1 = 0.2                 x 10.0 =  2.000
    # sla breach  1                        x  5.0 =  5.000
    # staleness   no touch on record -> 1  x  2.0 =  2.000
    # kind        an escalation call       x  6.0 =  6.000
    # total                                         24.048 -> 24.05
    assert terms(decision.urgency(item)) == {
        "overdue": (0.429, 12.0),
        "kind.escalation-call": (1.0, 6.0),
        "priority.pr2": (1.0, 3.9),
        "escalation": (0.2, 10.0),
        "escalation.sla_breach": (1.0, 5.0),
        "staleness": (1.0, 2.0),
    }
    assert decision.urgency(item).total == pytest.approx(24.05)
    assert decision.urgency(item).pinned
    assert decision.urgency(item).pin_reason == "L1 escalation SLA breached since 2026-11-22"
    notes = {term.name: term.note for term in decision.urgency(item).terms}
    assert notes["escalation.sla_breach"] == "SLA breached since 2026-11-22"
    assert notes["staleness"] == "no touch on record"


def test_an_l1_on_its_breach_day_is_not_breached_yet() -> None:
    facts = account(
        health_score=85,
        escalations=(OpenEscalation("e1", 1, at("2026-11-21T10:00"), at("2026-11-21T10:00")),),
    )
    decision = decide(facts, RULES, TODAY)
    item = decision.next
    assert item is not None and item.rule_id == "escalation.follow-up"
    # latest 48h from Sat 11-21 10:00 -> Mon 11-23: breached only after today
    assert "escalation.sla_breach" not in terms(decision.urgency(item))
    assert not decision.urgency(item).pinned


def test_the_highest_open_level_counts_and_the_breach_counts_once() -> None:
    facts = account(
        health_score=85,
        escalations=(
            OpenEscalation("e1", 1, at("2026-11-10T10:00"), at("2026-11-10T10:00")),  # breached
            OpenEscalation("e2", 2, at("2026-11-12T10:00"), at("2026-11-12T10:00")),  # breached
            OpenEscalation("e3", 3, at("2026-11-23T07:00"), at("2026-11-23T07:00")),  # not yet
        ),
    )
    decision = decide(facts, RULES, TODAY)
    item = decision.next
    assert item is not None
    found = terms(decision.urgency(item))
    assert found["escalation"] == (0.6, 10.0)  # L3, the highest open level
    assert found["escalation.sla_breach"] == (1.0, 5.0)
    # pinned by the highest breached level, since the earliest breach day among them
    assert decision.urgency(item).pin_reason == "L2 escalation SLA breached since 2026-11-15"
    notes = {term.name: term.note for term in decision.urgency(item).terms}
    assert notes["escalation.sla_breach"] == "SLA breached since 2026-11-12"


def test_follow_ups_within_the_sla_keep_the_escalation_unbreached() -> None:
    facts = account(
        health_score=85,
        contract_start=D("2026-06-01"),
        # a follow-up the day it opened and every day since: never more than 24h late
        touches={"escalation-call": (D("2026-11-20"), D("2026-11-21"), D("2026-11-22"), TODAY)},
        escalations=(OpenEscalation("e1", 1, at("2026-11-20T10:00"), at("2026-11-20T10:00")),),
    )
    decision = decide(facts, RULES, TODAY)
    item = candidate(decision, "escalation.follow-up")
    assert item.due == D("2026-11-24")  # 24h after today's call
    assert "escalation.sla_breach" not in terms(decision.urgency(item))
    assert not decision.urgency(item).pinned


# ---------- snoozed -------------------------------------------------------------------------

SNOOZED = account(
    health_score=85,
    contract_start=D("2026-06-01"),
    touches={"cadence-call": (D("2026-10-20"),)},  # +1mo -> Fri 11-20, 3 days overdue
    snoozes=(Snooze(D("2026-11-30"), "customer on holiday", D("2026-11-22")),),
)


def test_a_snoozed_item_gets_the_negative_snoozed_term() -> None:
    decision = decide(SNOOZED, RULES, TODAY)
    item = candidate(decision, "cadence.commercial")
    assert (item.due, item.status, item.snoozed_until, item.snooze_reason) == (
        D("2026-11-30"),
        Status.UPCOMING,
        D("2026-11-30"),
        "customer on holiday",
    )
    # overdue     due moved to 11-30: (-7 + 7) / 21 = 0   left out
    # priority    1                    x  3.9 =  3.900
    # staleness   34 / 90 = 0.378      x  2.0 =  0.756
    # snoozed     1                    x -5.0 = -5.000
    # kind        a cadence call       x  1.0 =  1.000
    # total                                      0.656 -> 0.66
    assert terms(decision.urgency(item)) == {
        "kind.cadence-call": (1.0, 1.0),
        "priority.pr2": (1.0, 3.9),
        "staleness": (0.378, 2.0),
        "snoozed": (1.0, -5.0),
    }
    assert decision.urgency(item).total == pytest.approx(0.66)
    notes = {term.name: term.note for term in decision.urgency(item).terms}
    assert notes["snoozed"] == "snoozed until 2026-11-30"


def test_the_same_item_unsnoozed() -> None:
    decision = decide(replace(SNOOZED, snoozes=()), RULES, TODAY)
    item = candidate(decision, "cadence.commercial")
    assert (item.due, item.overdue_days, item.snoozed_until) == (D("2026-11-20"), 3, None)
    # overdue (3 + 7) / 21 = 0.476 x 12 = 5.712; priority 3.9; staleness 0.756; kind 1 -> 11.368
    assert terms(decision.urgency(item)) == {
        "overdue": (0.476, 12.0),
        "kind.cadence-call": (1.0, 1.0),
        "priority.pr2": (1.0, 3.9),
        "staleness": (0.378, 2.0),
    }
    assert decision.urgency(item).total == pytest.approx(11.37)


# ---------- the edges of each term ----------------------------------------------------------


def test_terms_saturate_and_unknown_health_counts() -> None:
    facts = account(
        segment="smb",
        priority="pr3",
        health_score=None,
        arr_cents=5_000_00,  # below the $10k floor
        contract_start=D("2026-01-05"),
        renewal_date=D("2026-11-01"),  # renewal 22 days ago
        touches={"cadence-call": (D("2026-06-01"),), "email": (D("2026-06-15"),)},
    )
    decision = decide(facts, RULES, TODAY)
    item = candidate(decision, "cadence.default")
    # every 3mo from Mon 06-01 -> Tue 09-01: 83 days overdue
    assert (item.due, item.overdue_days) == (D("2026-09-01"), 83)
    # overdue     83 days >= 14 -> 1                 x 12.0 = 12.000
    # health      unknown                            x  1.0 =  1.000
    # priority    pr3                                x  1.8 =  1.800
    # renewal     already past -> 1                  x  6.0 =  6.000
    # arr         below the floor -> 0               left out
    # staleness   last touch (any kind) 06-15: 161 days -> 1  x 2.0 = 2.000
    # kind        a cadence call                     x  1.0 =  1.000
    assert terms(decision.urgency(item)) == {
        "overdue": (1.0, 12.0),
        "kind.cadence-call": (1.0, 1.0),
        "health.unknown": (1.0, 1.0),
        "priority.pr3": (1.0, 1.8),
        "renewal": (1.0, 6.0),
        "staleness": (1.0, 2.0),
    }
    assert decision.urgency(item).total == pytest.approx(23.8)
    notes = {term.name: term.note for term in decision.urgency(item).terms}
    assert notes["renewal"] == "renewal 22 days ago"
    assert notes["health.unknown"] == "no health score"


@pytest.mark.parametrize(
    ("days_overdue", "value"),
    [(-8, None), (-7, None), (-6, 0.048), (0, 0.333), (7, 0.667), (14, 1.0), (40, 1.0)],
)
def test_the_overdue_ramp(days_overdue: int, value: float | None) -> None:
    # a success-plan milestone is due on its own date, so the due day can be set exactly
    due = TODAY - timedelta(days=days_overdue)
    facts = account(health_score=85, milestones=(OpenMilestone("go live", due),))
    decision = decide(facts, RULES, TODAY)
    item = candidate(decision, "milestone.due")
    assert item.due == due
    assert terms(decision.urgency(item)).get("overdue") == (
        None if value is None else (value, 12.0)
    )


@pytest.mark.parametrize(
    ("days_to_renewal", "value"),
    [
        (181, None),
        (180, None),
        (179, 0.007),
        (105, 0.5),
        (31, 0.993),
        (30, 1.0),
        (0, 1.0),
        (-5, 1.0),
    ],
)
def test_the_renewal_ramp(days_to_renewal: int, value: float | None) -> None:
    facts = account(health_score=85, renewal_date=TODAY + timedelta(days=days_to_renewal))
    decision = decide(facts, RULES, TODAY)
    item = candidate(decision, "cadence.commercial")
    assert terms(decision.urgency(item)).get("renewal") == (None if value is None else (value, 6.0))


@pytest.mark.parametrize(
    ("arr_dollars", "value"),
    [
        (0, None),
        (10_000, None),
        (100_000, 0.5),
        (250_000, 0.699),
        (1_000_000, 1.0),
        (5_000_000, 1.0),
    ],
)
def test_the_arr_scale(arr_dollars: int, value: float | None) -> None:
    facts = account(health_score=85, arr_cents=arr_dollars * 100)
    decision = decide(facts, RULES, TODAY)
    item = candidate(decision, "cadence.commercial")
    assert terms(decision.urgency(item)).get("arr") == (None if value is None else (value, 4.0))


# ---------- kind weights: what cannot wait comes before routine at like lateness -----------


def test_the_renewal_question_outranks_a_survey_just_as_late_on_one_account() -> None:
    facts = account(
        health_score=85,
        arr_cents=30_000_00,
        contract_start=D("2025-03-02"),
        renewal_date=TODAY + timedelta(days=100),  # the question's target: 120 days before
        touches={"cadence-call": (D("2026-11-16"),), "nps-survey": (D("2026-05-04"),)},
    )
    decision = decide(facts, RULES, TODAY)
    question, survey = (
        candidate(decision, "renewal.soft-question"),
        candidate(decision, "nps.half-yearly"),
    )
    # renewal question: 120 days before 2027-03-03 -> Tue 11-03, 20 days overdue
    # NPS survey: 6 months after Mon 05-04 -> Wed 11-04, 19 days overdue
    assert (question.overdue_days, survey.overdue_days) == (20, 19)
    asked, surveyed = decision.urgency(question), decision.urgency(survey)
    assert terms(asked)["overdue"] == terms(surveyed)["overdue"] == (1.0, 12.0)  # both past 14
    # kind        a renewal question   x 5.0 = 5.000;  an NPS survey x 0.0: left out
    assert terms(asked)["kind.renewal-call"] == (1.0, 5.0)
    assert not any(name.startswith("kind.") for name in terms(surveyed))
    assert asked.total - surveyed.total == pytest.approx(5.0)


def test_a_green_account_s_renewal_question_outranks_a_yellow_pr1_s_survey() -> None:
    """Across accounts, both items 5 days overdue. Without the kind weight the survey would
    come first: the yellow PR1 account's band and priority outweigh the renewal term."""
    green = account(
        account_id="green",
        health_score=85,
        arr_cents=30_000_00,
        contract_start=D("2025-07-20"),
        renewal_date=D("2027-03-18"),  # 115 days away: the question was due Wed 11-18
        touches={"cadence-call": (D("2026-11-16"),), "nps-survey": (D("2026-09-01"),)},
    )
    yellow = account(
        account_id="yellow",
        priority="pr1",
        health_score=70,
        arr_cents=30_000_00,
        contract_start=D("2025-07-20"),
        renewal_date=D("2027-09-20"),
        touches={"cadence-call": (D("2026-11-16"),), "nps-survey": (D("2026-05-18"),)},
    )
    green_decision, yellow_decision = decide(green, RULES, TODAY), decide(yellow, RULES, TODAY)
    question = candidate(green_decision, "renewal.soft-question")
    survey = candidate(yellow_decision, "nps.half-yearly")
    assert (question.overdue_days, survey.overdue_days) == (5, 5)
    asked, surveyed = green_decision.urgency(question), yellow_decision.urgency(survey)
    # renewal question, green PR2: overdue (5 + 7) / 21 = 0.571 x 12 = 6.852; kind 5.0;
    #   PR2 3.9; renewal (180 - 115) / 150 = 0.433 x 6 = 2.598; ARR 0.956; staleness 0.156
    #   = 19.462 -> 19.46
    # NPS survey, yellow PR1: overdue 6.852; yellow 3.0; PR1 6.0; ARR 0.956; staleness 0.156
    #   = 16.964 -> 16.96
    assert asked.total == pytest.approx(19.46)
    assert surveyed.total == pytest.approx(16.96)
    assert asked.total - 5.0 < surveyed.total  # the kind weight is what puts it first


def test_an_onboarding_review_outranks_a_yearly_ebr_as_late() -> None:
    facts = account(
        segment="enterprise",
        health_score=85,
        arr_cents=200_000_00,
        contract_start=D("2025-11-03"),
        go_live_date=D("2026-10-14"),  # the 30-day review: Fri 11-13
        touches={"cadence-call": (D("2026-11-16"),), "ebr": (D("2025-11-13"),)},
    )
    decision = decide(facts, RULES, TODAY)
    review = candidate(decision, "onboarding.review@30d")
    ebr = candidate(decision, "ebr.yearly.enterprise")
    assert review.overdue_days == ebr.overdue_days == 10
    reviewed, met = decision.urgency(review), decision.urgency(ebr)
    assert terms(reviewed)["kind.onboarding-review"] == (1.0, 3.0)
    assert terms(met)["kind.ebr"] == (1.0, 1.0)
    assert reviewed.total - met.total == pytest.approx(2.0)


def test_kind_weights_are_read_from_the_rules_file() -> None:
    from csm_tui.domain.rules_file import RulesText, parse_rules
    from csm_tui.rules import default_text

    user = "[urgency.kind]\nnps-survey = 2.5\n"
    rulebook = parse_rules(default_text(), RulesText(user, "rules.toml"))
    assert rulebook.urgency.kind["nps-survey"] == 2.5
    assert rulebook.urgency.kind["renewal-call"] == 5.0  # the shipped weight stays
