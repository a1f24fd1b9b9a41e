"""What every form modal shares: save in a worker, close only on success, errors inside.

A subclass composes its fields plus a `Static#form-error` and the buttons `#save` / `#cancel`
(`buttons()` yields them), and says in `collect()` what saving means. A `CsmError` (what to
fix) is shown in the modal, and everything typed stays where it is; an error with `fields`
(field name to message) is also shown under each field that has a `widgets.forms.field_error`
of that name. Any other failure (the database went away) is said as every failed worker is
(`CsmApp.work_failed`), and the form stays open with what was typed. A message leaves as soon
as the user changes what it is about.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from textual import on
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Select, Static
from textual.worker import Worker

from csm_tui.errors import CsmError
from csm_tui.screens.base import WorkFailures, thread_work

ResultT = TypeVar("ResultT")


class FormModal(WorkFailures, ModalScreen[ResultT | None], Generic[ResultT]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "cancel", "Cancel"),
    ]

    SAVE_LABEL = "Save"

    @dataclass
    class Outcome(Message):
        """The save's answer: the result to close with, or what to fix."""

        result: Any = None
        error: CsmError | None = None

    def __init__(
        self,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name, id, classes)
        self._saving = False

    def collect(self) -> Callable[[], ResultT] | None:
        """Read the fields: the save to run (in a worker), or None after showing an error."""
        raise NotImplementedError

    def buttons(self) -> Iterator[Widget]:
        yield Static("", id="form-error", classes="dialog-error")
        with Horizontal(classes="dialog-buttons"):
            yield Button(f"{self.SAVE_LABEL}  ctrl+s", variant="primary", id="save")
            yield Button("Cancel  esc", id="cancel")

    def action_save(self) -> None:
        """Save once: a second ctrl+s while the first save runs is ignored. (The save button is
        not disabled meanwhile: restyling the form held the save's worker up for longer than
        most saves take; benchmarks: triage keys, log touch.)"""
        if self._saving:
            return
        save = self.collect()
        if save is not None:
            self._saving = True
            self.show_error("")
            self._run(save)

    @thread_work(group="save", description="save")
    def _run(self, save: Callable[[], ResultT]) -> None:
        try:
            self.post_message(self.Outcome(result=save()))
        except CsmError as error:
            self.post_message(self.Outcome(error=error))

    @on(Outcome)
    def _outcome(self, message: Outcome) -> None:
        if message.error is None:
            self.dismiss(message.result)
            return
        fields: dict[str, str] = getattr(message.error, "fields", None) or {}
        self._failed(str(message.error), fields)

    def work_failed(self, worker: Worker[Any]) -> None:
        if worker.group == "save":
            self._failed("not saved (the message says why): ctrl+s tries again")

    def _failed(self, message: str, fields: dict[str, str] | None = None) -> None:
        self._saving = False
        if fields:
            count = len(fields)
            message = f"{count} field{'' if count == 1 else 's'} to fix before saving"
        self.show_error(message, fields or {})

    def show_error(self, message: str, fields: dict[str, str] | None = None) -> None:
        """The form's message, and each field's own (cleared where there is none). Only the
        ones that change are touched: a save clears them all, and a relayout of the form
        would hold up the save's worker."""
        fields = fields or {}
        shown = [(self.query_one("#form-error", Static), message)]
        shown += [
            (widget, fields.get((widget.id or "").removeprefix("error-"), ""))
            for widget in self.query(".field-error").results(Static)
        ]
        for widget, text in shown:
            if widget.content != text:
                widget.update(text)
            if widget.id != "form-error":
                widget.display = bool(text)

    @on(Input.Changed)
    @on(Select.Changed)
    def _field_changed(self, event: Input.Changed | Select.Changed) -> None:
        """The user is fixing something: the form's message, and the changed field's own,
        leave (the next ctrl+s checks again)."""
        error = self.query_one("#form-error", Static)
        if error.content:
            error.update("")
        field = self.query(f"#error-{event.control.id}").results(Static)
        for widget in field:
            if widget.display:
                widget.update("")
                widget.display = False

    def text(self, field: str) -> str:
        """What is typed in the Input `#field`."""
        return self.query_one(f"#{field}", Input).value

    def choice(self, field: str) -> str:
        """The value chosen in the Select `#field` ('' for none)."""
        picked = self.query_one(f"#{field}", Select).value
        return "" if picked is Select.NULL else str(picked)

    def action_cancel(self) -> None:
        """Close without saving; while a save runs, wait for it (closed now, what it saved
        would be lost to the screen below: no undo, the row not moved)."""
        if self._saving:
            self.show_error("saving… (escape closes once it is saved or refused)")
            return
        self.dismiss(None)

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()
