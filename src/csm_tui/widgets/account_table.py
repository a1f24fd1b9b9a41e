"""Row-cursor DataTables whose `enter` is labelled for what it does where they are used."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable


class RowTable(DataTable[object]):
    """A whole row is the cursor; j/k move it as the arrows do."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 (Textual's own name)
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)


class AccountTable(RowTable):
    BINDINGS = [Binding("enter", "select_cursor", "Open")]
