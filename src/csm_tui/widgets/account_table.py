"""A row-cursor DataTable whose `enter` is labelled for what it does here: open the account."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable


class AccountTable(DataTable[object]):
    BINDINGS = [
        Binding("enter", "select_cursor", "Open"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's own name)
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
