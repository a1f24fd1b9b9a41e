"""A table of keyed rows for the long lists: the triage queue and the book of business.

Textual's DataTable keys every cache it has on a counter that any change to the table bumps:
taking one logged item off the queue rendered all the rows in view again through Rich (70 ms
for a screenful), and adding rows measures every cell. Here each row is rendered once per
look it can have (zebra stripe, under the cursor or not) into a `Strip`, whatever its
position, and each cell once per width, so a row leaving, a cursor move or a reload of the
same rows costs a few cache lookups. Columns have fixed widths (the screens measure them from
all their rows, so that sorting and filtering never make columns jump).

The look is DataTable's: the same component styles under this widget's names (`app.tcss`),
a row cursor, zebra stripes and a header that stays in place when the rows scroll.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.console import Console
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

PAD = 1  # blank cells either side of a cell's content, as DataTable's cell padding


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    width: int  # cells of content, without the padding

    @property
    def render_width(self) -> int:
        return self.width + 2 * PAD


@dataclass
class _RowMessage(Message):
    table: LineTable
    key: str
    row: int

    @property
    def control(self) -> LineTable:
        return self.table


class LineTable(ScrollView, can_focus=True):
    """Rows of `Text` cells under a key; a row cursor; `enter` selects the row."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "line-table--header",
        "line-table--cursor",
        "line-table--even-row",
        "line-table--odd-row",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Select", show=False),
        Binding("up,k", "cursor_up", "Cursor up", show=False),
        Binding("down,j", "cursor_down", "Cursor down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,ctrl+home", "first", "First row", show=False),
        Binding("end,ctrl+end", "last", "Last row", show=False),
    ]

    cursor_row: reactive[int] = reactive(0, repaint=False, always_update=True)

    class Highlighted(_RowMessage):
        """The cursor is on another row (moved, or the row under it changed)."""

    class Selected(_RowMessage):
        """`enter` on a row, or a click on the row under the cursor."""

    @dataclass
    class HeaderSelected(Message):
        """A click on a column's label."""

        table: LineTable
        column_key: str

        @property
        def control(self) -> LineTable:
            return self.table

    def __init__(self, *, id: str | None = None) -> None:  # Textual's own name
        super().__init__(id=id)
        self.columns: tuple[Column, ...] = ()
        self._width = 0  # of all the columns, padding included
        self._keys: list[str] = []
        self._cells: dict[str, tuple[Text, ...]] = {}
        self._highlighted: str | None = None
        # (key, stripe, cursor, width, pseudo classes) -> (cells rendered, strip)
        self._strips: LRUCache[tuple[object, ...], tuple[tuple[Text, ...], Strip]] = LRUCache(2000)
        # (id(cell), width) -> (cell, its segments without the row's style)
        self._raw: LRUCache[tuple[int, int], tuple[Text, list[Segment]]] = LRUCache(20000)
        self._pseudo: tuple[object, ...] = ()

    # -- the data ----------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._keys)

    @property
    def keys(self) -> list[str]:
        """The row keys, top to bottom."""
        return list(self._keys)

    @property
    def cursor_key(self) -> str | None:
        return self._keys[self.cursor_row] if self._keys else None

    def row_cells(self, row: int) -> tuple[Text, ...]:
        return self._cells[self._keys[row]]

    def cell(self, key: str, column_key: str) -> Text:
        """The cell of row `key` in column `column_key` (KeyError when either is unknown)."""
        for cell, column in zip(self._cells[key], self.columns, strict=False):
            if column.key == column_key:
                return cell
        raise KeyError(column_key)

    def set_columns(self, columns: Iterable[Column]) -> None:
        self.columns = tuple(columns)
        self._width = sum(column.render_width for column in self.columns)
        self._strips.clear()
        self._resized()

    def set_rows(
        self, rows: Iterable[tuple[str, Sequence[Text | str]]], *, cursor: int = 0
    ) -> None:
        """Show these rows (instead of any before), the cursor on row `cursor`."""
        self._cells = {
            key: tuple(c if isinstance(c, Text) else Text(c) for c in cells) for key, cells in rows
        }
        self._keys = list(self._cells)
        self._resized()
        self._set_cursor(cursor)

    def remove_rows(self, keys: Iterable[str]) -> None:
        """Take these rows out; the cursor stays on its row, or at the same place."""
        gone = {key for key in keys if key in self._cells}
        if not gone:
            return
        row = self.cursor_row
        self._keys = [key for key in self._keys if key not in gone]
        for key in gone:
            del self._cells[key]
        self._resized()
        self._set_cursor(row)

    # -- the cursor --------------------------------------------------------------------------

    def move_cursor(self, row: int) -> None:
        self._set_cursor(row)

    def _set_cursor(self, row: int) -> None:
        self.cursor_row = max(0, min(row, len(self._keys) - 1))

    def watch_cursor_row(self, old: int, new: int) -> None:
        self._refresh_row(old)
        self._refresh_row(new)
        self._scroll_to_cursor()
        key = self.cursor_key
        if key is not None and key != self._highlighted:
            self.post_message(self.Highlighted(self, key, new))
        self._highlighted = key

    def _scroll_to_cursor(self) -> None:
        rows_in_view = self.scrollable_content_region.height - 1  # under the header
        if rows_in_view <= 0 or not self._keys:
            return
        top, row = round(self.scroll_y), self.cursor_row
        if row < top:
            self.scroll_to(y=row, animate=False, force=True, immediate=True)
        elif row >= top + rows_in_view:
            self.scroll_to(y=row - rows_in_view + 1, animate=False, force=True, immediate=True)

    def action_cursor_up(self) -> None:
        self._set_cursor(self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self._set_cursor(self.cursor_row + 1)

    def action_page_up(self) -> None:
        self._set_cursor(self.cursor_row - max(self.scrollable_content_region.height - 1, 1))

    def action_page_down(self) -> None:
        self._set_cursor(self.cursor_row + max(self.scrollable_content_region.height - 1, 1))

    def action_first(self) -> None:
        self._set_cursor(0)

    def action_last(self) -> None:
        self._set_cursor(len(self._keys) - 1)

    def action_select_cursor(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.Selected(self, key, self.cursor_row))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            x = offset.x + round(self.scroll_x)
            for column in self.columns:
                if x < column.render_width:
                    self.post_message(self.HeaderSelected(self, column.key))
                    return
                x -= column.render_width
            return
        row = offset.y - 1 + round(self.scroll_y)
        if row >= len(self._keys):
            return
        if row == self.cursor_row:
            self.action_select_cursor()
        else:
            self._set_cursor(row)

    # -- rendering ---------------------------------------------------------------------------

    def _resized(self) -> None:
        self.virtual_size = Size(self._width, len(self._keys) + 1)
        self.refresh()

    def on_resize(self) -> None:
        self._scroll_to_cursor()  # the cursor's row stays in view when the terminal shrinks

    def _refresh_row(self, row: int) -> None:
        y = row + 1 - round(self.scroll_y)
        if 0 < y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self.refresh()

    def render_lines(self, crop: Region) -> list[Strip]:
        self._pseudo = tuple(self.get_pseudo_class_state())
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        scroll_x, scroll_y = self.scroll_offset
        if y == 0:
            strip = self._header(width)
        else:
            row = y - 1 + scroll_y
            if row >= len(self._keys):
                return Strip.blank(width, self.rich_style)
            strip = self._row(row, width)
        return strip.crop_extend(scroll_x, scroll_x + width, self.rich_style)

    def _header(self, width: int) -> Strip:
        key = (None, 0, False, width, self._pseudo)  # None: no row's key
        hit = self._strips.get(key)
        if hit is not None:
            return hit[1]
        labels = tuple(Text(column.label) for column in self.columns)
        style = self.get_component_styles("line-table--header").rich_style
        strip = self._strip(labels, style, Style(), Style(), width)
        self._strips[key] = (labels, strip)
        return strip

    def _row(self, row: int, width: int) -> Strip:
        key = self._keys[row]
        cells = self._cells[key]
        under_cursor = row == self.cursor_row
        cache_key = (key, row % 2, under_cursor, width, self._pseudo)
        hit = self._strips.get(cache_key)
        if hit is not None and hit[0] is cells:
            return hit[1]
        stripe = "line-table--odd-row" if row % 2 else "line-table--even-row"
        row_style = self.get_component_styles(stripe).rich_style
        cursor = self.get_component_rich_style("line-table--cursor") if under_cursor else Style()
        # As DataTable: the cursor's colour over the cells' own, their background kept.
        strip = self._strip(cells, row_style, cursor, Style.from_color(cursor.color), width)
        self._strips[cache_key] = (cells, strip)
        return strip

    def _strip(
        self, cells: tuple[Text, ...], row_style: Style, cursor: Style, post: Style, width: int
    ) -> Strip:
        """One line: each cell padded to its column, the row's style under the cells' own,
        and the row's look carried on to the widget's right edge."""
        pre = row_style + cursor
        segments: list[Segment] = []
        for cell, column in zip(cells, self.columns, strict=False):
            segments.extend(
                Segment.apply_style(self._raw_cell(cell, column.render_width), pre, post)
            )
        if width > self._width:
            segments.append(Segment(" " * (width - self._width), pre))
        return Strip(segments).simplify()

    def _raw_cell(self, cell: Text, width: int) -> list[Segment]:
        key = (id(cell), width)
        hit = self._raw.get(key)
        if hit is not None and hit[0] is cell:
            return hit[1]
        if "\n" in cell.plain or "\t" in cell.plain:  # rare: Rich's own way, as DataTable
            options = self.app.console_options.update_dimensions(width, 1).update(no_wrap=True)
            segments = self.app.console.render_lines(Padding(cell, (0, PAD)), options)[0]
        else:
            segments = _one_line(cell, width - 2 * PAD, self.app.console)
        self._raw[key] = (cell, segments)
        return segments


def _one_line(cell: Text, width: int, console: Console) -> list[Segment]:
    """A one-line cell as Rich renders `Padding(cell, (0, PAD))` unwrapped in `width` + 2 *
    PAD cells (justified and cropped or padded to the width), without Rich's general machinery:
    that was most of the time to draw a screenful of rows."""
    line = cell
    justify = cell.justify
    if justify in ("left", "center", "right"):
        line = cell.copy()
        overflow = cell.overflow or "fold"
        if justify == "left":
            line.truncate(width, overflow=overflow, pad=True)
        else:
            line.rstrip()
            line.truncate(width, overflow=overflow)
            space = width - line.cell_len
            line.pad_left(space // 2 if justify == "center" else space)
            line.pad_right(width - line.cell_len)
    # Joined as Rich joins a cell's lines: the base style becomes a span (`render` skips it).
    segments = Segment.adjust_line_length(list(Text().join((line,)).render(console)), width)
    pad = Segment(" " * PAD)
    return [pad, *segments, pad]
