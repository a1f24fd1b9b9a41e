"""The weekly wrap-up screen by keys: a CSM's week and their notes, the team's week for the
manager, a CSM's week opened from it, other weeks, the report written, and the loading state.

The demo's TODAY is a Monday, so most tests go a week back (`[`) to a whole week: 2026-W47.
The figures on screen are the service's, the same that `csm wrapup` prints.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from csm_tui import paths
from csm_tui.cli import main
from csm_tui.domain.iso_week import IsoWeek
from csm_tui.screens import wrapup as wrapup_screen
from csm_tui.screens.account import AccountScreen
from csm_tui.screens.wrapup import Asked, Read, WrapupScreen
from csm_tui.services.demo import DEMO_MANAGER_EMAIL, DEMO_USER_EMAIL
from csm_tui.services.workspace import resolve_member
from csm_tui.widgets.team_week_table import TeamWeekTable
from csm_tui.widgets.week_lines import WeekLines
from tests.conftest import TODAY
from tests.ui.conftest import clear_and_type, notifications, settle, shown_text, static_text

if TYPE_CHECKING:
    from textual.pilot import Pilot

    from csm_tui.app import CsmApp
    from csm_tui.domain.team import Member
    from csm_tui.services.workspace import Workspace

THIS_WEEK = IsoWeek.of(TODAY)
LAST_WEEK = THIS_WEEK.previous
SIZES = {"80x24": (80, 24), "160x48": (160, 48)}


async def _open(pilot: Pilot[None], *keys: str) -> None:
    """From the queue, W then `keys`, each answered before the next."""
    await settle(pilot)
    await pilot.press("W")
    await settle(pilot)
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


def _lines(app: CsmApp) -> list[str]:
    return [row.text.plain for row in app.screen.query_one(WeekLines).rows]


def _maya(app: CsmApp) -> Member:
    member = resolve_member(app.workspace.db, DEMO_USER_EMAIL)
    assert member is not None
    return member


def _screen(app: CsmApp) -> WrapupScreen:
    screen = app.screen
    assert isinstance(screen, WrapupScreen), f"on {type(screen).__name__}"
    return screen


# --- a CSM's week -------------------------------------------------------------------------------


async def test_a_csm_opens_their_week_and_walks_the_weeks(app_factory):
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(pilot)
        screen = _screen(app)
        assert screen.week == THIS_WEEK and not screen.team
        assert "Maya Patel, 2026-W48" in static_text(app, "#wrapup-head")
        assert "as of Mon 2026-11-23" in static_text(app, "#wrapup-head")

        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert screen.week == LAST_WEEK
        assert "Maya Patel, 2026-W47 (Mon 2026-11-16 to Sun 2026-11-22)" in static_text(
            app, "#wrapup-head"
        )
        expected = app.workspace.wrapup.my_week(LAST_WEEK)
        lines = _lines(app)
        assert any(line.startswith("Calls") and expected.calls.words in line for line in lines)
        assert any(
            line.startswith("Coverage") and expected.coverage.words in line for line in lines
        )
        for renewal in expected.renewals:
            assert any(renewal.account_name in line for line in lines)
        assert "Notes for your manager  not written" in "\n".join(lines)

        await pilot.press("right_square_bracket", "right_square_bracket")
        await settle(pilot)
        assert screen.week == THIS_WEEK.next
        assert "still to come" in static_text(app, "#wrapup-head")


async def test_enter_on_an_account_of_the_week_opens_it_and_escape_comes_back(app_factory):
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(pilot, "left_square_bracket")
        lines = app.screen.query_one(WeekLines)
        assert lines.current is not None and lines.current.account_id is not None, (
            "the cursor starts on the first account of the week"
        )
        account_id = lines.current.account_id
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen)
        assert app.screen.account_id == account_id
        await pilot.press("escape")
        await settle(pilot)
        assert _screen(app).week == LAST_WEEK


async def test_notes_are_written_undone_and_submitted_by_keys(app_factory):
    app = app_factory()
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await _open(pilot, "left_square_bracket")
        await pilot.press("n")
        await settle(pilot)
        await clear_and_type(pilot, "Acme signed the renewal early")
        await pilot.press("tab")
        await clear_and_type(pilot, "Globex sponsor left")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Saved the notes of 2026-W47" in notifications(app)
        text = "\n".join(_lines(app))
        assert "Notes for your manager  draft, saved 2026-11-23" in text
        assert "Wins        Acme signed the renewal early" in text
        assert "Risks       Globex sponsor left" in text

        await pilot.press("u")
        await settle(pilot)
        assert "Undone: the notes of 2026-W47 saved." in notifications(app)
        assert "Notes for your manager  not written" in "\n".join(_lines(app))

        await pilot.press("n")
        await settle(pilot)
        await clear_and_type(pilot, "Acme signed")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("S")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert "Submitted the notes of 2026-W47" in notifications(app)
        assert "Jordan Reyes reads them in the team's week" in notifications(app)
        assert "Notes for your manager  submitted on 2026-11-23" in "\n".join(_lines(app))

        await pilot.press("n")
        await settle(pilot)
        assert _screen(app) is app.screen, "a submitted week opens no form"
        assert "they stay as they were sent" in notifications(app)
        notes = app.workspace.weekly_notes.notes(_maya(app), LAST_WEEK)
        assert (notes.wins, notes.risks, notes.submitted) == ("Acme signed", "", True)


async def test_enter_on_the_notes_writes_them(app_factory):
    app = app_factory()
    async with app.run_test(size=(100, 40)) as pilot:
        await _open(pilot, "left_square_bracket")
        await pilot.press("end")
        await settle(pilot)
        row = app.screen.query_one(WeekLines).current
        assert row is not None and row.notes
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "NotesModal"
        await pilot.press("escape")
        await settle(pilot)
        assert _screen(app).week == LAST_WEEK


# --- the team's week ----------------------------------------------------------------------------


async def test_the_manager_opens_the_teams_week_what_needs_them_first(app_factory):
    app = app_factory(user_email=DEMO_MANAGER_EMAIL)
    maya = _maya(app)
    app.workspace.weekly_notes.save(maya, LAST_WEEK, wins="Renewed Initech")
    app.workspace.weekly_notes.submit(maya, LAST_WEEK)
    async with app.run_test(size=(160, 48)) as pilot:
        await _open(pilot, "left_square_bracket")
        screen = _screen(app)
        assert screen.team, "a manager opens on the team's week"
        team = app.workspace.wrapup.team_week(LAST_WEEK)
        table = app.screen.query_one(TeamWeekTable)
        assert table.keys == [row.week.member_id for row in team.rows]
        head = static_text(app, "#wrapup-head")
        assert f"{len(team.rows)} CSMs, {len(team.needing)} needing you" in head
        table.move_cursor(0)
        await settle(pilot)
        detail = static_text(app, "#team-detail")
        first = team.rows[0]
        assert first.week.name in detail
        for reason in first.reasons:
            assert reason.words in detail.replace("\n", " ")

        row = table.keys.index(maya.id)
        table.move_cursor(row)
        await settle(pilot)
        assert "Wins: Renewed Initech" in static_text(app, "#team-detail")
        assert table.cell(maya.id, "notes").plain == "submitted"

        await pilot.press("enter")
        await settle(pilot)
        csm = _screen(app)
        assert csm is not screen and csm.member_id == maya.id and not csm.team
        assert "Maya Patel, 2026-W47" in static_text(app, "#wrapup-head")
        assert "their submitted notes only" in static_text(app, "#wrapup-head")
        assert "Notes  submitted on 2026-11-23" in "\n".join(_lines(app))
        await pilot.press("t", "n")  # neither is for a CSM's week opened from the team's
        await settle(pilot)
        assert app.screen is csm and not csm.team
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen


async def test_a_draft_is_not_the_managers_to_read(app_factory):
    app = app_factory(user_email=DEMO_MANAGER_EMAIL)
    maya = _maya(app)
    app.workspace.weekly_notes.save(maya, LAST_WEEK, wins="Not sent yet")
    async with app.run_test(size=(160, 48)) as pilot:
        await _open(pilot, "left_square_bracket")
        table = app.screen.query_one(TeamWeekTable)
        table.move_cursor(table.keys.index(maya.id))
        await settle(pilot)
        detail = static_text(app, "#team-detail")
        assert "Notes: none submitted for this week." in detail
        assert "Not sent yet" not in detail


async def test_a_csm_reads_no_peers_notes_on_the_teams_week(app_factory):
    """A CSM's team is their manager's; their peers' notes go to the manager, not to them."""
    app = app_factory()
    sofia = resolve_member(app.workspace.db, "sofia.lindqvist@demo.csm-tui.dev")
    assert sofia is not None
    app.workspace.weekly_notes.save(sofia, LAST_WEEK, wins="Sofia's private win")
    app.workspace.weekly_notes.submit(sofia, LAST_WEEK)
    async with app.run_test(size=(160, 48)) as pilot:
        await _open(pilot, "left_square_bracket", "t")
        table = app.screen.query_one(TeamWeekTable)
        table.move_cursor(table.keys.index(sofia.id))
        await settle(pilot)
        detail = static_text(app, "#team-detail")
        assert "Notes: theirs go to your manager." in detail
        assert "private win" not in detail
        await pilot.press("enter")
        await settle(pilot)
        text = "\n".join(_lines(app))
        assert "Notes  theirs go to your manager" in text
        assert "private win" not in text


async def test_t_switches_between_my_week_and_the_teams(app_factory):
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(pilot, "t")
        screen = _screen(app)
        assert screen.team
        assert "Jordan Reyes's team, 2026-W48" in static_text(app, "#wrapup-head")
        await pilot.press("t")
        await settle(pilot)
        assert not screen.team
        assert "Maya Patel, 2026-W48" in static_text(app, "#wrapup-head")


# --- the report, and the loading state ----------------------------------------------------------


@pytest.mark.parametrize("team", [False, True], ids=["mine", "team"])
async def test_w_writes_the_report_the_cli_writes(
    app_factory, demo_db, tmp_path, monkeypatch, team
):
    monkeypatch.setattr(paths, "data_dir", lambda: tmp_path)
    app = app_factory()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await _open(pilot, "left_square_bracket", *(["t"] if team else []))
        await pilot.press("w")
        await settle(pilot)
        said = notifications(app)
    name = "team-2026-W47.md" if team else "maya-patel-2026-W47.md"
    written = tmp_path / "wrapups" / name
    assert f"as Markdown to {written}" in said.replace("\n", "")
    args = ["--db", str(demo_db), "--today", str(TODAY), "--as", DEMO_USER_EMAIL]
    args += ["wrapup", "--week", str(LAST_WEEK), "--format", "md", *(["--team"] if team else [])]
    printed = CliRunner().invoke(main, args)
    assert printed.exit_code == 0, printed.output
    assert written.read_text(encoding="utf-8") == printed.output


async def test_the_screen_paints_while_the_week_is_read(app_factory, monkeypatch):
    """The read runs in a worker: the screen says what it is reading until the answer comes."""
    release = threading.Event()
    real = wrapup_screen.read

    def slow(workspace: Workspace, asked: Asked) -> Read:
        release.wait(10)
        return real(workspace, asked)

    monkeypatch.setattr(wrapup_screen, "read", slow)
    app = app_factory()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("W")
        await pilot.pause()
        loading = app.screen.query_one("#wrapup-loading")
        assert loading.display and "Reading the week 2026-W48…" in shown_text(loading)
        assert not app.screen.query_one("#wrapup-views").display
        release.set()
        await settle(pilot)
        assert not loading.display
        assert "Maya Patel, 2026-W48" in static_text(app, "#wrapup-head")


# --- snapshots ----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_my_week(snap_compare, app_factory, size):
    async def run_before(pilot: Pilot[None]) -> None:
        await _open(pilot, "left_square_bracket")

    assert snap_compare(app_factory(), terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_the_teams_week(snap_compare, app_factory, size):
    async def run_before(pilot: Pilot[None]) -> None:
        await _open(pilot, "left_square_bracket")

    app = app_factory(user_email=DEMO_MANAGER_EMAIL)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_a_csms_week_from_the_teams(snap_compare, app_factory, size):
    app = app_factory(user_email=DEMO_MANAGER_EMAIL)
    maya = _maya(app)
    app.workspace.weekly_notes.save(
        maya, LAST_WEEK, wins="Renewed Initech a month early", asks="An exec sponsor call"
    )
    app.workspace.weekly_notes.submit(maya, LAST_WEEK)

    async def run_before(pilot: Pilot[None]) -> None:
        await _open(pilot, "left_square_bracket")
        table = pilot.app.screen.query_one(TeamWeekTable)
        table.move_cursor(table.keys.index(maya.id))
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)


def test_snapshot_the_notes_form(snap_compare, app_factory):
    async def run_before(pilot: Pilot[None]) -> None:
        await _open(pilot, "left_square_bracket", "n")
        await pilot.press(*"Acme renewed")

    assert snap_compare(app_factory(), terminal_size=(80, 24), run_before=run_before)


async def test_T_shows_the_trends_of_the_week_and_view_shown(app_factory):
    from csm_tui.screens.wrapup_trends import WrapupTrendsScreen

    app = app_factory()
    async with app.run_test(size=(120, 48)) as pilot:
        await _open(pilot, "left_square_bracket", "t", "T")
        trends = app.screen
        assert isinstance(trends, WrapupTrendsScreen)
        assert (trends.week, trends.team) == (LAST_WEEK, True)
        await pilot.press("escape")
        await settle(pilot)
        assert _screen(app).team


async def test_in_a_browser_w_also_downloads_the_report(
    app_factory: Callable[..., CsmApp], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under `csm serve` the file is written on the server: the browser is sent it too."""
    from csm_tui.app import CsmApp as App

    monkeypatch.setattr(paths, "data_dir", lambda: tmp_path)
    monkeypatch.setattr(App, "is_web", property(lambda app: True))
    delivered: list[tuple[object, str | None]] = []

    def deliver(app: App, path: object, *, save_filename: str | None = None) -> str:
        delivered.append((path, save_filename))
        return "key"

    monkeypatch.setattr(App, "deliver_text", deliver)
    app = app_factory()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await _open(pilot, "left_square_bracket")
        await pilot.press("w")
        await settle(pilot)
        said = notifications(app).replace("\n", " ")
    written = tmp_path / "wrapups" / "maya-patel-2026-W47.md"
    assert delivered == [(written, "maya-patel-2026-W47.md")]
    assert "on the server; your browser downloads it" in said
