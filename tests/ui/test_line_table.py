"""The long lists' table: it must look and behave as Textual's DataTable did in its place,
however its cached rows were rendered before (a row gone, the cursor moved, rows replaced)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widgets import DataTable

import csm_tui
from csm_tui.widgets.line_table import Column, LineTable, PairTable

COLUMNS = (Column("name", "Account", 14), Column("what", "What", 12), Column("when", "When", 11))
ROWS = [
    (
        f"k{n}",
        (
            Text(f"Account {n}") if n % 4 else Text(f"Account {n} with a long name"),
            Text(
                "Cadence call",
                style="bold" if n % 3 else "",
                justify="center" if n % 5 == 0 else None,
            ),
            Text.assemble(
                (f"{n}d", "bold"), " overdue  ", style="red", justify="right" if n % 2 else "left"
            ),
        ),
    )
    for n in range(30)
]  # cells cut at the column's width, justified three ways, styled

Seen = LineTable.Highlighted | LineTable.Selected | LineTable.HeaderSelected


class Tables(App[None]):
    CSS_PATH = Path(csm_tui.__file__).parent / "app.tcss"
    CSS = "LineTable, DataTable { height: 12; width: 50; }"
    AUTO_FOCUS = None  # the two tables are compared with the same focus: none, unless a test says

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Seen] = []

    def compose(self) -> ComposeResult:
        yield PairTable(id="lines")
        yield DataTable(id="data", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.fill(ROWS)

    def fill(self, rows: Sequence[tuple[str, tuple[Text, ...]]], cursor: int = 0) -> None:
        lines, data = self.query_one(LineTable), self.query_one(DataTable)
        lines.set_columns(COLUMNS)
        lines.set_rows(rows, cursor=cursor)
        data.clear(columns=True)
        for column in COLUMNS:
            data.add_column(column.label, key=column.key, width=column.width)
        for key, cells in rows:
            data.add_row(*cells, key=key)
        data.move_cursor(row=cursor, animate=False)

    @on(LineTable.Highlighted)
    @on(LineTable.Selected)
    @on(LineTable.HeaderSelected)
    def _seen(self, message: Seen) -> None:
        self.seen.append(message)


def row_message(message: Seen) -> LineTable.Highlighted | LineTable.Selected:
    """A message about a row (a header click here is a failure)."""
    assert not isinstance(message, LineTable.HeaderSelected), message
    return message


def key_of(message: Seen) -> str:
    """The row's key, or the column's of a click on a header."""
    return message.column_key if isinstance(message, LineTable.HeaderSelected) else message.key


def cells_drawn(widget: LineTable | DataTable) -> list[list[tuple[str, object]]]:
    """Each line as (character, colours and attributes) per cell; mouse metadata left out."""
    width, height = widget.size
    drawn: list[list[tuple[str, object]]] = []
    for strip in widget.render_lines(Region(0, 0, width, height)):
        line: list[tuple[str, object]] = []
        for segment in strip:
            style = segment.style
            look = (
                None
                if style is None
                else (
                    style.color,
                    style.bgcolor,
                    style.bold,
                    style.dim,
                    style.italic,
                    style.reverse,
                )
            )
            line += [(char, look) for char in segment.text]
        drawn.append(line)
    return drawn


def same_as_data_table(app: Tables) -> bool:
    return cells_drawn(app.query_one(LineTable)) == cells_drawn(app.query_one(DataTable))


async def test_it_draws_the_rows_as_datatable_does_focused_or_not():
    app = Tables()
    async with app.run_test(size=(60, 30)) as pilot:
        lines, data = app.query_one(LineTable), app.query_one(DataTable)
        lines.move_cursor(2)
        data.move_cursor(row=2, animate=False)
        await pilot.pause()
        assert same_as_data_table(app)  # neither has the focus
        lines.focus()
        await pilot.pause()
        focused = cells_drawn(lines)
        data.focus()
        await pilot.pause()
        assert focused == cells_drawn(data)


async def test_a_row_taken_out_redraws_the_rows_under_it_with_their_new_stripes():
    app = Tables()
    async with app.run_test(size=(60, 30)) as pilot:
        lines = app.query_one(LineTable)
        lines.move_cursor(3)
        await pilot.pause()
        cells_drawn(lines)  # every row in view rendered (and cached) once
        app.seen.clear()
        lines.set_rows([row for row in ROWS if row[0] != "k3"], cursor=3)
        await pilot.pause()
        assert lines.cursor_row == 3 and lines.cursor_key == "k4"
        assert [(m.key, m.row) for m in map(row_message, app.seen)] == [("k4", 3)]
        drawn = cells_drawn(lines)
        app.fill([row for row in ROWS if row[0] != "k3"], cursor=3)
        await pilot.pause()
        assert drawn == cells_drawn(lines)
        assert same_as_data_table(app)


async def test_rows_set_again_under_the_same_keys_show_their_new_cells():
    app = Tables()
    async with app.run_test(size=(60, 30)) as pilot:
        lines = app.query_one(LineTable)
        await pilot.pause()
        cells_drawn(lines)
        renamed = [(key, (Text("Renamed"), *cells[1:])) for key, cells in ROWS]
        lines.set_rows(renamed)  # the same columns: only the rows change
        await pilot.pause()
        assert "".join(char for char, _ in cells_drawn(lines)[1]).strip().startswith("Renamed")
        app.fill(renamed)
        await pilot.pause()
        assert "".join(char for char, _ in cells_drawn(lines)[1]).strip().startswith("Renamed")
        assert same_as_data_table(app)


async def test_keys_move_the_cursor_and_keep_it_in_view_and_enter_selects():
    app = Tables()
    async with app.run_test(size=(60, 30)) as pilot:
        lines = app.query_one(LineTable)
        lines.focus()
        await pilot.press("j", "j", "down", "k")
        assert lines.cursor_row == 2
        await pilot.press("end")
        await pilot.pause()
        assert lines.cursor_row == 29
        assert lines.scroll_y == 30 + 1 - 12  # the last row at the bottom, under the header
        assert "Account 29" in "".join(char for char, _ in cells_drawn(lines)[-1])
        await pilot.press("home", "pagedown")
        assert lines.cursor_row == 11  # a page is the rows in view under the header
        app.seen.clear()
        await pilot.press("enter")
        await pilot.pause()
        assert [(type(m), key_of(m)) for m in app.seen] == [(LineTable.Selected, "k11")]


async def test_clicks_move_the_cursor_select_its_row_and_pick_a_column():
    app = Tables()
    async with app.run_test(size=(60, 30)) as pilot:
        lines = app.query_one(LineTable)
        await pilot.click(LineTable, offset=(2, 4))  # the 4th row
        await pilot.pause()
        assert lines.cursor_row == 3
        app.seen.clear()
        await pilot.click(LineTable, offset=(2, 4))
        await pilot.click(LineTable, offset=(16 + 3, 0))  # "What" (after 14 + 2 cells)
        await pilot.pause()
        assert [(type(m), key_of(m)) for m in app.seen] == [
            (LineTable.Selected, "k3"),
            (LineTable.HeaderSelected, "what"),
        ]


class LazyTable(App[None]):
    """A table over a lazy list: rows not read yet are None until the app reads them."""

    CSS = "LineTable { height: 12; width: 50; }"

    def __init__(self) -> None:
        super().__init__()
        self.lazy: list[tuple[str, tuple[Text, ...]] | None] = [*ROWS[:3], *([None] * 27)]
        self.wanted: list[int] = []

    def compose(self) -> ComposeResult:
        yield PairTable(id="lines")

    def on_mount(self) -> None:
        table = self.query_one(PairTable)
        table.set_columns(COLUMNS)
        table.set_rows(self.lazy)

    @on(LineTable.RowsWanted)
    def _asked_for(self, message: LineTable.RowsWanted) -> None:
        self.wanted.append(message.row)


def painted_lines(table: PairTable) -> list[str]:
    width, height = table.size
    return [strip.text.rstrip() for strip in table.render_lines(Region(0, 0, width, height))]


async def test_rows_not_read_yet_are_drawn_as_placeholders_and_asked_for_once() -> None:
    app = LazyTable()
    async with app.run_test() as pilot:
        await pilot.pause()
        table = app.query_one(PairTable)
        lines = painted_lines(table)
        assert lines[3].strip().startswith("Account 2")
        assert [line.strip() for line in lines[4:11]] == ["…"] * 7
        await pilot.pause()
        assert app.wanted and app.wanted[0] >= 10, "the rows in view (and a screenful) are asked"
        asked = len(app.wanted)
        table.refresh()
        await pilot.pause()
        assert len(app.wanted) == asked, "a row asked for is not asked for again as it redraws"

        # The cursor on a row not read yet: no key, nothing highlighted, until it is read.
        await pilot.press("down", "down", "down")
        assert table.cursor_row == 3 and table.cursor_key is None
        app.lazy[3:12] = ROWS[3:12]
        table.rows_arrived()
        await pilot.pause()
        assert table.cursor_key == "k3"
        assert painted_lines(table)[4].strip().startswith("Account 3")
