"""`csm --open SCREEN`: the app opens on that screen, over the triage (escape comes back to
it), and every screen a module names as its `SCREEN` can be opened so."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

import csm_tui.screens
from csm_tui.app import make_app
from csm_tui.cli import OPEN_SCREENS, screen_names
from csm_tui.screens.triage import TriageScreen
from csm_tui.services.demo import DEMO_USER_EMAIL
from csm_tui.settings import Settings
from tests.conftest import TODAY
from tests.ui.conftest import settle


def test_every_screen_opened_by_name_can_be_named_to_open_on() -> None:
    named = {
        info.name
        for info in pkgutil.iter_modules(csm_tui.screens.__path__)
        if hasattr(importlib.import_module(f"csm_tui.screens.{info.name}"), "SCREEN")
    }
    assert named <= set(OPEN_SCREENS), "add the new screen's module name to cli.OPEN_SCREENS"
    assert set(screen_names()) == named  # a name whose module is not there is not offered


@pytest.mark.parametrize("name", screen_names())
async def test_the_app_opens_on_the_screen_named_over_the_triage(demo_db: Path, name: str) -> None:
    settings = Settings(database=str(demo_db), today=TODAY, user_email=DEMO_USER_EMAIL)
    app = make_app(settings, open_screen=name)
    wanted = importlib.import_module(f"csm_tui.screens.{name}").SCREEN
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, wanted)
            assert [type(screen) for screen in app.screen_stack[1:]] == (
                [TriageScreen] if wanted is TriageScreen else [TriageScreen, wanted]
            )
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, TriageScreen)
    finally:
        app.workspace.close()
