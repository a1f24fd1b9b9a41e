"""Log a touch: kind, date, summary, sentiment, attendees, next steps; saved in a worker.

The same form edits a logged touch (`touch`, the touch as it is): filled with it, with its
notes too, and the next steps are its action items, one per line.
The modal only closes once the save succeeded (see `screens.form`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Checkbox, Input, Label, Select, SelectionList, Static, TextArea
from textual.widgets.selection_list import Selection

from csm_tui.domain.enums import Sentiment, TouchKind
from csm_tui.screens.base import thread_work
from csm_tui.screens.form import FormModal
from csm_tui.services.triage import Done, TouchForm
from csm_tui.store.triage import ContactOption, MilestoneDue
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
        touch: TouchForm | None = None,
        also: Sequence[tuple[str, str]] = (),
        milestones: Callable[[], list[MilestoneDue]] | None = None,
    ) -> None:
        """With `touch`, the form edits that touch instead of logging a new one. `also`: the
        other items due on the account that a touch can count for, as (kind, label): ticked,
        the touch is logged for each of them too (a cadence call that also ran the survey).
        `milestones` reads the account's milestones falling due: each one a box to tick done
        (a touch alone never completes one)."""
        super().__init__()
        self.also = tuple(also) if touch is None else ()
        self._milestones = milestones if touch is None else None
        self._due: list[MilestoneDue] = []
        self.note = note
        self.touch = touch
        self._contacts_shown = False
        self.account_id = account_id
        self.account_name = account_name
        self.kind = kind
        self.today = today
        self._contacts = contacts
        self._save = save

    def compose(self) -> ComposeResult:
        touch = self.touch
        verb = "Edit" if touch else "Log"
        with VerticalScroll(id="log-touch", classes="dialog"):
            yield Static(f"{verb} a touch · {self.account_name}", classes="dialog-title")
            if self.note:
                yield Static(self.note, classes="dialog-hint")
            with Horizontal(classes="dialog-row"):
                with Vertical(classes="field"):
                    yield Label("Kind")
                    yield Select(
                        [(kind.label, kind.value) for kind in TouchKind],
                        value=touch.kind if touch else self.kind,
                        allow_blank=False,
                        id="kind",
                    )
                with Vertical(classes="field narrow"):
                    yield Label("Date")
                    yield SteadyInput(
                        (touch.occurred_on if touch else self.today).isoformat(),
                        placeholder="YYYY-MM-DD",
                        id="occurred-on",
                    )
                with Vertical(classes="field narrow"):
                    yield Label("Sentiment")
                    yield Select(
                        [(s.label, s.value) for s in Sentiment],
                        prompt="-",
                        value=touch.sentiment if touch and touch.sentiment else Select.NULL,
                        id="sentiment",
                    )
            if self.also:
                with Horizontal(id="also", classes="dialog-row"):
                    yield Label("Also counts for")
                    for kind, label in self.also:
                        yield Checkbox(label, id=f"also-{kind}")
            yield Label("Summary")
            yield SteadyInput(
                touch.summary if touch else "",
                placeholder="What happened, in one line",
                id="touch-summary",
            )
            with Horizontal(id="milestones-done", classes="dialog-row"):
                yield Label("Milestones done")
                yield SelectionList[str](id="milestones")
            with Horizontal(classes="dialog-row tall"):
                with Vertical(classes="field"):
                    yield Label("Attendees")
                    yield SelectionList[str](id="attendees")
                if touch:  # beside, not under: the form still fits in 80x24
                    with Vertical(classes="field"):
                        yield Label("Notes")
                        yield SteadyTextArea(
                            touch.notes or "",
                            id="touch-notes",
                            soft_wrap=True,
                            show_line_numbers=False,
                        )
                with Vertical(classes="field"):
                    yield Label("Next steps (one per line)")
                    yield SteadyTextArea(
                        "\n".join(touch.action_items) if touch else "",
                        id="actions",
                        soft_wrap=True,
                        show_line_numbers=False,
                    )
            yield from self.buttons()

    def on_mount(self) -> None:
        self.query_one("#touch-summary", Input).focus()
        self.query_one("#milestones-done").display = False
        self.load_contacts()
        if self._milestones is not None:
            self.load_milestones()

    @dataclass
    class MilestonesRead(Message):
        milestones: list[MilestoneDue]

    @thread_work(group="milestones", description="read the account's milestones due")
    def load_milestones(self) -> None:
        assert self._milestones is not None
        self.post_message(self.MilestonesRead(self._milestones()))

    @on(MilestonesRead)
    def _show_milestones(self, message: MilestonesRead) -> None:
        """A line per milestone falling due (space ticks it); none: the row stays hidden."""
        self._due = message.milestones
        if not self._due:
            return
        ticks = self.query_one("#milestones", SelectionList)
        for milestone in self._due:
            ticks.add_option(
                Selection(f"{milestone.title} ({milestone.due_on:%d %b})", milestone.id)
            )
        ticks.highlighted = 0  # tabbed to, space ticks the first at once
        self.query_one("#milestones-done").display = True

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
        ticked = set(self.touch.attendee_ids if self.touch else ())
        for contact in contacts:
            label = contact.name + (f", {contact.title}" if contact.title else "")
            attendees.add_option(Selection(label, contact.id, contact.id in ticked))
        if not contacts:
            attendees.disabled = True
        self._contacts_shown = True

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
            notes=self.query_one("#touch-notes", TextArea).text if self.touch else None,
            attendee_ids=self._attendee_ids(),
            action_items=tuple(line for line in actions if line.strip()),
            also=tuple(
                kind for kind, _ in self.also if self.query_one(f"#also-{kind}", Checkbox).value
            ),
            milestones_done=tuple(self.query_one("#milestones", SelectionList).selected)
            if self._due
            else (),
        )
        return lambda: self._save(form)

    def _attendee_ids(self) -> tuple[str, ...]:
        """Those ticked; a touch saved before its contacts are listed keeps its own."""
        if self.touch and not self._contacts_shown:
            return self.touch.attendee_ids
        return tuple(self.query_one("#attendees", SelectionList).selected)
