"""The weekly wrap-up (issue 22): a CSM's week, or the team's.

A CSM opens it on Friday for their week and their notes for the manager; a manager (and anyone
csm does not know by name) opens it on the team's week, what needs them first, and enter on a
CSM opens that CSM's week over it (their submitted notes only). `[` and `]` go a week back and
forward, `w` writes what is shown as the Markdown `csm wrapup --format md` writes, and the
notification says where.

The week is read in a worker: the screen paints at once with what it is reading, and an answer
for a week or a view no longer asked for is let go.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import Reactive, reactive
from textual.widgets import ContentSwitcher, OptionList, Static

from csm_tui import paths
from csm_tui.domain.iso_week import IsoWeek
from csm_tui.domain.wrapup import week_head
from csm_tui.messages import OpenAccount
from csm_tui.screens.base import CsmScreen, thread_work
from csm_tui.services.wrapup_notes import NotesDone, NotesUndo
from csm_tui.services.wrapup_view import (
    ShownTeam,
    ShownWeek,
    read_team,
    read_week,
    report_path,
)
from csm_tui.widgets.line_table import Column
from csm_tui.widgets.team_week_table import (
    NARROW_BELOW,
    TeamLine,
    TeamWeekTable,
    column_keys,
    detail_text,
    measure,
    totals_text,
)
from csm_tui.widgets.week_lines import WeekLines, WeekRow, week_rows

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.worker import Worker

    from csm_tui.services.workspace import Workspace


@dataclass(frozen=True, slots=True)
class Asked:
    """What the screen asks to see: a week, the team's or a member's (None: the reader's)."""

    week: IsoWeek
    team: bool
    member_id: str | None
    width: int = 80  # of the terminal: the team's columns (`team_week_table.column_keys`)


@dataclass(frozen=True, slots=True)
class Read:
    """A week as read and laid out in the worker, ready to show."""

    asked: Asked
    shown: ShownWeek | ShownTeam
    rows: list[WeekRow]  # a CSM's week: its lines
    lines: list[TeamLine]  # the team's week: its rows
    columns: tuple[Column, ...] = ()  # the team's table, measured


def read(workspace: Workspace, asked: Asked) -> Read:
    """Runs in a worker: the week, its notes, and its lines or rows."""
    wrapup, notes = workspace.wrapup, workspace.weekly_notes
    if asked.team:
        shown = read_team(wrapup, asked.week)
        team = shown.team
        lines = [
            TeamLine(
                row, team.notes_of(row.week.member_id), team.shows_notes_of(row.week.member_id)
            )
            for row in team.rows
        ]
        return Read(asked, shown, [], lines, measure(lines, asked.width))
    week = read_week(wrapup, notes, asked.week, asked.member_id)
    return Read(asked, week, week_rows(week), [])


class WrapupScreen(CsmScreen[None]):
    """The wrap-up of a week; over the team's, a CSM's week opened from it."""

    NAME = "Weekly wrap-up"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "left_square_bracket",
            "week(-1)",
            "Week before",
            key_display="[",
            tooltip="The week before this one",
        ),
        Binding(
            "right_square_bracket",
            "week(1)",
            "Week after",
            key_display="]",
            tooltip="The week after this one",
        ),
        Binding("t", "toggle_team", "Mine/Team", tooltip="Your week, or the team's"),
        Binding("n", "notes", "Notes", tooltip="Write your wins, risks and asks of the week"),
        Binding(
            "S",
            "submit",
            "Submit notes",
            show=False,
            tooltip="Send the week's notes to your manager: from then on they stay as sent",
        ),
        Binding("u", "undo", "Undo", show=False, tooltip="Take back the last save of the notes"),
        Binding(
            "w",
            "write",
            "Write report",
            tooltip="Write what is shown as Markdown, for an e-mail or a doc "
            "(the notification says where)",
        ),
        Binding(
            "T",
            "trends",
            "Trends",
            tooltip="The 12 weeks ending with this one in pictures: calls against the target, "
            "health bands, open escalations",
        ),
        Binding("r", "reload", "Refresh", show=False, tooltip="Read the week again"),
    ]

    OTHER_KEYS: ClassVar[list[tuple[str, str]]] = [
        ("↑ ↓  j k", "Move through the accounts (the team's week: the CSMs)"),
        ("enter", "Open the account, or the CSM's week; on your notes, write them"),
    ]

    week: Reactive[IsoWeek] = reactive(IsoWeek(2000, 1), init=False)
    team: Reactive[bool] = reactive(False, init=False)

    @dataclass
    class Loaded(Message):
        read: Read

    @dataclass
    class Written(Message):
        path: Path
        what: str

    @dataclass
    class NotesChanged(Message):
        """The notes were saved, submitted or put back: say it, and read the week again."""

        message: str
        undo: NotesUndo | None = None

    def __init__(
        self,
        workspace: Workspace,
        week: IsoWeek | None = None,
        *,
        member_id: str | None = None,
        team: bool | None = None,
    ) -> None:
        super().__init__(workspace)
        me = workspace.me
        self.member_id = member_id  # whose week: None, the reader's
        if team is None:
            team = member_id is None and (me is None or me.is_manager)
        self.set_reactive(WrapupScreen.week, week or IsoWeek.of(workspace.today))
        self.set_reactive(WrapupScreen.team, team)
        self.shown: ShownWeek | ShownTeam | None = None  # None while it is being read
        self._last: ShownWeek | ShownTeam | None = (
            None  # shown before: the cursor stays on a reload
        )
        self._undo: list[NotesUndo] = []
        self._busy = False  # notes being submitted or put back: wait for it

    def compose_body(self) -> ComposeResult:
        with Vertical(id="wrapup"):
            yield Static("", id="wrapup-head")
            with ContentSwitcher(id="wrapup-views", initial="week-lines"):
                yield WeekLines(id="week-lines")
                with Vertical(id="team-view"):
                    yield TeamWeekTable(id="team-table")
                    yield Static("", id="team-totals")
                    yield Static("", id="team-detail")
            yield Static("", id="wrapup-loading")

    def on_mount(self) -> None:
        self.title = "Weekly wrap-up"
        self.load()

    # -- reading -------------------------------------------------------------------------------

    def _asked(self) -> Asked:
        return Asked(self.week, self.team, self.member_id, width=self.size.width)

    def load(self) -> None:
        """Say what is being read, and read it (in a worker)."""
        asked = self._asked()
        self.shown = None
        whose = "the team's week" if asked.team else "the week"
        self.query_one("#wrapup-loading", Static).update(f"Reading {whose} {asked.week}…")
        self._show_loading(True)
        self._update_title()
        self._load(asked)

    @thread_work(group="wrapup", description="read the week")
    def _load(self, asked: Asked) -> None:
        self.post_message(self.Loaded(read(self.workspace, asked)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        found = message.read
        asked = found.asked
        if (asked.week, asked.team) != (self.week, self.team):
            return  # an answer for a week or a view no longer asked for
        self.shown = found.shown
        self._show_loading(False)
        if isinstance(found.shown, ShownTeam):
            self._show_team(found.shown, found)
        else:
            self._show_week(found.shown, found.rows)
        self._update_title()

    def _show_loading(self, loading: bool) -> None:
        self.query_one("#wrapup-loading").display = loading
        self.query_one("#wrapup-views").display = not loading

    def _show_week(self, shown: ShownWeek, rows: list[WeekRow]) -> None:
        csm = shown.csm
        head = week_head(csm.name, csm.week, csm.today, csm.as_of)
        if not shown.own:
            head += " · their submitted notes only"
        self.query_one("#wrapup-head", Static).update(Content.styled(head, "bold"))
        lines = self.query_one(WeekLines)
        same = isinstance(self._last, ShownWeek) and self._last.csm.week == csm.week
        lines.show(rows, lines.highlighted if same else None)
        self._last = shown
        self.query_one(ContentSwitcher).current = "week-lines"
        lines.focus()

    def _show_team(self, shown: ShownTeam, found: Read) -> None:
        team = shown.team
        csms = len(team.rows)
        head = (
            f"{week_head(team.title, team.week, team.today, team.as_of)}: "
            f"{csms} CSM{'' if csms == 1 else 's'}, {len(team.needing)} needing you, "
            f"{team.behind} under their call target"
        )
        self.query_one("#wrapup-head", Static).update(Content.styled(head, "bold"))
        table = self.query_one(TeamWeekTable)
        keys = [line.member_id for line in found.lines]
        kept = table.cursor_key
        self._last = shown
        cursor = keys.index(kept) if kept in keys else 0
        table.show(found.lines, found.columns, cursor, narrow=found.asked.width < NARROW_BELOW)
        self.query_one("#team-totals", Static).update(totals_text(team.totals, csms))
        self._show_detail()
        self.query_one(ContentSwitcher).current = "team-view"
        table.focus()

    def _show_detail(self) -> None:
        table = self.query_one(TeamWeekTable)
        self.query_one("#team-detail", Static).update(detail_text(table.cursor_value))

    def _update_title(self) -> None:
        me = self.workspace.me
        if isinstance(self.shown, ShownTeam):
            who = self.shown.team.title
        elif self.team:
            who = "Team"
        elif isinstance(self.shown, ShownWeek):
            who = self.shown.csm.name
        else:
            who = me.name if me is not None and self.member_id is None else "A CSM"
        self.sub_title = f"{who} · {self.week} · {self.workspace.today:%a %d %b %Y}"

    # -- reactions -----------------------------------------------------------------------------

    def watch_week(self) -> None:
        self.load()

    def watch_team(self) -> None:
        self.load()

    def on_resize(self) -> None:
        """A wider or narrower terminal may show other columns of the team's: measure them
        again (a row per CSM: a team, not a book, so here and not in a worker)."""
        table = self.query_one(TeamWeekTable)
        if not isinstance(self.shown, ShownTeam) or not table.columns:
            return
        width = self.size.width
        if column_keys(width) != tuple(column.key for column in table.columns):
            lines = table.read_rows
            table.show(lines, measure(lines, width), table.cursor_row, narrow=width < NARROW_BELOW)

    @on(TeamWeekTable.Highlighted)
    def _csm_highlighted(self) -> None:
        self._show_detail()

    @on(TeamWeekTable.Selected)
    def _csm_selected(self, event: TeamWeekTable.Selected) -> None:
        me = self.workspace.me
        mine = me is not None and event.key == me.id
        screen = WrapupScreen(
            self.workspace, self.week, member_id=None if mine else event.key, team=False
        )
        self.app.push_screen(screen)

    @on(OptionList.OptionSelected, "#week-lines")
    def _line_selected(self) -> None:
        row = self.query_one(WeekLines).current
        if row is None:
            return
        if row.account_id is not None:
            self.post_message(OpenAccount(row.account_id))
        elif row.notes:
            self.action_notes()

    # -- actions -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The notes' keys are for the reader's own week; `t` and `T` are not for a CSM's week
        opened from the team's (escape goes back to it)."""
        if action in ("notes", "submit", "undo"):
            return self.member_id is None and not self.team
        if action in ("toggle_team", "trends"):
            return self.member_id is None
        return True

    def action_week(self, step: int) -> None:
        self.week = self.week.shifted(step)

    def action_toggle_team(self) -> None:
        if self.member_id is not None:
            self.notify(
                "This is a CSM's week opened from the team's: escape goes back to it.",
                title="Team view",
            )
            return
        if self.workspace.me is None:
            self.notify(
                "Tell csm who you are (--as EMAIL) to see your own week.", title="Team view"
            )
            return
        self.team = not self.team

    def action_reload(self) -> None:
        self.load()

    def action_trends(self) -> None:
        from csm_tui.screens.wrapup_trends import WrapupTrendsScreen

        self.app.push_screen(WrapupTrendsScreen(self.workspace, self.week, self.team))

    def _own_week(self) -> ShownWeek | None:
        """The reader's own week as shown, or None after saying why the notes are not theirs."""
        shown = self.shown
        if isinstance(shown, ShownWeek) and shown.own:
            return shown
        if shown is None:
            self.notify("The week is still being read.", title="Notes")
        elif isinstance(shown, ShownTeam):
            self.notify("Your notes are on your own week: t shows it.", title="Notes")
        else:
            self.notify(f"These are {shown.csm.name}'s notes, not yours.", title="Notes")
        return None

    def action_notes(self) -> None:
        shown = self._own_week()
        me = self.workspace.me
        if shown is None or me is None:
            return
        notes = shown.notes
        if notes is not None and notes.submitted:
            self.notify(
                f"The notes of {shown.csm.week} were {notes.status_words}: "
                "they stay as they were sent.",
                title="Notes",
            )
            return
        from csm_tui.screens.weekly_notes import NotesModal

        week = shown.csm.week

        def save(**texts: str) -> NotesDone:
            return self.workspace.weekly_notes.save(me, week, **texts)

        self.app.push_screen(NotesModal(week, notes, save), self._notes_saved)

    def _notes_saved(self, done: NotesDone | None) -> None:
        if done is not None:
            self.post_message(self.NotesChanged(done.message, done.undo))

    def action_submit(self) -> None:
        shown = self._own_week()
        me = self.workspace.me
        if shown is None or me is None or self._busy:
            return
        from csm_tui.screens.confirm import ConfirmModal

        week = shown.csm.week
        modal = ConfirmModal(
            title=f"Submit the notes of {week}?",
            body="Your manager reads them in the team's week. Once sent they stay as they "
            "are: nothing more can be changed in them.",
            hint="y submits them, n keeps them as a draft",
            confirm="Submit",
            run=lambda: self.workspace.weekly_notes.submit(me, week),
        )
        self.app.push_screen(modal, self._notes_saved)

    def action_undo(self) -> None:
        if self._busy:
            return
        if not self._undo:
            self.notify("Nothing to undo on this screen.", title="Undo")
            return
        self._busy = True
        self._put_back(self._undo[-1])

    @thread_work(group="undo", description="undo")
    def _put_back(self, undo: NotesUndo) -> None:
        words = self.workspace.weekly_notes.undo(undo)
        self.post_message(self.NotesChanged(words, undo))

    @on(NotesChanged)
    def _notes_changed(self, message: NotesChanged) -> None:
        undo = message.undo
        if undo is not None and undo in self._undo:  # the undo's answer
            self._busy = False
            self._undo.remove(undo)
            self.notify(message.message, title="Undo")
        elif undo is not None:
            self._undo.append(undo)
            self.notify(f"{message.message}  (u undoes it)", title="Notes")
        else:
            self.notify(message.message, title="Notes")
        self.load()

    def work_failed(self, worker: Worker[Any]) -> None:
        if worker.group == "undo":
            self._busy = False  # the undo stays: u tries it again

    def action_write(self) -> None:
        shown = self.shown
        if shown is None:
            self.notify("The week is still being read.", title="Write report")
            return
        self._write(shown, paths.data_dir())

    @thread_work(group="write", description="write the report")
    def _write(self, shown: ShownWeek | ShownTeam, folder: Path) -> None:
        path = report_path(folder, shown)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(shown.markdown(), encoding="utf-8")
        what = (
            f"the team's week {shown.team.week}"
            if isinstance(shown, ShownTeam)
            else f"{shown.csm.name}'s week {shown.csm.week}"
        )
        self.post_message(self.Written(path, what))

    @on(Written)
    def _written(self, message: Written) -> None:
        """Say where; in a browser (`csm serve`) the file is on the server's disk, so the
        browser downloads it too."""
        if self.app.is_web:
            self.app.deliver_text(message.path, save_filename=message.path.name)
            where = f"{message.path} on the server; your browser downloads it"
        else:
            where = str(message.path)
        self.notify(
            f"Wrote {message.what} as Markdown to {where}", title="Report written", markup=False
        )


#: What `app.open('wrapup')` shows.
SCREEN = WrapupScreen
