"""Every key of the screen it was opened from, in one list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("question_mark", "dismiss", "Close", show=False),
        Binding("q", "dismiss", "Close", show=False),
    ]

    def __init__(self, title: str, keys: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.heading = title
        self.keys = keys

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for key, description in self.keys:
            table.add_row(key, description)
        with VerticalScroll(id="help", classes="dialog"):
            yield Static(f"{self.heading} · keys", classes="dialog-title")
            yield Static(table)
            yield Static("escape, ? or q closes this list", classes="dialog-hint")


def screen_keys(screen: Any) -> list[tuple[str, str]]:
    """A screen's keys for this list: its `OTHER_KEYS` (keys its widgets handle), then each of
    its bindings as the footer names it, with the tooltip that says what it does."""
    keys = [
        (
            binding.key_display or binding.key,
            f"{binding.description}: {binding.tooltip}" if binding.tooltip else binding.description,
        )
        for binding in screen.BINDINGS
        if isinstance(binding, Binding)
    ]
    return [*getattr(screen, "OTHER_KEYS", []), *keys]
