"""Label and value rows, the values in a column of their own (a long value wraps under itself).

This is what a Rich `Table.grid` drew on the account's overview; but the layout renders a Rich
renderable anew each time it measures it, and that was most of the time to open an account
(benchmarks: triage keys, open account).
Content wraps cheaply, so the rows are wrapped here, for the width the layout asks about.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len
from textual.content import Content
from textual.geometry import Size
from textual.widget import Widget

GAP = 2  # cells between the label column and the values


class LabelledRows(Widget):
    """A bold label and its value per row."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._rows: tuple[tuple[str, Content], ...] = ()
        self._wrapped: tuple[int, list[Content]] | None = None  # (width, lines)

    def show(self, rows: Iterable[tuple[str, str | Content]]) -> None:
        self._rows = tuple(
            (label, value if isinstance(value, Content) else Content(value))
            for label, value in rows
        )
        self._wrapped = None
        self.refresh(layout=True)

    def lines(self, width: int) -> list[Content]:
        """The rows as lines of at most `width` cells."""
        if self._wrapped is not None and self._wrapped[0] == width:
            return self._wrapped[1]
        lines: list[Content] = []
        label_width = max((cell_len(label) for label, _ in self._rows), default=0)
        indent = " " * (label_width + GAP)
        for label, value in self._rows:
            wrapped = value.wrap(max(width - len(indent), 1)) or [Content("")]
            lines.append(
                Content.assemble((label.ljust(label_width), "bold"), " " * GAP, wrapped[0])
            )
            lines += [Content.assemble(indent, line) for line in wrapped[1:]]
        self._wrapped = (width, lines)
        return lines

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(width))

    def render(self) -> Content:
        return Content("\n").join(self.lines(self.size.width))
