"""The book's plans view (`P` on the book) driven with real keystrokes on the demo book."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from csm_tui.app import CsmApp
from csm_tui.domain.book import SortKey, filter_rows, sort_rows
from csm_tui.domain.plan_book import Standing
from csm_tui.screens.account import AccountScreen
from csm_tui.screens.book import BookScreen, PlanSummary
from csm_tui.screens.help import HelpScreen
from csm_tui.screens.plan import PlanScreen
from csm_tui.widgets.account_table import AccountTable
from tests.ui.conftest import open_book, settle, shown_text

if TYPE_CHECKING:
    from textual.pilot import Pilot


def _table(app: CsmApp) -> AccountTable:
    return app.screen.query_one("#accounts", AccountTable)


def _cells(app: CsmApp, column: int = 0) -> list[str]:
    table = _table(app)
    return [table.row_text(index)[column].plain for index in range(table.row_count)]


def _headers(app: CsmApp) -> list[str]:
    return [column.label for column in _table(app).columns]


async def _plans_view(pilot: Pilot[None]) -> None:
    await open_book(pilot)
    await pilot.press("P")
    await settle(pilot)


async def test_p_shows_my_book_by_its_plans_and_p_again_goes_back(app_factory):
    app = app_factory()
    async with app.run_test(size=(140, 40)) as pilot:
        await _plans_view(pilot)
        screen = app.screen
        assert isinstance(screen, BookScreen) and screen.plans
        assert app.focused is _table(app)  # read again, the table keeps the keys
        expected = sort_rows(app.workspace.book_plans(team=False), SortKey.PLAN)
        assert _cells(app) == [row.name for row in expected]
        assert _headers(app)[:2] == ["Account", "Plan"]
        assert _cells(app, 1) == [row.plan.words for row in expected if row.plan]
        assert screen.title == "Success plans"
        assert f"{len(expected)} accounts · by plan ▲" in (screen.sub_title or "")
        summary = shown_text(screen.query_one(PlanSummary))
        counted = [row.plan.standing for row in expected if row.plan]
        assert f"{counted.count(Standing.SLIPPED)} slipped" in summary
        assert f"{counted.count(Standing.ON_TRACK)} on track" in summary

        await pilot.press("P")
        await settle(pilot)
        assert not screen.plans and app.focused is _table(app)
        assert "Plan" not in _headers(app)
        mine = app.workspace.book(team=False)
        assert _cells(app) == [row.name for row in sort_rows(mine, SortKey.NAME)]
        assert screen.title == "Book of business"
        assert not screen.query_one(PlanSummary).display


async def test_the_team_book_puts_enterprise_accounts_with_no_active_plan_first(app_factory):
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await _plans_view(pilot)
        await pilot.press("t")
        await settle(pilot)
        rows = app.workspace.book_plans(team=True)
        assert _cells(app) == [row.name for row in sort_rows(rows, SortKey.PLAN)]
        by_name = {row.name: row.plan for row in rows}
        shown = [by_name[name] for name in _cells(app)]
        assert all(plan is not None for plan in shown)
        ranks = [plan.rank for plan in shown if plan is not None]
        assert ranks == sorted(ranks)
        first = shown[0]
        assert first is not None and first.standing is Standing.NO_PLAN and first.required
        assert {plan.standing for plan in shown if plan is not None} >= {
            Standing.NO_PLAN,
            Standing.SLIPPED,
            Standing.ON_TRACK,
        }


async def test_enter_in_the_plans_view_opens_the_plan_and_escape_comes_back(app_factory):
    app = app_factory()
    async with app.run_test(size=(140, 40)) as pilot:
        await _plans_view(pilot)
        await pilot.press("down")
        chosen = _cells(app)[1]
        await pilot.press("enter")
        await settle(pilot)
        opened = app.screen
        assert isinstance(opened, PlanScreen)
        assert opened.account_name == chosen
        await pilot.press("escape")
        await settle(pilot)
        back = app.screen
        assert isinstance(back, BookScreen) and back.plans
        assert _table(app).cursor_row == 1
        await pilot.press("P", "enter")  # the book again: enter opens the account
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen)


async def test_the_filter_and_the_sort_keep_working_in_the_plans_view(app_factory):
    app = app_factory()
    async with app.run_test(size=(140, 40)) as pilot:
        await open_book(pilot)
        await pilot.press("o", "o", "o")  # by ARR
        await pilot.pause()
        await pilot.press("P")
        await settle(pilot)
        rows = sort_rows(app.workspace.book_plans(team=False), SortKey.PLAN)
        await pilot.press("slash", *"slipped")
        await pilot.pause()
        slipped = [row.name for row in filter_rows(rows, "slipped")]
        assert slipped and len(slipped) < len(rows)
        assert _cells(app) == slipped
        assert "slipped" in shown_text(app.screen.query_one(PlanSummary))
        await pilot.press("enter", "escape")  # back to the table, then the filter cleared
        await pilot.pause()
        assert _cells(app) == [row.name for row in rows]
        screen = app.screen
        assert isinstance(screen, BookScreen)
        await pilot.press("P")  # back to the book, in the order it had
        await settle(pilot)
        assert (screen.sort_key, screen.plans) == (SortKey.ARR, False)
        await pilot.press("P", "o")  # plan -> segment: an order chosen in the view stays
        await settle(pilot)
        assert screen.sort_key is SortKey.SEGMENT
        await pilot.press("P")
        await settle(pilot)
        assert screen.sort_key is SortKey.SEGMENT


async def test_p_is_in_the_footer_and_the_keys_of_the_book(app_factory):
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_book(pilot)
        footer = {key: binding for key, (_, binding, _, _) in app.screen.active_bindings.items()}
        assert footer["P"].show and footer["P"].description == "Plans"
        await pilot.press("question_mark")
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        keys = dict(help_screen.keys)
        assert keys["P"].startswith("Plans: The book by its success plans")
        assert "its success plan" in keys["enter"]


# --- snapshots ---------------------------------------------------------------------------------

SIZES = {"80x24": (80, 24), "160x48": (160, 48)}


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_plans_view_mine(snap_compare, app_factory, size):
    """The demo CSM's book by its plans: the counts over it, the Plan column next to the name."""
    assert snap_compare(app_factory(), terminal_size=SIZES[size], run_before=_plans_view)


def test_plans_view_team(snap_compare, app_factory):
    """The team's book: Enterprise accounts with no active plan first, then the others."""

    async def run_before(pilot: Pilot[None]) -> None:
        await _plans_view(pilot)
        await pilot.press("t")
        await settle(pilot)

    assert snap_compare(app_factory(), terminal_size=(160, 48), run_before=run_before)
