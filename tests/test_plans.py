"""Success plans worked through their service (`services.plans`, `store.plans`) on SQLite and
PostgreSQL: a plan, its objectives and milestones, each change rescheduling the account (an
open milestone is an item of the queue) and undone."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import col

from csm_tui.domain.enums import Role
from csm_tui.domain.team import Member
from csm_tui.errors import CsmError
from csm_tui.models import Account, TeamMember, Touchpoint
from csm_tui.rules import load_rules
from csm_tui.services.plans import PlanError, Plans
from csm_tui.services.triage import Triage
from csm_tui.store.database import Database

TODAY = date(2026, 11, 23)


@pytest.fixture
def plans(db: Database, tmp_path: Path) -> tuple[Plans, str]:
    with db.writing() as session:
        maya = TeamMember(name="Maya Patel", email="maya@example.com")
        session.add(maya)
        session.flush()
        account = Account(
            name="Acme",
            external_id="CRM-ACME",
            segment="enterprise",
            owner_id=maya.id,
            health_score=85,
            arr_cents=500_000_00,
            contract_start=date(2026, 9, 1),
        )
        session.add(account)
        session.flush()
        me = Member(id=str(maya.id), name=maya.name, email=maya.email, role=Role.CSM)
        key = str(account.id)
    service = Plans(db, load_rules(None, tmp_path), TODAY, me)
    service.schedule.recompute_all()
    return service, key


def milestones_on_queue(plans: Plans, account_id: str) -> list[tuple[str, date]]:
    """The account's milestone items on the queue of the next 60 days."""
    triage = Triage(plans.db, plans.rules, plans.today, plans.me)
    view = triage.load(team=True, record=False, ahead_days=60)
    return sorted(
        (re.search(r"'(.+?)'", item.explanation).group(1), item.due_on)  # type: ignore[union-attr]
        for item in view.items
        if item.account_id == account_id and item.kind == "milestone"
    )


def plan_risk_on_queue(plans: Plans, account_id: str) -> tuple[date, str] | None:
    """The account's success-plan item on the queue (due date, explanation), if it has one."""
    triage = Triage(plans.db, plans.rules, plans.today, plans.me)
    view = triage.load(team=True, record=False, ahead_days=60)
    found = [
        (item.due_on, item.explanation)
        for item in view.items
        if item.account_id == account_id and item.kind == "success-plan"
    ]
    return found[0] if found else None


def test_a_plan_is_built_worked_and_each_change_undone(plans: tuple[Plans, str]) -> None:
    service, account = plans
    with pytest.raises(PlanError, match="needs a title"):
        service.create(account, "  ")
    service.create(account, "FY27 success plan")
    [plan] = service.plans(account)
    service.add_objective(
        plan.id, "Cut ticket volume", metric="tickets/week", baseline="40", target="20"
    )
    [objective] = service.plan(plan.id).objectives
    due = TODAY + timedelta(days=10)
    service.add_milestone(objective.id, "Roll out the help centre", due, dri="Ana Lopez")
    [milestone] = service.plan(plan.id).objectives[0].milestones
    assert milestones_on_queue(service, account) == [("Roll out the help centre", due)]

    # Moved: the old date stays in the history; the queue follows.
    later = due + timedelta(days=14)
    moved = service.move(milestone.id, later, "Vendor delay")
    [milestone] = service.plan(plan.id).objectives[0].milestones
    assert (milestone.due_on, milestone.moves) == (later, ((due, later, TODAY),))
    assert milestones_on_queue(service, account) == [("Roll out the help centre", later)]

    with pytest.raises(PlanError, match="say why"):
        service.set_status(milestone.id, "blocked")
    blocked = service.set_status(milestone.id, "blocked", "Waiting on SSO")
    [milestone] = service.plan(plan.id).objectives[0].milestones
    assert (milestone.blocked_reason, milestone.blocked_on) == ("Waiting on SSO", TODAY)
    assert milestones_on_queue(service, account) == [], "blocked: not due, the plan is at risk"
    risk = plan_risk_on_queue(service, account)
    assert risk is not None and risk[0] == TODAY
    assert "1 milestone blocked: Roll out the help centre (Waiting on SSO)" in risk[1]
    done = service.set_status(milestone.id, "done")
    [milestone] = service.plan(plan.id).objectives[0].milestones
    assert (milestone.status, milestone.completed_on, milestone.blocked_reason) == (
        "done",
        TODAY,
        None,
    )
    assert milestones_on_queue(service, account) == [], "a done milestone leaves the queue"

    measured = service.measure(objective.id, "31")
    assert service.plan(plan.id).objectives[0].current == "31"
    assert service.plan(plan.id).objectives[0].measured_on == TODAY
    with pytest.raises(PlanError, match="slipped is not set by hand"):
        service.set_status(milestone.id, "slipped")

    # Each undone, the last first.
    service.undo(measured.undo)
    assert service.plan(plan.id).objectives[0].current is None
    service.undo(done.undo)
    assert service.plan(plan.id).objectives[0].milestones[0].status == "blocked"
    assert milestones_on_queue(service, account) == []
    service.undo(blocked.undo)
    assert milestones_on_queue(service, account) == [("Roll out the help centre", later)]
    service.undo(moved.undo)
    [milestone] = service.plan(plan.id).objectives[0].milestones
    assert (milestone.status, milestone.due_on, milestone.moves) == ("planned", due, ())
    assert milestones_on_queue(service, account) == [("Roll out the help centre", due)]


def test_deleting_an_objective_takes_its_milestones_and_undo_brings_them_back(
    plans: tuple[Plans, str],
) -> None:
    service, account = plans
    service.create(account, "Plan")
    [plan] = service.plans(account)
    service.add_objective(plan.id, "Adoption")
    [objective] = service.plan(plan.id).objectives
    service.add_milestone(objective.id, "Train the admins", TODAY + timedelta(days=3))
    deleted = service.delete_objective(objective.id)
    assert service.plan(plan.id).objectives == ()
    assert milestones_on_queue(service, account) == []
    service.undo(deleted.undo)
    assert [m.title for m in service.plan(plan.id).objectives[0].milestones] == ["Train the admins"]
    reviewed = service.review(plan.id, TODAY + timedelta(days=90))
    again = service.plan(plan.id)
    assert (again.reviewed_on, again.next_review_on) == (TODAY, TODAY + timedelta(days=90))
    service.undo(reviewed.undo)
    assert service.plan(plan.id).reviewed_on is None
    with pytest.raises(PlanError, match="after today"):
        service.review(plan.id, TODAY)


def test_a_plan_from_the_enterprise_template_is_a_draft_dated_from_go_live(
    plans: tuple[Plans, str], tmp_path: Path
) -> None:
    service, account = plans
    service.config_dir = tmp_path  # no templates of the user's own: the shipped ones
    assert service.templates() == ["commercial", "enterprise"]
    done = service.create_from_template(account, "enterprise")
    [plan] = service.plans(account)
    assert (plan.status.value, plan.title) == ("draft", "Enterprise success plan")
    assert len(plan.objectives) == 4
    dated = [m.due_on for m in plan.milestones if m.due_on is not None]
    assert dated and min(dated) >= TODAY, "no milestone of a new plan is born slipped"
    assert all(day.weekday() < 5 for day in dated)
    markdown = service.export(plan.id)
    assert markdown.startswith("# ") and "Acme" in markdown
    service.undo(done.undo)
    assert service.plans(account) == []
    with pytest.raises(CsmError, match="template"):
        service.create_from_template(account, "nonesuch")


def test_the_log_form_ticks_milestones_done_with_the_touch_and_undo_opens_them_again(
    plans: tuple[Plans, str],
) -> None:
    from csm_tui.services.triage import TouchForm

    service, account = plans
    service.create(account, "Plan")
    [plan] = service.plans(account)
    service.add_objective(plan.id, "Adoption")
    [objective] = service.plan(plan.id).objectives
    soon, later = TODAY + timedelta(days=3), TODAY + timedelta(days=30)
    service.add_milestone(objective.id, "Train the admins", soon)
    service.add_milestone(objective.id, "Roll out to sales", later)
    triage = Triage(service.db, service.rules, TODAY, service.me)
    due = triage.due_milestones(account)
    assert [(m.title, m.due_on) for m in due] == [("Train the admins", soon)]
    done = triage.log_touch(
        TouchForm(
            account_id=account,
            kind="cadence-call",
            occurred_on=TODAY,
            summary="Admin training held",
            milestones_done=(due[0].id,),
        )
    )
    assert "1 milestone done" in done.message
    ticked = next(m for m in service.plan(plan.id).milestones if m.title == "Train the admins")
    assert (ticked.status.value, ticked.completed_on) == ("done", TODAY)
    assert milestones_on_queue(service, account) == [("Roll out to sales", later)]
    triage.undo(done.undo)
    ticked = next(m for m in service.plan(plan.id).milestones if m.title == "Train the admins")
    assert (ticked.status.value, ticked.completed_on) == ("planned", None)
    with service.db.reading() as session:
        live = session.scalars(
            select(col(Touchpoint.id)).where(
                col(Touchpoint.summary) == "Admin training held",
                col(Touchpoint.deleted_at).is_(None),
            )
        ).all()
    assert live == [], "the touch is withdrawn with it"


def test_an_objective_is_edited_and_the_edit_undone(plans: tuple[Plans, str]) -> None:
    service, account = plans
    service.create(account, "Plan")
    [plan] = service.plans(account)
    service.add_objective(plan.id, "Adoption", metric="logins", baseline="10", target="50")
    [objective] = service.plan(plan.id).objectives
    with pytest.raises(PlanError, match="outcome"):
        service.edit_objective(objective.id, outcome=" ")
    done = service.edit_objective(objective.id, metric="weekly active users", target="80")
    [edited] = service.plan(plan.id).objectives
    assert (edited.outcome, edited.metric, edited.baseline, edited.target) == (
        "Adoption",
        "weekly active users",
        "10",
        "80",
    )
    service.undo(done.undo)
    [back] = service.plan(plan.id).objectives
    assert (back.metric, back.target) == ("logins", "50")


def test_objectives_are_reordered_and_the_order_undone(plans: tuple[Plans, str]) -> None:
    service, account = plans
    service.create(account, "Plan")
    [plan] = service.plans(account)
    for outcome in ("Onboarding", "Adoption", "Value"):
        service.add_objective(plan.id, outcome)

    def outcomes() -> list[str]:
        return [o.outcome for o in service.plan(plan.id).objectives]

    value = service.plan(plan.id).objectives[2]
    done = service.reorder_objective(value.id, -1)
    assert outcomes() == ["Onboarding", "Value", "Adoption"]
    service.reorder_objective(value.id, -1)
    assert outcomes() == ["Value", "Onboarding", "Adoption"]
    with pytest.raises(PlanError, match="already the first"):
        service.reorder_objective(value.id, -1)
    undone = service.undo(done.undo)
    assert undone.startswith("Not undone"), "the order changed again since: kept"
    later = service.reorder_objective(value.id, 1)
    service.undo(later.undo)
    assert outcomes() == ["Value", "Onboarding", "Adoption"]
