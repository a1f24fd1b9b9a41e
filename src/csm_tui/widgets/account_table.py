"""Row-cursor tables whose `enter` is labelled for what it does where they are used."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable

from csm_tui.widgets.line_table import LineTable


class RowTable(DataTable[object]):
    """A short table (an account's contacts, its timeline): a whole row is the cursor; j/k move
    it as the arrows do."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:  # Textual's own name
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)


class AccountTable(LineTable):
    """A long list of accounts (the queue, the book): `enter` opens the highlighted one."""

    BINDINGS = [Binding("enter", "select_cursor", "Open")]
