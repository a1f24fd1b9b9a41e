"""The baseline of every start-up ratio: a bare Textual app, nothing of csm-tui in it.

A Header, a DataTable of 50 rows x 8 columns filled on mount, and a Footer; `q` quits. The
harness waits for the marker cell `row-000` (first row, first column) and the header title.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header

TITLE = "Bare Textual app"
FIRST_ROW_MARKER = "row-000"
ROWS = 50
COLUMNS = ("Name", "Segment", "Pri", "ARR", "Owner", "Health", "Renewal", "Last touch")


class BareApp(App[None]):
    TITLE = TITLE
    SUB_TITLE = "baseline"
    BINDINGS = [Binding("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        for i in range(ROWS):
            table.add_row(
                f"row-{i:03d}",
                ("Enterprise", "Mid-market", "SMB")[i % 3],
                f"P{i % 4 + 1}",
                f"${(i * 7919) % 500_000:,}",
                f"owner{i % 9}@example.com",
                f"{(i * 37) % 100}",
                f"2027-{i % 12 + 1:02d}-{i % 28 + 1:02d}",
                f"2026-{(i + 5) % 12 + 1:02d}-{(i * 3) % 28 + 1:02d}",
            )
        table.focus()


def main() -> None:
    BareApp().run()


if __name__ == "__main__":
    main()
