"""The escalation ladder: every open escalation of my book (or the team's), breached first,
then the highest level, then the oldest; the resolved and closed ones on a key.

Reading, filtering and measuring run in workers; the table draws the rows in view.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import Reactive, reactive
from textual.widgets import Input, Static

from csm_tui.domain.ladder import level_words
from csm_tui.screens.base import CsmScreen, thread_work
from csm_tui.services.escalations import LadderLine
from csm_tui.widgets.filter_bar import FilterBar
from csm_tui.widgets.ladder_table import NARROW_BELOW, LadderTable, measure, risk_words
from csm_tui.widgets.line_table import Column

if TYPE_CHECKING:
    from csm_tui.services.workspace import Workspace


def matches(line: LadderLine, query: str) -> bool:
    """Every word of the filter is found in the line: its level ("l3"), risk category, owner,
    account name or CRM id."""
    row = line.row
    words = query.lower().split()
    level = level_words(row.level).lower()
    haystack = " ".join(
        (
            row.account_name,
            row.external_id or "",
            row.owner_name or "",
            row.risk_category,
            risk_words(row.risk_category),
        )
    ).lower()
    return all(word == level or word in haystack for word in words)


@dataclass(frozen=True, slots=True)
class Asked:
    """What the user asks to see, and the escalation the cursor stays on (None: the first)."""

    team: bool
    closed: bool
    query: str
    keep: str | None = None
    narrow: bool = False  # a terminal under `ladder_table.NARROW_BELOW` cells


@dataclass(frozen=True, slots=True)
class Listing:
    """The ladder as the table shows it: filtered, measured."""

    lines: Sequence[LadderLine]
    asked: Asked
    columns: tuple[Column, ...]
    cursor: int


def listing(lines: Sequence[LadderLine], asked: Asked) -> Listing:
    """Runs in a worker: filters the lines, and measures the columns on all of them."""
    columns = measure(lines, asked.team, narrow=asked.narrow)
    query = asked.query.strip()
    shown = [line for line in lines if matches(line, query)] if query else list(lines)
    cursor = next((n for n, line in enumerate(shown) if line.row.id == asked.keep), 0)
    return Listing(shown, asked, columns, cursor)


class EscalationsScreen(CsmScreen[None]):
    """The ladder of my book, the way into each escalation."""

    NAME = "Escalations"
    AUTO_FOCUS = "#ladder"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "slash",
            "filter",
            "Filter",
            key_display="/",
            priority=True,
            tooltip="Keep the escalations whose level (l3), risk, owner or account match",
        ),
        Binding("t", "toggle_team", "Mine/Team", tooltip="Your escalations, or the whole team's"),
        Binding(
            "C",
            "toggle_closed",
            "Open/Closed",
            tooltip="The resolved and closed escalations, latest first, or the open ones again",
        ),
    ]

    OTHER_KEYS: ClassVar[list[tuple[str, str]]] = [
        ("↑ ↓  j k", "Move through the ladder"),
        ("enter", "Open the escalation (escape comes back to the same row)"),
    ]

    team: Reactive[bool] = reactive(False)
    closed: Reactive[bool] = reactive(False)

    @dataclass
    class Loaded(Message):
        lines: Sequence[LadderLine]
        listing: Listing

    @dataclass
    class Listed(Message):
        lines: Sequence[LadderLine]  # what was listed: the lines of the read it came from
        listing: Listing

    def __init__(self, workspace: Workspace) -> None:
        super().__init__(workspace)
        self._lines: Sequence[LadderLine] | None = None  # as read, for `team` and `closed`
        self.set_reactive(EscalationsScreen.team, workspace.me is None)

    def compose_body(self) -> ComposeResult:
        with Vertical(id="escalations"):
            yield FilterBar(placeholder="Filter: level (l3), risk, owner, account", id="filter")
            yield LadderTable(id="ladder")
            yield Static("Loading the escalations…", id="empty")

    def on_mount(self) -> None:
        self.title = "Escalations"
        self._update_title()
        self._show_empty_state(0)
        self.load()

    # -- reading -------------------------------------------------------------------------------

    def _asked(self, *, keep: bool = False) -> Asked:
        return Asked(
            team=self.team,
            closed=self.closed,
            query=self.query_one(FilterBar).value.strip(),
            keep=self.query_one(LadderTable).cursor_key if keep else None,
            narrow=self.size.width < NARROW_BELOW,
        )

    def load(self) -> None:
        """Read the ladder again (in a worker): the cursor stays on its escalation."""
        self._load(self._asked(keep=True))

    @thread_work(group="ladder", description="read the escalations")
    def _load(self, asked: Asked) -> None:
        ladder = self.workspace.escalations.ladder(team=asked.team, closed=asked.closed)
        self.post_message(self.Loaded(ladder.lines, listing(ladder.lines, asked)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        asked = message.listing.asked
        if (asked.team, asked.closed) != (self.team, self.closed):
            return  # a stale answer for the other view: the newer load is on its way
        self._lines = message.lines
        self._show(message.listing)

    @thread_work(group="list", description="filter the escalations")
    def _list(self, lines: Sequence[LadderLine], asked: Asked) -> None:
        self.post_message(self.Listed(lines, listing(lines, asked)))

    @on(Listed)
    def _listed(self, message: Listed) -> None:
        now = self._asked()
        asked = message.listing.asked
        if message.lines is self._lines and (asked.query, asked.narrow) == (now.query, now.narrow):
            self._show(message.listing)

    def _show(self, shown: Listing) -> None:
        self.query_one(LadderTable).show(
            shown.lines, shown.columns, shown.cursor, narrow=shown.asked.narrow
        )
        self._show_empty_state(len(shown.lines))
        self._update_title(len(shown.lines))

    # -- what the screen says ------------------------------------------------------------------

    def _show_empty_state(self, shown: int) -> None:
        empty = self.query_one("#empty", Static)
        table = self.query_one(LadderTable)
        table.display = bool(shown)
        empty.display = not shown
        if shown:
            return
        query = self.query_one(FilterBar).value.strip()
        if self._lines is None:
            empty.update("Loading the escalations…")
        elif query:
            empty.update(f"No escalation matches “{query}”. Press escape to clear the filter.")
        elif self.closed:
            empty.update("No resolved or closed escalations. C shows the open ones.")
        else:
            empty.update("No open escalations. e on a triage row opens one.")

    def _update_title(self, shown: int | None = None) -> None:
        me = self.workspace.me
        who = "Team" if self.team else (me.name if me else "Team")
        which = "resolved and closed" if self.closed else "open"
        count = "" if shown is None or self._lines is None else f" · {shown:,} {which}"
        self.sub_title = f"{who}{count or ' · ' + which} · {self.workspace.today:%a %d %b %Y}"

    # -- reactions -----------------------------------------------------------------------------

    def _view_changed(self) -> None:
        if self.is_mounted:
            self._lines = None
            self._update_title()
            self.query_one(LadderTable).set_rows(())
            self._show_empty_state(0)
            self.load()

    def watch_team(self) -> None:
        self._view_changed()

    def watch_closed(self) -> None:
        self._view_changed()

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        if self._lines is not None:
            self._list(self._lines, self._asked(keep=True))

    def on_resize(self) -> None:
        """Across `NARROW_BELOW` cells the columns change: list the ladder again."""
        table = self.query_one(LadderTable)
        if self._lines is not None and table.narrow != (self.size.width < NARROW_BELOW):
            self._list(self._lines, self._asked(keep=True))

    @on(Input.Submitted, "#filter")
    @on(FilterBar.Cleared)
    def _filter_done(self) -> None:
        self.query_one(LadderTable).focus()

    @on(LadderTable.Selected)
    def _row_selected(self, event: LadderTable.Selected) -> None:
        from csm_tui.screens.escalation import EscalationScreen

        self.app.push_screen(EscalationScreen(self.workspace, event.key), self._closed_one)

    def _closed_one(self, changed: bool | None) -> None:
        if changed:
            self.load()

    # -- actions -------------------------------------------------------------------------------

    def action_filter(self) -> None:
        self.query_one(FilterBar).open()

    def action_toggle_team(self) -> None:
        if self.workspace.me is None:
            self.notify(
                "Tell csm who you are (--as EMAIL) to see your own escalations.",
                title="Team view",
            )
            return
        self.team = not self.team

    def action_toggle_closed(self) -> None:
        self.closed = not self.closed

    def action_reload(self) -> None:
        self.load()


#: What `app.open('escalations')` shows.
SCREEN = EscalationsScreen
