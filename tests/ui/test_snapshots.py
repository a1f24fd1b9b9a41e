"""SVG snapshots of every screen at the fixed TODAY on the seeded demo book.

A failing snapshot is a change a user would see: open snapshot_report.html, and regenerate with
`make snapshots` only after looking at the diff.
"""

from __future__ import annotations

from pathlib import Path

from tests.ui.conftest import open_book, settle


async def _loaded(pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)


async def _book(pilot) -> None:  # type: ignore[no-untyped-def]
    await open_book(pilot)


def test_book_mine(snap_compare, app_factory):
    assert snap_compare(app_factory(), terminal_size=(120, 36), run_before=_book)


def test_book_mine_small_terminal(snap_compare, app_factory):
    assert snap_compare(app_factory(), terminal_size=(80, 24), run_before=_book)


def test_book_team_sorted_by_health(snap_compare, app_factory):
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await open_book(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("o", "o", "o", "o", "o")  # account, segment, pri, arr, owner, health
        await pilot.pause()

    assert snap_compare(app_factory(), terminal_size=(120, 36), run_before=run_before)


def test_book_filtered(snap_compare, app_factory):
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await open_book(pilot)
        await pilot.press("slash", *"yellow")
        await pilot.pause()

    assert snap_compare(app_factory(), terminal_size=(120, 36), run_before=run_before)


def test_book_empty(snap_compare, app_factory, tmp_path: Path):
    app = app_factory(user_email=None, database=tmp_path / "empty.db")
    assert snap_compare(app, terminal_size=(100, 24), run_before=_book)


def test_account_summary(snap_compare, app_factory):
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await open_book(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(app_factory(), terminal_size=(120, 36), run_before=run_before)


def test_account_summary_of_a_red_account(snap_compare, app_factory):
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await open_book(pilot)
        await pilot.press("o", "o", "o", "o")  # account, segment, pri, arr, health: lowest first
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(app_factory(), terminal_size=(120, 36), run_before=run_before)
