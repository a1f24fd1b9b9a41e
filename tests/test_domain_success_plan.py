"""Success plans in the domain: slipped milestones, progress from metrics typed as text, moves,
reviews, the reasons a plan raises the success risk flag, and the checks of what a user types."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from csm_tui.domain.calendar import Duration
from csm_tui.domain.enums import MilestoneStatus
from csm_tui.domain.success_plan import (
    MilestoneLine,
    Move,
    ObjectiveLine,
    PlanLine,
    PlanStatus,
    effective_status,
    is_slipped,
    milestone_problems,
    milestone_progress,
    moved,
    moved_words,
    objective_problems,
    parse_value,
    plan_problems,
    progress,
    review_due,
    review_due_on,
    risks,
)

TODAY = date(2026, 9, 10)
EVERY = Duration.parse("90d")
OBJECTIVE = uuid.UUID(int=7)
_ids = iter(range(1000, 2000))


def ms(
    title: str = "SSO live",
    due: date | None = date(2026, 9, 1),
    status: MilestoneStatus = MilestoneStatus.PLANNED,
    **kw: Any,
) -> MilestoneLine:
    return MilestoneLine(uuid.UUID(int=next(_ids)), OBJECTIVE, title, due, status=status, **kw)


def obj(outcome: str = "Release weekly", current: str | None = "3", **kw: Any) -> ObjectiveLine:
    return ObjectiveLine(uuid.UUID(int=next(_ids)), outcome, current=current, **kw)


def plan(*objectives: ObjectiveLine, **kw: Any) -> PlanLine:
    defaults: dict[str, Any] = {"reviewed_on": date(2026, 8, 1)}
    return PlanLine(
        uuid.UUID(int=1), uuid.UUID(int=2), "Plan", objectives=objectives, **{**defaults, **kw}
    )


@pytest.mark.parametrize(
    ("status", "due", "shown"),
    [
        (MilestoneStatus.PLANNED, date(2026, 9, 9), MilestoneStatus.SLIPPED),
        (MilestoneStatus.IN_PROGRESS, date(2026, 9, 9), MilestoneStatus.SLIPPED),
        (MilestoneStatus.PLANNED, TODAY, MilestoneStatus.PLANNED),  # due today: not late yet
        (MilestoneStatus.PLANNED, None, MilestoneStatus.PLANNED),
        (MilestoneStatus.DONE, date(2026, 1, 1), MilestoneStatus.DONE),
        (MilestoneStatus.BLOCKED, date(2026, 1, 1), MilestoneStatus.BLOCKED),
        (MilestoneStatus.SLIPPED, date(2026, 12, 1), MilestoneStatus.SLIPPED),  # marked so
    ],
)
def test_effective_status(
    status: MilestoneStatus, due: date | None, shown: MilestoneStatus
) -> None:
    line = ms(due=due, status=status)
    assert effective_status(line, TODAY) is shown
    assert is_slipped(line, TODAY) is (shown is MilestoneStatus.SLIPPED)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12%", (12.0, "%")),
        ("1,200", (1200.0, "")),
        ("4.5", (4.5, "")),
        (" 4.5 days ", (4.5, "days")),
        ("$1,500", (1500.0, "")),
        ("-3", (-3.0, "")),
        ("manual releases", None),
        ("12-15", None),
        ("3 of 5", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_value(text: str | None, value: tuple[float, str] | None) -> None:
    assert parse_value(text) == value


@pytest.mark.parametrize(
    ("baseline", "target", "current", "share"),
    [
        ("10%", "50%", "30%", 0.5),
        ("0", "80%", "20%", 0.25),  # a bare number goes with any unit
        ("1,000", "2,000", "1,500", 0.5),
        ("14 days", "4 days", "9 days", 0.5),  # a target below the baseline
        ("10", "20", "25", 1.0),  # past the target: full
        ("10", "20", "5", 0.0),  # went back: empty
        ("10", "10", "10", None),  # nothing to measure against
        ("10 days", "50%", "20%", None),  # units disagree
        ("manual", "weekly", "biweekly", None),
        ("10", "20", None, None),
    ],
)
def test_progress(baseline: str, target: str, current: str | None, share: float | None) -> None:
    objective = obj(baseline=baseline, target=target, current=current)
    assert progress(objective) == share


def test_milestone_progress_counts_done_over_all() -> None:
    lines = (ms(status=MilestoneStatus.DONE), ms(), ms(status=MilestoneStatus.BLOCKED), ms())
    tally = milestone_progress(plan(obj(milestones=lines[:2]), obj(milestones=lines[2:])))
    assert (tally.done, tally.total, tally.fraction) == (1, 4, 0.25)
    assert milestone_progress(plan()).fraction is None


def test_moved_counts_times_and_days() -> None:
    line = ms(
        moves=(
            Move(date(2026, 8, 1), date(2026, 8, 15), date(2026, 7, 30)),
            Move(date(2026, 8, 15), date(2026, 8, 22), date(2026, 8, 14)),
        )
    )
    assert moved(line) == (2, 21)
    assert moved_words(line) == "moved 2x, +21 days"
    back = ms(moves=(Move(date(2026, 8, 2), date(2026, 8, 1), date(2026, 7, 1)),))
    assert moved_words(back) == "moved 1x, -1 day"
    assert moved(ms()) == (0, 0) and moved_words(ms()) == ""


def test_review_due_after_the_interval_or_the_agreed_day() -> None:
    reviewed = plan(reviewed_on=date(2026, 6, 1))
    assert review_due_on(reviewed, EVERY) == date(2026, 8, 30)
    assert review_due(reviewed, date(2026, 8, 30), EVERY) is False  # due that day, not late
    assert review_due(reviewed, date(2026, 8, 31), EVERY) is True
    agreed = plan(reviewed_on=date(2026, 8, 1), next_review_on=date(2026, 9, 1))
    assert review_due_on(agreed, EVERY) == date(2026, 9, 1)
    assert review_due(agreed, TODAY, EVERY) is True
    later = plan(reviewed_on=date(2026, 8, 1), next_review_on=date(2027, 1, 1))
    assert review_due_on(later, EVERY) == date(2026, 10, 30)  # the interval still holds
    never = plan(reviewed_on=None, created_on=date(2026, 5, 1))
    assert review_due(never, TODAY, EVERY) is True
    assert review_due(plan(reviewed_on=None), TODAY, EVERY) is False  # nothing to count from
    assert (
        review_due(plan(reviewed_on=date(2026, 1, 1), status=PlanStatus.DRAFT), TODAY, EVERY)
        is False
    )


def test_an_on_track_plan_raises_nothing() -> None:
    lines = (ms(due=date(2026, 9, 30)), ms(status=MilestoneStatus.DONE))
    assert risks(plan(obj(milestones=lines)), TODAY, EVERY) == ()


def test_risks_say_why_the_flag_is_raised() -> None:
    weekly = obj(
        milestones=(
            ms("Pipelines migrated", date(2026, 8, 20)),
            ms(
                "SSO live",
                date(2026, 9, 30),
                MilestoneStatus.BLOCKED,
                blocked_reason="waiting on SSO",
            ),
            ms("Training", date(2026, 9, 1), MilestoneStatus.IN_PROGRESS),
            ms("Kickoff", date(2026, 8, 1), MilestoneStatus.DONE),
        )
    )
    unmeasured = obj("Cut cycle time", current=None)
    blank = obj("Developers trust it", current="  ")
    found = risks(plan(weekly, unmeasured, blank, reviewed_on=date(2026, 6, 1)), TODAY, EVERY)
    assert found == (
        "2 milestones slipped: Pipelines migrated, Training",
        "1 milestone blocked: SSO live (waiting on SSO)",
        "not reviewed since 2026-06-01 (every 90d)",
        "no value measured for: Cut cycle time, Developers trust it",
    )


def test_risk_sentences_for_reviews_and_long_lists() -> None:
    late = ms("A", date(2026, 9, 1))
    many = obj(milestones=tuple(ms(t, date(2026, 9, 1)) for t in "ABCDE"))
    assert risks(plan(many), TODAY, EVERY)[0] == "5 milestones slipped: A, B, C and 2 more"
    assert risks(plan(obj(milestones=(late,))), TODAY, EVERY) == ("1 milestone slipped: A",)
    blocked = ms("B", None, MilestoneStatus.BLOCKED)
    assert risks(plan(obj(milestones=(blocked,))), TODAY, EVERY) == ("1 milestone blocked: B",)
    agreed = plan(obj(), reviewed_on=date(2026, 8, 1), next_review_on=date(2026, 9, 1))
    assert risks(agreed, TODAY, EVERY) == ("review agreed for 2026-09-01 not held",)
    never = plan(obj(), reviewed_on=None, created_on=date(2026, 5, 1))
    assert risks(never, TODAY, EVERY) == (
        "never reviewed since it was created on 2026-05-01 (every 90d)",
    )


@pytest.mark.parametrize("status", [PlanStatus.DRAFT, PlanStatus.ON_HOLD, PlanStatus.DONE])
def test_only_an_active_plan_raises_the_flag(status: PlanStatus) -> None:
    troubled = plan(obj(current=None, milestones=(ms(due=date(2026, 1, 1)),)), status=status)
    assert risks(troubled, TODAY, EVERY) == ()


def test_plan_problems() -> None:
    assert plan_problems("Acme 2026") == {}
    assert plan_problems("  ") == {"title": 'give the plan a title, like "Acme success plan 2026"'}
    assert plan_problems("A\nB") == {"title": "write it on one line"}
    assert plan_problems("A", status="paused") == {
        "status": "choose one of draft, active, on-hold, done"
    }
    assert plan_problems("A", status="On hold") == {}
    assert plan_problems("A", next_review_on="next week") == {
        "next_review_on": "'next week' is not a date: write a date as YYYY-MM-DD, like 2026-11-23"
    }


def test_objective_problems_keep_values_as_text() -> None:
    assert objective_problems("Release weekly", today=TODAY) == {}
    assert objective_problems("", today=TODAY) == {
        "outcome": "write the outcome in the customer's words, like \"Release weekly instead of "
        'monthly"'
    }
    assert objective_problems("X", measured_on="2026-09-11", today=TODAY) == {
        "measured_on": "2026-09-11 is in the future: write the day it was measured"
    }


def test_milestone_problems() -> None:
    assert milestone_problems("SSO live", due_on="2026-10-01", status="in progress") == {}
    assert milestone_problems("", due_on="1/10/2026", status="stuck") == {
        "title": 'give the milestone a title, like "SSO live in production"',
        "due_on": "'1/10/2026' is not a date: write a date as YYYY-MM-DD, like 2026-11-23",
        "status": "choose one of planned, in-progress, done, slipped, blocked",
    }
    assert milestone_problems("SSO live", status="blocked") == {
        "blocked_reason": 'say what it waits on, like "waiting on SSO"'
    }
    assert milestone_problems("SSO live", status="blocked", blocked_reason="waiting on SSO") == {}
