"""Where an account stands with its success plans (`domain.plan_book`), on hand-built plans,
and the order of the book's plans view."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from csm_tui.domain.book import AccountRow, SortKey, filter_rows, sort_rows
from csm_tui.domain.calendar import Duration
from csm_tui.domain.enums import MilestoneStatus, Priority, Segment
from csm_tui.domain.plan_book import (
    PlanCounts,
    PlanStanding,
    Standing,
    plan_counts,
    plan_standing,
)
from csm_tui.domain.success_plan import MilestoneLine, ObjectiveLine, PlanLine, PlanStatus

TODAY = date(2026, 11, 23)
EVERY = Duration.parse("1mo")
_ids = iter(range(1000, 9000))


def ms(
    due: date | None = date(2026, 12, 15),
    status: MilestoneStatus = MilestoneStatus.PLANNED,
    **kw: Any,
) -> MilestoneLine:
    key = uuid.UUID(int=next(_ids))
    return MilestoneLine(key, key, f"milestone {key.int}", due, status=status, **kw)


def plan(*milestones: MilestoneLine, **kw: Any) -> PlanLine:
    """An active plan reviewed last week, its milestones under one objective."""
    fields: dict[str, Any] = {"reviewed_on": date(2026, 11, 16), "created_on": date(2026, 6, 1)}
    objective = ObjectiveLine(
        uuid.UUID(int=next(_ids)), "Release weekly", current="3 a month", milestones=milestones
    )
    return PlanLine(
        uuid.UUID(int=next(_ids)),
        uuid.UUID(int=1),
        "Plan",
        objectives=(objective,),
        **{**fields, **kw},
    )


def standing(*plans: PlanLine, segment: Segment = Segment.ENTERPRISE) -> PlanStanding:
    return plan_standing(segment, plans, TODAY, EVERY)


# -- no active plan -----------------------------------------------------------------------------


def test_no_plan_at_all_is_required_of_enterprise_only() -> None:
    assert standing() == PlanStanding(Standing.NO_PLAN, required=True)
    assert standing().words == "no plan"
    assert standing(segment=Segment.SMB) == PlanStanding(Standing.NO_PLAN, required=False)


@pytest.mark.parametrize(
    ("statuses", "words"),
    [
        ((PlanStatus.DRAFT,), "draft only"),
        ((PlanStatus.ON_HOLD,), "on hold"),
        ((PlanStatus.DONE,), "plan done"),
        ((PlanStatus.DONE, PlanStatus.ON_HOLD, PlanStatus.DRAFT), "draft only"),
        ((PlanStatus.DONE, PlanStatus.ON_HOLD), "on hold"),
    ],
)
def test_plans_that_are_not_active_are_said_the_nearest_to_active_first(
    statuses: tuple[PlanStatus, ...], words: str
) -> None:
    """A slipped milestone of a draft or done plan counts for nothing: it is not worked."""
    found = standing(*(plan(ms(date(2026, 1, 1)), status=status) for status in statuses))
    assert found.standing is Standing.NO_PLAN and found.required
    assert found.words == words
    assert found.slipped == 0


# -- active plans -------------------------------------------------------------------------------


def test_an_active_plan_with_no_milestones_reviewed_lately_is_on_track() -> None:
    found = standing(plan())
    assert found == PlanStanding(Standing.ON_TRACK)
    assert found.words == "on track"


def test_an_objective_never_measured_comes_after_a_review_due_and_before_on_track() -> None:
    unmeasured = ObjectiveLine(uuid.UUID(int=next(_ids)), "Fewer incidents")
    measured = plan()
    found = standing(replace(measured, objectives=(*measured.objectives, unmeasured)))
    assert (found.standing, found.unmeasured, found.words) == (
        Standing.UNMEASURED,
        1,
        "1 not measured",
    )
    late = standing(replace(measured, objectives=(unmeasured,), reviewed_on=date(2026, 10, 1)))
    assert late.standing is Standing.REVIEW_DUE and late.words == "review due since 2026-11-01"


def test_a_done_plan_beside_an_active_one_counts_for_nothing() -> None:
    found = standing(plan(ms()), plan(ms(date(2026, 1, 1)), status=PlanStatus.DONE))
    assert found.standing is Standing.ON_TRACK


def test_slipped_from_its_date_or_stored_so_done_ones_never() -> None:
    found = standing(
        plan(
            ms(date(2026, 11, 20)),  # planned, past due: slipped
            ms(date(2026, 11, 22), MilestoneStatus.IN_PROGRESS),  # the same
            ms(date(2026, 12, 20), MilestoneStatus.SLIPPED),  # marked slipped, not yet due
            ms(TODAY),  # due today: not late yet
            ms(date(2026, 1, 1), MilestoneStatus.DONE),
        )
    )
    assert (found.standing, found.slipped, found.blocked) == (Standing.SLIPPED, 3, 0)
    assert found.words == "3 slipped"


def test_blocked_counts_apart_from_slipped_even_past_its_date() -> None:
    found = standing(plan(ms(date(2026, 11, 1), MilestoneStatus.BLOCKED, blocked_reason="SSO")))
    assert (found.standing, found.slipped, found.blocked) == (Standing.BLOCKED, 0, 1)
    assert found.words == "1 blocked"
    both = standing(plan(ms(date(2026, 11, 1)), ms(None, MilestoneStatus.BLOCKED)))
    assert both.standing is Standing.SLIPPED
    assert both.words == "1 slipped, 1 blocked"


def test_two_active_plans_are_counted_together() -> None:
    found = standing(
        plan(ms(date(2026, 11, 1))),
        plan(ms(date(2026, 11, 2)), ms(None, MilestoneStatus.BLOCKED)),
    )
    assert (found.slipped, found.blocked) == (2, 1)


def test_a_review_is_due_one_interval_after_the_last_or_at_the_agreed_day() -> None:
    late = standing(plan(reviewed_on=date(2026, 10, 8)))  # due 2026-11-08
    assert late == PlanStanding(Standing.REVIEW_DUE, review_due_on=date(2026, 11, 8))
    assert late.words == "review due since 2026-11-08"
    agreed = standing(plan(next_review_on=date(2026, 11, 20)))  # agreed, and passed
    assert agreed.review_due_on == date(2026, 11, 20)
    on_the_day = standing(plan(next_review_on=TODAY))  # due today: not late yet
    assert on_the_day.standing is Standing.ON_TRACK
    never = standing(plan(reviewed_on=None, created_on=date(2026, 9, 1)))  # due 2026-10-01
    assert never.review_due_on == date(2026, 10, 1)


def test_the_earliest_review_of_two_active_plans_and_after_worse_news() -> None:
    found = standing(
        plan(reviewed_on=date(2026, 10, 8)),
        plan(ms(None, MilestoneStatus.BLOCKED), reviewed_on=date(2026, 9, 1)),
    )
    assert (found.standing, found.review_due_on) == (Standing.BLOCKED, date(2026, 10, 1))
    assert found.words == "1 blocked, review due"  # the day only when it is the worst


# -- the view's order and counts ----------------------------------------------------------------


def _row(name: str, segment: Segment, plan: PlanStanding) -> AccountRow:
    return AccountRow(
        id=name,
        external_id=None,
        name=name,
        segment=segment,
        priority=Priority.PR2,
        arr_cents=0,
        owner_name=None,
        owner_email=None,
        health_score=80,
        renewal_date=None,
        last_touch=None,
        plan=plan,
    )


def test_no_plan_enterprise_first_then_slipped_blocked_review_on_track_ties_by_name() -> None:
    e, c = Segment.ENTERPRISE, Segment.COMMERCIAL
    rows = [
        _row("Zeta", e, standing(plan())),
        _row("Acme", c, standing(segment=c)),
        _row("Beta", e, standing(plan(reviewed_on=date(2026, 9, 1)))),
        _row("Ceres", e, standing(plan(ms(None, MilestoneStatus.BLOCKED)))),
        _row("Delta", e, standing(plan(ms(date(2026, 11, 1))))),
        _row("Omega", e, standing(plan(status=PlanStatus.DRAFT))),
        _row("Alpha", e, standing(plan(ms(date(2026, 11, 1)), ms(date(2026, 11, 2))))),
        _row("Kappa", e, standing()),
    ]
    ordered = sort_rows(rows, SortKey.PLAN)
    assert [(row.name, row.plan.words) for row in ordered if row.plan] == [
        ("Kappa", "no plan"),
        ("Omega", "draft only"),
        ("Acme", "no plan"),  # not Enterprise: no plan required by the seeds
        ("Alpha", "2 slipped"),  # ties by name, not by how many
        ("Delta", "1 slipped"),
        ("Ceres", "1 blocked"),
        ("Beta", "review due since 2026-10-01"),
        ("Zeta", "on track"),
    ]
    assert [row.name for row in sort_rows(rows, SortKey.PLAN, reverse=True)][:2] == [
        "Zeta",
        "Beta",
    ]
    assert [row.name for row in filter_rows(ordered, "slipped")] == ["Alpha", "Delta"]
    assert [row.name for row in filter_rows(ordered, "no plan")] == ["Kappa", "Acme"]
    assert plan_counts(row.plan for row in rows if row.plan) == PlanCounts(3, 2, 2, 1, 1, 0, 1)


def test_the_counts_line_in_long_and_short_words() -> None:
    counts = PlanCounts(no_plan=3, required=2, slipped=1)
    assert counts.parts()[0] == (3, "with no active plan (2 Enterprise)")
    assert counts.parts(short=True) == [
        (3, "no active plan (2 Ent.)"),
        (1, "slipped"),
        (0, "on track"),
    ], "a narrow line leaves out what counts nothing"
    assert PlanCounts(no_plan=1).parts()[0] == (1, "with no active plan")
    assert [words for _, words in counts.parts()][1:] == [
        "slipped",
        "blocked",
        "review due",
        "not measured",
        "on track",
    ]
