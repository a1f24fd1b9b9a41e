"""The values a laptop's change overwrote unseen (issue 23): each said in words, to keep what
won (`K`) or to write back what lost (`R`, asked first), newest first; the resolved ones on `a`.

A CSM sees their book's conflicts, a manager their team's (`services.conflicts`). Reading and
resolving run in workers; the table draws the rows in view. Times are local, as a clock shows.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import Reactive, reactive
from textual.widgets import Static

from csm_tui.messages import OpenAccount
from csm_tui.screens.base import CsmScreen, thread_work
from csm_tui.services.conflicts import ConflictRow
from csm_tui.widgets.line_table import Column, FittedTable

if TYPE_CHECKING:
    from csm_tui.services.workspace import Workspace

#: (label, column key); the value that won (and whose change it was) takes the rest.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("Found", "found"),
    ("Account", "account"),
    ("What", "what"),
    ("Overwritten", "lost"),
    ("Now (whose change)", "won"),
)
#: Longest account name and value shown in a column (longer ones end in "…").
LONGEST = 20

EMPTY = "No conflicts: every change from this laptop reached the team as made."
EMPTY_RESOLVED = (
    "No conflicts, resolved or not: every change from this laptop reached the team as made."
)


def value_words(value: Any) -> str:
    """A kept value as the user reads it: "(empty)" for nothing, yes/no, dates as dates."""
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return f"{value.astimezone():%a %d %b %Y %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)[:8]
    return str(value)


def what_words(row: ConflictRow) -> str:
    """The field in words: "account priority", "contact title"."""
    return f"{row.table} {row.column}".replace("_", " ")


def found_words(moment: datetime, *, long: bool = False) -> str:
    """When the server found it, in local time: "23 Nov 12:04" (long: "Mon 23 Nov 12:04")."""
    local = moment.astimezone()
    return f"{local:%a %d %b %H:%M}" if long else f"{local:%d %b %H:%M}"


def _short(text: str) -> str:
    return text if cell_len(text) <= LONGEST else text[: LONGEST - 1] + "…"


def whose(row: ConflictRow, me: str | None) -> str:
    """Whose change won: "your", "Jordan Lee's", or "a laptop's"."""
    if row.won_by is None:
        return "a laptop's"
    return "your" if row.won_by == me else f"{row.won_by}'s"


def plain_cells(row: ConflictRow, me: str | None) -> dict[str, str]:
    """What each column says of the conflict, without colours."""
    won = value_words(row.won)
    who = "yours" if row.won_by is not None and row.won_by == me else row.won_by
    return {
        "found": found_words(row.found_at),
        "account": _short(row.account or "-"),
        "what": what_words(row),
        "lost": _short(value_words(row.lost)),
        "won": f"{won} ({who})" if who else won,
    }


def sentence(row: ConflictRow, me: str | None) -> str:
    """The conflict in words, for the line under the table."""
    column = row.column.replace("_", " ")
    lost, won = value_words(row.lost), value_words(row.won)
    when = found_words(row.found_at, long=True)
    said = (
        f"{row.account or 'An account'}: the {column} {lost} set on the team's server was "
        f"overwritten by {whose(row, me)} change to {won} on {when}."
    )
    if row.resolved == "kept":
        return f"{said} Resolved: {won} was kept."
    if row.resolved == "restored":
        return f"{said} Resolved: {lost} was written back."
    return f"{said} K keeps {won}; R writes back {lost}."


def measure(rows: Sequence[ConflictRow], me: str | None) -> tuple[Column, ...]:
    """The columns' widths on every row's plain values (in the worker that read them)."""
    widths = {key: cell_len(label) for label, key in COLUMNS}
    for row in rows:
        for key, text in plain_cells(row, me).items():
            widths[key] = max(widths[key], cell_len(text))
    return tuple(Column(key, label, widths[key]) for label, key in COLUMNS)


class ConflictTable(FittedTable[ConflictRow]):
    """One conflict per row, newest first; the value that won takes the width left."""

    MIN_LAST = 12

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.me: str | None = None

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "select_cursor", "Open account")]

    def row_key(self, row: ConflictRow) -> str:
        return row.id

    def row_cells(self, row: ConflictRow) -> tuple[Text, ...]:
        """Text throughout, so that a value like "[EU] renewal" is never markup."""
        cells = {key: Text(value) for key, value in plain_cells(row, self.me).items()}
        cells["won"].overflow = "ellipsis"
        if row.resolved:
            for cell in cells.values():
                cell.stylize("dim")
        return tuple(cells[column.key] for column in self.columns)


@dataclass(frozen=True, slots=True)
class Listing:
    rows: Sequence[ConflictRow]
    resolved: bool
    columns: tuple[Column, ...]
    cursor: int


class ConflictsScreen(CsmScreen[None]):
    """The conflicts of my book (a manager's: the team's), to keep or to write back."""

    NAME = "Conflicts"
    AUTO_FOCUS = "#conflict-table"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("K", "keep", "Keep", tooltip="Keep the value that won: the conflict is closed"),
        Binding(
            "R",
            "restore",
            "Write back",
            tooltip="Write back the value that was overwritten (asks first), and close it",
        ),
        Binding(
            "a",
            "toggle_resolved",
            "All/Open",
            tooltip="The resolved conflicts too, or only the open ones again",
        ),
    ]

    OTHER_KEYS: ClassVar[list[tuple[str, str]]] = [
        ("↑ ↓  j k", "Move through the conflicts"),
        ("enter", "Open the account (escape comes back to the same row)"),
    ]

    resolved: Reactive[bool] = reactive(False)

    @dataclass
    class Loaded(Message):
        listing: Listing

    @dataclass
    class Resolved(Message):
        words: str

    def __init__(self, workspace: Workspace) -> None:
        super().__init__(workspace)
        self._rows: Sequence[ConflictRow] | None = None  # as read; None: being read
        self._busy = False  # a keep or a write back is being saved: K and R wait for it

    @property
    def _me(self) -> str | None:
        me = self.workspace.me
        return None if me is None else me.name

    def compose_body(self) -> ComposeResult:
        with Vertical(id="conflicts"):
            yield ConflictTable(id="conflict-table")
            yield Static("Loading the conflicts…", id="empty")
            yield Static("", id="conflict-words")

    def on_mount(self) -> None:
        self.title = "Conflicts"
        self.query_one(ConflictTable).me = self._me
        self._update_title()
        self._show_empty_state()
        self.load()

    # -- reading -------------------------------------------------------------------------------

    def load(self) -> None:
        """Read the conflicts again (in a worker): the cursor stays on its conflict."""
        self._load(self.resolved, self.query_one(ConflictTable).cursor_key)

    @thread_work(group="conflicts", description="read the conflicts")
    def _load(self, resolved: bool, keep: str | None) -> None:
        rows = self.workspace.conflicts.listed(resolved=resolved)
        cursor = next((n for n, row in enumerate(rows) if row.id == keep), 0)
        self.post_message(self.Loaded(Listing(rows, resolved, measure(rows, self._me), cursor)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        listing = message.listing
        if listing.resolved != self.resolved:
            return  # a stale answer for the other view: the newer load is on its way
        self._rows = listing.rows
        self.query_one(ConflictTable).show(listing.rows, listing.columns, listing.cursor)
        self._show_empty_state()
        self._update_title()
        self._say_highlighted()

    # -- what the screen says ------------------------------------------------------------------

    def _show_empty_state(self) -> None:
        empty = self.query_one("#empty", Static)
        table = self.query_one(ConflictTable)
        shown = bool(self._rows)
        table.display = shown
        self.query_one("#conflict-words", Static).display = shown
        empty.display = not shown
        if self._rows is None:
            empty.update("Loading the conflicts…")
        elif not shown:
            empty.update(EMPTY_RESOLVED if self.resolved else EMPTY)

    def _update_title(self) -> None:
        me = self.workspace.me
        who = "Team" if me is None or me.is_manager else me.name
        which = "all" if self.resolved else "open"
        count = "" if self._rows is None else f" · {len(self._rows):,} {which}"
        self.sub_title = f"{who}{count or ' · ' + which} · {self.workspace.today:%a %d %b %Y}"

    def _say_highlighted(self) -> None:
        row = self.query_one(ConflictTable).cursor_value
        words = "" if row is None else sentence(row, self._me)
        self.query_one("#conflict-words", Static).update(Text(words))

    @on(ConflictTable.Highlighted)
    def _highlighted(self) -> None:
        self._say_highlighted()

    @on(ConflictTable.Selected)
    def _row_selected(self) -> None:
        row = self.query_one(ConflictTable).cursor_value
        if row is not None and row.account_id is not None:
            self.post_message(OpenAccount(row.account_id))

    def watch_resolved(self) -> None:
        if self.is_mounted:
            self._rows = None
            self.query_one(ConflictTable).set_rows(())
            self._show_empty_state()
            self._update_title()
            self.load()

    # -- resolving -----------------------------------------------------------------------------

    def _open_one(self) -> ConflictRow | None:
        """The highlighted conflict, if it is open and nothing is being saved."""
        row = self.query_one(ConflictTable).cursor_value
        if self._busy or row is None:
            return None
        if row.resolved:
            self.notify(f"That conflict was resolved already ({row.resolved}).", title="Conflict")
            return None
        return row

    def action_keep(self) -> None:
        row = self._open_one()
        if row is not None:
            self._busy = True
            self._keep(row.id)

    @thread_work(group="resolve", description="keep the value")
    def _keep(self, conflict_id: str) -> None:
        self.post_message(self.Resolved(self.workspace.conflicts.keep(conflict_id)))

    def action_restore(self) -> None:
        from csm_tui.screens.confirm import ConfirmModal

        row = self._open_one()
        if row is None:
            return
        conflicts = self.workspace.conflicts
        lost, won = value_words(row.lost), value_words(row.won)
        self.app.push_screen(
            ConfirmModal(
                title=f"Write back {lost}? · {row.account or 'the account'}",
                body=Text(f"The {what_words(row)} goes from {won} back to {lost}."),
                hint="The change syncs with the team like any other; the conflict is closed.",
                confirm="Write back",
                run=lambda: conflicts.restore(row.id),
            ),
            self._restored,
        )

    def _restored(self, words: str | None) -> None:
        if words is not None:
            self.post_message(self.Resolved(words))

    @on(Resolved)
    def _resolved(self, message: Resolved) -> None:
        self._busy = False
        self.notify(message.words, title="Conflict")
        self.load()

    def work_failed(self, worker: Any) -> None:
        if worker.group == "resolve":
            self._busy = False  # the app said why; the conflict stays to try again

    # -- actions -------------------------------------------------------------------------------

    def action_toggle_resolved(self) -> None:
        self.resolved = not self.resolved

    def action_reload(self) -> None:
        self.load()


#: What `app.open('conflicts')` shows.
SCREEN = ConflictsScreen
