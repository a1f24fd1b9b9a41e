"""UI fixtures: a demo book built once per session (with its schedule, as `csm demo` builds
it), copied for every test that may change it."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Static

from csm_tui.app import CsmApp, make_app
from csm_tui.services.demo import DEMO_USER_EMAIL, build_demo
from csm_tui.services.scheduling import Schedule, rules_for
from csm_tui.settings import Settings
from csm_tui.store.database import Database
from csm_tui.store.migrate import ensure_current
from tests.conftest import TODAY

DEMO_ACCOUNTS = 120


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    db = Database.open(path)
    ensure_current(db)
    build_demo(db, accounts=DEMO_ACCOUNTS, seed=7, today=TODAY)
    Schedule(db, rules_for(Settings(database=str(path), today=TODAY)), TODAY).recompute_all()
    db.dispose()
    return path


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Path:
    """A private copy of the demo book (SQLite's backup API: never copy a live file)."""
    target = tmp_path / "demo.db"
    source, copy = sqlite3.connect(demo_template), sqlite3.connect(target)
    source.backup(copy)
    copy.close()
    source.close()
    return target


@pytest.fixture
def app_factory(demo_db: Path) -> Iterator[Callable[..., CsmApp]]:
    """Build the app on the demo book as the demo CSM (or anyone else) on the fixed TODAY."""
    apps: list[CsmApp] = []

    def build(user_email: str | None = DEMO_USER_EMAIL, database: Path | None = None) -> CsmApp:
        settings = Settings(database=str(database or demo_db), today=TODAY, user_email=user_email)
        app = make_app(settings)
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.workspace.close()


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    """Wait until the workers have delivered and the screen has repainted."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_book(pilot) -> None:  # type: ignore[no-untyped-def]
    """From the triage screen (where the app opens) to the book of business, loaded."""
    await settle(pilot)
    await pilot.press("b")
    await settle(pilot)


def shown_text(widget: Widget) -> str:
    """The characters the widget paints on the terminal (a container: its texts, in order)."""
    painted = [widget] if isinstance(widget, Static) else list(widget.query("Static, LabelledRows"))
    lines: list[str] = []
    for part in painted:
        width, height = part.size
        lines += [strip.text.rstrip() for strip in part.render_lines(Region(0, 0, width, height))]
    return "\n".join(line for line in lines if line.strip())


def static_text(app: CsmApp, selector: str) -> str:
    return shown_text(app.screen.query_one(selector, Static))


def notifications(app: CsmApp) -> str:
    """Every toast on screen, one per line."""
    return "\n".join(toast.render().plain for toast in app.screen.query("Toast"))


async def clear_and_type(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    """Empty the focused Input (ctrl+a to its start, ctrl+k deletes the rest), then type."""
    await pilot.press("ctrl+a", "ctrl+k", *text)
