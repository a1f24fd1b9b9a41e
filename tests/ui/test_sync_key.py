"""A laptop's sync with its team in the terminal UI (issue 23), by keys: the line above the footer
says what waits and when the book last synced; `Y` syncs from any screen, says why it cannot
(a book of one's own, no team server named, the server unreachable), and the screens read the
synced book again.

A laptop's book here is a copy of the demo book with sync on (`Outbox.enable`); a second copy
is the team's server. The laptop's clock is fixed (`CsmApp.clock`) and the zone is UTC, so the
line's times are known.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from textual.geometry import Region

from csm_tui.app import CsmApp, make_app
from csm_tui.domain.enums import TouchKind
from csm_tui.screens.book import BookScreen
from csm_tui.screens.log_touch import LogTouchModal
from csm_tui.screens.triage import TriageScreen
from csm_tui.services import sync_run
from csm_tui.services.demo import DEMO_USER_EMAIL
from csm_tui.services.outbox import Outbox
from csm_tui.services.sync import ensure_server
from csm_tui.services.sync_run import SyncReport, SyncState
from csm_tui.services.triage import TouchForm
from csm_tui.services.workspace import Workspace
from csm_tui.settings import Settings
from csm_tui.store.database import Database
from csm_tui.widgets.sync_status import SyncLine, SyncStatus, sync_line
from tests.conftest import TODAY
from tests.ui.conftest import notifications, settle

if TYPE_CHECKING:
    from textual.pilot import Pilot

#: The laptop's clock in these tests: noon on the demo's day.
NOON = datetime(TODAY.year, TODAY.month, TODAY.day, 12, 0, tzinfo=UTC)
#: Nothing listens there: the server cannot be reached, at once.
UNREACHABLE = "postgresql://nobody@127.0.0.1:9/none?connect_timeout=1"
SIZE = (100, 30)

pytestmark = pytest.mark.usefixtures("utc")

AppFactory = Callable[..., CsmApp]


@pytest.fixture
def sync_app() -> Iterator[AppFactory]:
    """The app on `database` as the demo CSM, syncing with `team_database`, its clock at NOON."""
    apps: list[CsmApp] = []

    def build(database: Path, team_database: str | None = None) -> CsmApp:
        app = make_app(_settings(database, team_database))
        app.clock = lambda: NOON
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.workspace.close()


@pytest.fixture
def team_server(demo_template: Path, tmp_path: Path) -> Path:
    """The team's server: the demo book as the laptop's copy was taken from it."""
    path = tmp_path / "team.db"
    source, copy = sqlite3.connect(demo_template), sqlite3.connect(path)
    source.backup(copy)
    copy.close()
    source.close()
    return path


def _settings(database: Path, team_database: str | None = None) -> Settings:
    return Settings(
        database=str(database),
        today=TODAY,
        user_email=DEMO_USER_EMAIL,
        team_database=team_database,
    )


def laptop_book(path: Path, *, touches: int = 0) -> list[str]:
    """Turn sync on for the book at `path` (a laptop's copy of the team's), then log a cadence
    call on each of the first `touches` accounts of the demo CSM's queue (kept for the
    server); those accounts' ids."""
    db = Database.open(path)
    Outbox(db).enable()
    db.dispose()
    with Workspace.open(_settings(path)) as laptop:
        queue = laptop.triage.load(team=False, record=False).items
        accounts = list(dict.fromkeys(item.account_id for item in queue))[:touches]
        for account_id in accounts:
            laptop.triage.log_touch(
                TouchForm(account_id, TouchKind.CADENCE_CALL.value, TODAY, "Call from the train")
            )
        assert laptop.outbox.waiting() == touches
    return accounts


def shown_line(app: CsmApp) -> str:
    """What the sync line of the screen shown paints ('' when it is not shown)."""
    screen = app.screen
    status = screen.query_one(SyncStatus)
    width, height = status.outer_size
    if not status.display or not height:
        return ""
    region = status.region
    on_top = screen.get_widget_at(region.right - 2, region.y)[0]
    assert on_top is status, f"{on_top!r} is painted over the sync line"
    painted = status.render_lines(Region(0, 0, width, height))
    return " ".join(strip.text.strip() for strip in painted)


async def press(pilot: Pilot[None], *keys: str) -> None:
    """Each key answered before the next (workers done, the screen repainted)."""
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


def toasts(app: CsmApp, severity: str) -> str:
    return "\n".join(
        str(toast.render())
        for toast in app.screen.query("Toast")
        if toast.has_class(f"-{severity}")
    )


# --- the line -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "syncing", "line"),
    [
        (None, False, None),
        (SyncState(False, 0, None, None), True, None),
        (SyncState(True, 0, None, None), False, SyncLine("not synced yet", "waiting")),
        (SyncState(True, 0, NOON, None), False, SyncLine("synced 12:00", "synced")),
        (
            SyncState(True, 3, NOON, None),
            False,
            SyncLine("synced 12:00 · 3 changes waiting", "waiting"),
        ),
        (
            SyncState(True, 1, NOON, "refused"),
            False,
            SyncLine("offline · 1 change waiting", "offline"),
        ),
        (SyncState(True, 1, NOON, "refused"), True, SyncLine("syncing…", "syncing")),
    ],
)
def test_what_the_line_says_of_each_state(
    state: SyncState | None, syncing: bool, line: SyncLine | None
) -> None:
    assert sync_line(state, syncing=syncing, now=NOON) == line


async def test_a_book_that_does_not_sync_shows_no_line_and_y_says_how_to_get_one(
    sync_app: AppFactory, demo_db: Path
) -> None:
    app = sync_app(demo_db, team_database=UNREACHABLE)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        assert shown_line(app) == ""
        assert not app.screen.query_one(SyncStatus).display
        await press(pilot, "b", "Y")
        assert isinstance(app.screen, BookScreen) and shown_line(app) == ""
        said = toasts(app, "warning")
        assert "not a copy of the team's" in said, notifications(app)
        assert "csm sync --db NEW_FILE --team-db URL" in said


async def test_the_line_says_what_waits_on_every_screen(
    sync_app: AppFactory, demo_db: Path
) -> None:
    laptop_book(demo_db, touches=2)
    app = sync_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert shown_line(app) == "not synced yet · 2 changes waiting"
        for key in ("b", "L", "W"):
            await press(pilot, key)
            assert shown_line(app) == "not synced yet · 2 changes waiting", type(app.screen)


async def test_a_touch_logged_is_one_more_change_waiting_when_the_form_closes(
    sync_app: AppFactory, demo_db: Path
) -> None:
    laptop_book(demo_db)
    app = sync_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert shown_line(app) == "not synced yet"
        await press(pilot, "l")
        assert isinstance(app.screen, LogTouchModal)
        await pilot.press(*"Quick check-in")  # Y in a form is a letter
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, TriageScreen), "the form did not close"
        assert shown_line(app) == "not synced yet · 1 change waiting"


# --- the key --------------------------------------------------------------------------------


async def test_y_with_the_server_unreachable_says_so_and_the_line_says_offline(
    sync_app: AppFactory, demo_db: Path
) -> None:
    laptop_book(demo_db, touches=2)
    app = sync_app(demo_db, team_database=UNREACHABLE)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await press(pilot, "Y")
        assert shown_line(app) == "offline · 2 changes waiting"
        said = toasts(app, "error")
        assert "cannot reach the team's server" in said, notifications(app)
        assert "Traceback" not in notifications(app)


async def test_y_without_a_team_server_says_how_to_name_one(
    sync_app: AppFactory, demo_db: Path
) -> None:
    laptop_book(demo_db, touches=1)
    app = sync_app(demo_db)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await press(pilot, "W", "Y")
        said = toasts(app, "warning")
        assert "team_database" in said and "--team-db URL" in said, notifications(app)
        assert shown_line(app) == "not synced yet · 1 change waiting"


async def test_y_sends_the_changes_and_every_screen_reads_the_synced_book(
    sync_app: AppFactory, demo_db: Path, team_server: Path
) -> None:
    sent = laptop_book(demo_db, touches=2)
    app = sync_app(demo_db, team_database=str(team_server))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        triage = app.screen
        assert isinstance(triage, TriageScreen)
        first = triage.current_item()
        assert first is not None
        with Workspace.open(_settings(team_server)) as team:  # meanwhile, at the office
            ensure_server(team.db)  # the team's server keeps its change feed (a laptop joined)
            team.triage.log_touch(
                TouchForm(first.account_id, TouchKind.EMAIL.value, TODAY, "From the office")
            )
        await press(pilot, "b")
        book = app.screen
        read_again: list[str] = []
        _spy_reload(book, read_again, "book")
        _spy_reload(triage, read_again, "triage")
        await press(pilot, "Y")
        assert shown_line(app) == "synced 12:00"
        assert "Synced: 2 sent" in notifications(app)
        assert read_again == ["book"], "the screen shown did not read the book again"
        await press(pilot, "escape")
        assert app.screen is triage and read_again == ["book", "triage"]
        assert shown_line(app) == "synced 12:00"
    with Workspace.open(_settings(team_server)) as team:
        for account_id in sent:
            assert "Call from the train" in _touches(team, account_id)
    with Workspace.open(_settings(demo_db)) as laptop:
        assert "From the office" in _touches(laptop, first.account_id)
        assert laptop.outbox.waiting() == 0


async def test_the_line_says_syncing_while_a_sync_runs_and_y_waits_for_it(
    sync_app: AppFactory, demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop_book(demo_db, touches=1)
    release = threading.Event()
    runs: list[str] = []

    def slow_sync(settings: Settings, server_url: str, **_: Any) -> SyncReport:
        runs.append(server_url)
        release.wait(10)
        raise sync_run.SyncOffline("cannot reach the team's server: timed out")

    monkeypatch.setattr(sync_run, "sync_book", slow_sync)
    app = sync_app(demo_db, team_database="postgresql://team.example/csm")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("Y")
        await pilot.pause()
        assert shown_line(app) == "syncing…"
        await pilot.press("Y")
        await pilot.pause()
        release.set()
        await settle(pilot)
        assert runs == ["postgresql://team.example/csm"], "a second sync ran over the first"
        assert shown_line(app) == "not synced yet · 1 change waiting"
        assert "timed out" in toasts(app, "error")


def _touches(workspace: Workspace, account_id: str) -> set[str]:
    """The summaries of the account's touches."""
    view = workspace.accounts.view(account_id)
    assert view is not None
    return {touch.summary for touch in view.detail.touches}


def _spy_reload(screen: Any, calls: list[str], name: str) -> None:
    """Note each time `screen` reads its data again (`r`)."""
    reload = screen.action_reload

    def noted() -> None:
        calls.append(name)
        reload()

    screen.action_reload = noted


async def test_a_touch_logged_after_a_sync_is_sent_by_the_next(
    sync_app: AppFactory, demo_db: Path, team_server: Path
) -> None:
    laptop_book(demo_db, touches=1)
    app = sync_app(demo_db, team_database=str(team_server))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await press(pilot, "Y")
        assert shown_line(app) == "synced 12:00"
        triage = app.screen
        assert isinstance(triage, TriageScreen)
        item = triage.current_item()
        assert item is not None
        await press(pilot, "l")
        await pilot.press(*"Logged between two syncs")
        await press(pilot, "ctrl+s")
        assert shown_line(app) == "synced 12:00 · 1 change waiting"
        await press(pilot, "Y")
        assert shown_line(app) == "synced 12:00"
    with Workspace.open(_settings(team_server)) as team:
        assert "Logged between two syncs" in _touches(team, item.account_id)
