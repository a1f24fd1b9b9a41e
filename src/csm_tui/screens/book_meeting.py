"""Record a meeting already booked for an item: it waits for that day instead of counting as
overdue, and comes back as it was if the day passes with nothing logged."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Select, Static

from csm_tui.screens.form import FormModal
from csm_tui.services.triage import Done
from csm_tui.widgets.forms import SteadyInput


class BookMeetingModal(FormModal[Done]):
    """Returns the `Done` of the booking, or None when cancelled; stays open on an error."""

    SAVE_LABEL = "Book"

    def __init__(
        self,
        *,
        title: str,
        today: date,
        save: Callable[[str | None, date, str], Done],
        items: Sequence[tuple[str, str]] = (),
    ) -> None:
        """`items`: the account's open items to choose from, as (kind, label), the first
        chosen; none when the item is given (a row of the queue), and `save` gets None."""
        super().__init__()
        self.heading = title
        self.today = today
        self.items = tuple(items)
        self._save = save

    def compose(self) -> ComposeResult:
        with Vertical(id="book-meeting", classes="dialog"):
            yield Static(self.heading, classes="dialog-title")
            if self.items:
                with Vertical(classes="field"):
                    yield Label("For")
                    yield Select(
                        [(label, kind) for kind, label in self.items],
                        value=self.items[0][0],
                        allow_blank=False,
                        id="kind",
                    )
            with Vertical(classes="field"):
                yield Label("On")
                yield SteadyInput(placeholder="YYYY-MM-DD, the day in the calendar", id="on")
            with Vertical(classes="field"):
                yield Label("Note (optional)")
                yield SteadyInput(placeholder="e.g. with the CFO, on Zoom", id="note")
            yield Static(
                "Until that day the item waits instead of counting as overdue; on the day it "
                "asks to be logged, and if the day passes with nothing logged it comes back.",
                classes="dialog-hint",
            )
            yield from self.buttons()

    def on_mount(self) -> None:
        self.query_one("#on", Input).focus()

    def collect(self) -> Callable[[], Done] | None:
        text = self.query_one("#on", Input).value.strip()
        try:
            on = date.fromisoformat(text)
        except ValueError:
            self.show_error(
                f"on: {text!r} is not a date; write it as YYYY-MM-DD"
                if text
                else "on: type the day of the meeting (YYYY-MM-DD)"
            )
            return None
        note = self.query_one("#note", Input).value
        kind = str(self.query_one("#kind", Select).value) if self.items else None
        return lambda: self._save(kind, on, note)
