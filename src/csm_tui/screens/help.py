"""Every key of the screen it was opened from, in one list, then the keys of every screen."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.table import Table
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Static

#: Keys every screen has that no binding declares (Textual's own).
EVERYWHERE: list[tuple[str, str]] = [
    ("ctrl+p", "Command palette: find any account, or run any action of this screen"),
]


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close"),
        Binding("question_mark", "dismiss", "Close", show=False),
        Binding("q", "dismiss", "Close", show=False),
    ]

    def __init__(
        self,
        title: str,
        keys: Sequence[tuple[str, str]],
        everywhere: Sequence[tuple[str, str]] = (),
    ) -> None:
        super().__init__()
        self.heading = title
        self.keys = keys
        self.everywhere = everywhere

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help", classes="dialog"):
            yield Static(f"{self.heading} · keys", classes="dialog-title")
            yield Static(_grid(self.keys))
            if self.everywhere:
                yield Static("On every screen", classes="dialog-subtitle")
                yield Static(_grid(self.everywhere))
            yield Static("escape, ? or q closes this list", classes="dialog-hint")


def _grid(keys: Sequence[tuple[str, str]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True, min_width=9)
    table.add_column()
    for key, description in keys:
        table.add_row(key, description)
    return table


def declared_bindings(node_type: type[DOMNode]) -> list[Binding]:
    """The bindings csm's classes declare and inherit (a subclass's binding of a key replaces
    its base's, in the base's place), as Textual merges them; Textual's own (focus, copy)
    are the same everywhere and not csm's to list."""
    by_key: dict[str, Binding] = {}
    for cls in reversed(node_type.__mro__):
        if not cls.__module__.startswith("csm_tui."):
            continue
        for item in cls.__dict__.get("BINDINGS", []):
            binding = item if isinstance(item, Binding) else Binding(*item)
            by_key[binding.key] = binding
    return list(by_key.values())


def binding_keys(node: DOMNode) -> list[tuple[str, str]]:
    """A node's bindings as the footer names them, with the tooltip that says what they do."""
    return [
        (binding.key_display or binding.key, f"{binding.description}: {binding.tooltip}")
        if binding.tooltip
        else (binding.key_display or binding.key, binding.description)
        for binding in declared_bindings(type(node))
        if binding.description and not binding.system
    ]


def screen_keys(screen: Any) -> list[tuple[str, str]]:
    """A screen's keys for this list: its `OTHER_KEYS` (keys its widgets handle), then each of
    its bindings (its own and those it inherits)."""
    return [*getattr(screen, "OTHER_KEYS", []), *binding_keys(screen)]


def app_keys(app: App[Any]) -> list[tuple[str, str]]:
    """The keys that mean the same on every screen."""
    return [*EVERYWHERE, *binding_keys(app)]
