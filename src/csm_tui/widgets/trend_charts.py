"""The wrap-up's trend charts: a column per week, stacked bars drawn with block characters
(eighths of a cell for the height), an optional target line across the columns, and a figure
under each column, so that the picture and the numbers are read together.

Drawn here rather than with textual-plotext: at a terminal's resolution plotext (5.3) places
its bars off their week labels, drops thin stacked segments at 80x24, draws its legend over the
bars and labels a count axis 0.67, 1.33; and textual-plotext pins plotext below 6. These bars are
a few dozen lines of Rich, read the theme's colours from the widget's CSS, and render the same
cells every time (the snapshots depend on it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from csm_tui.domain.health import HealthBand
from csm_tui.domain.ladder import LEVELS
from csm_tui.domain.wrapup_trends import BANDS, Trends

_EIGHTHS = " ▁▂▃▄▅▆▇█"  # a cell filled from the bottom by 0 to 8 eighths


@dataclass(frozen=True, slots=True)
class Series:
    """One part of the stacked bars: a name for the legend, a value per column, and its look
    (`trend-chart--<part>`)."""

    name: str
    values: tuple[int, ...]
    part: str


@dataclass(frozen=True, slots=True)
class ChartData:
    """What a chart draws: the columns' labels, the series stacked from the bottom, a target
    per column (a line across it), and a figure under each column."""

    title: str
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    marks: tuple[int, ...] = ()  # a target per column; () draws none
    mark_name: str = ""
    numbers: tuple[str, ...] = ()  # a figure per column; () draws no row
    numbers_name: str = ""  # the row's name, in the axis' gutter


def trend_charts(trends: Trends) -> tuple[ChartData, ChartData, ChartData]:
    """The three charts of the trends: touches and calls against the target, the health bands,
    the open escalations by level."""
    weeks = trends.weeks
    labels = tuple(f"W{w.week.week:02d}" for w in weeks)
    calls = ChartData(
        "Touches and cadence calls against the call target",
        labels,
        (
            Series("calls", tuple(w.calls for w in weeks), "calls"),
            Series("other touches", tuple(w.touches - w.calls for w in weeks), "touches"),
        ),
        marks=tuple(w.call_target for w in weeks),
        mark_name="call target",
        numbers=tuple(f"{w.calls}/{w.call_target}" for w in weeks),
        numbers_name="calls",
    )
    shown = [n for n, band in enumerate(BANDS) if band is not HealthBand.UNKNOWN]
    shown += (
        [BANDS.index(HealthBand.UNKNOWN)] if any(w.band(HealthBand.UNKNOWN) for w in weeks) else []
    )
    health = ChartData(
        "Accounts by health band at each week's end",
        labels,
        tuple(
            Series(
                "no score" if BANDS[n] is HealthBand.UNKNOWN else BANDS[n].value,
                tuple(w.bands[n] for w in weeks),
                BANDS[n].value,
            )
            for n in shown
        ),
        numbers=tuple(str(w.band(HealthBand.RED)) for w in weeks),
        numbers_name="red",
    )
    escalations = ChartData(
        "Open escalations by level at each week's end",
        labels,
        tuple(
            Series(f"L{level}", tuple(w.escalations[n] for w in weeks), f"l{level}")
            for n, level in enumerate(LEVELS)
        ),
        numbers=tuple(str(w.open_escalations) for w in weeks),
        numbers_name="open",
    )
    return calls, health, escalations


def draw(data: ChartData, width: int, height: int, styles: Mapping[str, Style]) -> list[Text]:
    """The chart in `width` x `height` cells, a Text per line: the legend, the bars with the top
    of the scale and 0 in the gutter, the labels, the figures. `styles`: a part's look (its
    colour is the bars'), and "mark", "axis"."""
    legend = Text(no_wrap=True, overflow="ellipsis")
    for series in data.series:
        legend.append("█ ", styles[series.part]).append(series.name)
        legend.append("  ")
    if data.marks:
        legend.append("── ", styles["mark"]).append(data.mark_name)
    legend.rstrip()
    lines = [legend]
    rows = height - 2 - bool(data.numbers)
    count = len(data.labels)
    if rows < 2 or count == 0:
        return lines[:height]
    totals = [sum(s.values[n] for s in data.series) for n in range(count)]
    top = max([*totals, *data.marks, 1])
    # The same gutter in every chart (up to 5 characters of tick or row name), so that the
    # weeks line up from one chart to the next.
    gutter = max(5, len(str(top)), len(data.numbers_name)) + 1
    column = max(2, (width - gutter) // count)
    bar = column - 1 if column > 2 else column
    axis = styles["axis"]
    cells = [_column(data, n, rows, top, styles) for n in range(count)]
    for row in range(rows - 1, -1, -1):
        line = Text(no_wrap=True)
        tick = str(top) if row == rows - 1 else "0" if row == 0 else ""
        line.append(tick.rjust(gutter - 1) + " ", axis)
        for n in range(count):
            char, style = cells[n][row]
            line.append(char * bar, style)
            if bar < column:
                mark = _mark_row(data, n, rows, top) == row
                line.append("─" if mark else " ", styles["mark"] if mark else None)
        lines.append(line)
    under = Text(" " * gutter, no_wrap=True)
    for label in data.labels:
        under.append(label[-bar:].ljust(column)[:column], axis)
    lines.append(under)
    if data.numbers:
        figures = Text(data.numbers_name.rjust(gutter - 1) + " ", axis, no_wrap=True)
        for figure in data.numbers:
            figures.append(figure[-bar:].ljust(column)[:column])
        lines.append(figures)
    for line in lines:
        line.truncate(width, overflow="ellipsis" if line is legend else None)
    return lines


def _column(
    data: ChartData, n: int, rows: int, top: int, styles: Mapping[str, Style]
) -> list[tuple[str, Style | None]]:
    """A column's cells from the bottom: a block character and its style each."""
    scale = rows * 8
    edges: list[tuple[int, Style]] = []  # each segment's top, in eighths, and its style
    height = 0
    for series in data.series:
        value = series.values[n]
        if value <= 0:
            continue
        height += max(1, round(value * scale / top))
        edges.append((min(height, scale), styles[series.part]))

    def colour(eighth: int) -> Style | None:
        return next((style for edge, style in edges if eighth < edge), None)

    mark = _mark_row(data, n, rows, top)
    cells: list[tuple[str, Style | None]] = []
    for row in range(rows):
        low = row * 8
        below = colour(low)
        split = next((edge for edge, _ in edges if low < edge < low + 8), None)
        if below is None:
            char, style = " ", None
        elif split is None:
            char, style = "█", Style(color=below.color)
        else:
            above = colour(split)
            char = _EIGHTHS[split - low]
            style = Style(color=below.color, bgcolor=above.color if above else None)
        if row == mark:
            back = below.color if below is not None else None
            char, style = "─", Style(color=styles["mark"].color, bgcolor=back, bold=True)
        cells.append((char, style))
    return cells


def _mark_row(data: ChartData, n: int, rows: int, top: int) -> int | None:
    """The row the target line of column `n` is drawn on (None: no target)."""
    if not data.marks or data.marks[n] <= 0:
        return None
    eighths = round(data.marks[n] * rows * 8 / top)
    return min(rows - 1, max(0, (eighths - 1) // 8))


class TrendChart(Widget):
    """One trend chart in a rounded frame titled with what it shows; 'Loading…' until shown."""

    DEFAULT_CSS = """
    TrendChart {
        height: 1fr;
        min-height: 9;
        border: round $panel-lighten-2;
        border-title-color: $text;
        border-title-style: bold;
        & > .trend-chart--axis { color: $text-muted; }
        & > .trend-chart--mark { color: $text; }
        & > .trend-chart--calls { color: $primary; }
        & > .trend-chart--touches { color: $panel-lighten-3; }
        & > .trend-chart--green { color: $success; }
        & > .trend-chart--yellow { color: $warning; }
        & > .trend-chart--red { color: $error; }
        & > .trend-chart--unknown { color: $panel-lighten-3; }
        & > .trend-chart--l1 { color: $primary-lighten-2; }
        & > .trend-chart--l2 { color: $primary; }
        & > .trend-chart--l3 { color: $warning; }
        & > .trend-chart--l4 { color: $error; }
        & > .trend-chart--l5 { color: $error-lighten-3; }
    }
    """

    PARTS: ClassVar[tuple[str, ...]] = (
        "axis",
        "mark",
        "calls",
        "touches",
        "green",
        "yellow",
        "red",
        "unknown",
        "l1",
        "l2",
        "l3",
        "l4",
        "l5",
    )
    COMPONENT_CLASSES: ClassVar[set[str]] = {f"trend-chart--{part}" for part in PARTS}

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.data: ChartData | None = None

    def show(self, data: ChartData | None) -> None:
        """Draw `data` (None: loading)."""
        self.data = data
        self.border_title = data.title if data is not None else None
        self.refresh()

    def render(self) -> Text:
        if self.data is None:
            return Text("Loading…", style=self.get_component_rich_style("trend-chart--axis"))
        styles = {
            part: self.get_component_rich_style(f"trend-chart--{part}") for part in self.PARTS
        }
        width, height = self.content_size
        return Text("\n").join(draw(self.data, width, height, styles))


def chart_lines(data: ChartData, width: int, height: int) -> Sequence[str]:
    """The chart's characters, without colours (for a reader, and the tests)."""
    plain = {part: Style() for part in TrendChart.PARTS}
    return [line.plain for line in draw(data, width, height, plain)]
