"""Log a touch: kind, date, summary, sentiment, attendees, next steps; saved in a worker.

The modal only closes once the save succeeded (see `screens.form`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, Select, SelectionList, Static, TextArea

from csm_tui.domain.enums import Sentiment, TouchKind
from csm_tui.screens.base import thread_work
from csm_tui.screens.form import FormModal
from csm_tui.services.triage import Done, TouchForm
from csm_tui.store.triage import ContactOption
from csm_tui.widgets.forms import SteadyInput, SteadyTextArea


class LogTouchModal(FormModal[Done]):
    """Returns the `Done` of the saved touch, or None when cancelled."""

    def __init__(
        self,
        *,
        account_id: str,
        account_name: str,
        kind: str,
        today: date,
        contacts: Callable[[], list[ContactOption]],
        save: Callable[[TouchForm], Done],
        note: str | None = None,
    ) -> None:
        super().__init__()
        self.note = note
        self.account_id = account_id
        self.account_name = account_name
        self.kind = kind
        self.today = today
        self._contacts = contacts
        self._save = save

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="log-touch", classes="dialog"):
            yield Static(f"Log a touch · {self.account_name}", classes="dialog-title")
            if self.note:
                yield Static(self.note, classes="dialog-hint")
            with Horizontal(classes="dialog-row"):
                with Vertical(classes="field"):
                    yield Label("Kind")
                    yield Select(
                        [(kind.label, kind.value) for kind in TouchKind],
                        value=self.kind,
                        allow_blank=False,
                        id="kind",
                    )
                with Vertical(classes="field narrow"):
                    yield Label("Date")
                    yield SteadyInput(
                        self.today.isoformat(), placeholder="YYYY-MM-DD", id="occurred-on"
                    )
                with Vertical(classes="field narrow"):
                    yield Label("Sentiment")
                    yield Select(
                        [(s.label, s.value) for s in Sentiment], prompt="-", id="sentiment"
                    )
            yield Label("Summary")
            yield SteadyInput(placeholder="What happened, in one line", id="touch-summary")
            with Horizontal(classes="dialog-row tall"):
                with Vertical(classes="field"):
                    yield Label("Attendees")
                    yield SelectionList[str](id="attendees")
                with Vertical(classes="field"):
                    yield Label("Next steps (one per line)")
                    yield SteadyTextArea(id="actions", soft_wrap=True, show_line_numbers=False)
            yield from self.buttons()

    def on_mount(self) -> None:
        self.query_one("#touch-summary", Input).focus()
        self.load_contacts()

    @dataclass
    class ContactsRead(Message):
        contacts: list[ContactOption]

    @thread_work(group="contacts", description="read the account's contacts")
    def load_contacts(self) -> None:
        self.post_message(self.ContactsRead(self._contacts()))

    @on(ContactsRead)
    def _show_contacts(self, message: ContactsRead) -> None:
        contacts = message.contacts
        attendees = self.query_one("#attendees", SelectionList)
        attendees.clear_options()
        for contact in contacts:
            label = contact.name + (f", {contact.title}" if contact.title else "")
            attendees.add_option((label, contact.id))
        if not contacts:
            attendees.disabled = True

    def collect(self) -> Callable[[], Done] | None:
        text = self.query_one("#occurred-on", Input).value.strip()
        try:
            occurred_on = date.fromisoformat(text)
        except ValueError:
            self.show_error(f"date: {text!r} is not a date; write it as YYYY-MM-DD")
            return None
        sentiment = self.query_one("#sentiment", Select).value
        actions = self.query_one("#actions", TextArea).text.splitlines()
        form = TouchForm(
            account_id=self.account_id,
            kind=str(self.query_one("#kind", Select).value),
            occurred_on=occurred_on,
            summary=self.query_one("#touch-summary", Input).value,
            sentiment=None if sentiment is Select.NULL else str(sentiment),
            attendee_ids=tuple(self.query_one("#attendees", SelectionList).selected),
            action_items=tuple(line for line in actions if line.strip()),
        )
        return lambda: self._save(form)
