"""The success plan as Markdown for the customer: compared with a reviewed file byte for byte,
and user text that cannot break the document."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path
from typing import Any

from csm_tui.domain.enums import MilestoneStatus, ObjectiveKind
from csm_tui.domain.plan_export import escape, plan_markdown
from csm_tui.domain.success_plan import MilestoneLine, Move, ObjectiveLine, PlanLine, PlanStatus

EXPECTED = Path(__file__).parent / "data" / "plan_export_expected.md"
TODAY = date(2026, 6, 20)
O1, O2, O3 = (uuid.UUID(int=n) for n in (11, 12, 13))


def milestone(
    n: int, objective: uuid.UUID, title: str, due: date | None, **kw: Any
) -> MilestoneLine:
    return MilestoneLine(uuid.UUID(int=100 + n), objective, title, due, position=n, **kw)


def plan() -> PlanLine:
    weekly = ObjectiveLine(
        O1,
        "Release weekly instead of monthly",
        metric="deployments per month",
        baseline="1",
        target="4",
        current="2.5",
        measured_on=date(2026, 6, 1),
        milestones=(  # as the CSM ordered them, not by date
            milestone(
                0,
                O1,
                "SSO live",
                date(2026, 6, 10),
                dri="Sam Lee",
                status=MilestoneStatus.BLOCKED,
                blocked_reason="waiting on the customer's IdP | Okta",
                note="internal: their IT lead is on leave",
                moves=(
                    Move(date(2026, 5, 20), date(2026, 6, 1), date(2026, 5, 18)),
                    Move(date(2026, 6, 1), date(2026, 6, 10), date(2026, 5, 30)),
                ),
            ),
            milestone(
                1, O1, "Weekly release retro", date(2026, 7, 1), status=MilestoneStatus.IN_PROGRESS
            ),
            milestone(
                2,
                O1,
                "Pipelines migrated | all teams",
                date(2026, 5, 15),
                dri="Priya Shah (customer champion)",
                status=MilestoneStatus.DONE,
                completed_on=date(2026, 5, 14),
            ),
            milestone(3, O1, "Train *all* release_managers", date(2026, 6, 5), dri="CSM"),
        ),
    )
    reviews = ObjectiveLine(
        O2,
        "Review every change within a day",
        metric="changes reviewed within a day",
        baseline="30%",
        target="80%",
        position=1,
    )
    trust = ObjectiveLine(
        O3,
        "# Developers trust the platform",
        metric="what developers say in the survey",
        baseline="skeptical",
        target="confident",
        current="cautiously positive",
        measured_on=date(2026, 6, 15),
        position=2,
        kind=ObjectiveKind.QUALITATIVE,
        milestones=(milestone(4, O3, "Developer survey", None, dri="Maya Patel"),),
    )
    return PlanLine(
        uuid.UUID(int=1),
        uuid.UUID(int=2),
        "#1 priority: ship weekly",
        status=PlanStatus.ACTIVE,
        reviewed_on=date(2026, 4, 2),
        next_review_on=date(2026, 7, 2),
        objectives=(weekly, reviews, trust),
    )


def test_export_matches_the_reviewed_file() -> None:
    assert plan_markdown("Northwind Traders", plan(), TODAY) == EXPECTED.read_text(encoding="utf-8")


def test_notes_for_the_csm_stay_out() -> None:
    assert "internal" not in plan_markdown("Northwind Traders", plan(), TODAY)


def test_a_plan_with_nothing_yet() -> None:
    empty = PlanLine(uuid.UUID(int=1), uuid.UUID(int=2), "Plan", status=PlanStatus.DRAFT)
    assert plan_markdown("Acme", empty, TODAY) == (
        "# Acme: Plan\n\n- Status: Draft\n- Last review: not yet\n- Next review: to agree\n\n"
        "No objectives yet.\n\n_As of 2026-06-20._\n"
    )


def test_escape_keeps_user_text_literal() -> None:
    assert escape("# heading") == r"\# heading"
    assert escape("Title ##") == r"Title \##"
    assert escape("#") == r"\#"
    assert escape("-5% churn") == "-5% churn"
    assert escape("2.5 days") == "2.5 days"
    assert escape("- item") == r"\- item"
    assert escape("1. first") == r"1\. first"
    assert escape("> quote") == r"\> quote"
    assert escape("*bold* and _it_ and `code` and [link](x) <b>") == (
        r"\*bold\* and \_it\_ and \`code\` and \[link\](x) \<b\>"
    )
    assert escape("a | b") == "a | b"
    assert escape("a | b", cell=True) == r"a \| b"
    assert escape("two\nlines\t here") == "two lines here"
    assert escape(r"back\slash") == r"back\\slash"


def test_slipped_milestones_say_so_and_a_slipped_one_in_the_future_too() -> None:
    line = milestone(0, O1, "Later", date(2026, 7, 1), status=MilestoneStatus.SLIPPED)
    objective = ObjectiveLine(O1, "Outcome", milestones=(line,))
    text = plan_markdown(
        "A", PlanLine(uuid.UUID(int=1), uuid.UUID(int=2), "P", objectives=(objective,)), TODAY
    )
    assert "| 2026-07-01 | Later | Slipped | - |" in text
    overdue = milestone(0, O1, "Yesterday", date(2026, 6, 19))
    objective = ObjectiveLine(O1, "Outcome", milestones=(overdue,))
    text = plan_markdown(
        "A", PlanLine(uuid.UUID(int=1), uuid.UUID(int=2), "P", objectives=(objective,)), TODAY
    )
    assert "| Slipped (1 day overdue) |" in text
