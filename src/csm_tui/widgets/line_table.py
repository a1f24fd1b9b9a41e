"""A table of keyed rows for the long lists: the triage queue and the book of business.

It holds the rows as they come (a queue item, a book row) and turns a row into cells only when
the row is drawn, so its cost follows the rows in view, not the length of the list: a team's
queue of a hundred thousand items draws as fast as one CSM's thirty. Columns have fixed widths,
which the screen measures on the rows' plain values (in a worker, with the rows) so that
sorting and filtering never make columns jump and the table never measures a cell.

Each drawn row is kept as a `Strip` per look it can have (zebra stripe, under the cursor or
not), and each cell per width, so moving the cursor or taking a row out costs a few cache
lookups (Textual's DataTable keys its caches on a counter that any change to the table bumps,
and renders every row in view again; benchmarks: triage keys, cursor).

The look is DataTable's: the same component styles under this widget's names, a row cursor,
zebra stripes and a header that stays in place when the rows scroll.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

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
from textual.reactive import Reactive, reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

PAD = 1  # blank cells either side of a cell's content, as DataTable's cell padding

RowT = TypeVar("RowT")


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
    table: LineTable[Any]
    key: str
    row: int

    @property
    def control(self) -> LineTable[Any]:
        return self.table


class LineTable(ScrollView, Generic[RowT], can_focus=True):
    """Rows under a key; a row cursor; `enter` selects the row.

    A subclass says how a row is keyed and drawn (`row_key`, `row_cells`); `PairTable` takes
    rows that are `(key, cells)` pairs.
    """

    DEFAULT_CSS = """
    LineTable {
        height: 1fr;
        background: $surface;
        color: $foreground;
        &:focus {
            background-tint: $foreground 5%;
            & > .line-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .line-table--header {
                background-tint: $foreground 5%;
            }
        }
        &:dark > .line-table--even-row {
            background: $surface-darken-1 40%;
        }
        & > .line-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .line-table--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .line-table--even-row {
            background: $surface-lighten-1 50%;
        }
        & > .line-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

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

    cursor_row: Reactive[int] = reactive(0, repaint=False, always_update=True)

    class Highlighted(_RowMessage):
        """The cursor is on another row (moved, or the row under it changed)."""

    class Selected(_RowMessage):
        """`enter` on a row, or a click on the row under the cursor."""

    @dataclass
    class HeaderSelected(Message):
        """A click on a column's label."""

        table: LineTable[Any]
        column_key: str

        @property
        def control(self) -> LineTable[Any]:
            return self.table

    @dataclass
    class RowsWanted(Message):
        """A row not read yet (None in the rows: a lazy list) came into view: the rows down
        to `row` are wanted, and `rows_arrived` says when they are there."""

        table: LineTable[Any]
        row: int

        @property
        def control(self) -> LineTable[Any]:
            return self.table

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.columns: tuple[Column, ...] = ()
        self._width = 0  # of all the columns, padding included
        # None stands for a row not read yet: drawn as a placeholder, and asked for.
        self._rows: Sequence[RowT | None] = ()
        self._wanted = -1  # the furthest row asked for (`RowsWanted`) since the rows came
        self._highlighted: str | None = None
        # key -> (the row drawn, its cells): a row object read again is drawn again
        self._cells: LRUCache[str, tuple[RowT, tuple[Text, ...]]] = LRUCache(1000)
        # (key, stripe, cursor, width, pseudo classes) -> (cells drawn, strip)
        self._strips: LRUCache[tuple[object, ...], tuple[tuple[Text, ...], Strip]] = LRUCache(2000)
        # (id(cell), width) -> (cell, its segments without the row's style)
        self._raw: LRUCache[tuple[int, int], tuple[Text, list[Segment]]] = LRUCache(20000)
        self._pseudo: tuple[object, ...] = ()

    # -- how a row is keyed and drawn (a subclass says) --------------------------------------

    def row_key(self, row: RowT) -> str:
        """The row's key: what the cursor follows when the rows change."""
        raise NotImplementedError

    def row_cells(self, row: RowT) -> Sequence[Text | str]:
        """The row's cells, one per column; called only when the row is drawn."""
        raise NotImplementedError

    # -- the data ----------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def rows(self) -> Sequence[RowT | None]:
        """The rows, top to bottom (None: not read yet)."""
        return self._rows

    @property
    def read_rows(self) -> list[RowT]:
        """The rows read so far, top to bottom (a lazy list reads from the top: for tests
        and small lists, as `keys`)."""
        return [row for row in self._rows if row is not None]

    @property
    def keys(self) -> list[str]:
        """Every row's key, top to bottom (it reads every row: for tests and small lists)."""
        return [self.row_key(row) for row in self.read_rows]

    def cell(self, key: str, column_key: str) -> Text:
        """The cell of row `key` in column `column_key`, as drawn (KeyError when either is
        unknown)."""
        row = next(
            (row for row in self._rows if row is not None and self.row_key(row) == key), None
        )
        if row is None:
            raise KeyError(key)
        for cell, column in zip(self._drawn_cells(row), self.columns, strict=False):
            if column.key == column_key:
                return cell
        raise KeyError(column_key)

    @property
    def cursor_key(self) -> str | None:
        value = self.cursor_value
        return None if value is None else self.row_key(value)

    @property
    def cursor_value(self) -> RowT | None:
        """The row under the cursor (None: none, or not read yet)."""
        return self._rows[self.cursor_row] if self._rows else None

    def row_text(self, row: int) -> tuple[Text, ...]:
        """The cells of row number `row` as drawn."""
        value = self._rows[row]
        if value is None:
            raise LookupError(f"row {row} is not read yet")
        return self._drawn_cells(value)

    def set_columns(self, columns: Iterable[Column]) -> None:
        self.columns = tuple(columns)
        self._width = sum(column.render_width for column in self.columns)
        self._strips.clear()
        self._resized()

    def set_rows(self, rows: Sequence[RowT | None], *, cursor: int = 0) -> None:
        """Show these rows (instead of any before), the cursor on row `cursor`. The sequence is
        kept as it is, not copied: whoever passes it must not change it afterwards, but a lazy
        one may read rows it did not have (None), then say so (`rows_arrived`)."""
        self._rows = rows
        self._wanted = -1
        self._resized()
        self._set_cursor(cursor)

    def rows_arrived(self) -> None:
        """Rows the lazy list did not have were read (`RowsWanted`): draw them, and follow the
        cursor onto the row now under it."""
        self._wanted = -1
        self._resized()
        self._set_cursor(self.cursor_row)

    def redraw(self) -> None:
        """Draw every row anew: what its cells say changed (the day, the columns shown)."""
        self._cells.clear()
        self._strips.clear()
        self.refresh()

    # -- the cursor --------------------------------------------------------------------------

    def move_cursor(self, row: int) -> None:
        self._set_cursor(row)

    def _set_cursor(self, row: int) -> None:
        self.cursor_row = max(0, min(row, len(self._rows) - 1))

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
        if rows_in_view <= 0 or not self._rows:
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
        self._set_cursor(len(self._rows) - 1)

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
        if row >= len(self._rows):
            return
        if row == self.cursor_row:
            self.action_select_cursor()
        else:
            self._set_cursor(row)

    # -- rendering ---------------------------------------------------------------------------

    def _resized(self) -> None:
        self.virtual_size = Size(self._width, len(self._rows) + 1)
        self.refresh()

    def on_resize(self) -> None:
        self._scroll_to_cursor()  # the cursor's row stays in view when the terminal shrinks

    def _refresh_row(self, row: int) -> None:
        y = row + 1 - round(self.scroll_y)
        if 0 < y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.redraw()  # cells may carry the component styles of a theme no longer in force

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
            if row >= len(self._rows):
                return Strip.blank(width, self.rich_style)
            strip = self._row(row, width) if self._rows[row] is not None else self._missing(row)
        return strip.crop_extend(scroll_x, scroll_x + width, self.rich_style)

    def _missing(self, row: int) -> Strip:
        """A row not read yet: a placeholder, and a request for it (once as far as it goes)."""
        if row > self._wanted:
            self._wanted = row + self.size.height  # and the screenful after it
            # Made in the table's own turn: made while the screen draws, the message would be
            # the screen's, and would stop there instead of bubbling on to the app.
            self.call_later(self._ask_for, self._wanted)
        stripe = "line-table--odd-row" if row % 2 else "line-table--even-row"
        row_style = self.get_component_styles(stripe).rich_style
        cells = tuple(Text("…" if n == 0 else "") for n in range(len(self.columns)))
        cursor = (
            self.get_component_rich_style("line-table--cursor")
            if row == self.cursor_row
            else Style()
        )
        return self._strip(cells, row_style, cursor, Style(), self.size.width)

    def _ask_for(self, row: int) -> None:
        self.post_message(self.RowsWanted(self, row))

    def _drawn_cells(self, row: RowT) -> tuple[Text, ...]:
        key = self.row_key(row)
        hit = self._cells.get(key)
        if hit is not None and hit[0] is row:
            return hit[1]
        cells = tuple(c if isinstance(c, Text) else Text(c) for c in self.row_cells(row))
        self._cells[key] = (row, cells)
        return cells

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
        value = self._rows[row]
        assert value is not None, "render_line draws a row not read yet as `_missing`"
        cells = self._drawn_cells(value)
        under_cursor = row == self.cursor_row
        cache_key = (self.row_key(value), row % 2, under_cursor, width, self._pseudo)
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


class FittedTable(LineTable[RowT]):
    """A table whose columns the screen measured on the rows' plain values (in its worker, as
    the rows were read) and whose last column (a reason, why a row needs you) takes the width
    the others leave, never under `MIN_LAST` cells. `narrow`: the cells are drawn short, for a
    narrow terminal."""

    MIN_LAST: ClassVar[int] = 12

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._measured: tuple[Column, ...] = ()
        self.narrow = False

    def show(
        self,
        rows: Sequence[RowT | None],
        columns: tuple[Column, ...],
        cursor: int,
        *,
        narrow: bool = False,
    ) -> None:
        """The rows in the measured `columns`, the cursor on row `cursor`."""
        keys = tuple(column.key for column in columns)
        if keys != tuple(column.key for column in self._measured) or narrow != self.narrow:
            self.redraw()
        self._measured = columns
        self.narrow = narrow
        self._fit()
        self.set_rows(rows, cursor=cursor)

    def on_resize(self) -> None:
        self._fit()
        super().on_resize()

    def _fit(self) -> None:
        if not self._measured:
            self.set_columns(())
            return
        *others, last = self._measured
        used = sum(column.render_width for column in others)
        free = self.scrollable_content_region.width - used - 2 * PAD
        width = max(self.MIN_LAST, free) if free > 0 else last.width
        columns = (*others, Column(last.key, last.label, width))
        if columns != self.columns:
            self.set_columns(columns)


class PairTable(LineTable[tuple[str, Sequence[Text | str]]]):
    """A table of `(key, cells)` pairs: rows made whole beforehand (a short list)."""

    def row_key(self, row: tuple[str, Sequence[Text | str]]) -> str:
        return row[0]

    def row_cells(self, row: tuple[str, Sequence[Text | str]]) -> Sequence[Text | str]:
        return row[1]


def _one_line(cell: Text, width: int, console: Console) -> list[Segment]:
    """A one-line cell as Rich renders `Padding(cell, (0, PAD))` unwrapped in `width` + 2 *
    PAD cells (justified and cropped or padded to the width), without Rich's general machinery,
    which was most of the time to draw a screenful of rows (benchmarks: triage keys)."""
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
