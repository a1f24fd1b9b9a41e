"""The book-of-business screen driven with real keystrokes."""

from __future__ import annotations

from csm_tui.app import CsmApp
from csm_tui.domain.book import SortKey, filter_rows, sort_rows
from csm_tui.screens.account import AccountScreen
from csm_tui.screens.book import BookScreen
from csm_tui.widgets.account_table import AccountTable
from tests.ui.conftest import open_book, settle


def _table(app: CsmApp) -> AccountTable:
    return app.screen.query_one("#accounts", AccountTable)


def _names(app: CsmApp) -> list[str]:
    table = _table(app)
    return [table.row_text(index)[0].plain for index in range(table.row_count)]


async def test_opens_on_my_book_sorted_by_name(app_factory):
    app = app_factory()
    async with app.run_test(size=(140, 40)) as pilot:
        await open_book(pilot)
        assert isinstance(app.screen, BookScreen)
        mine = app.workspace.book(team=False)
        assert mine, "the demo CSM owns accounts"
        assert {row.owner_email for row in mine} == {app.workspace.me.email}
        assert _names(app) == [row.name for row in sort_rows(mine, SortKey.NAME)]
        assert app.screen.sub_title is not None
        assert (
            f"{app.workspace.me.name} · {len(mine)} accounts · by account ▲" in app.screen.sub_title
        )


async def test_o_sorts_by_the_next_column_and_shift_o_reverses(app_factory):
    app = app_factory()
    async with app.run_test(size=(140, 40)) as pilot:
        await open_book(pilot)
        rows = app.workspace.book(team=False)
        await pilot.press("o", "o", "o")  # name -> segment -> priority -> arr
        await pilot.pause()
        assert app.screen.sort_key is SortKey.ARR
        assert _names(app) == [r.name for r in sort_rows(rows, SortKey.ARR)]
        await pilot.press("O")
        await pilot.pause()
        assert _names(app) == [r.name for r in sort_rows(rows, SortKey.ARR, reverse=True)]
        assert "by arr ▼" in app.screen.sub_title


async def test_clicking_a_header_sorts_by_it_and_again_reverses(app_factory):
    app = app_factory()
    async with app.run_test(size=(140, 40)) as pilot:
        await open_book(pilot)
        rows = app.workspace.book(team=False)
        table = _table(app)
        x = sum(column.render_width for column in table.columns[:4]) + 2  # "Health"
        await pilot.hover(AccountTable, offset=(x, 0))
        await pilot.pause()
        await pilot.click(AccountTable, offset=(x, 0))
        await pilot.pause()
        assert app.screen.sort_key is SortKey.HEALTH
        assert _names(app) == [r.name for r in sort_rows(rows, SortKey.HEALTH)]
        await pilot.click(AccountTable, offset=(x, 0))
        await pilot.pause()
        assert _names(app) == [r.name for r in sort_rows(rows, SortKey.HEALTH, reverse=True)]


async def test_slash_filters_live_and_escape_clears(app_factory):
    app = app_factory()
    async with app.run_test(size=(140, 40)) as pilot:
        await open_book(pilot)
        rows = app.workspace.book(team=False)
        await pilot.press("slash", *"red")
        await pilot.pause()
        expected = [r.name for r in sort_rows(filter_rows(rows, "red"), SortKey.NAME)]
        assert expected and len(expected) < len(rows)
        assert _names(app) == expected
        await pilot.press("enter")  # back to the table, filter kept
        assert app.focused is _table(app)
        assert _names(app) == expected
        await pilot.press("escape")
        await pilot.pause()
        assert len(_names(app)) == len(rows)


async def test_a_filter_matching_nothing_says_so(app_factory):
    app = app_factory()
    async with app.run_test(size=(140, 40)) as pilot:
        await open_book(pilot)
        await pilot.press("slash", *"zzzz")
        await pilot.pause()
        empty = app.screen.query_one("#empty")
        assert empty.display and "No account matches “zzzz”" in str(empty.render())


async def test_t_toggles_mine_and_team(app_factory):
    app = app_factory()
    async with app.run_test(size=(140, 40)) as pilot:
        await open_book(pilot)
        mine = len(app.workspace.book(team=False))
        team = len(app.workspace.book(team=True))
        assert team > mine
        await pilot.press("t")
        await settle(pilot)
        assert _table(app).row_count == team
        assert app.screen.sub_title.startswith(f"Team · {team} accounts")
        await pilot.press("t")
        await settle(pilot)
        assert _table(app).row_count == mine


async def test_without_an_identity_the_team_book_is_shown(app_factory):
    app = app_factory(user_email=None)
    async with app.run_test(size=(140, 40)) as pilot:
        await open_book(pilot)
        assert _table(app).row_count == len(app.workspace.book(team=True))
        await pilot.press("t")
        await pilot.pause()
        assert app.screen.team  # nothing to toggle to; a notification explains why


async def test_enter_opens_the_account_and_escape_comes_back_to_the_same_row(app_factory):
    app = app_factory()
    async with app.run_test(size=(140, 40)) as pilot:
        await open_book(pilot)
        await pilot.press("down", "down", "j", "k")
        chosen = _names(app)[2]
        await pilot.press("enter")
        await settle(pilot)
        opened = app.screen  # a name of its own: mypy would keep app.screen an AccountScreen
        assert isinstance(opened, AccountScreen)
        assert opened.title == chosen
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, BookScreen)
        assert _table(app).cursor_row == 2
