"""The log form offers to tick the account's milestones falling due: the morning loop clears
them without leaving triage (a touch alone never completes one)."""

from __future__ import annotations

from textual.widgets import SelectionList

from csm_tui.screens.log_touch import LogTouchModal
from csm_tui.screens.triage import TriageScreen
from csm_tui.widgets.queue_table import QueueTable
from tests.ui.conftest import notifications, settle

SIZE = (160, 48)


async def test_a_milestone_ticked_in_the_log_form_is_done_and_u_opens_it_again(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        triage = app.screen
        assert isinstance(triage, TriageScreen)
        rows = triage.query_one("#queue", QueueTable).read_rows
        row = next(
            n for n, item in enumerate(rows) if app.workspace.triage.due_milestones(item.account_id)
        )
        account = rows[row].account_id
        [first, *_] = app.workspace.triage.due_milestones(account)
        await pilot.press(*["j"] * row, "l")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, LogTouchModal)
        ticks = modal.query_one("#milestones", SelectionList)
        assert ticks.option_count >= 1 and modal.query_one("#milestones-done").display
        await pilot.press(*"Walked through the rollout", "tab")
        assert app.focused is ticks, f"tab went to {app.focused!r}"
        await pilot.press("space")  # the highlighted one: the first
        assert ticks.selected == [first.id], f"highlighted: {ticks.highlighted}"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is triage
        assert "1 milestone done" in notifications(app)
        assert first.id not in {m.id for m in app.workspace.triage.due_milestones(account)}
        await pilot.press("u")
        await settle(pilot)
        assert first.id in {m.id for m in app.workspace.triage.due_milestones(account)}
