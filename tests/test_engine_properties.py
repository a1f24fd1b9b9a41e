"""Properties of `decide` that hold for every account, checked with generated accounts.

The accounts are random but plausible: any segment and priority, a health score or none, contract
dates around 2024-2028 or none, touches of any kind, health history, up to two open escalations,
snoozes, success-plan milestones and plans; `today` falls in 2025-2027. The rules are the shipped
ones.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csm_tui.domain.calendar import Unit
from csm_tui.domain.decision import Candidate, Decision, Status
from csm_tui.domain.engine import decide
from csm_tui.domain.enums import MilestoneStatus, Priority, Segment, TouchKind
from csm_tui.domain.facts import (
    HEALTH_WINDOW_DAYS,
    AccountFacts,
    HealthPoint,
    OpenEscalation,
    OpenMilestone,
    Snooze,
)
from csm_tui.domain.queue import plan_of
from csm_tui.domain.success_plan import MilestoneLine, ObjectiveLine, PlanLine, PlanStatus
from csm_tui.rules import default_rules

RULES = default_rules()
CADENCE_IDS = frozenset(row.id for row in RULES.cadence.rows)
RECURRING_IDS = frozenset(rule.id for rule in RULES.recurring)
ANCHORED_IDS = frozenset(rule.id for rule in RULES.anchored)
SNOOZABLE = sorted(RULES.snooze.applies_to)
TOUCH_KINDS = [kind.value for kind in TouchKind]

PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Day offsets are drawn as integers (cheaper for hypothesis than dates) and added to a base day.
BASE = date(2024, 1, 1)
SPAN = (date(2028, 12, 31) - BASE).days
FIRST_TODAY, LAST_TODAY = date(2025, 1, 1), date(2027, 12, 31)


def _day(offset: int) -> date:
    return BASE + timedelta(days=offset)


maybe_day = st.none() | st.integers(0, SPAN).map(_day)


@st.composite
def accounts(draw: st.DrawFn, today: date) -> AccountFacts:
    """An account as the store would build it on `today` (escalations opened by then)."""
    touches = {
        kind: tuple(sorted({today + timedelta(days=offset) for offset in offsets}))
        for kind, offsets in draw(
            st.dictionaries(
                st.sampled_from(TOUCH_KINDS),
                st.lists(st.integers(-500, 30), min_size=1, max_size=4),
                max_size=4,
            )
        ).items()
    }
    health = tuple(
        HealthPoint(today + timedelta(days=offset), score)
        for offset, score in sorted(
            draw(st.dictionaries(st.integers(-90, 5), st.integers(0, 100), max_size=4)).items()
        )
    )
    midnight = datetime.combine(today, time(0), tzinfo=UTC)
    escalations = tuple(
        OpenEscalation(
            f"e{number}",
            level,
            midnight - timedelta(minutes=ago),
            min(
                midnight - timedelta(minutes=ago) + timedelta(hours=later),
                midnight + timedelta(hours=23, minutes=59),
            ),
        )
        for number, (level, ago, later) in enumerate(
            draw(
                st.lists(
                    st.tuples(st.integers(1, 5), st.integers(-1439, 20 * 1440), st.integers(0, 72)),
                    max_size=2,
                )
            )
            if draw(st.integers(0, 2)) == 0
            else ()
        )  # a third of accounts escalated
    )
    snoozes = tuple(
        Snooze(today + timedelta(days=on + length), "on holiday", today + timedelta(days=on), kind)
        for on, length, kind in draw(
            st.lists(
                st.tuples(
                    st.integers(-40, 3), st.integers(1, 60), st.none() | st.sampled_from(SNOOZABLE)
                ),
                max_size=2,
            )
        )
    )
    milestones = tuple(
        OpenMilestone(f"m{n}", today + timedelta(days=offset))
        for n, offset in enumerate(
            draw(st.lists(st.integers(-60, 60), max_size=2)) if draw(st.integers(0, 3)) == 0 else ()
        )  # a quarter have any
    )
    plans = (  # a third have a plan, some two
        tuple(draw(success_plans(today)) for _ in range(draw(st.integers(1, 2))))
        if draw(st.integers(0, 2)) == 0
        else ()
    )
    return AccountFacts(
        account_id="acc-1",
        plans=plans,
        name="Acme",
        segment=draw(st.sampled_from([s.value for s in Segment])),
        priority=draw(st.sampled_from([p.value for p in Priority])),
        arr_cents=draw(st.integers(0, 300_000_000)),
        health_score=draw(st.none() | st.integers(0, 100)),
        contract_start=draw(maybe_day),
        renewal_date=draw(maybe_day),
        go_live_date=draw(maybe_day),
        touches=touches,
        health=health,
        escalations=escalations,
        snoozes=snoozes,
        milestones=milestones,
    )


@st.composite
def success_plans(draw: st.DrawFn, today: date) -> PlanLine:
    """A plan as `store.facts.read_plans` reads it: any status, reviews around `today`, and
    its milestones not done, in any status the store may hold."""

    def day(low: int, high: int) -> st.SearchStrategy[date | None]:
        return st.none() | st.integers(low, high).map(lambda n: today + timedelta(days=n))

    ids = iter(range(1, 100))
    milestones = tuple(
        MilestoneLine(
            uuid.UUID(int=next(ids)),
            uuid.UUID(int=0),
            f"m{n}",
            due,
            status=status,
            blocked_on=draw(day(-60, 0)) if status is MilestoneStatus.BLOCKED else None,
        )
        for n, (due, status) in enumerate(
            draw(
                st.lists(
                    st.tuples(
                        day(-60, 60),
                        st.sampled_from(
                            [s for s in MilestoneStatus if s is not MilestoneStatus.DONE]
                        ),
                    ),
                    max_size=3,
                )
            )
        )
    )
    objectives = tuple(
        ObjectiveLine(
            uuid.UUID(int=next(ids)),
            f"o{n}",
            current=current,
            milestones=milestones if n == 0 else (),
        )
        for n, current in enumerate(
            draw(st.lists(st.none() | st.just("3"), min_size=1, max_size=2))
        )
    )
    created = draw(st.integers(-400, 0).map(lambda n: today + timedelta(days=n)))
    reviewed = draw(day(-100, 0))
    return PlanLine(
        uuid.UUID(int=next(ids)),
        uuid.UUID(int=0),
        "Plan",
        status=draw(st.sampled_from(list(PlanStatus))),
        reviewed_on=None if reviewed is None else max(reviewed, created),
        next_review_on=draw(day(-30, 40)),
        objectives=objectives,
        created_on=created,
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[AccountFacts, date]:
    today = FIRST_TODAY + timedelta(days=draw(st.integers(0, (LAST_TODAY - FIRST_TODAY).days)))
    return draw(accounts(today)), today


def _effective(due: date | None, today: date) -> date:
    return max(due or today, today)


# ---------- (a), (b), (c), (f), (g), (h): one decision, checked every way -------------------
#
# These share one generated account per example (generation, not `decide`, is what costs time);
# each property is its own function so a failure names it.


def check_deterministic(facts: AccountFacts, today: date, decision: Decision) -> None:
    """(a) The same facts, rules and day give the same decision."""
    assert decide(facts, RULES, today) == decision
    assert decision.today == today and decision.account_id == facts.account_id


def check_always_a_next_touch(decision: Decision) -> None:
    """(b) Every account has a next touch: the cadence always yields exactly one open item."""
    assert decision.next is not None
    cadence = [c for c in decision.candidates if c.rule_id in CADENCE_IDS]
    assert len(cadence) == 1 and cadence[0].is_open, cadence


def check_due_and_overdue_days(today: date, decision: Decision) -> None:
    """(c) An item not overdue is due today or later; an overdue one before today, by N days."""
    for candidate in decision.candidates:
        if not candidate.is_open:
            assert candidate.status in (Status.SATISFIED, Status.SKIPPED)
            continue
        assert candidate.due is not None
        if candidate.status is Status.OVERDUE:
            assert candidate.due < today
            assert candidate.overdue_days == (today - candidate.due).days > 0
        else:
            assert candidate.due >= today, candidate
            assert candidate.overdue_days == 0
            assert (candidate.status is Status.DUE) == (candidate.due == today)


_ROLLED_UNITS = (Unit.DAYS, Unit.WEEKS, Unit.MONTHS, Unit.YEARS)


def _unit_of(rule_id: str) -> Unit | None:
    """The unit a cadence, recurring or anchored item's due date was computed with."""
    if rule_id in CADENCE_IDS:
        return next(row.every.unit for row in RULES.cadence.rows if row.id == rule_id)
    if rule_id in RECURRING_IDS:
        return next(rule.every.unit for rule in RULES.recurring if rule.id == rule_id)
    base, _, offset = rule_id.partition("@")
    if base in ANCHORED_IDS:
        rule = next(rule for rule in RULES.anchored if rule.id == base)
        return next(o.unit for o in rule.offsets if not offset or str(o) == offset)
    return None


def check_rolled_dues_are_workdays(decision: Decision) -> None:
    """(f) Cadence, recurring and anchored items in d/w/mo/y are rolled onto working days."""
    for candidate in decision.open:
        if _unit_of(candidate.rule_id) not in _ROLLED_UNITS or candidate.snoozed_until is not None:
            continue
        if candidate.steps and candidate.steps[0].endswith("due now"):
            continue  # nothing on record to count from: due today, whatever day that is
        assert candidate.due is not None
        assert RULES.calendar.is_workday(candidate.due), (
            candidate.rule_id,
            candidate.due,
            candidate.steps,
        )


def check_urgency_is_a_sum_of_bounded_terms(facts: AccountFacts, decision: Decision) -> None:
    """(g) The total is the sum of the terms' points; each term is in (0, 1]; no zero terms."""
    for candidate in decision.open:
        urgency = decision.urgency(candidate)
        assert urgency.total == round(sum(term.points for term in urgency.terms), 2)
        names = [term.name for term in urgency.terms]
        assert len(names) == len(set(names)), names
        for term in urgency.terms:
            assert 0.0 <= term.value <= 1.0, term
            assert term.value != 0.0 and term.coefficient != 0.0, term  # zero terms are left out
        assert (candidate.snoozed_until is not None) == ("snoozed" in names)
        # only an escalation follow-up is pinned: an open pinned level (L5) always pins it
        if candidate.rule_id != RULES.escalation.id:
            assert not urgency.pinned and urgency.pin_reason is None
        elif any(RULES.escalation.levels[e.level].pin for e in facts.escalations):
            assert urgency.pinned and urgency.pin_reason
    for candidate in decision.candidates:
        if not candidate.is_open:
            assert (
                decision.urgency(candidate).terms == () and not decision.urgency(candidate).pinned
            )
            assert candidate.terms == ()


def check_next_is_earliest_then_by_rank(today: date, decision: Decision) -> None:
    """(h) Next = the open item with the earliest max(due, today); ties go by [select] rank."""
    chosen = decision.next
    assert chosen is not None and chosen in decision.open

    def key(candidate: Candidate) -> tuple[date, int]:
        return _effective(candidate.due, today), RULES.rank_of(candidate.kind)

    assert key(chosen) == min(key(c) for c in decision.open)
    assert chosen is next(c for c in decision.open if key(c) == key(chosen))  # then file order


@PROPERTY
@given(cases())
def test_decision_properties(case: tuple[AccountFacts, date]) -> None:
    facts, today = case
    decision = decide(facts, RULES, today)
    check_deterministic(facts, today, decision)
    check_always_a_next_touch(decision)
    check_due_and_overdue_days(today, decision)
    check_rolled_dues_are_workdays(decision)
    check_urgency_is_a_sum_of_bounded_terms(facts, decision)
    check_next_is_earliest_then_by_rank(today, decision)


# ---------- (d) a touch of the due kind satisfies it ----------------------------------------


def _with_touch(facts: AccountFacts, kind: str, day: date) -> AccountFacts:
    touches = dict(facts.touches)
    touches[kind] = tuple(sorted({*touches.get(kind, ()), day}))
    return replace(facts, touches=touches)


@PROPERTY
@given(cases())
def test_a_touch_of_the_due_kind_today_satisfies_it(case: tuple[AccountFacts, date]) -> None:
    facts, today = case
    due = decide(facts, RULES, today).next
    assert due is not None
    if due.kind == "milestone":  # done in the success plan, not by a touch
        return
    if due.kind == "success-plan":  # answered by a review of the plan, not by a touch
        reviewed = replace(
            facts,
            plans=tuple(replace(p, reviewed_on=today, next_review_on=None) for p in facts.plans),
        )
        after = decide(reviewed, RULES, today)
        assert not [c for c in after.candidates if c.kind == "success-plan" and c.is_open]
        return
    after = decide(_with_touch(facts, due.kind, today), RULES, today)
    same = [c for c in after.candidates if c.rule_id == due.rule_id and c.is_open]
    if due.rule_id == RULES.escalation.id:
        # Escalation follow-ups restart the level's SLA clock from the call: with a positive SLA
        # nothing is due today any more; L5 (within 0h) is due again today (see the xfail below).
        for candidate, escalation in zip(
            [c for c in after.candidates if c.rule_id == RULES.escalation.id],
            facts.escalations,
            strict=True,
        ):
            within = RULES.escalation.levels[escalation.level].within
            assert candidate.due is not None
            assert candidate.due > today if within.amount > 0 else candidate.due >= today
        return
    assert not [c for c in same if c.due is not None and c.due <= today], same


def _l5_follow_up_after_a_call_today() -> Candidate:
    """An L5 escalation opened at 08:00 today, and the escalation call logged today."""
    today = date(2026, 11, 23)
    opened = datetime(2026, 11, 23, 8, tzinfo=UTC)
    facts = AccountFacts(
        "a",
        "Acme",
        "commercial",
        "pr2",
        health_score=85,
        contract_start=date(2026, 6, 1),
        touches={"escalation-call": (today,)},
        escalations=(OpenEscalation("e", 5, opened, opened),),
    )
    decision = decide(facts, RULES, today)
    [follow_up] = [c for c in decision.candidates if c.rule_id == RULES.escalation.id]
    return follow_up


def test_an_l5_follow_up_logged_today_is_not_due_again_today() -> None:
    follow_up = _l5_follow_up_after_a_call_today()
    assert follow_up.due is not None and follow_up.due > date(2026, 11, 23)


# ---------- (e) worse health never means a longer cadence -----------------------------------


@PROPERTY
@given(cases())
def test_worse_health_never_lengthens_the_cadence(case: tuple[AccountFacts, date]) -> None:
    facts, today = case
    dues = []
    for score in (85, 70, 40):  # green, yellow, red
        decision = decide(replace(facts, health_score=score), RULES, today)
        [cadence] = [c for c in decision.candidates if c.rule_id in CADENCE_IDS]
        assert cadence.due is not None
        dues.append(cadence.due)
    green, yellow, red = dues
    assert red <= yellow <= green, dues


# ---------- (i) the plan holds until the engine says it may change ---------------------------
#
# The store keeps each account's plan (`domain.queue.plan_of`) and, on a new day, decides again
# only the accounts whose `valid_until` has come: a day it misses would leave a stale plan.


@PROPERTY
@given(cases(), st.lists(st.floats(0, 1, exclude_max=True), min_size=1, max_size=4))
def test_the_plan_holds_until_the_day_the_decision_says_it_may_change(
    case: tuple[AccountFacts, date],
    fractions: list[float],
) -> None:
    facts, today = case
    decision = decide(facts, RULES, today)
    plan = plan_of(decision)
    ends = decision.valid_until
    assert ends is None or ends > today
    window = (ends - today).days if ends is not None else 400  # the days it holds, today on
    for fraction in fractions:
        later = today + timedelta(days=int(fraction * window))
        assert plan_of(decide(facts, RULES, later)) == plan, (today, later, ends)


def test_a_plan_can_hold_for_good() -> None:
    """An account with a call on record and nothing else going on: its plan changes only when
    its facts do (a new call, a new score), never with the day."""
    facts = AccountFacts(
        "a",
        "Acme",
        "enterprise",
        "pr2",
        health_score=85,
        touches={
            "cadence-call": (date(2026, 11, 2),),
            "ebr": (date(2026, 6, 1),),
            "nps-survey": (date(2026, 9, 1),),
        },
    )
    decision = decide(facts, RULES, date(2026, 11, 23))
    assert decision.valid_until is None, decision.valid_until


def test_a_band_change_holds_only_while_it_is_on_record() -> None:
    """The store sends the health of the last `HEALTH_WINDOW_DAYS` days and the snapshot just
    before: once the change into red is older, it is no longer on record and a trigger with no
    expiry stops. The plan says so."""
    rules = replace(
        RULES, triggers=tuple(replace(rule, expire_after=None) for rule in RULES.triggers)
    )
    entered = date(2026, 7, 1)
    today = entered + timedelta(days=100)
    recent = (today - timedelta(days=3),)
    facts = AccountFacts(
        "a",
        "Acme",
        "enterprise",
        "pr2",
        health_score=40,
        touches={"cadence-call": recent, "ebr": recent, "nps-survey": recent},
        health=(HealthPoint(entered - timedelta(days=30), 85), HealthPoint(entered, 40)),
    )
    decision = decide(facts, rules, today)
    ends = entered + timedelta(days=HEALTH_WINDOW_DAYS + 1)
    assert decision.valid_until == ends
    # What the store sends on that day: the change is out of the window, with its "before".
    aged = replace(facts, health=(HealthPoint(entered, 40),))
    assert plan_of(decide(aged, rules, ends)) != plan_of(decision)
