"""UI fixtures: the app on a copy of the demo book (tests/conftest.py builds it), and helpers
that wait for it and read what it shows."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from textual.content import Content
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Static

from csm_tui.app import CsmApp, make_app
from csm_tui.services.demo import DEMO_USER_EMAIL
from csm_tui.settings import Settings
from tests.conftest import TODAY

if TYPE_CHECKING:
    from textual.pilot import Pilot


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


@pytest.fixture
def utc() -> Iterator[None]:
    """The local zone is UTC (the sync line says the laptop's times in the local zone)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


async def settle(pilot: Pilot[None]) -> None:
    """Wait until the workers have delivered and the screen has repainted."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_book(pilot: Pilot[None]) -> None:
    """From the triage screen (where the app opens) to the book of business, loaded."""
    await settle(pilot)
    await pilot.press("b")
    await settle(pilot)


def shown_text(widget: Widget) -> str:
    """The characters the widget paints on the terminal (a container: its texts, in order)."""
    painted = [widget] if isinstance(widget, Static) else list(widget.query("Static, LabelledRows"))
    lines: list[str] = []
    for part in painted:
        width, height = part.outer_size
        lines += [strip.text.rstrip() for strip in part.render_lines(Region(0, 0, width, height))]
    return "\n".join(line for line in lines if line.strip())


def static_text(app: CsmApp, selector: str) -> str:
    return shown_text(app.screen.query_one(selector, Static))


def notifications(app: CsmApp) -> str:
    """Every toast on screen, one per line."""
    shown: list[str] = []
    for toast in app.screen.query("Toast"):
        content = toast.render()
        assert isinstance(content, Content), f"a toast rendered {content!r}"
        shown.append(content.plain)
    return "\n".join(shown)


async def clear_and_type(pilot: Pilot[None], text: str) -> None:
    """Empty the focused Input (ctrl+a to its start, ctrl+k deletes the rest), then type."""
    await pilot.press("ctrl+a", "ctrl+k", *text)
