"""The book of business: every account the user owns, or the whole team's.

Reading, filtering and sorting run in workers (`listing`); the table draws the rows in view.
`P` shows the book by its success plans (`domain.plan_book`): which accounts have no active
plan (Enterprise ones first, as the seeds require one), slipped or blocked milestones, a review
due, an objective not measured; `enter` there opens the account's plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import Reactive, reactive
from textual.widgets import Input, Static

from csm_tui.domain.book import (
    AccountRow,
    SortKey,
    empty_book_words,
    filter_rows,
    format_arr,
    sort_rows,
)
from csm_tui.domain.plan_book import PlanCounts, Standing, plan_counts
from csm_tui.domain.wording import countdown
from csm_tui.messages import OpenAccount, OpenPlan
from csm_tui.screens.base import CsmScreen, thread_work
from csm_tui.store.memory import gc_paused
from csm_tui.widgets.account_table import AccountTable
from csm_tui.widgets.filter_bar import FilterBar
from csm_tui.widgets.health import health_cell, health_plain
from csm_tui.widgets.line_table import Column

if TYPE_CHECKING:
    from csm_tui.services.workspace import Workspace

#: (label, sort key, column key) of the columns; "owner" only in the team view, "plan" only in
#: the plans view (next to the name: the one column a narrow terminal must keep).
COLUMNS: tuple[tuple[str, SortKey, str], ...] = (
    ("Account", SortKey.NAME, "name"),
    ("Plan", SortKey.PLAN, "plan"),
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


def columns(team: bool, plans: bool = False) -> tuple[tuple[str, SortKey, str], ...]:
    """Everything in my book is mine: the owner column only shows in the team view; the plan
    column only in the plans view."""
    hidden = {"owner"} if not team else set()
    hidden |= {"plan"} if not plans else set()
    return tuple(c for c in COLUMNS if c[2] not in hidden)


def plain_cells(row: AccountRow, today: date) -> dict[str, str]:
    """What each column says of the row, without colours."""
    return {
        "name": row.name,
        "plan": row.plan.words if row.plan is not None else "",
        "segment": row.segment.label,
        "priority": row.priority_words,
        "arr": format_arr(row.arr_cents),
        "owner": row.owner_name or "-",
        "health": health_plain(row.health_score),
        "renewal": row.renewal_date.isoformat() if row.renewal_date else "-",
        "days": countdown(row.days_to_renewal(today)),
        "last_touch": row.last_touch.isoformat() if row.last_touch else "never",
    }


@dataclass(frozen=True, slots=True)
class Asked:
    """What the user asks to see: which book, through which filter, in which order, and the
    account the cursor stays on (None: the first row)."""

    today: date
    team: bool
    query: str
    sort: SortKey
    reverse: bool
    keep: str | None = None
    plans: bool = False  # the plans view: the rows read with their plans

    @property
    def view(self) -> tuple[bool, bool, str, SortKey, bool]:
        """What makes two listings of the same rows differ."""
        return (self.team, self.plans, self.query, self.sort, self.reverse)


@dataclass(frozen=True, slots=True)
class Listing:
    """The book as the table shows it: filtered, sorted, measured."""

    rows: Sequence[AccountRow]
    asked: Asked
    columns: tuple[Column, ...]
    cursor: int
    plans: PlanCounts | None = None  # in the plans view: how many rows shown stand where


def listing(rows: list[AccountRow], asked: Asked) -> Listing:
    """Runs in a worker: filters and sorts every row, and measures the columns on all of them
    (not only the rows shown), so that filtering and sorting never make columns jump."""
    shown = columns(asked.team, asked.plans)
    widths = {key: cell_len(label) for label, _, key in shown}
    for row in rows:
        plain = plain_cells(row, asked.today)
        for _, _, key in shown:
            widths[key] = max(widths[key], cell_len(plain[key]))
    visible = sort_rows(filter_rows(rows, asked.query), asked.sort, reverse=asked.reverse)
    cursor = next((n for n, row in enumerate(visible) if row.id == asked.keep), 0)
    columns_shown = tuple(Column(key, label, widths[key]) for label, _, key in shown)
    counted = (
        plan_counts(row.plan for row in visible if row.plan is not None) if asked.plans else None
    )
    return Listing(visible, asked, columns_shown, cursor, counted)


class BookTable(AccountTable[AccountRow]):
    """The book's rows, drawn for a day and a view (`show`)."""

    DEFAULT_CSS = """
    BookTable {
        & > .book-table--soon { text-style: bold; }
        & > .book-table--plan-missing { color: $text-error; text-style: bold; }
        & > .book-table--plan-risk { color: $text-warning; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "book-table--soon",
        "book-table--plan-missing",
        "book-table--plan-risk",
    }

    def __init__(self, today: date, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.today = today
        self._keys: tuple[str, ...] = ()

    def show(self, shown: Listing) -> None:
        keys = tuple(column.key for column in shown.columns)
        if keys != self._keys:
            self._keys = keys
            self.redraw()
        self.set_columns(shown.columns)
        self.set_rows(shown.rows, cursor=shown.cursor)

    def row_key(self, row: AccountRow) -> str:
        return row.id

    def row_cells(self, row: AccountRow) -> tuple[Text, ...]:
        """Text throughout, so that a name like "Acme [EU]" is never markup."""
        plain = plain_cells(row, self.today)
        days = row.days_to_renewal(self.today)
        soon = days is not None and 0 <= days <= 120
        cells = {key: Text(value) for key, value in plain.items()}
        cells["arr"].justify = "right"
        cells["days"] = Text(
            plain["days"],
            justify="right",
            style=self.get_component_rich_style("book-table--soon", partial=True) if soon else "",
        )
        cells["health"] = health_cell(row.health_score, self.band_looks())
        if row.plan is not None and "plan" in self._keys:
            cells["plan"].stylize(self._plan_look(row))
        return tuple(cells[key] for key in self._keys)

    def _plan_look(self, row: AccountRow) -> Style | str:
        """An active plan missing where the seeds require one stands out most; a plan in
        trouble (or missing elsewhere) next; the words say it without colour too."""
        plan = row.plan
        if plan is None:
            return ""
        if plan.standing is Standing.NO_PLAN and plan.required:
            name = "book-table--plan-missing"
        elif plan.standing in (Standing.NO_PLAN, Standing.SLIPPED, Standing.BLOCKED):
            name = "book-table--plan-risk"
        else:
            return ""
        return self.get_component_rich_style(name, partial=True)


class PlanSummary(Static):
    """The line over the plans view: how many of the accounts shown stand where, in the
    view's order."""

    DEFAULT_CSS = """
    PlanSummary {
        display: none;
        height: 1;
        padding: 0 1;
        background: $boost;
        & > .plan-summary--missing { color: $text-error; text-style: bold; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"plan-summary--missing"}

    def show(self, counts: PlanCounts | None, *, short: bool) -> None:
        """`short` words for a narrow terminal; None: the plans are being read."""
        if counts is None:
            self.update(Text("reading the success plans…", style="dim"))
            return
        line = Text()
        for index, (number, words) in enumerate(counts.parts(short=short)):
            if line:
                line.append(" · ", style="dim")
            style: Style | str = "bold" if number else "dim"
            if index == 0 and counts.required:
                style = self.get_component_rich_style("plan-summary--missing", partial=True)
            line.append(f"{number:,} {words}", style=style)
        self.update(line)


class BookScreen(CsmScreen[None]):
    """Sortable, filterable, and the way into any account."""

    NAME = "Book of business"
    AUTO_FOCUS = "#accounts"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", key_display="/", priority=True),
        Binding("t", "toggle_team", "Mine/Team", tooltip="Your book, or the whole team's"),
        Binding("o", "next_sort", "Sort", tooltip="Sort by the next column"),
        Binding("O", "reverse_sort", "Reverse", show=False, tooltip="Reverse the order"),
        Binding(
            "P",
            "toggle_plans",
            "Plans",
            tooltip="The book by its success plans: no active plan first (Enterprise first), "
            "then slipped milestones, blocked ones, a review due, an objective not measured, on "
            "track; again: the book as it was",
        ),
    ]

    OTHER_KEYS: ClassVar[list[tuple[str, str]]] = [
        ("↑ ↓  j k", "Move through the book"),
        (
            "enter",
            "Open the account; in the plans view (P), its success plan (escape comes back "
            "to the same row)",
        ),
        ("click", "A column's header sorts by it; again reverses"),
    ]

    team: Reactive[bool] = reactive(False)
    sort_key: Reactive[SortKey] = reactive(SortKey.NAME)
    reverse: Reactive[bool] = reactive(False)
    plans: Reactive[bool] = reactive(False)

    @dataclass
    class Loaded(Message):
        rows: list[AccountRow]
        listing: Listing

    @dataclass
    class Listed(Message):
        rows: list[AccountRow]  # what was listed: the rows of the read it came from
        listing: Listing

    def __init__(self, workspace: Workspace) -> None:
        super().__init__(workspace)
        self._rows: list[AccountRow] | None = None  # as read, for the view in `team`
        self._listing: Listing | None = None
        self._sort_before = (SortKey.NAME, False)  # the book's order, while the plans view shows
        self.set_reactive(BookScreen.team, workspace.me is None)

    def compose_body(self) -> ComposeResult:
        with Vertical(id="book"):
            yield FilterBar(placeholder=self._filter_words(), id="filter")
            yield PlanSummary(id="plan-summary")
            yield BookTable(self.workspace.today, id="accounts")
            yield Static("Loading the book of business…", id="empty")

    def on_mount(self) -> None:
        self.title = "Book of business"
        self._update_title()
        self._show_empty_state(0)
        self.load()

    # -- reading -------------------------------------------------------------------------------

    def _asked(self, *, keep: bool = False) -> Asked:
        """What the user asks to see now; with `keep`, the cursor stays on its account (a
        reload), else a new order or filter starts from the top."""
        return Asked(
            today=self.workspace.today,
            team=self.team,
            query=self.query_one(FilterBar).value.strip(),
            sort=self.sort_key,
            reverse=self.reverse,
            keep=self.query_one(BookTable).cursor_key if keep else None,
            plans=self.plans,
        )

    def load(self) -> None:
        """Read the book again (in a worker): the cursor stays on its account."""
        self._load(self._asked(keep=True))

    @thread_work(group="book", description="read the book of business")
    def _load(self, asked: Asked) -> None:
        with gc_paused():
            read = self.workspace.book_plans if asked.plans else self.workspace.book
            rows = read(team=asked.team)
            self.post_message(self.Loaded(rows, listing(rows, asked)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        asked = message.listing.asked
        if (asked.team, asked.plans) != (self.team, self.plans):
            return  # a stale answer for the other view: the newer load is on its way
        self._rows = message.rows
        self._show(message.listing)

    def _relist(self) -> None:
        if self._rows is not None:
            self._list(self._rows, self._asked())

    @thread_work(group="list", description="sort the book")
    def _list(self, rows: list[AccountRow], asked: Asked) -> None:
        self.post_message(self.Listed(rows, listing(rows, asked)))

    @on(Listed)
    def _listed(self, message: Listed) -> None:
        """Shown if it lists the rows on screen as the user asks for them now (each change
        started its own pass: the last one's answer is the one to show)."""
        if message.rows is self._rows and message.listing.asked.view == self._asked().view:
            self._show(message.listing)

    def _show(self, shown: Listing) -> None:
        self._listing = shown
        self.query_one(BookTable).show(shown)
        self._show_empty_state(len(shown.rows))
        self._update_title(len(shown.rows))
        self._show_summary()
        if shown.asked.view != self._asked().view:
            self._relist()  # asked for more while this list was made

    # -- what the screen says ------------------------------------------------------------------

    def _show_empty_state(self, shown: int) -> None:
        empty = self.query_one("#empty", Static)
        table = self.query_one(BookTable)
        table.display = bool(shown)
        empty.display = not shown
        if shown:
            if self.focused is None:  # hidden while the book was read again, it lost the focus
                table.focus()
            return
        query = self.query_one(FilterBar).value.strip()
        if self._rows is None:
            empty.update(
                "Reading the success plans of the book…"
                if self.plans
                else "Loading the book of business…"
            )
        elif query:
            empty.update(f"No account matches “{query}”. Press escape to clear the filter.")
        else:
            mine = not self.team and self.workspace.me is not None
            empty.update(empty_book_words(self.workspace.csm, mine=mine))

    def _show_summary(self) -> None:
        """The plans view's counts (of the rows shown), in shorter words on a narrow screen."""
        summary = self.query_one(PlanSummary)
        summary.display = self.plans
        if self.plans:
            listed = self._listing
            counts = listed.plans if listed is not None and self._rows is not None else None
            summary.show(counts, short=self.size.width < 100)

    def _filter_words(self) -> str:
        plan = ", plan" if self.plans else ""
        return f"Filter: name, id, owner, segment, priority, band{plan}"

    def _update_title(self, shown: int | None = None) -> None:
        me = self.workspace.me
        who = "Team" if self.team else (me.name if me else "Team")
        count = "" if shown is None or self._rows is None else f" · {shown:,} accounts"
        order = f"by {SORT_LABELS[self.sort_key]} {'▼' if self.reverse else '▲'}"
        self.sub_title = f"{who}{count} · {order} · {self.workspace.today:%a %d %b %Y}"

    # -- reactions -----------------------------------------------------------------------------

    def watch_team(self) -> None:
        if self.is_mounted:
            self._read_again()

    def watch_plans(self, plans: bool) -> None:
        """The plans view reads the book with its plans, in their order; back to the book,
        the order it had."""
        if not self.is_mounted:
            return
        if plans:
            self._sort_before = (self.sort_key, self.reverse)
            self.set_reactive(BookScreen.sort_key, SortKey.PLAN)
            self.set_reactive(BookScreen.reverse, False)
        elif self.sort_key is SortKey.PLAN:
            self.set_reactive(BookScreen.sort_key, self._sort_before[0])
            self.set_reactive(BookScreen.reverse, self._sort_before[1])
        self.title = "Success plans" if plans else "Book of business"
        self.query_one(FilterBar).placeholder = self._filter_words()
        self._read_again()

    def _read_again(self) -> None:
        """Another view of the book: read it again, from the top."""
        self._rows = None
        self._update_title()
        self.query_one(BookTable).set_rows(())
        self._show_empty_state(0)
        self._show_summary()
        self.load()

    def on_resize(self) -> None:
        self._show_summary()

    def watch_sort_key(self) -> None:
        if self.is_mounted:
            self._update_title(None if self._listing is None else len(self._listing.rows))
            self._relist()

    def watch_reverse(self) -> None:
        self.watch_sort_key()

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        self._relist()

    @on(Input.Submitted, "#filter")
    @on(FilterBar.Cleared)
    def _filter_done(self) -> None:
        self.query_one(BookTable).focus()

    @on(BookTable.HeaderSelected)
    def _header_selected(self, event: BookTable.HeaderSelected) -> None:
        key = next(key for _, key, column in COLUMNS if column == event.column_key)
        if key is self.sort_key:
            self.reverse = not self.reverse
        else:
            self.sort_key = key
            self.reverse = False

    @on(BookTable.Selected)
    def _row_selected(self, event: BookTable.Selected) -> None:
        """The account; in the plans view, its success plan."""
        if not self.plans:
            self.post_message(OpenAccount(event.key))
            return
        rows = self._listing.rows if self._listing is not None else ()
        name = next((row.name for row in rows if row.id == event.key), "")
        self.post_message(OpenPlan(event.key, name))

    # -- actions -------------------------------------------------------------------------------

    def action_filter(self) -> None:
        self.query_one(FilterBar).open()

    def action_toggle_team(self) -> None:
        if self.workspace.me is None:
            self.notify(
                "Tell csm who you are (--as EMAIL) to see your own book.", title="Team view"
            )
            return
        self.team = not self.team

    def action_next_sort(self) -> None:
        cycle = tuple(dict.fromkeys(key for _, key, _ in columns(self.team, self.plans)))
        index = cycle.index(self.sort_key) if self.sort_key in cycle else -1
        self.sort_key = cycle[(index + 1) % len(cycle)]

    def action_reverse_sort(self) -> None:
        self.reverse = not self.reverse

    def action_toggle_plans(self) -> None:
        self.plans = not self.plans

    def action_reload(self) -> None:
        self.load()


#: What `app.open('book')` shows.
SCREEN = BookScreen
