"""The worked cases of tests/data/rules_cases.toml, run through the engine with the shipped rules.

Each case was worked out by hand from the rules file; a failure prints the whole explanation, so
that whoever changed the rules or the engine can see which step moved.
"""

from __future__ import annotations

import tomllib
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from csm_tui.domain.decision import Candidate, Decision
from csm_tui.domain.engine import decide
from csm_tui.domain.enums import MilestoneStatus
from csm_tui.domain.explain import explain_text
from csm_tui.domain.facts import AccountFacts, HealthPoint, OpenEscalation, OpenMilestone, Snooze
from csm_tui.domain.rulebook import Rulebook
from csm_tui.domain.rules_file import RulesText, parse_rules
from csm_tui.domain.success_plan import MilestoneLine, ObjectiveLine, PlanLine, PlanStatus
from csm_tui.rules import default_rules, default_text

CASES_FILE = Path(__file__).parent / "data" / "rules_cases.toml"
CASES: list[dict[str, Any]] = tomllib.loads(CASES_FILE.read_text())["case"]
SHIPPED = default_rules()


def facts_of(case: dict[str, Any]) -> AccountFacts:
    account = dict(case["account"])
    return AccountFacts(
        account_id="case",
        name=case["name"],
        segment=account["segment"],
        priority=account["priority"],
        arr_cents=int(account.get("arr", 0) * 100),
        health_score=account.get("health"),
        contract_start=account.get("contract_start"),
        renewal_date=account.get("renewal_date"),
        go_live_date=account.get("go_live_date"),
        touches={kind: tuple(sorted(days)) for kind, days in case.get("touches", {}).items()},
        health=tuple(HealthPoint(p["on"], p["score"]) for p in case.get("health", [])),
        escalations=tuple(
            OpenEscalation(
                f"esc-{n}", e["level"], e["opened_at"], e.get("level_since", e["opened_at"])
            )
            for n, e in enumerate(case.get("escalations", []))
        ),
        snoozes=tuple(
            Snooze(s["until"], s["reason"], s["snoozed_on"], s.get("kind"))
            for s in case.get("snoozes", [])
        ),
        milestones=tuple(
            OpenMilestone(m["title"], m["due_on"]) for m in case.get("milestones", [])
        ),
        plans=tuple(_plan(plan) for plan in case.get("plans", [])),
    )


def _plan(plan: dict[str, Any]) -> PlanLine:
    return PlanLine(
        id=uuid.uuid4(),
        account_id=uuid.uuid4(),
        title=plan["title"],
        status=PlanStatus(plan.get("status", "active")),
        reviewed_on=plan.get("reviewed_on"),
        next_review_on=plan.get("next_review_on"),
        created_on=plan.get("created_on"),
        objectives=tuple(
            ObjectiveLine(
                id=uuid.uuid4(),
                outcome=objective["outcome"],
                current=objective.get("current"),
                milestones=tuple(
                    MilestoneLine(
                        id=uuid.uuid4(),
                        objective_id=uuid.uuid4(),
                        title=m["title"],
                        due_on=m.get("due_on"),
                        status=MilestoneStatus(m.get("status", "planned")),
                        blocked_reason=m.get("blocked_reason"),
                        blocked_on=m.get("blocked_on"),
                    )
                    for m in objective.get("milestones", [])
                ),
            )
            for objective in plan.get("objectives", [])
        ),
    )


def rules_of(case: dict[str, Any]) -> Rulebook:
    if "rules" not in case:
        return SHIPPED
    return parse_rules(default_text(), RulesText(case["rules"], "case rules"))


def _field(decision: Decision, candidate: Candidate, key: str) -> Any:
    if key in ("pinned", "pin_reason"):
        return getattr(decision.urgency(candidate), key)
    if key == "steps":
        return list(candidate.steps)
    value = getattr(candidate, {"reason": "reason"}.get(key, key))
    return value.value if key == "status" else value


def _check(
    decision: Decision, candidate: Candidate | None, expected: dict[str, Any], story: str
) -> None:
    assert candidate is not None, f"no candidate {expected}\n{story}"
    actual = {key: _field(decision, candidate, key) for key in expected}
    expected = {
        key: (value if not isinstance(value, datetime) else value)
        for key, value in expected.items()
    }
    assert actual == expected, story


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_worked_case(case: dict[str, Any]) -> None:
    today: date = case["today"]
    decision: Decision = decide(facts_of(case), rules_of(case), today)
    story = explain_text(
        decision, name=case["name"], external_id=None, rules_version="test", rules_source="shipped"
    )
    if "next" in case:
        _check(decision, decision.next, case["next"], story)
    by_id = {candidate.rule_id: candidate for candidate in decision.candidates}
    for expected in case.get("candidate", []):
        expected = dict(expected)
        _check(decision, by_id.get(expected["rule_id"]), expected, story)
    for rule_id in case.get("absent", []):
        assert rule_id not in by_id, story
    if "priority" in case:
        assert decision.priority == case["priority"], story
    if "band" in case:
        assert decision.band == case["band"], story
    if "derived" in case:
        assert [d.rule_id for d in decision.derived] == case["derived"], story


def test_the_cases_cover_every_shipped_rule() -> None:
    """Every rule id of the shipped file is exercised by at least one case."""
    seen: set[str] = set()
    for case in CASES:
        decision = decide(facts_of(case), rules_of(case), case["today"])
        seen |= {
            c.rule_id.split("@")[0]
            for c in decision.candidates
            if c.status.is_open or c.status.value == "satisfied"
        }
        seen |= {d.rule_id for d in decision.derived}
    assert set(SHIPPED.rule_ids()) <= seen, set(SHIPPED.rule_ids()) - seen
