"""The book of business: every account the user owns, or the whole team's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Header, Input, Static

from csm_tui.domain.book import (
    AccountRow,
    SortKey,
    filter_rows,
    format_arr,
    sort_rows,
)
from csm_tui.domain.wording import countdown
from csm_tui.services.workspace import Workspace
from csm_tui.widgets.account_table import AccountTable
from csm_tui.widgets.footer import Footer
from csm_tui.widgets.health import health_cell
from csm_tui.widgets.line_table import Column

COLUMNS: tuple[tuple[str, SortKey, str], ...] = (
    ("Account", SortKey.NAME, "name"),
    ("Segment", SortKey.SEGMENT, "segment"),
    ("Pri", SortKey.PRIORITY, "priority"),
    ("ARR", SortKey.ARR, "arr"),
    ("Owner", SortKey.OWNER, "owner"),
    ("Health", SortKey.HEALTH, "health"),
    ("Renewal", SortKey.RENEWAL, "renewal"),
    ("In", SortKey.RENEWAL, "days"),
    ("Last touch", SortKey.LAST_TOUCH, "last_touch"),
)
SORT_LABELS = {key: label.lower() for label, key, column in COLUMNS if column != "days"}


class BookScreen(Screen[None]):
    """Sortable, filterable, and the way into any account."""

    AUTO_FOCUS = "#accounts"

    BINDINGS = [
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("t", "toggle_team", "Mine/Team"),
        Binding("o", "next_sort", "Sort"),
        Binding("O", "reverse_sort", "Reverse", show=False),
        Binding("r", "reload", "Refresh"),
        Binding("escape", "clear_filter", "Back", show=False),
        Binding("q", "app.quit", "Quit"),
    ]

    team: reactive[bool] = reactive(False)
    sort_key: reactive[SortKey] = reactive(SortKey.NAME)
    reverse: reactive[bool] = reactive(False)
    filter_text: reactive[str] = reactive("")

    @dataclass
    class Loaded(Message):
        rows: list[AccountRow]
        team: bool

    @dataclass
    class OpenAccount(Message):
        account_id: str

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self._rows: list[AccountRow] = []
        self._cells: dict[str, tuple[Text, ...]] = {}
        self._loaded = False
        self.set_reactive(BookScreen.team, workspace.me is None)

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="◆")
        with Vertical(id="book"):
            box = Input(placeholder="Filter: name, id, owner, segment, priority, band", id="filter")
            box.cursor_blink = False  # a steady cursor: calmer, and snapshots stay deterministic
            yield box
            yield AccountTable(id="accounts")
            yield Static("Loading the book of business…", id="empty")
        yield Footer()

    def on_mount(self) -> None:
        self._size_columns()
        self._update_title()
        self.load()

    # -- loading -----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="book")
    def load(self) -> None:
        team = self.team
        rows = self.workspace.book(team=team)
        self.post_message(self.Loaded(rows, team))

    @on(Loaded)
    def _on_loaded(self, message: Loaded) -> None:
        if message.team != self.team:
            return  # a stale answer for the other view: the newer load is on its way
        today = self.workspace.today
        self._rows = message.rows
        keys = [column_key for _, _, column_key in self._columns]
        self._cells = {row.id: _cells(row, today, keys) for row in message.rows}
        self._loaded = True
        self._size_columns()
        self._render_rows(keep_cursor=True)

    # -- rendering ---------------------------------------------------------------------------

    def _visible_rows(self) -> list[AccountRow]:
        return sort_rows(
            filter_rows(self._rows, self.filter_text), self.sort_key, reverse=self.reverse
        )

    def _size_columns(self) -> None:
        """Fixed widths measured once per load from every row, so that sorting and filtering
        never make columns jump, and the table never measures cells itself."""
        table = self.query_one("#accounts", AccountTable)
        widths = [len(label) for label, _, _ in self._columns]
        for cells in self._cells.values():
            widths = [
                max(width, cell_len(str(cell))) for width, cell in zip(widths, cells, strict=True)
            ]
        table.set_columns(
            Column(column_key, label, width)
            for (label, _, column_key), width in zip(self._columns, widths, strict=True)
        )

    @property
    def _columns(self) -> tuple[tuple[str, SortKey, str], ...]:
        """Everything in my book is mine: the owner column only shows in the team view."""
        return COLUMNS if self.team else tuple(c for c in COLUMNS if c[2] != "owner")

    def _render_rows(self, *, keep_cursor: bool = False) -> None:
        """Show the filtered, sorted rows; a reload keeps the cursor on the same account,
        a new order or filter starts from the top."""
        table = self.query_one("#accounts", AccountTable)
        keep = self._current_account_id() if keep_cursor else None
        rows = self._visible_rows()
        ids = [row.id for row in rows]
        table.set_rows(
            ((row.id, self._cells[row.id]) for row in rows),
            cursor=ids.index(keep) if keep in ids else 0,
        )
        self._show_empty_state(len(rows))
        self._update_title(len(rows))

    def _show_empty_state(self, shown: int) -> None:
        empty = self.query_one("#empty", Static)
        table = self.query_one("#accounts", AccountTable)
        if shown:
            empty.display = False
            table.display = True
            return
        table.display = False
        empty.display = True
        if self.filter_text:
            empty.update(
                f"No account matches “{self.filter_text}”. Press escape to clear the filter."
            )
        elif not self.team and self.workspace.me is not None:
            empty.update(
                "No accounts in your book yet.\n\n"
                "Bring them in from a CRM export:  csm import accounts FILE.csv\n"
                "or press t to see the whole team's book."
            )
        else:
            empty.update(
                "The book is empty.\n\n"
                "Bring accounts in from a CRM export:  csm import accounts FILE.csv\n"
                "or try the demo book:  csm demo"
            )

    def _update_title(self, shown: int | None = None) -> None:
        me = self.workspace.me
        who = "Team" if self.team else (me.name if me else "Team")
        count = "" if shown is None or not self._loaded else f" · {shown} accounts"
        order = f"by {SORT_LABELS[self.sort_key]} {'▼' if self.reverse else '▲'}"
        self.title = "Book of business"
        self.sub_title = f"{who}{count} · {order} · {self.workspace.today:%a %d %b %Y}"

    def _current_account_id(self) -> str | None:
        return self.query_one("#accounts", AccountTable).cursor_key

    # -- reactions ---------------------------------------------------------------------------

    def watch_team(self) -> None:
        if self.is_mounted:
            self._loaded = False
            self._update_title()
            self.load()

    def watch_sort_key(self) -> None:
        if self.is_mounted and self._loaded:
            self._render_rows()

    def watch_reverse(self) -> None:
        self.watch_sort_key()

    def watch_filter_text(self) -> None:
        if self.is_mounted and self._loaded:
            self._render_rows()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.query_one("#accounts", AccountTable).focus()

    @on(AccountTable.HeaderSelected)
    def _header_selected(self, event: AccountTable.HeaderSelected) -> None:
        key = next(key for _, key, column in COLUMNS if column == event.column_key)
        if key is self.sort_key:
            self.reverse = not self.reverse
        else:
            self.sort_key = key
            self.reverse = False

    @on(AccountTable.Selected)
    def _row_selected(self, event: AccountTable.Selected) -> None:
        self.post_message(self.OpenAccount(event.key))

    # -- actions -----------------------------------------------------------------------------

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    def action_clear_filter(self) -> None:
        """Clear the filter; with none, go back to the screen this one was opened from."""
        box = self.query_one("#filter", Input)
        if not box.display and not box.value and len(self.app.screen_stack) > 2:
            self.app.pop_screen()
            return
        box.value = ""
        box.display = False
        self.query_one("#accounts", AccountTable).focus()

    def action_toggle_team(self) -> None:
        if self.workspace.me is None:
            self.notify(
                "Tell csm who you are (--as EMAIL) to see your own book.", title="Team view"
            )
            return
        self.team = not self.team

    def action_next_sort(self) -> None:
        cycle = tuple(dict.fromkeys(key for _, key, _ in self._columns))
        index = cycle.index(self.sort_key) if self.sort_key in cycle else -1
        self.sort_key = cycle[(index + 1) % len(cycle)]

    def action_reverse_sort(self) -> None:
        self.reverse = not self.reverse

    def action_reload(self) -> None:
        self.load()

    def account_changed(self) -> None:
        """Something was saved on an account opened from here: read again (the cursor stays)."""
        self.load()


def _cells(row: AccountRow, today: date, keys: list[str]) -> tuple[Text, ...]:
    """One row of the table; Text throughout, so a name like "Acme [EU]" is never markup."""
    days = row.days_to_renewal(today)
    days_text = Text(countdown(days), justify="right")
    if days is not None and 0 <= days <= 120:
        days_text.stylize("bold")
    cells = {
        "name": Text(row.name),
        "segment": Text(row.segment.label),
        "priority": Text(row.priority.label),
        "arr": Text(format_arr(row.arr_cents), justify="right"),
        "owner": Text(row.owner_name or "-"),
        "health": health_cell(row.health_score),
        "renewal": Text(row.renewal_date.isoformat() if row.renewal_date else "-"),
        "days": days_text,
        "last_touch": Text(row.last_touch.isoformat() if row.last_touch else "never"),
    }
    return tuple(cells[key] for key in keys)
