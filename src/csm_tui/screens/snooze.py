"""Snooze an item with a reason: until tomorrow, next week or a date, capped by the rules file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, RadioButton, RadioSet, Static

from csm_tui.screens.form import FormModal
from csm_tui.services.triage import Done
from csm_tui.widgets.forms import SteadyInput


def next_monday(today: date) -> date:
    return today + timedelta(days=7 - today.weekday())


class SnoozeModal(FormModal[Done]):
    """Returns the `Done` of the snooze, or None when cancelled; stays open on an error."""

    SAVE_LABEL = "Snooze"

    def __init__(
        self,
        *,
        title: str,
        today: date,
        limit: date,
        limit_words: str,
        save: Callable[[date, str], Done],
    ) -> None:
        super().__init__()
        self.heading = title
        self.today = today
        self.limit = limit
        self.limit_words = limit_words
        self._save = save

    def compose(self) -> ComposeResult:
        tomorrow, monday = self.today + timedelta(days=1), next_monday(self.today)
        with Vertical(id="snooze", classes="dialog"):
            yield Static(self.heading, classes="dialog-title")
            with RadioSet(id="until-choice"):
                yield RadioButton(f"Tomorrow, {tomorrow:%a %d %b}", value=True, id="tomorrow")
                yield RadioButton(f"Next week, {monday:%a %d %b}", id="next-week")
                yield RadioButton("Until a date:", id="a-date")
            yield SteadyInput(placeholder="YYYY-MM-DD", id="until")
            yield Static(
                f"At most {self.limit_words} (the rules file): until {self.limit:%a %d %b %Y}.",
                classes="dialog-hint",
            )
            with Vertical(classes="field"):
                yield Label("Reason")
                yield SteadyInput(
                    placeholder="Why now is not the time, e.g. on leave until Monday",
                    id="reason",
                )
            yield from self.buttons()

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def until(self) -> date | None:
        choice = self.query_one("#until-choice", RadioSet).pressed_button
        if choice is not None and choice.id == "tomorrow":
            return self.today + timedelta(days=1)
        if choice is not None and choice.id == "next-week":
            return next_monday(self.today)
        text = self.query_one("#until", Input).value.strip()
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.show_error(
                f"until: {text!r} is not a date; write it as YYYY-MM-DD"
                if text
                else "until: type a date (YYYY-MM-DD), or pick tomorrow or next week"
            )
            return None

    @on(Input.Changed, "#until")
    def _typed_a_date(self, event: Input.Changed) -> None:
        """Typing a date picks "until a date"; clearing it goes back to tomorrow."""
        self.query_one("#a-date" if event.value.strip() else "#tomorrow", RadioButton).value = True

    def collect(self) -> Callable[[], Done] | None:
        until = self.until()
        if until is None:
            return None
        reason = self.query_one("#reason", Input).value
        return lambda: self._save(until, reason)
