"""The success plan screen, driven with real keystrokes on the demo book: a plan from the
Enterprise template, milestones ticked, blocked and moved, a metric measured, each undone, and
the plan exported; each step checked on screen and through the service."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from csm_tui.app import CsmApp
from csm_tui.domain.enums import MilestoneStatus
from csm_tui.domain.success_plan import MilestoneLine, PlanLine
from csm_tui.messages import OpenPlan
from csm_tui.screens.account import AccountScreen
from csm_tui.screens.plan import PlanScreen
from csm_tui.screens.plan_step import PlanStepModal
from csm_tui.screens.triage import TriageScreen
from csm_tui.widgets.account_overview import Overview
from csm_tui.widgets.plan_view import PlanHead, PlanList
from csm_tui.widgets.queue_table import QueueTable
from tests.conftest import TODAY
from tests.ui.conftest import clear_and_type, settle, shown_text, static_text

if TYPE_CHECKING:
    from textual.pilot import Pilot

SIZE = (160, 48)


def plan_screen(app: CsmApp) -> PlanScreen:
    assert isinstance(app.screen, PlanScreen), f"not the plan: {app.screen!r}"
    return app.screen


def shown(app: CsmApp) -> str:
    screen = plan_screen(app)
    listed = screen.query_one(PlanList)
    rows = "\n".join(str(option.prompt) for option in listed.options)
    return shown_text(screen.query_one(PlanHead)) + "\n" + rows


def listed_text(app: CsmApp) -> str:
    """What the list paints, row by row."""
    from textual.geometry import Region

    listed = plan_screen(app).query_one(PlanList)
    width, height = listed.size
    return "\n".join(
        strip.text.rstrip() for strip in listed.render_lines(Region(0, 0, width, height))
    )


def without_plan(app: CsmApp) -> tuple[str, str]:
    """An account of the team's book with no success plan: its id and name."""
    for row in app.workspace.book(team=True):
        if not app.workspace.plans.plans(row.id):
            return row.id, row.name
    raise AssertionError("every demo account has a plan")


def the_plan(app: CsmApp, plan_id: object) -> PlanLine:
    return app.workspace.plans.plan(str(plan_id))


def milestone(plan: PlanLine, title: str) -> MilestoneLine:
    return next(m for m in plan.milestones if m.title == title)


async def key(pilot: Pilot[None], *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


async def test_the_ways_in(app_factory):
    """Enter on the account's Success plan tab, the palette's "Success plan" (p), and enter on
    a milestone row of triage."""
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        row = app.workspace.book(team=False)[0]
        app.open_account(row.id)
        await settle(pilot)
        await key(pilot, "4", "enter")
        assert plan_screen(app).title == f"Success plan · {row.name}"
        [plan] = app.workspace.plans.plans(row.id)
        assert plan.title in shown(app)
        await key(pilot, "escape")
        assert isinstance(app.screen, AccountScreen)
        await key(pilot, "p")
        assert plan_screen(app).account_id == row.id
        await key(pilot, "escape", "escape")

        triage = app.screen
        assert isinstance(triage, TriageScreen)
        queue = triage.query_one("#queue", QueueTable)
        rows = list(queue.read_rows)
        index = next(n for n, item in enumerate(rows) if item.kind == "milestone")
        queue.move_cursor(index)
        await key(pilot, "enter")
        assert plan_screen(app).account_id == rows[index].account_id


async def test_a_plan_from_the_template_worked_by_keys_and_undone(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        account_id, name = without_plan(app)
        app.post_message(OpenPlan(account_id, name))
        await settle(pilot)
        assert "No success plan yet" in static_text(app, "#plan-empty")

        # From the Enterprise template: a draft.
        await key(pilot, "T")
        modal = app.screen
        assert isinstance(modal, PlanStepModal)
        modal.query_one("#template").value = "enterprise"  # type: ignore[attr-defined]
        await key(pilot, "ctrl+s")
        [plan] = app.workspace.plans.plans(account_id)
        assert plan.status.value == "draft" and plan.milestones
        assert plan.title in shown(app) and "draft" in shown(app)

        # The first milestone, done today; undone.
        await key(pilot, "down")
        row = plan_screen(app).query_one(PlanList).current
        assert row is not None and row.milestone is not None
        first = row.milestone.title
        await key(pilot, "space")
        assert milestone(the_plan(app, plan.id), first).status is MilestoneStatus.DONE
        assert f"done on {TODAY}" in listed_text(app)
        await key(pilot, "u")
        assert milestone(the_plan(app, plan.id), first).status is MilestoneStatus.PLANNED
        assert f"done on {TODAY}" not in listed_text(app)

        # Blocked, with its reason; undone.
        await key(pilot, "B")
        assert isinstance(app.screen, PlanStepModal)
        await key(pilot, "ctrl+s")
        assert "say why" in static_text(app, "#form-error"), "blocked without a reason"
        await pilot.press(*"waiting on SSO")
        await key(pilot, "ctrl+s")
        blocked = milestone(the_plan(app, plan.id), first)
        assert blocked.status is MilestoneStatus.BLOCKED
        assert blocked.blocked_reason == "waiting on SSO"
        assert "blocked: waiting on SSO" in listed_text(app)
        await key(pilot, "u")
        assert milestone(the_plan(app, plan.id), first).status is MilestoneStatus.PLANNED

        # Moved: the old date stays in its history; undone.
        old = milestone(the_plan(app, plan.id), first).due_on
        assert old is not None
        later = old + timedelta(days=21)
        await key(pilot, "m")
        assert f"Due {old}" in shown_text(app.screen.query_one(".dialog-hint"))
        await pilot.press(*later.isoformat())
        await key(pilot, "ctrl+s")
        moved = milestone(the_plan(app, plan.id), first)
        assert moved.due_on == later and [m.from_day for m in moved.moves] == [old]
        assert "moved 1x, +21 days" in listed_text(app)
        await key(pilot, "u")
        back = milestone(the_plan(app, plan.id), first)
        assert back.due_on == old and not back.moves
        assert "moved 1x" not in listed_text(app)

        # The objective's current value, measured today; undone.
        await key(pilot, "up")
        row = plan_screen(app).query_one(PlanList).current
        assert row is not None and row.milestone is None
        await key(pilot, "v")
        await pilot.press(*"30")
        await key(pilot, "ctrl+s")
        objective = next(o for o in the_plan(app, plan.id).objectives if o.id == row.objective.id)
        assert (objective.current, objective.measured_on) == ("30", TODAY)
        assert f"now 30 (measured {TODAY})" in listed_text(app)
        await key(pilot, "u")
        objective = next(o for o in the_plan(app, plan.id).objectives if o.id == row.objective.id)
        assert objective.current is None

        # The objective's metric and target edited (E, as on the account); undone.
        await key(pilot, "E")
        await pilot.press("tab", "ctrl+a", "ctrl+k", *"seats in use", "tab", "tab")
        await pilot.press("ctrl+a", "ctrl+k", *"90%")
        await key(pilot, "ctrl+s")
        objective = next(o for o in the_plan(app, plan.id).objectives if o.id == row.objective.id)
        assert (objective.metric, objective.target) == ("seats in use", "90%")
        await key(pilot, "u")
        objective = next(o for o in the_plan(app, plan.id).objectives if o.id == row.objective.id)
        assert objective.metric != "seats in use"

        await key(pilot, "escape")
        assert not isinstance(app.screen, PlanScreen)


async def test_a_move_refused_is_said_in_the_form(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        row = app.workspace.book(team=False)[0]
        app.post_message(OpenPlan(row.id, row.name))
        await settle(pilot)
        await key(pilot, "down")
        current = plan_screen(app).query_one(PlanList).current
        assert current is not None and current.milestone is not None
        await key(pilot, "m")
        await pilot.press(*"someday")
        await key(pilot, "ctrl+s")
        assert "is not a date" in static_text(app, "#form-error")
        await clear_and_type(pilot, str(current.milestone.due_on))
        await key(pilot, "ctrl+s")
        assert "already due on" in static_text(app, "#form-error")


async def test_export_writes_the_markdown_and_says_where(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        row = app.workspace.book(team=False)[0]
        app.post_message(OpenPlan(row.id, row.name))
        await settle(pilot)
        await key(pilot, "w")
        await settle(pilot)  # the notification, after the worker's message
        [plan] = app.workspace.plans.plans(row.id)
        said = " ".join(note.message for note in app._notifications)
        assert "Wrote " in said
        path = Path(said.split("Wrote ", 1)[1].split()[0])
        assert path.read_text(encoding="utf-8") == app.workspace.plans.export(plan.id)


async def test_shift_down_moves_an_objective_and_u_puts_it_back(app_factory):
    app = app_factory()
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await settle(pilot)
        account = next(
            row.id
            for row in app.workspace.book(team=False)
            if any(len(one.objectives) > 1 for one in app.workspace.plans.plans(row.id)[:1])
        )
        plan = app.workspace.plans.plans(account)[0]
        first, second = plan.objectives[0].outcome, plan.objectives[1].outcome
        app.post_message(OpenPlan(account))
        await settle(pilot)
        assert isinstance(app.screen, PlanScreen)
        row = app.screen.query_one(PlanList).current
        assert row is not None and row.milestone is None, "the first row is the first objective"
        await key(pilot, "shift+down")
        moved = app.workspace.plans.plan(str(plan.id))
        assert [o.outcome for o in moved.objectives][:2] == [second, first]
        await key(pilot, "u")
        back = app.workspace.plans.plan(str(plan.id))
        assert [o.outcome for o in back.objectives][:2] == [first, second]


def plan_items(app: CsmApp, account_id: str) -> dict[str, list[str]]:
    """The account's items on today's queue (the triage screen's read), by kind: milestone
    titles, and the success-plan item's reason."""
    view = app.workspace.triage.load(team=True, record=False)
    found: dict[str, list[str]] = {"milestone": [], "success-plan": []}
    for item in view.items:
        if item.account_id == account_id and item.kind in found:
            found[item.kind].append(item.explanation)
    return found


async def overview(pilot: Pilot[None], app: CsmApp) -> str:
    """Back to the account from its plan: the overview's lines and risk flags, as painted."""
    await key(pilot, "escape")
    assert isinstance(app.screen, AccountScreen)
    return shown_text(app.screen.query_one(Overview))


async def test_working_the_plan_changes_triage_and_the_overview_as_the_rules_say(app_factory):
    """A draft from the Enterprise template schedules nothing; made active, the plan's risks
    (here: objectives not measured yet) put a "Success plan at risk" item on triage and raise the
    account's success flag. A blocked milestone, a slipped one, a metric measured and a review
    each change what triage and the overview say, and each is undone."""
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        account_id, name = without_plan(app)
        app.open_account(account_id)
        await settle(pilot)
        await key(pilot, "p", "T")
        app.screen.query_one("#template").value = "enterprise"
        await key(pilot, "ctrl+s")
        [plan] = app.workspace.plans.plans(account_id)
        assert plan_items(app, account_id) == {"milestone": [], "success-plan": []}, "a draft"
        assert "Plan at risk" not in await overview(pilot, app)

        # Active: agreed with the customer, so its risks count from today.
        await key(pilot, "p", "P")
        app.screen.query_one("#status").value = "active"
        await key(pilot, "ctrl+s")
        [reason] = plan_items(app, account_id)["success-plan"]
        assert reason.startswith("Success plan at risk: ") and "no value measured for" in reason
        assert "At risk: " in shown(app)
        seen = await overview(pilot, app)
        assert "Plan at risk" in seen and "no value measured for" in seen

        # Blocked: the plan's risk says what it waits on; the milestone is not due meanwhile.
        await key(pilot, "p")
        ahead = the_plan(app, plan.id).milestones[-1]
        listed = plan_screen(app).query_one(PlanList)
        listed.highlighted = listed.get_option_index(f"m:{ahead.id}")
        if ahead.due_on is None or ahead.due_on <= TODAY:  # a go-live long past: date it ahead
            await key(pilot, "m")
            await pilot.press(*(TODAY + timedelta(days=30)).isoformat())
            await key(pilot, "ctrl+s")
        await key(pilot, "B")
        await pilot.press(*"waiting on SSO")
        await key(pilot, "ctrl+s")
        [reason] = plan_items(app, account_id)["success-plan"]
        assert f"1 milestone blocked: {ahead.title} (waiting on SSO)" in reason
        await key(pilot, "u")
        [reason] = plan_items(app, account_id)["success-plan"]
        assert "blocked" not in reason

        # Slipped: moved to yesterday, the plan's risk names it and the overview counts it.
        def slipped(seen: str) -> int:
            found = re.search(r"(\d+) slipped", seen)
            return int(found.group(1)) if found else 0

        before = slipped(await overview(pilot, app))
        [reason] = plan_items(app, account_id)["success-plan"]
        assert f"{before} milestones slipped" in reason
        await key(pilot, "p")
        listed = plan_screen(app).query_one(PlanList)
        listed.highlighted = listed.get_option_index(f"m:{ahead.id}")
        await key(pilot, "m")
        await pilot.press(*(TODAY - timedelta(days=1)).isoformat())
        await key(pilot, "ctrl+s")
        [reason] = plan_items(app, account_id)["success-plan"]
        assert f"{before + 1} milestones slipped" in reason
        assert "slipped (1d late)" in listed_text(app)
        await key(pilot, "u")
        [reason] = plan_items(app, account_id)["success-plan"]
        assert f"{before} milestones slipped" in reason
        assert slipped(await overview(pilot, app)) == before
        await key(pilot, "p")
        listed = plan_screen(app).query_one(PlanList)

        # A metric measured leaves the list of unmeasured objectives; undone, it is back.
        first = sorted(the_plan(app, plan.id).objectives, key=lambda o: o.position)[0]
        listed.highlighted = listed.get_option_index(f"o:{first.id}")
        await key(pilot, "v")
        await pilot.press(*"120")
        await key(pilot, "ctrl+s")
        [reason] = plan_items(app, account_id)["success-plan"]
        assert first.outcome[:20] not in reason.partition("no value measured for")[2]
        await key(pilot, "u")
        [reason] = plan_items(app, account_id)["success-plan"]
        assert first.outcome[:20] in reason.partition("no value measured for")[2]

        # Reviewed with the customer: the review answers today's risks, so triage lets the
        # plan go; the flag stays up while an objective is unmeasured. Undone, it is owed again.
        await key(pilot, "R")
        await key(pilot, "ctrl+s")
        assert plan_items(app, account_id)["success-plan"] == []
        assert "Last review: " + TODAY.isoformat() in shown(app)
        await key(pilot, "u")
        assert len(plan_items(app, account_id)["success-plan"]) == 1
        await key(pilot, "R")
        await key(pilot, "ctrl+s")
        assert "Plan at risk" in await overview(pilot, app)
