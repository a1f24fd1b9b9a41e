"""The triage screen's response times, measured through the app's own pilot (headless).

Each figure is the wall time from the key event reaching the app to the first screen update
(the compositor's render; headless, so no terminal write) after the screen shows its result:
- cursor move: `j` until the cursor is on the next row and the screen has refreshed;
- open account: `enter` until the account screen shows the account's name (its data loaded);
- open the 100-touch account: the same, on the queue's first account after giving it two
  years of history (`HISTORY_TOUCHES` touches, with attendees and action items);
- log touch: `ctrl+s` in the log modal until the modal is gone and the queue has been read again
  without that row (write + reschedule of the account in one transaction + repaint).
Typing the summary is the user's time, not the app's: it is set before the clock starts.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SIZE = (160, 48)
CURSOR_MOVES = 60
OPENS = 15
LOGS = 10
HEAVY_OPENS = 10
HISTORY_TOUCHES = 100
HISTORY_DAYS = 730
TIMEOUT_S = 30.0


async def _until(pilot: Any, condition: Callable[[], bool]) -> None:
    deadline = time.perf_counter() + TIMEOUT_S
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the screen never showed the expected result")
        await asyncio.sleep(0.001)  # not 0: a busy loop would starve the app's threads


class _Paints:
    """Watches the app's screen updates (`App.post_display_hook` runs after each one)."""

    def __init__(self, app: Any) -> None:
        self.on_paint: Callable[[], None] | None = None
        hook = app.post_display_hook

        def watched() -> None:
            hook()
            if self.on_paint is not None:
                self.on_paint()

        app.post_display_hook = watched


async def _timed(pilot: Any, paints: _Paints, key: str, shown: Callable[[], bool]) -> float:
    """Milliseconds from sending `key` to the first screen update after which `shown()` holds.

    The key goes straight to the driver (as `Pilot.press` sends it, without its idle waits),
    and the harness then sleeps on an event set from the display hook: polling in a loop would
    keep the interpreter lock from the app's thread workers (the account is read in one) and
    measure the harness as much as the app.
    """
    from textual import events

    char = {"enter": "\r", "escape": "\x1b"}.get(key, key if len(key) == 1 else None)
    event = events.Key(key, char)
    event.set_sender(pilot.app)
    painted = asyncio.Event()
    at: list[float] = []

    def check() -> None:
        if not at and shown():
            at.append(time.perf_counter())
            painted.set()

    paints.on_paint = check
    start = time.perf_counter()
    try:
        pilot.app._driver.send_message(event)
        await asyncio.wait_for(painted.wait(), TIMEOUT_S)
    except TimeoutError:
        raise TimeoutError("the screen never showed the expected result") from None
    finally:
        paints.on_paint = None
    return (at[0] - start) * 1000


async def _settle(pilot: Any) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def _measure(database: Path, today: Any, user_email: str) -> dict[str, list[float]]:
    from textual.widgets import Input

    from csm_tui.app import make_app
    from csm_tui.screens.account import AccountScreen
    from csm_tui.screens.log_touch import LogTouchModal
    from csm_tui.screens.triage import TriageScreen
    from csm_tui.settings import Settings
    from csm_tui.widgets.queue_table import QueueTable

    settings = Settings(database=str(database), today=today, user_email=user_email)
    heavy_id = _give_history(settings)
    app = make_app(settings)
    samples: dict[str, list[float]] = {
        "cursor_ms": [],
        "open_ms": [],
        "heavy_open_ms": [],
        "log_ms": [],
    }
    async with app.run_test(size=SIZE) as pilot:
        paints = _Paints(app)
        await _settle(pilot)
        triage = app.screen
        assert isinstance(triage, TriageScreen)
        table = triage.query_one("#queue", QueueTable)
        await _until(pilot, lambda: table.row_count > 0)

        for _ in range(min(CURSOR_MOVES, table.row_count - 1)):
            row = table.cursor_row

            def moved(row: int = row) -> bool:
                return table.cursor_row == row + 1

            samples["cursor_ms"].append(await _timed(pilot, paints, "j", moved))
            await _settle(pilot)

        for _ in range(OPENS):
            name = triage.current_item().account_name  # type: ignore[union-attr]

            def opened(name: str = name) -> bool:
                return isinstance(app.screen, AccountScreen) and app.screen.title == name

            samples["open_ms"].append(await _timed(pilot, paints, "enter", opened))
            await _settle(pilot)
            await pilot.press("escape")
            await _settle(pilot)
            await pilot.press("j")

        table.move_cursor(0)
        await _settle(pilot)
        heavy = triage.current_item()
        assert heavy is not None and heavy.account_id == heavy_id, "the 100-touch account moved"
        for _ in range(HEAVY_OPENS):
            samples["heavy_open_ms"].append(
                await _timed(
                    pilot,
                    paints,
                    "enter",
                    lambda: (
                        isinstance(app.screen, AccountScreen)
                        and app.screen.title == heavy.account_name
                    ),
                )
            )
            await _settle(pilot)
            await pilot.press("escape")
            await _settle(pilot)

        for _ in range(LOGS):
            keys = table.keys
            cadence = next((key for key in keys if key and key.endswith(":cadence-call")), None)
            if cadence is None:
                break
            table.move_cursor(keys.index(cadence))
            await pilot.pause()
            await pilot.press("l")
            await _until(pilot, lambda: isinstance(app.screen, LogTouchModal))
            await _settle(pilot)
            app.screen.query_one("#touch-summary", Input).value = "Weekly sync: on track"
            await _settle(pilot)  # the typing (and the relayout it causes) is the user's time

            def logged(cadence: str = cadence) -> bool:
                return app.screen is triage and cadence not in table.keys

            samples["log_ms"].append(await _timed(pilot, paints, "ctrl+s", logged))
            await _settle(pilot)
    return samples


def _give_history(settings: Any) -> str:
    """Give the first account of the user's queue two years of history: touches up to
    `HISTORY_TOUCHES`, each with two attendees and every third with action items."""
    import uuid
    from datetime import timedelta

    from sqlalchemy import func, select
    from sqlmodel import col

    from csm_tui.models import Touchpoint
    from csm_tui.services.workspace import Workspace
    from csm_tui.store.triage import NewActionItem, add_touch

    workspace = Workspace.open(settings)
    try:
        first = workspace.triage.load(team=False, record=False).items[0]
        key = uuid.UUID(first.account_id)
        contacts = workspace.triage.contacts(first.account_id)
        with workspace.db.writing() as session:
            have = (
                session.scalar(
                    select(func.count())
                    .select_from(Touchpoint)
                    .where(col(Touchpoint.account_id) == key)
                )
                or 0
            )
            missing = max(HISTORY_TOUCHES - have, 0)
            for n in range(missing):
                day = settings.today - timedelta(days=HISTORY_DAYS * (n + 1) // (missing + 1))
                people = [uuid.UUID(c.id) for c in contacts[n % max(len(contacts), 1) :][:2]]
                add_touch(
                    session,
                    account_id=key,
                    kind="email" if n % 4 else "meeting",
                    occurred_on=day,
                    summary=f"Working session {n}: rollout questions",
                    notes="Discussed the rollout plan and open questions.",
                    attendee_ids=people,
                    action_items=[NewActionItem(f"Follow up on item {n}")] if n % 3 == 0 else [],
                )
    finally:
        workspace.close()
    return first.account_id


def measure(database: Path, today: Any, user_email: str, config_home: Path) -> dict[str, Any]:
    """Medians (and samples) in milliseconds; the user's own csm config is never read."""
    previous = os.environ.get("XDG_CONFIG_HOME")
    os.environ["XDG_CONFIG_HOME"] = str(config_home)
    try:
        samples = asyncio.run(_measure(database, today, user_email))
    finally:
        if previous is None:
            os.environ.pop("XDG_CONFIG_HOME", None)
        else:
            os.environ["XDG_CONFIG_HOME"] = previous
    return {
        **{
            key.replace("_ms", "_median_ms"): round(statistics.median(values), 2)
            if values
            else None
            for key, values in samples.items()
        },
        "samples": {key: [round(value, 2) for value in values] for key, values in samples.items()},
    }
