"""The morning triage: today's queue ranked by urgency, worked from the keyboard.

Reads and writes run in thread workers (`services.triage`); the table is patched in place
after each action, and the cursor stays on the same row, or the row that took its place.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Header, Input, Static

from csm_tui.domain.queue import QueueItem
from csm_tui.domain.triage import (
    HEALTH_DROP,
    Counts,
    can_snooze,
    counts,
    matches,
    preset_kind,
    ranked,
    snooze_limit,
)
from csm_tui.widgets.footer import Footer
from csm_tui.widgets.forms import steady
from csm_tui.widgets.line_table import Column
from csm_tui.widgets.queue_table import NARROW_BELOW, QueueTable, cells, columns, row_key
from csm_tui.widgets.triage_panel import TriagePanel

if TYPE_CHECKING:  # the services import the store: after the first paint (services.first_view)
    from csm_tui.services.triage import Detail, Done, Triage, Undo
    from csm_tui.services.triage_view import TriageView
    from csm_tui.services.workspace import Workspace

#: How long the cursor rests on a row before its explanation is loaded (holding `j` stays smooth).
DETAIL_DELAY_S = 0.08


class TriageScreen(Screen[None]):
    """The default screen: what needs a touch today, most urgent first, and why."""

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
        Binding(
            "e",
            "escalate",
            "Escalate",
            tooltip="Open a level 1 escalation with a reason and a risk category",
        ),
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
            tooltip="Keep the rows whose account, item, segment or health band match",
        ),
        Binding("t", "toggle_team", "Mine/Team", tooltip="Your queue, or the whole team's"),
        Binding(
            "u",
            "undo",
            "Undo",
            tooltip="Take back the last touch, snooze, review or escalation of this screen",
        ),
        Binding("question_mark", "help", "Keys", key_display="?", tooltip="This list"),
        Binding(
            "S",
            "toggle_snoozed",
            "Show snoozed",
            show=False,
            tooltip="Show the snoozed items too, or hide them again",
        ),
        Binding("r", "reload", "Refresh", show=False, tooltip="Read the queue again"),
        Binding(
            "b",
            "book",
            "Book of business",
            show=False,
            tooltip="Every account of your book (escape comes back)",
        ),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("q", "app.quit", "Quit", show=False),
    ]

    #: Keys the help screen lists besides the bindings above (they live elsewhere).
    OTHER_KEYS: ClassVar[list[tuple[str, str]]] = [
        ("↑ ↓  j k", "Move through the queue"),
        ("enter", "Open the account (escape comes back to the same row)"),
        ("ctrl+p", "Command palette: find any account, or run any action of this screen"),
    ]

    team: reactive[bool] = reactive(False)
    show_snoozed: reactive[bool] = reactive(False)
    filter_text: reactive[str] = reactive("")

    @dataclass
    class Loaded(Message):
        view: TriageView

    @dataclass
    class LoadFailed(Message):
        error: str

    @dataclass
    class DetailLoaded(Message):
        key: str
        detail: Detail

    @dataclass
    class OpenAccount(Message):
        account_id: str

    def __init__(self, workspace: Workspace, initial: TriageView | None = None) -> None:
        """`initial`: the queue as read before the app started, painted with the screen."""
        super().__init__()
        self.workspace = workspace
        self._initial = initial
        self._painted = False  # the side panel waits for the first paint (see on_mount)
        self.view: TriageView | None = None
        self._items: dict[str, QueueItem] = {}
        self._undo: list[Undo] = []
        self._detail_timer: Timer | None = None
        self._rendered_narrow: bool | None = None
        self.set_reactive(TriageScreen.team, workspace.me is None)

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="◆")
        yield Static("", id="counts")
        yield steady(
            Input(placeholder="Filter: account, what is due, segment, health band", id="filter")
        )
        with Horizontal(id="triage"):
            with Vertical(id="queue-column"):
                yield QueueTable(id="queue")
                yield Static("Loading today's queue…", id="queue-empty")
            yield TriagePanel("", id="panel")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Triage"
        self._update_subtitle()
        initial, self._initial = self._initial, None
        if initial is None:
            self._painted = True
            self.load()
            return
        self._loaded(self.Loaded(initial))  # read before the app started: in the first paint
        self.call_after_refresh(self._first_painted, initial.stale)

    def _first_painted(self, stale: bool) -> None:
        """What needs the database starts now: the workspace may connect only on that first
        use (`services.first_view`), and connecting must not hold up the first paint."""
        self._painted = True
        self.record_visit()  # not noted by the first read, which wrote nothing
        if stale:
            self.reschedule()
        self._schedule_detail()

    @property
    def triage(self) -> Triage:
        return self.workspace.triage

    # -- loading -----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="queue")
    def load(self) -> None:
        """Paint the stored queue at once; if it was computed for another day (or rules file),
        recompute the book in the background and paint again."""
        try:
            view = self.triage.load(
                team=self.team, include_snoozed=self.show_snoozed, refresh=False
            )
            self.post_message(self.Loaded(view))
            if view.stale:
                self._reschedule()
        except Exception as error:  # shown to the user, never a traceback
            self.post_message(self.LoadFailed(str(error)))

    @work(thread=True, group="visit")
    def record_visit(self) -> None:
        try:
            self.triage.record_visit()
        except Exception:  # the next load notes it; not worth a notification
            return

    @work(thread=True, exclusive=True, group="queue")
    def reschedule(self) -> None:
        try:
            self._reschedule()
        except Exception as error:  # shown to the user, never a traceback
            self.post_message(self.LoadFailed(str(error)))

    def _reschedule(self) -> None:
        """In a worker: recompute the whole book for today, then read the queue again."""
        rescheduled = self.triage.schedule.recompute_all()
        view = self.triage.load(team=self.team, include_snoozed=self.show_snoozed, refresh=False)
        self.post_message(self.Loaded(replace(view, rescheduled=rescheduled)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        view = message.view
        if view.team != (self.team or self.workspace.me is None):
            return  # the answer for the other view: the newer load is on its way
        if view.rescheduled:
            self.notify(
                f"Rescheduled {view.rescheduled:,} accounts for {view.today:%a %d %b} "
                "and the rules in force.",
                title="Schedule",
            )
        self.view = view
        self._items = {row_key(item): item for item in view.items}
        self._render_rows()

    @on(LoadFailed)
    def _load_failed(self, message: LoadFailed) -> None:
        self.notify(message.error, title="Could not load the queue", severity="error", timeout=10)
        self.query_one("#queue-empty", Static).update(
            f"The queue could not be loaded: {message.error}\nPress r to try again."
        )

    # -- rendering ---------------------------------------------------------------------------

    def _visible(self) -> list[QueueItem]:
        if self.view is None:
            return []
        bands = self.workspace.rules.rulebook.bands
        query = self.filter_text.strip()
        return [
            item
            for item in self.view.items
            if not query or matches(item, bands.band(item.health_score), query)
        ]

    def _render_rows(self, *, patch: bool = False) -> None:
        """Fill the table, keeping the cursor on the same item, or at the same place when that
        item left the queue (logged, snoozed, reviewed). With `patch`, rows that merely left
        are removed in place (no rebuild of the table) when no new row has to be shown."""
        table = self.query_one("#queue", QueueTable)
        view = self.view
        if view is None:
            return
        if patch and self._remove_rows(table):
            return
        keep_key, keep_row = self._current_key(), table.cursor_row
        bands = self.workspace.rules.rulebook.bands
        team, narrow = view.team, self._narrow
        rows = [
            (
                row_key(item),
                cells(
                    item,
                    view.today,
                    view.changes.get(item.account_id),
                    bands,
                    team=team,
                    narrow=narrow,
                ),
            )
            for item in self._visible()
        ]
        shown = columns(team=team, narrow=narrow)
        widths = [cell_len(label) for label, _ in shown]
        for _, row in rows:
            widths = [max(width, cell.cell_len) for width, cell in zip(widths, row, strict=True)]
        table.set_columns(
            Column(key, label, width) for (label, key), width in zip(shown, widths, strict=True)
        )
        keys = [key for key, _ in rows]
        table.set_rows(rows, cursor=keys.index(keep_key) if keep_key in keys else keep_row)
        self._rendered_narrow = narrow
        self._place_panel()
        self._show_counts(view.counts)
        self._show_empty_state(len(rows))
        self._update_subtitle(len(rows))
        self.call_after_refresh(self._schedule_detail)  # the rows first, then the panel

    def _remove_rows(self, table: QueueTable) -> bool:
        """Drop the table's rows that are no longer visible, if no new row has to be shown.

        The rows that stay keep their place even if the change moved their rank a little
        (another item of the same account): `r` (or the next load) ranks everything again.
        """
        wanted = {row_key(item) for item in self._visible()}
        shown = table.keys
        if not wanted <= set(shown):
            return False  # a new row to place: rebuild
        table.remove_rows(key for key in shown if key not in wanted)
        assert self.view is not None
        self._show_counts(self.view.counts)
        self._show_empty_state(table.row_count)
        self._update_subtitle(table.row_count)
        self._schedule_detail()
        return True

    @property
    def _narrow(self) -> bool:
        return self.size.width < NARROW_BELOW

    def on_resize(self) -> None:
        self._place_panel()
        if self.view is not None and self._narrow != self._rendered_narrow:
            self._render_rows()

    def _place_panel(self) -> None:
        """Beside the queue when both fit, else under it (CSS class `-panel-below`)."""
        team = self.view.team if self.view is not None else self.team
        room = self.SIDE_PANEL_FROM_TEAM if team else self.SIDE_PANEL_FROM
        self.set_class(self.size.width < room, "-panel-below")

    def _show_counts(self, counts: Counts) -> None:
        line = Text()
        for number, words in counts.parts(short=self._narrow):
            if line:
                line.append(" · ", style="dim")
            style = "bold red" if number and words == "overdue" else "bold" if number else "dim"
            line.append(f"{number} {words}", style=style)
        if self.view is not None and self.view.stale:
            line.append("   rescheduling for today…", style="bold yellow")
        elif self.view is not None and self.size.width >= self.SIDE_PANEL_FROM:
            line.append(f"   (changes since {self.view.since:%a %d %b})", style="dim")
        self.query_one("#counts", Static).update(line)

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
        if self.filter_text.strip():
            empty.update(
                f"Nothing on today's queue matches “{self.filter_text.strip()}”.\n"
                "Press escape to clear the filter."
            )
            return
        view = self.view
        outlook = view.outlook if view is not None else None
        if view is not None and view.stale:
            empty.update("Computing today's schedule…")
            return
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

    def _update_subtitle(self, shown: int | None = None) -> None:
        me = self.workspace.me
        who = "Team" if self.team or me is None else me.name
        count = "" if shown is None else f" · {shown} to do"
        snoozed = " · with snoozed" if self.show_snoozed else ""
        self.sub_title = f"{who}{count}{snoozed} · {self.workspace.today:%a %d %b %Y}"

    def _current_key(self) -> str | None:
        return self.query_one("#queue", QueueTable).cursor_key

    def current_item(self) -> QueueItem | None:
        key = self._current_key()
        return self._items.get(key) if key is not None else None

    # -- the side panel ----------------------------------------------------------------------

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

    @work(thread=True, exclusive=True, group="detail")
    def load_detail(self, item: QueueItem) -> None:
        try:
            detail = self.triage.detail(item)
        except Exception:  # the panel is a help, not worth a notification
            return
        self.post_message(self.DetailLoaded(row_key(item), detail))

    @on(DetailLoaded)
    def _detail_loaded(self, message: DetailLoaded) -> None:
        if message.key == self._current_key():
            self.query_one("#panel", TriagePanel).show_detail(message.detail, self.workspace.today)

    # -- actions on the highlighted item -----------------------------------------------------

    def _item_or_say(self) -> QueueItem | None:
        item = self.current_item()
        if item is None:
            self.notify("Nothing is highlighted: the queue is empty.", title="Triage")
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

    def action_escalate(self) -> None:
        item = self._item_or_say()
        if item is None:
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

    @work(thread=True, group="actions")
    def run_review(self, account_id: str) -> None:
        try:
            done = self.triage.review(account_id)
        except Exception as error:
            self.app.call_from_thread(self.notify, str(error), title="Reviewed", severity="error")
        else:
            self.app.call_from_thread(self._done, done)

    def action_undo(self) -> None:
        if not self._undo:
            self.notify("Nothing to undo on this screen.", title="Undo")
            return
        self.run_undo(self._undo.pop())

    @work(thread=True, group="actions")
    def run_undo(self, undo: Undo) -> None:
        try:
            message = self.triage.undo(undo)
        except Exception as error:
            self._undo.append(undo)
            self.app.call_from_thread(
                self.notify, f"Could not undo: {error}", title="Undo", severity="error"
            )
        else:
            self.app.call_from_thread(self._after_change, message, "Undo")

    def _done(self, done: Done | None) -> None:
        """After a modal or a review: remember how to undo it, say so, and put the account's
        new rows (read in the same transaction as the change) in place of its old ones."""
        if done is None:
            return
        self._undo.append(done.undo)
        self.notify(f"{done.message}  (u undoes it)", title="Done")
        if self.view is None:
            self.load()
            return
        today = self.workspace.today
        account_id = str(done.undo.account_id)
        rows = [
            row
            for row in done.rows
            if self.show_snoozed
            or (row.due_on <= today and (row.snoozed_until is None or row.snoozed_until <= today))
        ]
        kept = [
            item
            for item in self.view.items
            if item.account_id != account_id or (item.kind == HEALTH_DROP and not done.reviewed)
        ]
        items = ranked([*kept, *rows])
        self.view = replace(self.view, items=items, counts=counts(items, today))
        self._items = {row_key(item): item for item in items}
        self._render_rows(patch=True)

    def _after_change(self, message: str, title: str) -> None:
        self.notify(message, title=title)
        self.load()

    # -- the rest of the keys ----------------------------------------------------------------

    @on(QueueTable.Selected, "#queue")
    def _row_selected(self) -> None:
        item = self.current_item()
        if item is not None:
            self.post_message(self.OpenAccount(item.account_id))

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.display = False
        self.query_one("#queue", QueueTable).focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.query_one("#queue", QueueTable).focus()

    def watch_filter_text(self) -> None:
        if self.is_mounted and self.view is not None:
            self._render_rows()

    def action_toggle_team(self) -> None:
        if self.workspace.me is None:
            self.notify("Tell csm who you are (--as EMAIL) to see your own queue.", title="Team")
            return
        self.team = not self.team

    def watch_team(self) -> None:
        if self.is_mounted:
            self._update_subtitle()
            self.load()

    def action_toggle_snoozed(self) -> None:
        self.show_snoozed = not self.show_snoozed

    def watch_show_snoozed(self) -> None:
        if self.is_mounted:
            self._update_subtitle()
            self.load()

    def action_reload(self) -> None:
        self.load()

    def account_changed(self) -> None:
        """Something was saved on an account opened from here: read again (the cursor stays)."""
        self.load()

    def action_book(self) -> None:
        from csm_tui.screens.book import BookScreen

        self.app.push_screen(BookScreen(self.workspace))

    def action_help(self) -> None:
        from csm_tui.screens.help import HelpScreen, screen_keys

        self.app.push_screen(HelpScreen("Triage", screen_keys(self)))


def _log_note(item: QueueItem) -> str | None:
    """What logging a touch will not do for this row, said before the user types."""
    if item.kind == "milestone":
        return (
            "A touch does not complete the milestone: it stays on the queue until the "
            "success plan marks it done."
        )
    if item.kind == HEALTH_DROP:
        return "Logging a touch does not clear the health drop: mark it reviewed with x."
    return None


def _touches(count: int) -> str:
    return "nothing" if count == 0 else "1 touch" if count == 1 else f"{count} touches"
