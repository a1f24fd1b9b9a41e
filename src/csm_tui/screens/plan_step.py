"""The small forms of the plan screen: a new plan, one from a template, an objective, a
milestone, a status, a move, a measured value, a review.

They are one form with the fields each needs (`PlanField`): dates are checked as they are
read, and the change is saved through the service in the form's worker (`screens.form`), so
that a change the service refuses (`PlanError`) is said inside the form and what was typed
stays.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Select, Static

from csm_tui.domain.fields import parse_date
from csm_tui.screens.form import FormModal
from csm_tui.services.triage import Done
from csm_tui.widgets.forms import SteadyInput

#: What a form read: text as typed, a date (or None for an empty optional date).
Values = Mapping[str, str | date | None]


@dataclass(frozen=True, slots=True)
class PlanField:
    """One field: text, a date (`required` or not), or one of `options`."""

    id: str
    label: str
    placeholder: str = ""
    value: str = ""
    date: bool = False
    required: bool = False
    options: tuple[str, ...] = ()


class PlanStepModal(FormModal[Done]):
    """One step on a plan: its fields, a hint (the old date of a move), and the save."""

    def __init__(
        self,
        *,
        title: str,
        fields: tuple[PlanField, ...],
        save: Callable[[Values], Done],
        save_label: str = "Save",
        hint: str = "",
    ) -> None:
        super().__init__()
        self.heading = title
        self.fields = fields
        self.hint = hint
        self.SAVE_LABEL = save_label
        self._save = save

    def compose(self) -> ComposeResult:
        with Vertical(id="plan-step", classes="dialog"):
            yield Static(self.heading, classes="dialog-title")
            if self.hint:
                yield Static(self.hint, classes="dialog-hint")
            for field in self.fields:
                with Vertical(classes="field"):
                    yield Label(field.label)
                    if field.options:
                        yield Select(
                            [(option, option) for option in field.options],
                            value=field.value or field.options[0],
                            allow_blank=False,
                            id=field.id,
                        )
                    else:
                        yield SteadyInput(field.value, placeholder=field.placeholder, id=field.id)
            yield from self.buttons()

    def on_mount(self) -> None:
        first = self.fields[0] if self.fields else None
        if first is not None:
            self.query_one(f"#{first.id}").focus()

    def collect(self) -> Callable[[], Done] | None:
        values: dict[str, str | date | None] = {}
        for field in self.fields:
            if field.options:
                values[field.id] = self.choice(field.id)
                continue
            text = self.query_one(f"#{field.id}", Input).value
            if not field.date:
                values[field.id] = text
                continue
            if not text.strip():
                if field.required:
                    self.show_error(f"{field.label.lower()}: write a date, like 2026-11-23")
                    return None
                values[field.id] = None
                continue
            try:
                values[field.id] = parse_date(text.strip())
            except ValueError as error:
                self.show_error(f"{field.label.lower()}: {text.strip()!r} is not {error}")
                return None
        return lambda: self._save(values)
