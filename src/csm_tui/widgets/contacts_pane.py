"""The account's people: a table to work in, and the org chart built from reports-to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Static, Tree
from textual.widgets.tree import TreeNode

from csm_tui.domain.account import ContactLine
from csm_tui.domain.org_chart import OrgNode, org_chart
from csm_tui.widgets.account_table import RowTable

COLUMNS = ("Name", "Title", "Persona", "Infl.", "", "Phone", "E-mail")


class ContactTable(RowTable):
    BINDINGS = [Binding("enter", "select_cursor", "Edit contact")]


class ContactsPane(Horizontal):
    """Posts what the user asked for; the screen does it (in a worker) and shows the result."""

    DEFAULT_CSS = """
    ContactsPane {
        & > .contacts-pane--left { color: $text-error; text-style: bold; }
        & > .contacts-pane--primary { color: $text-primary; text-style: bold; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"contacts-pane--left", "contacts-pane--primary"}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add contact", tooltip="A new contact of this account"),
        Binding(
            "x",
            "left",
            "Left company",
            tooltip="Mark the contact as gone from the customer (x again: back)",
        ),
    ]

    @dataclass
    class Edit(Message):
        contact_id: str | None  # None: a new contact

    @dataclass
    class Left(Message):
        contact_id: str
        left: bool

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.contacts: tuple[ContactLine, ...] = ()

    def compose(self) -> ComposeResult:
        table = ContactTable(id="contacts-table")
        for label in COLUMNS:
            table.add_column(label, key=label or "status")
        yield table
        yield Static("No contacts yet: press a to add one.", id="contacts-empty")
        chart = Tree[ContactLine]("Org chart", id="org-chart")
        chart.show_root = False
        yield chart

    def show(self, contacts: tuple[ContactLine, ...]) -> None:
        self.contacts = contacts
        table = self.query_one(ContactTable)
        key = self.current_id()
        table.clear()
        looks = self._looks()
        for contact in contacts:
            table.add_row(*_cells(contact, looks), key=contact.id)
        if key is not None and key in {c.id for c in contacts}:
            table.move_cursor(row=table.get_row_index(key), animate=False)
        table.display = bool(contacts)
        self.query_one("#contacts-empty").display = not contacts
        self._chart(contacts, looks)

    def _looks(self) -> Looks:
        return Looks(
            left=self.get_component_rich_style("contacts-pane--left", partial=True),
            primary=self.get_component_rich_style("contacts-pane--primary", partial=True),
        )

    def _chart(self, contacts: tuple[ContactLine, ...], looks: Looks) -> None:
        tree = self.query_one(Tree)
        tree.clear()

        def add(parent: TreeNode[ContactLine], node: OrgNode) -> None:
            label = _chart_label(node.contact, looks)
            if node.reports:
                child = parent.add(label, data=node.contact, expand=True)
                for report in node.reports:
                    add(child, report)
            else:
                parent.add_leaf(label, data=node.contact)

        for root in org_chart(contacts):
            add(tree.root, root)
        tree.root.expand()

    def current_id(self) -> str | None:
        table = self.query_one(ContactTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def current(self) -> ContactLine | None:
        key = self.current_id()
        return next((c for c in self.contacts if c.id == key), None)

    def focus_table(self) -> None:
        self.query_one(ContactTable).focus()

    def action_add(self) -> None:
        self.post_message(self.Edit(None))

    def action_left(self) -> None:
        contact = self.current()
        if contact is not None:
            self.post_message(self.Left(contact.id, not contact.left_company))

    @on(DataTable.RowSelected, "#contacts-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.post_message(self.Edit(event.row_key.value))

    @on(Tree.NodeSelected, "#org-chart")
    def _chart_selected(self, event: Tree.NodeSelected[ContactLine]) -> None:
        """Selecting a person in the chart moves the table to them."""
        contact = event.node.data
        table = self.query_one(ContactTable)
        if contact is not None and contact.id in {c.id for c in self.contacts}:
            table.move_cursor(row=table.get_row_index(contact.id), animate=False)


@dataclass(frozen=True, slots=True)
class Looks:
    """A contact's marks, in the pane's component styles (the theme's)."""

    left: Style
    primary: Style


def _cells(contact: ContactLine, looks: Looks) -> tuple[Text, ...]:
    style = "dim strike" if contact.left_company else ""
    return (
        Text(contact.name, style="bold " + style if not contact.left_company else style),
        Text(contact.title or "", style=style),
        Text(contact.persona.label if contact.persona else "", style=style),
        Text(str(contact.influence or ""), justify="center", style=style),
        Text(
            "left" if contact.left_company else "★ primary" if contact.is_primary else "",
            style=looks.left if contact.left_company else looks.primary,
        ),
        Text(contact.phone or "", style=style),
        Text(contact.email or "", style=style),
    )


def _chart_label(contact: ContactLine, looks: Looks) -> Text:
    label = Text(contact.name, style="dim strike" if contact.left_company else "bold")
    role = ", ".join(
        part
        for part in (contact.title, contact.persona.label.lower() if contact.persona else None)
        if part
    )
    if role:
        label.append(f"  {role}", style="dim")
    if contact.is_primary:
        label.append(" ★", style=looks.primary)
    if contact.left_company:
        label.append("  left", style=looks.left)
    return label
