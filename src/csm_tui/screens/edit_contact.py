"""Add or edit a contact: who they are, their persona and influence, and whom they report to."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Checkbox, Input, Label, Select, Static

from csm_tui.domain.account import AccountDetail, ContactLine
from csm_tui.domain.account_form import ContactForm, contact_form_of
from csm_tui.domain.enums import Persona
from csm_tui.screens.form import FormModal
from csm_tui.services.account import Saved
from csm_tui.widgets.forms import SteadyInput, field_error

INFLUENCE = ((1, "1 low"), (2, "2"), (3, "3 shapes"), (4, "4"), (5, "5 decides"))


class ContactModal(FormModal[Saved]):
    """Returns the `Saved` account, or None when cancelled."""

    def __init__(
        self,
        detail: AccountDetail,
        contact_id: str | None,
        *,
        save: Callable[[ContactForm, ContactForm | None], Saved],
    ) -> None:
        """`save(typed, opened)`: the form as typed, and as it opened (None for a new contact):
        only what changed is written."""
        super().__init__()
        self.detail = detail
        self.contact = next((c for c in detail.contacts if c.id == contact_id), None)
        self.opened = None if self.contact is None else contact_form_of(self.contact)
        self._save = save

    def compose(self) -> ComposeResult:
        contact = self.contact or ContactLine(id="", name="")
        heading = f"Edit {contact.name}" if self.contact else "New contact"
        others = [c for c in self.detail.contacts if c.id != contact.id and not c.left_company]
        if contact.reports_to_id and contact.reports_to_id not in {c.id for c in others}:
            others += [c for c in self.detail.contacts if c.id == contact.reports_to_id]
        with VerticalScroll(id="edit-contact", classes="dialog"):
            yield Static(f"{heading} · {self.detail.profile.name}", classes="dialog-title")
            with Horizontal(classes="dialog-row"):
                with Vertical(classes="field"):
                    yield Label("Name")
                    yield SteadyInput(contact.name, compact=True, id="name")
                    yield field_error("name")
                with Vertical(classes="field"):
                    yield Label("Title")
                    yield SteadyInput(contact.title or "", compact=True, id="title")
            with Horizontal(classes="dialog-row"):
                with Vertical(classes="field"):
                    yield Label("E-mail")
                    yield SteadyInput(
                        contact.email or "",
                        compact=True,
                        id="email",
                        placeholder="ada@example.com",
                    )
                    yield field_error("email")
                with Vertical(classes="field"):
                    yield Label("Phone")
                    yield SteadyInput(
                        contact.phone or "",
                        compact=True,
                        id="phone",
                        placeholder="+1 415 555 0100",
                    )
                    yield field_error("phone")
            with Horizontal(classes="dialog-row"):
                with Vertical(classes="field"):
                    yield Label("Persona")
                    yield Select(
                        [(p.label, p.value) for p in Persona],
                        prompt="-",
                        compact=True,
                        value=contact.persona.value if contact.persona else Select.NULL,
                        id="persona",
                    )
                    yield field_error("persona")
                with Vertical(classes="field"):
                    yield Label("Influence")
                    yield Select(
                        [(label, str(value)) for value, label in INFLUENCE],
                        prompt="-",
                        compact=True,
                        id="influence",
                        value=str(contact.influence) if contact.influence else Select.NULL,
                    )
                    yield field_error("influence")
            with Horizontal(classes="dialog-row"):
                with Vertical(classes="field"):
                    yield Label("Reports to")
                    yield Select(
                        [(c.name + (f", {c.title}" if c.title else ""), c.id) for c in others],
                        prompt="nobody on record",
                        compact=True,
                        value=contact.reports_to_id or Select.NULL,
                        id="reports_to",
                    )
                    yield field_error("reports_to")
                with Vertical(classes="field"):
                    yield Label(" ")
                    yield Checkbox(
                        "Primary contact", contact.is_primary, compact=True, id="is_primary"
                    )
            yield from self.buttons()

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def collect(self) -> Callable[[], Saved] | None:
        text, choice = self.text, self.choice
        form = ContactForm(
            name=text("name"),
            title=text("title"),
            email=text("email"),
            phone=text("phone"),
            persona=choice("persona"),
            influence=choice("influence"),
            reports_to_id=choice("reports_to"),
            is_primary=self.query_one("#is_primary", Checkbox).value,
        )
        opened = self.opened
        return lambda: self._save(form, opened)
