"""What every screen shares, driven with real keys on the demo book: the keys that mean the same
everywhere, the palette, a failed read said once without closing the app, and long lists that
are read in workers and drawn only where they show."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy.exc import OperationalError
from textual.command import CommandPalette
from textual.widgets import Input, OptionList
from textual.widgets._footer import FooterKey

from csm_tui.app import CsmApp
from csm_tui.commands import ranked_score
from csm_tui.screens.account import AccountScreen
from csm_tui.screens.book import BookScreen
from csm_tui.screens.log_touch import LogTouchModal
from csm_tui.screens.snooze import SnoozeModal
from csm_tui.screens.triage import TriageScreen
from csm_tui.store import raw
from csm_tui.widgets.queue_table import QueueTable, columns
from tests.ui.conftest import notifications, open_book, settle, static_text
from tests.writers import damage_an_index, writing_here

if TYPE_CHECKING:
    from textual.pilot import Pilot

    from csm_tui.domain.queue import QueueItem

SMALL = (80, 24)
LARGE = (160, 48)


def csm(pilot: Pilot[None]) -> CsmApp:
    app = pilot.app
    assert isinstance(app, CsmApp)
    return app


async def open_first_account(pilot: Pilot[None]) -> AccountScreen:
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, AccountScreen), f"expected the account, saw {screen!r}"
    return screen


# -- keys that mean the same on every screen ------------------------------------------------


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "160x48"])
async def test_the_keys_key_is_in_view_on_every_screen_even_at_80x24(
    app_factory: Callable[..., CsmApp], size: tuple[int, int]
) -> None:
    app = app_factory()
    async with app.run_test(size=size) as pilot:
        for open_next in ((), ("enter",), ("escape", "b")):
            await pilot.press(*open_next)
            await settle(pilot)
            keys = [key for key in app.screen.query(FooterKey) if key.key == "question_mark"]
            assert len(keys) == 1, f"no ? in the footer of {app.screen!r}"
            region = keys[0].region
            assert region.width > 0 and region.right <= size[0], "? is cut off"


async def test_q_quits_from_the_account_as_from_any_screen(
    app_factory: Callable[..., CsmApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=LARGE) as pilot:
        await open_first_account(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_q_in_a_form_types_a_q_and_does_not_quit(
    app_factory: Callable[..., CsmApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=LARGE) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, LogTouchModal)
        await pilot.press("q", "tab", "q")  # in the summary, then on the attendees list
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, LogTouchModal)


async def test_e_escalates_and_s_snoozes_on_the_account_as_on_triage_and_u_undoes(
    app_factory: Callable[..., CsmApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=LARGE, notifications=True) as pilot:
        account = await open_first_account(pilot)
        await pilot.press("e")
        await settle(pilot)
        # The top of the queue is an account with an open (L5) escalation: e opens it, to
        # raise or follow it up, rather than the form that would open a second one.
        from csm_tui.screens.escalation import EscalationScreen

        opened = app.screen  # a name of its own: mypy would keep app.screen narrowed
        assert isinstance(opened, EscalationScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is account
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, SnoozeModal)
        await pilot.press(*"on leave until Monday", "ctrl+s")
        await settle(pilot)
        assert app.screen is account
        assert "Snoozed" in notifications(app) or "snoozed" in notifications(app)
        assert account.changed
        await pilot.press("u")
        await settle(pilot)
        assert "Undo" in notifications(app)


async def test_b_from_an_account_opened_from_the_book_goes_back_to_that_book(
    app_factory: Callable[..., CsmApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=LARGE) as pilot:
        await open_book(pilot)
        book = app.screen
        assert isinstance(book, BookScreen)
        await pilot.press("enter")
        await settle(pilot)
        opened = app.screen
        assert isinstance(opened, AccountScreen)
        await pilot.press("b")
        await settle(pilot)
        shown = app.screen
        assert shown is book, "b went back to the book below, not a second one"
        assert sum(isinstance(screen, BookScreen) for screen in app.screen_stack) == 1


async def test_escape_from_a_touchs_action_items_goes_back_to_the_touches(
    app_factory: Callable[..., CsmApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=LARGE) as pilot:
        account = await open_first_account(pilot)
        await pilot.press("3")
        await settle(pilot)
        touches = account.view.detail.touches if account.view else ()
        index = next(n for n, touch in enumerate(touches) if touch.action_items)
        await pilot.press(*["j"] * index, "enter")
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "action-items"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is account, "escape left the account"
        assert app.focused is not None and app.focused.id == "timeline-table"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TriageScreen)


async def test_a_forms_message_leaves_once_the_field_is_typed_in(
    app_factory: Callable[..., CsmApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=LARGE) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "summary" in static_text(app, "#form-error")
        await pilot.press(*"Called")
        await pilot.pause()
        assert static_text(app, "#form-error") == ""


# -- the palette ---------------------------------------------------------------------------


def test_the_palette_lists_each_action_once(app_factory: Callable[..., CsmApp]) -> None:
    app = app_factory()
    titles = [command.title for command in app.get_system_commands(TriageScreen(app.workspace))]
    assert len(titles) == len(set(titles)), titles
    assert {"Keys", "Quit", "Book of business", "Log touch"} <= set(titles)


def test_my_accounts_rank_above_any_other_match() -> None:
    assert ranked_score(0.01, mine=True) > ranked_score(500.0, mine=False)
    assert ranked_score(9.0, mine=True) > ranked_score(2.0, mine=True)
    assert ranked_score(9.0, mine=False) > ranked_score(2.0, mine=False)


async def test_the_palette_offers_my_accounts_before_the_teams(
    app_factory: Callable[..., CsmApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=LARGE) as pilot:
        await settle(pilot)
        # Each account as the palette names it (its CRM id after it): no name is taken for
        # another one that it begins (as "Driftwood Aerospace" begins "...Aerospace Canada").
        labels: dict[str, str | None] = {}
        for account in app.workspace.account_names():
            labels[account.name] = account.owner_email
            if account.external_id:
                labels[f"{account.name} ({account.external_id})"] = account.owner_email
        await pilot.press("ctrl+p", *"a")
        await pilot.pause(0.5)
        await settle(pilot)
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        options = palette.query_one(OptionList)
        shown = [str(options.get_option_at_index(n).prompt) for n in range(options.option_count)]
        first_lines = [text.split("\n")[0] for text in shown]
        accounts = [line for line in first_lines if line in labels]
        assert accounts, f"no account among the palette's options: {first_lines}"
        assert app.workspace.me is not None
        mine = [labels[line] == app.workspace.me.email for line in accounts]
        assert True in mine and False in mine, "the query matches both kinds of account"
        assert mine == sorted(mine, reverse=True), "one of mine came after someone else's"


# -- one worker contract -------------------------------------------------------------------


async def test_a_failed_read_is_said_once_and_the_app_stays_open(
    app_factory: Callable[..., CsmApp],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = app_factory()
    async with app.run_test(size=LARGE, notifications=True) as pilot:
        await settle(pilot)

        def broken(*, team: bool) -> list[object]:
            raise OperationalError("SELECT", {}, Exception("disk I/O error"))

        monkeypatch.setattr(app.workspace, "book", broken)
        await pilot.press("b")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, BookScreen)
        said = notifications(app)
        assert "Could not read the book of business" in said
        assert "database error: disk I/O error" in said
        assert said.count("disk I/O error") == 1
        logged = [r for r in caplog.records if r.name.startswith("csm_tui")]
        assert len(logged) == 1 and logged[0].exc_info is not None, "one line, with traceback"
        monkeypatch.undo()
        await pilot.press("r")
        await settle(pilot)
        assert "accounts" in (app.screen.sub_title or ""), "r reads again once the disk is back"


async def test_a_save_while_another_csm_writes_says_so_and_keeps_what_was_typed(
    app_factory: Callable[..., CsmApp], demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The screen waits 10 s for another writer; a tenth of a second is as good for the test.
    monkeypatch.setattr(raw, "BUSY_TIMEOUT_MS", 100)
    app = app_factory()
    assert app.workspace.busy_timeout_ms == 100  # the screen's patience, not a command's
    async with app.run_test(size=LARGE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, LogTouchModal)
        await pilot.press(*"Called them")
        with writing_here(demo_db):
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is modal, "the form closed without saving"
            said = static_text(app, "#form-error")
            assert said == "Another csm is writing to this book; save again in a moment", said
            assert modal.query_one("#touch-summary", Input).value == "Called them"
        await pilot.press("ctrl+s")  # the other write is over: saved
        await settle(pilot)
        assert isinstance(app.screen, TriageScreen)
        assert "SQL" not in notifications(app)


async def test_a_damaged_book_is_said_at_start_up_once_and_refuses_saves(
    app_factory: Callable[..., CsmApp], demo_db: Path
) -> None:
    damage_an_index(demo_db)  # the queue reads well: only the quick check finds it
    app = app_factory()
    async with app.run_test(size=LARGE, notifications=True) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TriageScreen) and app.is_running
        said = notifications(app)
        assert said.count(f"{demo_db} is damaged") == 1, said
        assert "so csm writes nothing to it" in said and "restore" in said, said
        await pilot.press("l")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, LogTouchModal)
        await pilot.press(*"Called them", "ctrl+s")
        await settle(pilot)
        assert app.screen is modal, "the form closed on a damaged book"
        # A long path wraps inside itself: compared with no whitespace at all.
        said_in_form = "".join(static_text(app, "#form-error").split())
        assert f"{demo_db}isdamaged" in said_in_form
        assert modal.query_one("#touch-summary", Input).value == "Called them"


# -- long lists ----------------------------------------------------------------------------


async def test_the_team_queue_draws_only_the_rows_in_view(
    app_factory: Callable[..., CsmApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[str] = []
    original = QueueTable.row_cells

    def counting(self: QueueTable, row: QueueItem) -> Any:
        drawn.append(self.row_key(row))
        return original(self, row)

    monkeypatch.setattr(QueueTable, "row_cells", counting)
    app = app_factory(user_email=None)
    # A small terminal: the demo team's queue is a few dozen rows (its CSMs keep up with most
    # of their cadence calls), more than two screenfuls there.
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        table = app.screen.query_one(QueueTable)
        in_view = table.scrollable_content_region.height - 1
        assert table.row_count > 2 * in_view, "the demo team's queue is longer than a screen"
        assert len(set(drawn)) <= in_view + 1
        await pilot.press("end")
        await pilot.pause()
        assert len(set(drawn)) <= 2 * in_view + 2, "only the first and the last screenful"


def test_a_narrow_terminal_keeps_the_owner_of_the_teams_rows() -> None:
    assert [key for _, key in columns(team=True, narrow=True)] == [
        "account",
        "owner",
        "what",
        "when",
        "health",
        "priority",
    ]
    assert "owner" not in [key for _, key in columns(team=False, narrow=True)]


async def test_switching_to_the_team_says_it_is_reading_and_keys_still_work(
    app_factory: Callable[..., CsmApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_factory()
    async with app.run_test(size=LARGE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TriageScreen)
        triage = app.workspace.triage
        release = threading.Event()
        read = triage.load

        def slow(**options: Any) -> Any:
            if options.get("team"):
                release.wait(10)
            return read(**options)

        monkeypatch.setattr(triage, "load", slow)
        await pilot.press("t")
        await pilot.pause(0.2)
        assert "Reading the team's queue" in static_text(app, "#queue-empty")
        await pilot.press("question_mark")  # a key while the team's queue is read
        await pilot.pause()
        assert app.screen is not screen, "the keys list opened"
        await pilot.press("escape")
        release.set()
        await settle(pilot)
        assert (screen.sub_title or "").startswith("Team · ")
        assert screen.query_one(QueueTable).row_count > 0


async def test_escape_while_a_touch_is_saved_waits_for_it_and_keeps_its_undo(
    app_factory: Callable[..., CsmApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_factory()
    async with app.run_test(size=LARGE, notifications=True) as pilot:
        await settle(pilot)
        triage = app.workspace.triage
        release = threading.Event()
        save = triage.log_touch

        def slow(form: Any) -> Any:
            release.wait(10)
            return save(form)

        monkeypatch.setattr(triage, "log_touch", slow)
        await pilot.press("l")
        await settle(pilot)
        await pilot.press(*"Called them", "ctrl+s")
        await pilot.pause(0.1)
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert isinstance(app.screen, LogTouchModal), "escape closed the form mid-save"
        assert "saving" in static_text(app, "#form-error")
        release.set()
        await settle(pilot)
        assert isinstance(app.screen, TriageScreen)
        assert "u undoes it" in notifications(app)
        await pilot.press("u")
        await settle(pilot)
        assert "Undo" in notifications(app)


async def test_keys_typed_right_after_slash_go_into_the_filter_even_on_a_busy_screen(
    app_factory: Callable[..., CsmApp],
) -> None:
    from textual import events

    from csm_tui.widgets.filter_bar import FilterBar

    app = app_factory()
    async with app.run_test(size=LARGE) as pilot:
        await settle(pilot)
        for key, character in (("slash", "/"), ("z", "z"), ("q", "q")):
            app.post_message(events.Key(key, character))  # all at once, as a busy loop sees them
        await settle(pilot)
        assert app.is_running, "the q after / quit instead of filtering"
        assert app.screen.query_one(FilterBar).value == "zq"
        await pilot.press("slash", "x")  # a slash typed in the filter is a slash
        assert app.screen.query_one(FilterBar).value == "zq/x"
