"""The morning triage: today's queue ranked by urgency, worked from the keyboard.

Everything that grows with the book runs in workers: reading and ranking the queue, filtering
it and measuring its columns (`listing`), putting an account's new rows in place after an
action. The UI thread only swaps the finished list into the table, which draws the rows in
view (`widgets.queue_table`). The cursor stays on the same row, or the row that took its place.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import Reactive, reactive
from textual.timer import Timer
from textual.widgets import Input, Static
from textual.worker import Worker

from csm_tui.domain.book import empty_book_words
from csm_tui.domain.health import BandThresholds
from csm_tui.domain.queue import QueueItem
from csm_tui.domain.rulebook import PLAN_ITEM_KINDS, PLAN_KIND
from csm_tui.domain.triage import (
    HEALTH_DROP,
    Counts,
    by_account,
    can_book,
    can_snooze,
    counts,
    matches,
    preset_kind,
    ranked,
    snooze_limit,
)
from csm_tui.messages import OpenAccount, OpenPlan
from csm_tui.screens.base import ESCALATE, UndoingScreen, thread_work
from csm_tui.services.triage_pages import RankedRows
from csm_tui.store.memory import gc_paused
from csm_tui.widgets.filter_bar import FilterBar
from csm_tui.widgets.queue_counts import QueueCounts
from csm_tui.widgets.queue_table import NARROW_BELOW, QueueContext, QueueTable, measure, row_key
from csm_tui.widgets.triage_panel import TriagePanel

if TYPE_CHECKING:  # the services import the store: after the first paint (services.first_view)
    from csm_tui.services.triage import Detail, Done, Triage, Undo
    from csm_tui.services.triage_view import TriageView
    from csm_tui.services.workspace import Workspace

#: How long the cursor rests on a row before its explanation is loaded (holding `j` stays smooth).
DETAIL_DELAY_S = 0.08
#: How long typing pauses before the team's queue (read from the store) is filtered.
FILTER_PAUSE_S = 0.25
#: A list the screen lets go of is dropped in a worker from this many lines, this many at a time.
RELEASE_FROM = 5_000


def _refs_when_alone() -> int:
    """What `sys.getrefcount` says of a list nothing else holds, taken as `_release` takes
    it (the count depends on how the interpreter passes references around)."""
    lists: list[list[object]] = [[]]
    rows = lists.pop()
    return sys.getrefcount(rows)


_ALONE = _refs_when_alone()


@dataclass(frozen=True, slots=True)
class Asked:
    """What the user asks to see, taken on the UI thread for a worker: whose queue, with the
    snoozed items or not, through which filter, the row the cursor is on (its key and place),
    whether the terminal is narrow, and one row per account or every item."""

    team: bool
    snoozed: bool
    query: str
    keep: tuple[str | None, int]
    narrow: bool
    every: bool = False
    #: Which queue read (or merge) asked: a thread cannot be stopped, so an older worker
    #: still answers after a newer one was started, and its answer is let go.
    generation: int = 0


@dataclass(frozen=True, slots=True)
class Listing:
    """The queue as the table shows it: the rows the filter lets through, ranked, the widths
    of their columns, and where the cursor goes."""

    rows: Sequence[QueueItem | None]  # None: a row of the team's queue not read yet
    widths: dict[str, int]
    context: QueueContext
    asked: Asked
    cursor: int


def listing(view: TriageView, asked: Asked, bands: BandThresholds) -> Listing:
    """What the table shows of `view` (one row per account, unless every item is asked for)
    through the filter, with the cursor on the row it was on (by key, else by place). Runs in
    a worker: it reads every item."""
    context = QueueContext(
        today=view.today, bands=bands, changes=view.changes, team=view.team, narrow=asked.narrow
    )
    query = asked.query.strip()
    key, place = asked.keep
    if view.pages is not None:
        pages = view.pages.rows(every=asked.every, query=query)
        pages.load_until(max(place, 0))
        found = pages.index_of(lambda item: row_key(item) == key)
        cursor = place if found is None else found
        return Listing(pages, measure(pages.read, context), context, asked, cursor)
    rows = view.items if asked.every else by_account(view.items)
    if query:
        rows = [item for item in rows if matches(item, bands.band(item.health_score), query)]
    cursor = next((n for n, item in enumerate(rows) if row_key(item) == key), place)
    return Listing(rows, measure(rows, context), context, asked, cursor)


class TriageScreen(UndoingScreen[None]):
    """The first screen: what needs a touch today, most urgent first, and why."""

    NAME = "Triage"
    AUTO_FOCUS = "#queue"
    #: Below this many cells the panel goes under the queue: the table needs about 100 cells
    #: of its own, 120 with the team's owner column, and the panel 52.
    SIDE_PANEL_FROM = 150
    SIDE_PANEL_FROM_TEAM = 175

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "l",
            "log",
            "Log touch",
            tooltip="Log a touch on the highlighted account; the kind starts as the item's",
        ),
        Binding(
            "s",
            "snooze",
            "Snooze",
            tooltip="Put the item aside until tomorrow, next week or a date, with a reason",
        ),
        ESCALATE,
        Binding(
            "x",
            "review",
            "Reviewed",
            tooltip="Mark a health drop reviewed: it leaves today's queue",
        ),
        Binding(
            "slash",
            "filter",
            "Filter",
            key_display="/",
            priority=True,
            tooltip="Keep the rows whose account, item, segment or health band match",
        ),
        Binding("t", "toggle_team", "Mine/Team", tooltip="Your queue, or the whole team's"),
        Binding(
            "u",
            "undo",
            "Undo",
            tooltip="Take back the last touch, snooze, booking, review or escalation made here",
        ),
        Binding(
            "m",
            "book",
            "Booked",
            tooltip="A meeting is already booked for the item: it waits for that day, then asks "
            "to be logged",
        ),
        Binding(
            "i",
            "toggle_items",
            "Every item",
            show=False,
            tooltip="Every item due on its own row, or one row per account (its most urgent)",
        ),
        Binding(
            "S",
            "toggle_snoozed",
            "Show snoozed",
            show=False,
            tooltip="Show the snoozed items too, or hide them again",
        ),
        Binding("r", "reload", "Refresh", show=False, tooltip="Read the queue again"),
        Binding("escape", "back", "Clear filter", show=False),
    ]

    OTHER_KEYS: ClassVar[list[tuple[str, str]]] = [
        ("↑ ↓  j k", "Move through the queue"),
        ("enter", "Open the account, or a milestone's success plan (escape comes back)"),
    ]

    team: Reactive[bool] = reactive(False)
    show_snoozed: Reactive[bool] = reactive(False)
    every_item: Reactive[bool] = reactive(False)

    @dataclass
    class Loaded(Message):
        """The queue as read (and, for a stale schedule, as read again once recomputed), or
        with an action's rows in place; only the last queue worker's answer is shown
        (`Asked.generation`)."""

        view: TriageView
        listing: Listing

    @dataclass
    class Listed(Message):
        """`view` through another filter, or drawn for another width."""

        view: TriageView
        listing: Listing

    @dataclass
    class RowsRead(Message):
        """More rows of `listing` (a team's queue) were read; `widths` of the new ones."""

        listing: Listing
        widths: dict[str, int]

    @dataclass
    class BookChecked(Message):
        """Whether the books behind an empty queue hold any account: the user's (or the
        team's, for the team's queue) and the team's."""

        team: bool
        has_accounts: bool
        team_has_accounts: bool

    @dataclass
    class DetailLoaded(Message):
        key: str
        detail: Detail

    @dataclass
    class EscalationFound(Message):
        """`e` on a row: the account's open escalation (None: it has none)."""

        item: QueueItem
        escalation_id: str | None

    class VisitDue(Message):
        """The schedule is up to date: the day's visit can be noted."""

    @dataclass
    class Reviewed(Message):
        """A health drop marked reviewed (in a worker): handled as a modal's result is."""

        done: Done

    def __init__(self, workspace: Workspace, initial: TriageView | None = None) -> None:
        """`initial`: the queue as read before the app started, painted with the screen."""
        super().__init__(workspace)
        self._initial = initial
        self._painted = False  # the side panel waits for the first paint (see on_mount)
        self.view: TriageView | None = None
        self._listing: Listing | None = None
        self._generation = 0  # of the last queue worker started: only its answer is shown
        self._detail_timer: Timer | None = None
        self._filter_timer: Timer | None = None
        #: For an empty queue: whether its book holds accounts (by `team`), read once per
        #: read of the queue (`BookChecked`); an empty book says what to do next.
        self._books: dict[bool, TriageScreen.BookChecked] = {}
        self.set_reactive(TriageScreen.team, workspace.me is None)

    def compose_body(self) -> ComposeResult:
        yield QueueCounts(id="counts")
        yield FilterBar(
            placeholder="Filter: account, what is due, segment, health band", id="filter"
        )
        with Horizontal(id="triage"):
            with Vertical(id="queue-column"):
                yield QueueTable(id="queue")
                yield Static(self._loading_words(), id="queue-empty")
            yield TriagePanel("", id="panel")

    def on_mount(self) -> None:
        self.title = "Triage"
        self._update_subtitle()
        initial, self._initial = self._initial, None
        if initial is None:
            self._painted = True
            self._show_empty_state(0)
            self.load()
            self._check_writable()
            return
        # Read before the app started: in the first paint.
        self._loaded(self.Loaded(initial, self._listing_of(initial)))
        self.call_after_refresh(self._first_painted, initial.stale)

    def _first_painted(self, stale: bool) -> None:
        """What needs the database starts now: the workspace may connect only on that first
        use (`services.first_view`), and connecting must not hold up the first paint."""
        self._painted = True
        self._after_paint(self._asked(new_read=True), stale)
        self._check_writable()
        self._schedule_detail()
        if self._listing is not None and not self._listing.rows:
            self._show_empty_state(0)  # an empty queue may be an empty book: see now

    @property
    def triage(self) -> Triage:
        return self.workspace.triage

    # -- reading -------------------------------------------------------------------------------

    def _asked(self, *, new_read: bool = False) -> Asked:
        """What the user asks to see now; `new_read` for a queue worker about to start, whose
        answer then replaces any older one's."""
        table = self.query_one("#queue", QueueTable)
        if new_read:
            self._generation += 1
        return Asked(
            team=self.team,
            snoozed=self.show_snoozed,
            query=self.query_one(FilterBar).value,
            keep=(table.cursor_key, table.cursor_row),
            narrow=self.size.width < NARROW_BELOW,
            every=self.every_item,
            generation=self._generation,
        )

    @property
    def _bands(self) -> BandThresholds:
        return self.workspace.rules.rulebook.bands

    def _listing_of(self, view: TriageView) -> Listing:
        """On the UI thread, for the queue read before the app started (a CSM's own queue,
        or a small team's: `services.first_view` leaves a large one to `load`)."""
        return listing(view, self._asked(), self._bands)

    def load(self) -> None:
        """Read the queue (in a worker) as the user asks to see it now."""
        self._books.clear()  # an import since (from the shell) fills an empty book
        self._load(self._asked(new_read=True))

    @thread_work(group="queue", description="read the queue")
    def _load(self, asked: Asked) -> None:
        """Paint the stored queue at once; if it was computed for another day (or rules file),
        recompute the book in the background and paint again."""
        view = self._read(asked)
        if view.stale:
            self._reschedule(asked)

    def _read(self, asked: Asked, rescheduled: int = 0) -> TriageView:
        """In a worker: read the queue as asked and show it; a team's, read a page at a time,
        is shown first without its health changes and counts, then with them."""
        with gc_paused():
            view = self.triage.load(
                team=asked.team, include_snoozed=asked.snoozed, refresh=False, paged=True
            )
            view = replace(view, rescheduled=rescheduled)
            self.post_message(self.Loaded(view, listing(view, asked, self._bands)))
            if view.partial and not view.stale:
                whole = replace(self.triage.with_health(view), rescheduled=0)
                self.post_message(self.Loaded(whole, listing(whole, asked, self._bands)))
        return view

    @thread_work(group="queue", description="reschedule the book for today")
    def _after_paint(self, asked: Asked, stale: bool) -> None:
        """After the first paint: bring a stale schedule up to date (and read the queue
        again); then the day's visit is noted, which the first read, writing nothing, did
        not. One after the other: the visit would wait on the reschedule's write anyway."""
        view = self.view
        if stale:
            self._reschedule(asked)
        elif view is not None and view.partial:  # a large team's first page: now its health
            with gc_paused():
                whole = self.triage.with_health(view)
                self.post_message(self.Loaded(whole, listing(whole, asked, self._bands)))
        self.post_message(self.VisitDue())

    @on(VisitDue)
    def _visit_due(self) -> None:
        self._record_visit()

    @thread_work(group="visit", description="note today's triage", exclusive=False)
    def _record_visit(self) -> None:
        self.triage.record_visit()

    def _reschedule(self, asked: Asked) -> None:
        """In a worker: recompute the whole book for today, then read the queue again."""
        self._read(asked, self.triage.schedule.recompute_all())

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        view = message.view
        if message.listing.asked.generation != self._generation:
            self._let_go(view, message.listing)  # a newer read or merge is on its way
            return
        if view.rescheduled:
            self.notify(
                f"Rescheduled {view.rescheduled:,} accounts for {view.today:%a %d %b} "
                "and the rules in force.",
                title="Schedule",
            )
        old_view, old_listing = self.view, self._listing
        self.view = view
        self._show(message.listing)
        self._let_go(old_view, old_listing)

    def work_failed(self, worker: Worker[Any]) -> None:
        super().work_failed(worker)
        if worker.group == "queue":
            self.query_one("#queue-empty", Static).update(
                "The queue could not be loaded (the message says why).\nPress r to try again."
            )

    # -- the list ------------------------------------------------------------------------------

    def _relist(self) -> None:
        """The filter or the width changed: list the same queue again, in a worker (a team's
        queue still being read is listed again when its health comes: `_show`)."""
        if self.view is not None and not self.view.partial:
            self._list(self.view, self._asked())

    @thread_work(group="list", description="filter the queue")
    def _list(self, view: TriageView, asked: Asked) -> None:
        self.post_message(self.Listed(view, listing(view, asked, self._bands)))

    @on(Listed)
    def _listed(self, message: Listed) -> None:
        """Shown if it lists the view on screen, through the filter as typed now (each key
        typed started its own pass: the last one's answer is the one to show)."""
        now = self._asked()
        asked = message.listing.asked
        if message.view is not self.view or _shape(asked) != _shape(now):
            self._let_go(None, message.listing)
            return
        old_listing = self._listing
        self._show(message.listing)
        self._let_go(None, old_listing)

    @on(QueueTable.RowsWanted, "#queue")
    def _rows_wanted(self, message: QueueTable.RowsWanted) -> None:
        shown = self._listing
        if (
            shown is not None
            and isinstance(shown.rows, RankedRows)
            and not (self.view is not None and self.view.partial)  # its rows come with it
        ):
            self._read_rows(shown, message.row)

    @thread_work(group="rows", description="read the queue's next rows", exclusive=False)
    def _read_rows(self, shown: Listing, row: int) -> None:
        rows = shown.rows
        assert isinstance(rows, RankedRows)
        before = len(rows.read)
        with gc_paused():
            if rows.load_until(row):
                widths = measure(rows.read[before:], shown.context)
                self.post_message(self.RowsRead(shown, widths))

    @on(RowsRead)
    def _rows_read(self, message: RowsRead) -> None:
        """Rows of the team's queue came into view and were read: drawn, the columns widened
        if one of them needs it, the panel explaining the row under the cursor."""
        shown = self._listing
        if shown is not message.listing:
            return
        table = self.query_one("#queue", QueueTable)
        widths = {
            key: max(width, message.widths.get(key, 0)) for key, width in shown.widths.items()
        }
        if widths != shown.widths:
            self._listing = shown = replace(shown, widths=widths)
            table.show(shown.rows, shown.context, widths, cursor=table.cursor_row)
        table.rows_arrived()
        self._update_subtitle(_count(shown.rows))
        self._schedule_detail()

    def _let_go(self, view: TriageView | None, shown: Listing | None) -> None:
        """Hand a long list the screen no longer shows to a worker, which drops it a piece at
        a time: dropped here at once, a team's queue held the screen while it was freed
        (benchmarks: team toggle, `t → mine`)."""
        current = {
            id(self.view.items) if self.view else 0,
            id(self._listing.rows) if self._listing else 0,
        }
        lists: dict[int, list[QueueItem]] = {
            id(rows): rows
            for rows in (view.items if view else None, shown.rows if shown else None)
            if isinstance(rows, list) and len(rows) > RELEASE_FROM and id(rows) not in current
        }
        if lists:
            self._release(list(lists.values()))

    @thread_work(group="release", description="let go of a list", exclusive=False)
    def _release(self, lists: list[list[QueueItem]]) -> None:
        """Empty each list a piece at a time, unless something else still holds it (a worker
        that read it): then it is dropped whole, wherever its last holder lets go."""
        while lists:
            rows = lists.pop()
            if sys.getrefcount(rows) <= _ALONE:
                while rows:
                    del rows[-RELEASE_FROM:]
            del rows

    def _show(self, shown: Listing) -> None:
        """Swap the finished list into the table: the cursor on the row the worker found."""
        view = self.view
        if view is None:
            return
        table = self.query_one("#queue", QueueTable)
        cursor, moved_to = shown.cursor, table.cursor_key
        if moved_to is not None and moved_to != shown.asked.keep[0]:
            # The user moved on while the list was made: the cursor stays where they went.
            cursor = _index_of(shown.rows, moved_to, cursor)
        table.show(shown.rows, shown.context, shown.widths, cursor=cursor)
        self._listing = shown
        self._place_panel()
        self._show_counts(view.counts)
        self._show_empty_state(len(shown.rows))
        # An empty stale view of the team's queue is being rescheduled: nothing counted yet.
        waiting = view.partial and view.pages is None
        self._update_subtitle(None if waiting else _count(shown.rows))
        self.call_after_refresh(self._schedule_detail)  # the rows first, then the panel
        if _shape(shown.asked) != _shape(self._asked()):
            self._relist()  # typed (or resized, or toggled) while this list was made

    def on_resize(self) -> None:
        self._place_panel()
        shown = self._listing
        if shown is not None and shown.context.narrow != (self.size.width < NARROW_BELOW):
            self._relist()

    def _place_panel(self) -> None:
        """Beside the queue when both fit, else under it (CSS class `-panel-below`)."""
        team = self.view.team if self.view is not None else self.team
        room = self.SIDE_PANEL_FROM_TEAM if team else self.SIDE_PANEL_FROM
        self.set_class(self.size.width < room, "-panel-below")

    def _show_counts(self, counts: Counts) -> None:
        view = self.view
        self.query_one(QueueCounts).show(
            counts,
            short=self.size.width < NARROW_BELOW,
            stale=view is not None and view.stale,
            counting=view is not None and view.partial,
            since=view.since
            if view is not None and self.size.width >= self.SIDE_PANEL_FROM
            else None,
        )

    def _loading_words(self) -> str:
        return "Reading the team's queue…" if self.team else "Reading today's queue…"

    def _show_empty_state(self, shown: int) -> None:
        table = self.query_one("#queue", QueueTable)
        empty = self.query_one("#queue-empty", Static)
        panel = self.query_one("#panel", TriagePanel)
        table.display = panel.display = bool(shown)
        table.can_focus = bool(shown)  # hidden, it would keep `enter` (open) in the footer
        empty.display = not shown
        if shown:
            if self.focused is None:
                table.focus()
            return
        if table.has_focus:
            self.set_focus(None)
        panel.show_nothing()
        view = self.view
        if view is None:
            empty.update(self._loading_words())
            self.query_one(QueueCounts).update("")  # the counts of the view being read come with it
            return
        query = self.query_one(FilterBar).value.strip()
        if query:
            empty.update(
                f"Nothing on today's queue matches “{query}”.\nPress escape to clear the filter."
            )
            return
        if view.stale:
            empty.update("Computing today's schedule…")
            return
        book = self._books.get(view.team)
        if book is None:  # a quiet day, or a book with nothing in it: ask, say meanwhile
            empty.update(self._loading_words())
            if self._painted:
                self._check_book(view.team)
            return
        if not book.has_accounts:
            mine = not view.team and book.team_has_accounts
            empty.update(empty_book_words(self.workspace.csm, mine=mine))
            self.query_one(QueueCounts).update("")  # a row of zeros says nothing here
            return
        outlook = view.outlook
        text = Text.assemble(("Nothing needs a touch today.", "bold"), "\n\n")
        if outlook is not None:
            text.append(
                f"Tomorrow: {_touches(outlook.tomorrow)}.  "
                f"Later this week: {_touches(outlook.this_week)}.\n"
            )
            if outlook.next_item is not None:
                item = outlook.next_item
                text.append(
                    f"Next up: {item.account_name}, {item.label} on {item.due_on:%a %d %b}.\n"
                )
        text.append("\nt shows the team's queue · b the book of business", style="dim")
        empty.update(text)

    @thread_work(group="writable", description="open the book for saving", exclusive=False)
    def _check_writable(self) -> None:
        """A damaged book is said at start-up, as a notification, before anything is typed
        (every save would say it too): csm writes nothing to it."""
        self.workspace.check_writable()

    @thread_work(group="book-check", description="look into the book")
    def _check_book(self, team: bool) -> None:
        workspace = self.workspace
        has = workspace.has_accounts(team=team)
        team_has = has if team or workspace.me is None else workspace.has_accounts(team=True)
        self.post_message(self.BookChecked(team, has, team_has))

    @on(BookChecked)
    def _book_checked(self, message: BookChecked) -> None:
        self._books[message.team] = message
        if self.view is not None and self.view.team == message.team and not self._listing_rows():
            self._show_empty_state(0)

    def _listing_rows(self) -> int:
        return len(self._listing.rows) if self._listing is not None else 0

    def _update_subtitle(self, shown: str | None = None) -> None:
        me = self.workspace.me
        who = "Team" if self.team or me is None else me.name
        count = "" if shown is None else f" · {shown} to do"
        every = " · every item" if self.every_item else ""
        snoozed = " · with snoozed" if self.show_snoozed else ""
        self.sub_title = f"{who}{count}{every}{snoozed} · {self.workspace.today:%a %d %b %Y}"

    def current_item(self) -> QueueItem | None:
        return self.query_one("#queue", QueueTable).cursor_value

    # -- the side panel ------------------------------------------------------------------------

    @on(QueueTable.Highlighted, "#queue")
    def _highlighted(self) -> None:
        self._schedule_detail()

    def _schedule_detail(self) -> None:
        if not self._painted:
            return
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(DETAIL_DELAY_S, self._load_current_detail)

    def _load_current_detail(self) -> None:
        item = self.current_item()
        if item is not None:
            self.load_detail(item)

    @thread_work(group="detail", description="explain the item")
    def load_detail(self, item: QueueItem) -> None:
        self.post_message(self.DetailLoaded(row_key(item), self.triage.detail(item)))

    @on(DetailLoaded)
    def _detail_loaded(self, message: DetailLoaded) -> None:
        if message.key == self.query_one("#queue", QueueTable).cursor_key:
            self.query_one("#panel", TriagePanel).show_detail(message.detail, self.workspace.today)

    # -- actions on the highlighted item -------------------------------------------------------

    def _item_or_say(self) -> QueueItem | None:
        item = self.current_item()
        if item is None:
            table = self.query_one("#queue", QueueTable)
            words = (
                "That row is still being read: a moment."
                if table.row_count
                else "Nothing is highlighted: the queue is empty."
            )
            self.notify(words, title="Triage")
        return item

    def action_log(self) -> None:
        item = self._item_or_say()
        if item is None:
            return
        from csm_tui.screens.log_touch import LogTouchModal  # on first use: start-up is budgeted

        # The service is reached in the modal's workers: the workspace may still be connecting.
        self.app.push_screen(
            LogTouchModal(
                account_id=item.account_id,
                account_name=item.account_name,
                kind=preset_kind(item.kind),
                today=self.workspace.today,
                note=_log_note(item),
                contacts=lambda: self.triage.contacts(item.account_id),
                save=lambda form: self.triage.log_touch(form),
                milestones=lambda: self.triage.due_milestones(item.account_id),
                also=[
                    (other.kind, other.label)
                    for other in item.others
                    if can_book(other.kind) and other.kind != preset_kind(item.kind)
                ],
            ),
            self._done,
        )

    def action_snooze(self) -> None:
        item = self._item_or_say()
        if item is None:
            return
        if item.kind == HEALTH_DROP:
            self.notify("A health drop is not snoozed: mark it reviewed with x.", title="Snooze")
            return
        rules, today = self.workspace.rules.rulebook, self.workspace.today
        if not can_snooze(rules, item.kind):
            self.notify(
                f"{item.label} cannot be snoozed (the rules file): log it with l, or "
                "escalate with e.",
                title="Snooze",
                severity="warning",
            )
            return
        from csm_tui.screens.snooze import SnoozeModal

        self.app.push_screen(
            SnoozeModal(
                title=f"Snooze · {item.account_name} · {item.label}",
                today=today,
                limit=snooze_limit(rules, today),
                limit_words=str(rules.snooze.max),
                save=lambda until, reason: self.triage.snooze(
                    item.account_id, item.kind, until, reason
                ),
            ),
            self._done,
        )

    def action_book(self) -> None:
        item = self._item_or_say()
        if item is None:
            return
        bookable = list(
            {  # the row's item first, then the others due on the account's row
                entry.kind: entry.label
                for entry in (item, *item.others)
                if can_book(entry.kind) and not entry.pinned  # pinned: worked now, not booked
            }.items()
        )
        if not bookable:
            why = (
                "is pinned on top (an L5 escalation or a breached SLA): log it now."
                if item.pinned
                else "is not done by a meeting: mark it reviewed with x."
                if item.kind == HEALTH_DROP
                else "is not done by a meeting: the success plan marks it done."
            )
            self.notify(f"{item.label} {why}", title="Book a meeting")
            return
        from csm_tui.screens.book_meeting import BookMeetingModal

        # One item to book for: the form says which; several: it asks.
        fixed, label = bookable[0] if len(bookable) == 1 else ("", "")
        self.app.push_screen(
            BookMeetingModal(
                title=f"Meeting booked · {item.account_name}" + (f" · {label}" if label else ""),
                today=self.workspace.today,
                items=() if fixed else bookable,
                save=lambda kind, on, note: self.triage.book(
                    item.account_id, kind or fixed, on, note
                ),
            ),
            self._done,
        )

    def action_escalate(self) -> None:
        """Open the account's escalation if it has one (to raise or follow it up), else the
        form that opens one; which it is, a worker asks the database."""
        item = self._item_or_say()
        if item is None:
            return
        self._find_escalation(item)

    @thread_work(group="escalation", description="look for the account's escalation")
    def _find_escalation(self, item: QueueItem) -> None:
        self.post_message(
            self.EscalationFound(item, self.workspace.escalations.open_of(item.account_id))
        )

    @on(EscalationFound)
    def _escalation_found(self, message: EscalationFound) -> None:
        item = message.item
        if message.escalation_id is not None:
            from csm_tui.screens.escalation import EscalationScreen

            self.app.push_screen(
                EscalationScreen(self.workspace, message.escalation_id), self._escalation_closed
            )
            return
        from csm_tui.screens.escalate import EscalateModal

        self.app.push_screen(
            EscalateModal(
                account_name=item.account_name,
                save=lambda reason, category: self.triage.escalate(
                    item.account_id, reason, category
                ),
            ),
            self._done,
        )

    def _escalation_closed(self, changed: bool | None) -> None:
        if changed:
            self.load()

    def action_review(self) -> None:
        item = self._item_or_say()
        if item is None:
            return
        if item.kind != HEALTH_DROP:
            self.notify(
                "x marks a health drop reviewed; this row is a touch to do: log it (l) "
                "or snooze it (s).",
                title="Reviewed",
            )
            return
        self.run_review(item.account_id)

    @thread_work(group="review", description="mark the drop reviewed", exclusive=False)
    def run_review(self, account_id: str) -> None:
        self.post_message(self.Reviewed(self.triage.review(account_id)))

    @on(Reviewed)
    def _reviewed(self, message: Reviewed) -> None:
        self._done(message.done)

    def undone(self, undo: Undo) -> None:
        self.load()

    def _done(self, done: Done | None) -> None:
        """After a modal or a review: remember how to undo it, say so, and put the account's
        new rows (read in the same transaction as the change) in place of its old ones."""
        if done is None:
            return
        self.remember(done.undo, done.message)
        if self.view is None or self.view.partial:
            self.load()  # a team's queue whose health changes are still being read: whole
            return
        self._merge(self.view, done, self._asked(new_read=True))

    @thread_work(group="queue", description="update the queue")
    def _merge(self, view: TriageView, done: Done, asked: Asked) -> None:
        if view.pages is not None:  # the account's ranks were written with the change
            with gc_paused():
                changed = self.triage.after_change(view, done)
                self.post_message(self.Loaded(changed, listing(changed, asked, self._bands)))
            return
        today = view.today
        account_id = str(done.undo.account_id)
        rows = [
            row
            for row in done.rows
            if asked.snoozed
            or (row.due_on <= today and (row.snoozed_until is None or row.snoozed_until <= today))
        ]
        kept = [
            item
            for item in view.items
            if item.account_id != account_id or (item.kind == HEALTH_DROP and not done.reviewed)
        ]
        with gc_paused():
            items = ranked([*kept, *rows])
            merged = replace(view, items=items, counts=counts(items, today))
            self.post_message(self.Loaded(merged, listing(merged, asked, self._bands)))

    # -- the rest of the keys ------------------------------------------------------------------

    @on(QueueTable.Selected, "#queue")
    def _row_selected(self) -> None:
        item = self.current_item()
        if item is not None and item.kind in PLAN_ITEM_KINDS:  # worked on the plan screen
            self.post_message(OpenPlan(item.account_id, item.account_name))
        elif item is not None:
            self.post_message(OpenAccount(item.account_id))

    def action_filter(self) -> None:
        self.query_one(FilterBar).open()

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        """A CSM's queue is filtered as each key is typed; the team's, whose filter reads the
        store, once typing pauses (each read of a filter matching nothing goes through every
        row: benchmarks/README.md, "The team's queue, a page at a time")."""
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None
        if self.view is not None and self.view.pages is not None:
            self._filter_timer = self.set_timer(FILTER_PAUSE_S, self._relist)
        else:
            self._relist()

    @on(Input.Submitted, "#filter")
    @on(FilterBar.Cleared)
    def _filter_done(self) -> None:
        self.query_one("#queue", QueueTable).focus()

    def action_toggle_team(self) -> None:
        if self.workspace.me is None:
            self.notify("Tell csm who you are (--as EMAIL) to see your own queue.", title="Team")
            return
        self.team = not self.team

    def watch_team(self) -> None:
        """Mine or the team's: the other list is read in a worker; meanwhile the screen says
        so rather than show rows of the view the user just left."""
        if self.is_mounted:
            old_view, old_listing = self.view, self._listing
            self.view = self._listing = None
            self.query_one("#queue", QueueTable).set_rows(())
            self._let_go(old_view, old_listing)
            self._update_subtitle()
            self._show_empty_state(0)
            self.load()

    def action_toggle_snoozed(self) -> None:
        self.show_snoozed = not self.show_snoozed

    def action_toggle_items(self) -> None:
        self.every_item = not self.every_item

    def watch_every_item(self) -> None:
        """The queue read holds every item: only the list is made again."""
        if self.is_mounted:
            self._relist()

    def watch_show_snoozed(self) -> None:
        if self.is_mounted:
            self._update_subtitle()
            self.load()

    def action_reload(self) -> None:
        self.load()


def _shape(asked: Asked) -> tuple[str, bool, bool]:
    """What a list made for `asked` depends on besides the view: a list made for another
    shape is made again."""
    return asked.query.strip(), asked.narrow, asked.every


def _index_of(rows: Sequence[QueueItem | None], key: str, default: int) -> int:
    """The row keyed `key` (among those read, for a team's queue), else `default`."""
    if isinstance(rows, RankedRows):
        found = rows.index_of(lambda item: row_key(item) == key)
        return default if found is None else found
    return next((n for n, item in enumerate(rows) if item and row_key(item) == key), default)


def _count(rows: Sequence[QueueItem | None]) -> str:
    """'1,234', or '200+' for a filtered team's queue not read to the end."""
    if isinstance(rows, RankedRows) and rows.known_length is None:
        return f"{len(rows.read):,}+"
    return f"{len(rows):,}"


def _log_note(item: QueueItem) -> str | None:
    """What logging a touch will not do for this row, said before the user types."""
    if item.kind == "milestone":
        return (
            "A touch does not complete the milestone: it stays on the queue until the "
            "success plan marks it done."
        )
    if item.kind == PLAN_KIND:
        return (
            "A touch does not answer a plan at risk: review the plan with the customer "
            "(enter opens it, R marks it reviewed)."
        )
    if item.kind == HEALTH_DROP:
        return "Logging a touch does not clear the health drop: mark it reviewed with x."
    return None


def _touches(count: int) -> str:
    return "nothing" if count == 0 else "1 touch" if count == 1 else f"{count} touches"


#: `CsmApp.action_open("triage")` (`csm --open triage`): the screen the app opens on anyway.
SCREEN = TriageScreen
