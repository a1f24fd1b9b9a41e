"""The conflict list by keys (issue 23): conflicts made for real, as a sync makes them (the
manager saves a priority on the team's server while Maya's laptop saves another offline; her
push wins, the manager's value is kept as a conflict, and her pull brings it to the laptop),
then seen, kept or written back from the app on the laptop's file; and the empty list.

The conflict is found at a fixed moment (the sync's clock) and shown in UTC (TZ), so that the
snapshot says the same time on every machine.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from csm_tui.domain.account_form import AccountForm
from csm_tui.screens.account import AccountScreen
from csm_tui.screens.conflicts import EMPTY, ConflictsScreen, ConflictTable
from csm_tui.services.demo import DEMO_MANAGER_EMAIL, DEMO_USER_EMAIL
from csm_tui.services.sync import Sync, download
from csm_tui.services.workspace import Workspace, resolve_member
from csm_tui.settings import Settings
from tests.conftest import TODAY
from tests.ui.conftest import notifications, settle, static_text

if TYPE_CHECKING:
    from textual.pilot import Pilot

    from csm_tui.app import CsmApp

FOUND = datetime(2026, 11, 23, 12, 4, tzinfo=UTC)  # the demo's TODAY is Monday 23 November


@dataclass(frozen=True, slots=True)
class Conflicted:
    laptop: Path
    account_id: str
    account: str
    offline: str  # the priority saved on the laptop: it won
    office: str  # the one the manager saved on the server meanwhile: it lost


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _open(database: Path | str, email: str) -> Workspace:
    return Workspace.open(Settings(database=str(database), today=TODAY, user_email=email))


def _form(workspace: Workspace, account_id: str, priority: str | None = None) -> AccountForm:
    view = workspace.accounts.view(account_id)
    assert view is not None
    profile = view.detail.profile
    form = AccountForm(
        segment=profile.segment.value,
        priority=profile.priority.value,
        arr=str(profile.arr_cents // 100),
    )
    return form if priority is None else replace(form, priority=priority)


def _priority(database: Path, account_id: str) -> str:
    with _open(database, DEMO_USER_EMAIL) as workspace:
        return _form(workspace, account_id).priority


@pytest.fixture
def laptop(demo_db: Path, tmp_path: Path) -> Path:
    """Maya's laptop, downloaded from the demo book as the team's server: no conflict yet."""
    path = tmp_path / "laptop.db"
    with _open(demo_db, DEMO_USER_EMAIL) as server:
        download(server.db, path, resolve_member(server.db, DEMO_USER_EMAIL))
    return path


@pytest.fixture
def conflicted(demo_db: Path, laptop: Path) -> Conflicted:
    """One account's priority overwritten unseen, pulled to the laptop."""
    with _open(demo_db, DEMO_USER_EMAIL) as server, _open(laptop, DEMO_USER_EMAIL) as mine:
        target = min(row.id for row in mine.book(team=False))
        before = _form(mine, target).priority
        offline = "pr1" if before != "pr1" else "pr3"
        office = "pr2" if before != "pr2" else "pr3"
        with _open(demo_db, DEMO_MANAGER_EMAIL) as manager:
            manager.accounts.save(target, _form(manager, target, priority=office))
        mine.accounts.save(target, _form(mine, target, priority=offline))
        sync = Sync(mine, server, clock=lambda: FOUND)
        assert sync.push().applied == 1
        sync.pull()
        [conflict] = mine.conflicts.listed()
        mine.triage.schedule.ensure_current()  # so that no "Rescheduled" toast hides the screen
        return Conflicted(laptop, target, conflict.account, offline, office)


async def _conflicts(pilot: Pilot[None]) -> None:
    """From the triage screen (where the app opens), X: the conflicts, read."""
    await settle(pilot)
    await pilot.press("X")
    await settle(pilot)


def _screen(app: CsmApp) -> ConflictsScreen:
    screen = app.screen
    assert isinstance(screen, ConflictsScreen), f"on {type(screen).__name__}"
    return screen


def _rows(app: CsmApp) -> list[str]:
    table = _screen(app).query_one(ConflictTable)
    return [" | ".join(cell.plain for cell in table.row_text(n)) for n in range(table.row_count)]


async def test_a_conflict_is_listed_in_words(
    app_factory: Callable[..., CsmApp], conflicted: Conflicted
) -> None:
    app = app_factory(database=conflicted.laptop)
    async with app.run_test(size=(120, 30)) as pilot:
        await _conflicts(pilot)
        [row] = _rows(app)
        assert row.startswith(f"23 Nov 12:04 | {conflicted.account[:19]}")
        assert f"account priority | {conflicted.office}" in row
        assert f"{conflicted.offline} (yours)" in row
        words = static_text(app, "#conflict-words").replace("\n", " ")
        assert (
            f"the priority {conflicted.office} set on the team's server was overwritten by "
            f"your change to {conflicted.offline} on Mon 23 Nov 12:04" in words
        )
        assert "1 open" in str(_screen(app).sub_title)


async def test_k_keeps_what_won(app_factory: Callable[..., CsmApp], conflicted: Conflicted) -> None:
    app = app_factory(database=conflicted.laptop)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await _conflicts(pilot)
        await pilot.press("K")
        await settle(pilot)
        assert "Kept the priority as it is now." in notifications(app)
        assert _rows(app) == []
        assert static_text(app, "#empty").strip() == EMPTY
        await pilot.press("a")  # the resolved ones too
        await settle(pilot)
        [row] = _rows(app)
        assert conflicted.office in row
        assert "Resolved: " + conflicted.offline + " was kept." in static_text(
            app, "#conflict-words"
        ).replace("\n", " ")
        await pilot.press("K")  # once is enough
        await pilot.pause()
        assert "resolved already (kept)" in notifications(app)
    assert _priority(conflicted.laptop, conflicted.account_id) == conflicted.offline


async def test_shift_r_writes_back_what_lost_once_confirmed(
    app_factory: Callable[..., CsmApp], conflicted: Conflicted
) -> None:
    app = app_factory(database=conflicted.laptop)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await _conflicts(pilot)
        await pilot.press("R")
        await settle(pilot)
        assert "The account priority goes from" in static_text(app, "#confirm-body")
        await pilot.press("n")  # kept as it is
        await settle(pilot)
        assert len(_rows(app)) == 1
        await pilot.press("R")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)
        assert "Wrote back the priority that was overwritten." in notifications(app)
        assert _rows(app) == []
    assert _priority(conflicted.laptop, conflicted.account_id) == conflicted.office


async def test_enter_opens_the_account_and_escape_comes_back(
    app_factory: Callable[..., CsmApp], conflicted: Conflicted
) -> None:
    app = app_factory(database=conflicted.laptop)
    async with app.run_test(size=(120, 30)) as pilot:
        await _conflicts(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert len(_rows(app)) == 1


async def test_no_conflict_says_so(app_factory: Callable[..., CsmApp], laptop: Path) -> None:
    app = app_factory(database=laptop)
    async with app.run_test(size=(100, 24)) as pilot:
        await _conflicts(pilot)
        assert static_text(app, "#empty").strip() == EMPTY
        assert not _screen(app).query_one(ConflictTable).display


def test_snapshot_one_conflict(
    snap_compare: Callable[..., bool],
    app_factory: Callable[..., CsmApp],
    conflicted: Conflicted,
) -> None:
    app = app_factory(database=conflicted.laptop)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_conflicts)
