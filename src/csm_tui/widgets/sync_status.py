"""The sync line of a book that syncs with its team (issue 23), above the footer of every screen:
"synced 12:04 · 3 changes waiting", "offline · 1 change waiting", "syncing…".

The app reads the book's sync state and holds the line (`CsmApp.sync_line`); each screen's
`SyncStatus` shows it. A book that does not sync has no line, and its screens are laid out as
they always were.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

if TYPE_CHECKING:
    from datetime import datetime

    from csm_tui.services.sync_run import SyncState

#: The app's attribute that holds the line every screen shows.
APP_LINE = "sync_line"

Look = Literal["synced", "waiting", "offline", "syncing"]


@dataclass(frozen=True, slots=True)
class SyncLine:
    """What the line says, and how it looks."""

    words: str
    look: Look


def sync_line(state: SyncState | None, *, syncing: bool, now: datetime) -> SyncLine | None:
    """The line for the book's sync `state` (None: not read yet) while a sync runs or not;
    None when there is no line to show: the book does not sync."""
    if state is None or not state.syncs:
        return None
    if syncing:
        return SyncLine("syncing…", "syncing")
    if state.offline is not None:
        look: Look = "offline"
    elif state.waiting or state.last_synced is None:
        look = "waiting"
    else:
        look = "synced"
    return SyncLine(state.words(now), look)


class SyncStatus(Widget):
    """One line, on the right above the footer; not displayed while there is no line."""

    DEFAULT_CSS = """
    SyncStatus {
        dock: bottom;
        margin-bottom: 1;  /* docked widgets overlap: this one stands on the footer */
        display: none;
        height: 1;
        padding: 0 1;
        content-align: right middle;
        background: $footer-background;
        color: $text-muted;
        &.-shown { display: block; }
        &.-waiting { color: $text; }
        &.-offline { color: $text-warning; text-style: bold; }
        &.-syncing { color: $text-accent; }
    }
    """

    line: reactive[SyncLine | None] = reactive(None)

    def on_mount(self) -> None:
        self.watch(self.app, APP_LINE, self._app_line)

    def _app_line(self, line: SyncLine | None) -> None:
        self.line = line

    def watch_line(self, line: SyncLine | None) -> None:
        self.set_class(line is not None, "-shown")
        for look in ("waiting", "offline", "syncing"):
            self.set_class(line is not None and line.look == look, f"-{look}")

    def render(self) -> Content:
        return Content("" if self.line is None else self.line.words)
