"""The escalation ladder and one escalation, driven with real keystrokes on the demo book:
the whole life of an escalation, each step checked on screen and through the service."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from csm_tui.app import CsmApp
from csm_tui.screens.escalation import EscalationScreen
from csm_tui.screens.escalation_step import CloseModal, FollowUpModal, LevelModal, TextModal
from csm_tui.screens.escalations import EscalationsScreen
from csm_tui.services.escalations import Shown
from csm_tui.widgets.escalation_detail import EscalationDetail
from csm_tui.widgets.ladder_table import LadderTable
from tests.ui.conftest import notifications, settle, shown_text, static_text

SIZE = (160, 48)


@pytest.fixture(autouse=True)
def _ten_in_the_morning(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hour countdowns count from a fixed moment, not from the time the tests run."""

    def ten_on(today: date) -> datetime:
        return datetime(today.year, today.month, today.day, 10, tzinfo=UTC)

    monkeypatch.setattr("csm_tui.services.escalations.now_on", ten_on)


def ladder(app: CsmApp) -> EscalationsScreen:
    assert isinstance(app.screen, EscalationsScreen), f"not the ladder: {app.screen!r}"
    return app.screen


def accounts_on_ladder(app: CsmApp) -> list[str]:
    return [line.row.account_name for line in ladder(app).query_one(LadderTable).read_rows]


def detail(app: CsmApp) -> str:
    assert isinstance(app.screen, EscalationScreen), f"not an escalation: {app.screen!r}"
    return shown_text(app.screen.query_one(EscalationDetail))


def on_top(app: CsmApp) -> object:
    """The screen on top, unnarrowed: it changes under the test's feet."""
    return app.screen


def shown(app: CsmApp, escalation_id: str) -> Shown:
    return app.workspace.escalations.show(escalation_id)


async def test_the_ladder_lists_mine_and_the_teams_breached_first(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("L")
        await settle(pilot)
        assert accounts_on_ladder(app) == ["Summit Cloud"]
        await pilot.press("t")
        await settle(pilot)
        lines = ladder(app).query_one(LadderTable).read_rows
        assert len(lines) == 5
        breached = [line.breached for line in lines]
        assert breached == sorted(breached, reverse=True) and breached[0]
        table = ladder(app).query_one(LadderTable)
        assert table.cell(lines[0].row.id, "sla").plain.startswith("BREACHED")

        await pilot.press("C")
        await settle(pilot)
        assert all(line.row.status != "open" for line in table.read_rows)
        await pilot.press("C", "slash", *"nothing-like-it")
        await settle(pilot)
        assert "No escalation matches" in static_text(app, "#empty")


async def test_the_life_of_an_escalation_by_keys(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("L", "t")
        await settle(pilot)
        await pilot.press("slash", *"l1", "enter")
        await settle(pilot)
        assert accounts_on_ladder(app) == ["Evergreen Biotech"]
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, EscalationScreen)
        key = screen.escalation_id
        assert "L1 CSM resolution, open" in detail(app)
        assert "in 17h" in detail(app)  # opened at 03:00 with 24h: 17h left at ten

        async def step(keys: tuple[str, ...], modal: type, text: str) -> None:
            await pilot.press(*keys)
            await settle(pilot)
            assert isinstance(app.screen, modal), f"{keys} opened {app.screen!r}"
            await pilot.press(*text, "ctrl+s")
            await settle(pilot)
            assert app.screen is screen, static_text(app, "#form-error")

        await step(("f",), FollowUpModal, "Called the new lead")
        assert shown(app, key).view.events[-1].kind == "follow-up"
        assert "Called the new lead" in detail(app)

        await step(("plus",), LevelModal, "The lead threatens to churn")
        assert shown(app, key).view.row.level == 2
        assert "L2 CSM + Support, open" in detail(app)
        assert "L1 → L2" in detail(app)

        await step(("minus",), LevelModal, "Support fixed the blocker")
        assert shown(app, key).view.row.level == 1

        # Resolving without steps: the ladder's sentence in the form, which stays open.
        await pilot.press("v")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, TextModal)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is modal
        assert "resolution steps" in static_text(app, "#form-error")
        await pilot.press(*"Workflow fixed, customer confirmed", "ctrl+s")
        await settle(pilot)
        assert on_top(app) is screen
        assert shown(app, key).view.row.status == "resolved"
        assert "Workflow fixed, customer confirmed" in detail(app)

        await step(("c",), CloseModal, "Involve support sooner")
        view = shown(app, key).view
        assert (view.row.status, view.lessons_learned) == ("closed", "Involve support sooner")
        assert "Involve support sooner" in detail(app)

        await step(("o",), TextModal, "The blocker is back")
        assert shown(app, key).view.row.status == "open"
        assert "L1 CSM resolution, open" in detail(app)

        await pilot.press("u")
        await settle(pilot)
        assert shown(app, key).view.row.status == "closed"
        assert "L1 CSM resolution, closed" in detail(app)
        assert "Undone" in notifications(app)

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, EscalationsScreen)


async def test_the_accounts_e_and_its_escalations_tab_open_its_escalation(app_factory):
    """An account with an open escalation: `e` opens it (no second one), and so does `enter`
    on its Escalations tab; a step taken there shows on the tab when escape comes back."""
    from csm_tui.messages import OpenAccount
    from csm_tui.screens.account import AccountScreen

    app = app_factory()
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await settle(pilot)
        [line, *_] = app.workspace.escalations.ladder(team=False).lines
        app.post_message(OpenAccount(line.row.account_id))
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, EscalationScreen)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, EscalationScreen)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, TextModal)
        await pilot.press(*"Spoke to the COO")
        await pilot.press("ctrl+s")
        await settle(pilot)
        kinds = [event.kind for event in app.workspace.escalations.show(line.row.id).view.events]
        assert kinds[-1] == "note"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen)


CHRISTMAS_WEDNESDAY = date(2026, 12, 23)  # Thu 24 and Fri 25 are holidays, then a weekend


def follow_up_on_queue(app: CsmApp, account_id: str) -> tuple[str, date] | None:
    """The account's escalation follow-up as the queue (and its explanation) has it now."""
    view = app.workspace.triage.load(team=True, record=False, ahead_days=30)
    for item in view.items:
        if item.account_id == account_id and item.kind == "escalation-call":
            return item.label, item.due_on
    return None


async def test_an_escalation_climbs_across_the_holidays_and_comes_back_down_by_keys(demo_db):
    """Opened on triage with e on the Wednesday before Christmas, raised to L3: five business
    days past the two holidays, the weekend and New Year's Eve and Day, due Tuesday 5 January,
    in business days on screen; every step moves the account's follow-up on the queue, and
    u takes each back in turn."""
    from csm_tui.app import make_app
    from csm_tui.screens.escalate import EscalateModal
    from csm_tui.screens.triage import TriageScreen
    from csm_tui.services.demo import DEMO_USER_EMAIL
    from csm_tui.settings import Settings
    from csm_tui.widgets.queue_table import QueueTable

    app = make_app(
        Settings(database=str(demo_db), today=CHRISTMAS_WEDNESDAY, user_email=DEMO_USER_EMAIL)
    )
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            await settle(pilot)  # the new day's reschedule, then the queue read again
            triage = app.screen
            assert isinstance(triage, TriageScreen)
            queue = triage.query_one("#queue", QueueTable)
            escalations = app.workspace.escalations
            row = next(
                number
                for number, entry in enumerate(queue.read_rows)
                if escalations.open_of(entry.account_id) is None
            )
            account = queue.read_rows[row].account_id
            await pilot.press(*["j"] * row, "e")
            await settle(pilot)
            assert isinstance(app.screen, EscalateModal)
            await pilot.press("enter", "down", "enter", "tab", *"Sponsor left", "ctrl+s")
            await settle(pilot)
            key = escalations.open_of(account)
            assert key is not None
            assert follow_up_on_queue(app, account) == (
                "Escalation follow-up (L1)",
                CHRISTMAS_WEDNESDAY + timedelta(days=1),
            )

            await pilot.press("e")  # the open escalation, not a second one
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, EscalationScreen) and screen.escalation_id == key
            await pilot.press("plus")
            await settle(pilot)
            modal = app.screen
            assert isinstance(modal, LevelModal)
            await pilot.press("shift+tab", "enter", "down", "enter")  # L3, not the next one
            await pilot.pause()
            await pilot.press("tab", *"No answer over the holidays", "ctrl+s")
            await settle(pilot)
            assert on_top(app) is screen, static_text(app, "#form-error")
            assert "L3 CSM manager involvement, open" in detail(app)
            assert "in 5 business days" in detail(app)
            assert "due Tue 05 Jan" in detail(app)
            assert follow_up_on_queue(app, account) == (
                "Escalation follow-up (L3)",
                date(2027, 1, 5),
            )

            await pilot.press("minus")
            await settle(pilot)
            await pilot.press(*"Sponsor called back", "ctrl+s")
            await settle(pilot)
            assert "L2 CSM + Support, open" in detail(app)
            assert follow_up_on_queue(app, account) == (
                "Escalation follow-up (L2)",
                CHRISTMAS_WEDNESDAY + timedelta(days=2),
            )

            # Undo, step by step: L3 again, then L1, as the queue says too.
            await pilot.press("u")
            await settle(pilot)
            assert "L3 CSM manager involvement, open" in detail(app)
            assert follow_up_on_queue(app, account) == (
                "Escalation follow-up (L3)",
                date(2027, 1, 5),
            )
            await pilot.press("u")
            await settle(pilot)
            assert "L1 CSM resolution, open" in detail(app)
            assert follow_up_on_queue(app, account) == (
                "Escalation follow-up (L1)",
                CHRISTMAS_WEDNESDAY + timedelta(days=1),
            )
    finally:
        app.workspace.close()
