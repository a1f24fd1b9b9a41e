"""Every touch of the account, newest first, with the highlighted one in full beside it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Select, SelectionList, Static
from textual.widgets.selection_list import Selection

from csm_tui.domain.account import ActionItemLine, TimelineFilter, TouchLine
from csm_tui.domain.enums import Sentiment, TouchKind
from csm_tui.widgets.account_table import RowTable

SUMMARY_WIDTH = 60  # the detail beside (or under) the table shows it whole
#: The component class of each sentiment's colour (none for neutral).
SENTIMENT_LOOKS = {
    Sentiment.POSITIVE: "timeline-pane--positive",
    Sentiment.NEGATIVE: "timeline-pane--negative",
}


class TouchTable(RowTable):
    BINDINGS = [Binding("enter", "select_cursor", "Action items")]


class TimelinePane(Vertical):
    """Posts `Tick` when an action item is ticked (or unticked); the screen saves it."""

    DEFAULT_CSS = """
    TimelinePane {
        & > .timeline-pane--positive { color: $text-success; }
        & > .timeline-pane--negative { color: $text-error; text-style: bold; }
        & > .timeline-pane--done { color: $text-success; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "timeline-pane--positive",
        "timeline-pane--negative",
        "timeline-pane--done",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "to_touches", "Back to the touches", show=False),
    ]

    @dataclass
    class Tick(Message):
        item_id: str
        done: bool

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.touches: tuple[TouchLine, ...] = ()
        self.today: date | None = None
        self.shown: list[TouchLine] = []

    def compose(self) -> ComposeResult:
        with Horizontal(id="timeline-filters"):
            yield Select(
                [(kind.label, kind) for kind in TouchKind],
                prompt="Every kind",
                compact=True,
                id="timeline-kind",
            )
            yield Select(
                [(s.label, s) for s in Sentiment],
                prompt="Any sentiment",
                compact=True,
                id="timeline-sentiment",
            )
            yield Static("", id="timeline-count")
        with Horizontal(id="timeline-body"):
            table = TouchTable(id="timeline-table")
            for label in ("Date", "Kind", "Mood", "Items"):
                table.add_column(label, key=label)
            table.add_column("Summary", key="Summary", width=SUMMARY_WIDTH)
            yield table
            with VerticalScroll(id="touch-detail"):
                yield Static(id="touch-text")
                yield Static("Action items  (space ticks one done)", id="action-items-title")
                yield SelectionList[str](id="action-items")

    @property
    def filter(self) -> TimelineFilter:
        kind = self.query_one("#timeline-kind", Select).value
        sentiment = self.query_one("#timeline-sentiment", Select).value
        return TimelineFilter(
            kind=kind if isinstance(kind, TouchKind) else None,
            sentiment=sentiment if isinstance(sentiment, Sentiment) else None,
        )

    def clear_filters(self) -> None:
        for select in self.query(Select):
            select.clear()

    def show(self, touches: tuple[TouchLine, ...], today: date) -> None:
        self.touches, self.today = touches, today
        self._fill()

    def _fill(self) -> None:
        table = self.query_one(TouchTable)
        looks = self._looks()
        keep = self.current_id()
        rule = self.filter
        self.shown = [touch for touch in self.touches if rule.matches(touch)]
        table.clear()
        for touch in self.shown:
            table.add_row(*_cells(touch, looks), key=touch.id)
        keys = [touch.id for touch in self.shown]
        if keep in keys:
            table.move_cursor(row=keys.index(keep), animate=False)
        total = len(self.touches)
        count = (
            f"{total} touches"
            if len(self.shown) == total
            else f"{len(self.shown)} of {total} touches"
        )
        self.query_one("#timeline-count", Static).update(count)
        self._show_current()

    def current_id(self) -> str | None:
        table = self.query_one(TouchTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def current_touch(self) -> TouchLine | None:
        """The highlighted touch (what `c` edits and `d` deletes)."""
        key = self.current_id()
        return next((touch for touch in self.shown if touch.id == key), None)

    def focus_table(self) -> None:
        self.query_one(TouchTable).focus()

    @on(Select.Changed)
    def _filtered(self, event: Select.Changed) -> None:
        event.stop()
        if self.today is not None:
            self._fill()

    @on(DataTable.RowHighlighted, "#timeline-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_current()

    @on(DataTable.RowSelected, "#timeline-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        """enter on a touch goes to its action items, to tick them."""
        event.stop()
        items = self.query_one("#action-items", SelectionList)
        if items.option_count:
            items.focus()
            if items.highlighted is None:
                items.highlighted = 0

    def _show_current(self) -> None:
        touch = self.current_touch()
        text = self.query_one("#touch-text", Static)
        items = self.query_one("#action-items", SelectionList)
        title = self.query_one("#action-items-title", Static)
        items.clear_options()
        if touch is None:
            text.update(
                Text(
                    "No touch matches the filters."
                    if self.touches
                    else "No touch logged yet: press l to log one.",
                    style="dim",
                )
            )
            items.display = title.display = False
            return
        looks = self._looks()
        text.update(_detail(touch, looks))
        items.add_options(
            [Selection(_item_label(item, looks), item.id, item.done) for item in touch.action_items]
        )
        items.display = title.display = bool(touch.action_items)

    def _looks(self) -> dict[str, Style]:
        return {
            name: self.get_component_rich_style(name, partial=True)
            for name in self.COMPONENT_CLASSES
        }

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Escape goes from the action items back to the touches; elsewhere it is the
        screen's (back to where the account was opened)."""
        if action == "to_touches":
            return self.query_one("#action-items", SelectionList).has_focus
        return True

    def action_to_touches(self) -> None:
        self.focus_table()

    @on(SelectionList.SelectionToggled, "#action-items")
    def _toggled(self, event: SelectionList.SelectionToggled[str]) -> None:
        event.stop()
        item_id = event.selection.value
        self.post_message(self.Tick(item_id, item_id in event.selection_list.selected))


def _sentiment_look(sentiment: Sentiment | None, looks: dict[str, Style]) -> Style | str:
    name = SENTIMENT_LOOKS.get(sentiment) if sentiment else None
    return looks[name] if name else ""


def _cells(touch: TouchLine, looks: dict[str, Style]) -> tuple[Text, ...]:
    sentiment = touch.sentiment
    total, still = len(touch.action_items), touch.open_items
    return (
        Text(str(touch.occurred_on)),
        Text(touch.kind.label),
        Text(
            sentiment.label if sentiment else "",
            style=_sentiment_look(sentiment, looks),
        ),
        Text(
            "" if not total else f"{still} open" if still else "done",
            style="bold" if still else "dim",
        ),
        Text(touch.summary, overflow="ellipsis", no_wrap=True),
    )


def _detail(touch: TouchLine, looks: dict[str, Style]) -> RenderableType:
    head = Text.assemble((f"{touch.occurred_on}  {touch.kind.label}", "bold"))
    if touch.sentiment:
        head.append(
            f"  {touch.sentiment.label.lower()}", style=_sentiment_look(touch.sentiment, looks)
        )
    if touch.owner_name:
        head.append(f"  by {touch.owner_name}", style="dim")
    parts: list[RenderableType] = [head, Text(touch.summary)]
    if touch.attendees:
        parts.append(Text.assemble(("Attendees ", "bold"), ", ".join(touch.attendees)))
    if touch.notes:
        parts += [Text("Notes", style="bold"), Text(touch.notes)]
    return Group(*parts)


def _item_label(item: ActionItemLine, looks: dict[str, Style]) -> Text:
    label = Text(item.title, style="dim strike" if item.done else "")
    extra = ", ".join(
        part for part in (item.owner, f"due {item.due_on}" if item.due_on else None) if part
    )
    if extra:
        label.append(f"  ({extra})", style="dim")
    if item.done_on is not None:
        label.append(f"  done {item.done_on}", style=looks["timeline-pane--done"])
    return label
