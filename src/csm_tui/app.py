"""The Textual application, built by `make_app` for the CLI, the tests and the benchmarks.

The app holds what every screen shares: the keys that mean the same thing everywhere (`?`,
`ctrl+p`, `q`, and the keys that open a screen by name, `b`, `L`, `W`), opening an account from any
screen (`messages.OpenAccount`), the one place where a failed worker is said (`work_failed`), and
a laptop's sync with its team (issue 23): the sync key `Y`, and the line every screen shows of a
book that syncs (`widgets.sync_status`).
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar
from weakref import WeakSet

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from csm_tui.messages import OpenAccount, OpenPlan, WorkFailed
from csm_tui.rules import rules_for
from csm_tui.screens.base import CsmScreen, failure_words, thread_work
from csm_tui.screens.triage import TriageScreen
from csm_tui.services.first_view import first_view
from csm_tui.services.workspace import Workspace
from csm_tui.settings import Settings
from csm_tui.store import raw
from csm_tui.widgets.sync_status import SyncLine, sync_line

if TYPE_CHECKING:
    from textual.command import Provider
    from textual.timer import Timer

    from csm_tui.screens.account import AccountScreen
    from csm_tui.services.account import AccountView
    from csm_tui.services.sync_run import SyncReport, SyncState
    from csm_tui.services.triage_view import TriageView

log = logging.getLogger(__name__)

#: How long a failure's notification shows; the same words again meanwhile are not repeated.
_FAILURE_SECONDS = 10

#: How often the sync line reads the book's sync state again, for the changes made by keys
#: that close no form, or from the shell. A read is a count and three keys (about 0.4 ms on a
#: 5,000-account book), in a worker.
SYNC_READ_SECONDS = 10.0


@dataclass
class _AccountRead(Message):
    """An account read to be opened (`CsmApp.open_account`)."""

    account_id: str
    view: AccountView | None


def _account_commands() -> type[Provider]:
    """The palette's account search, imported when the palette first opens (start-up is
    budgeted, and the palette machinery is not needed to paint the queue)."""
    from csm_tui.commands import AccountCommands

    return AccountCommands


class CsmApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "csm"
    COMMANDS = App.COMMANDS | {_account_commands}
    COMMAND_PALETTE_BINDING = "ctrl+p"

    #: Keys that mean the same on every screen. A screen opened by name is one binding here:
    #: `open('book')` shows `screens/book.py`'s `SCREEN`, and the palette lists it.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "question_mark", "help", "Keys", key_display="?", tooltip="Every key of this screen"
        ),
        Binding(
            "b",
            "open('book')",
            "Book of business",
            show=False,
            tooltip="Every account of your book, or the team's (escape comes back)",
        ),
        Binding(
            "L",
            "open('escalations')",
            "Escalations",
            show=False,
            tooltip="The escalation ladder of your book, or the team's (escape comes back)",
        ),
        Binding(
            "W",
            "open('wrapup')",
            "Weekly wrap-up",
            show=False,
            tooltip="The week in figures, your notes for your manager, or the team's week "
            "(escape comes back)",
        ),
        Binding(
            "X",
            "open('conflicts')",
            "Conflicts",
            show=False,
            tooltip="The values a change from this laptop overwrote unseen, to keep or to write "
            "back (escape comes back)",
        ),
        Binding(
            "Y",
            "sync",
            "Sync with the team",
            show=False,
            tooltip="Send this laptop's changes to the team's server and bring the team's back",
        ),
        Binding("q", "quit", "Quit", show=False, tooltip="Quit csm (everything is saved)"),
    ]

    #: What the sync line of every screen shows (`widgets.sync_status`); None: no line, the
    #: book does not sync (or is not read yet).
    sync_line: reactive[SyncLine | None] = reactive(None)

    @dataclass
    class SyncRead(Message):
        """The book's sync state, read for the line."""

        state: SyncState

    @dataclass
    class SyncOver(Message):
        """The sync key's run is over: what to say and how, whether the book was synced (the
        screens read it again), and its sync state after (None: it could not be read)."""

        words: str
        severity: SeverityLevel
        synced: bool
        state: SyncState | None

    def __init__(
        self,
        workspace: Workspace,
        initial: TriageView | None = None,
        *,
        settings: Settings,
        open_screen: str | None = None,
    ) -> None:
        super().__init__()
        self.workspace = workspace
        self.settings = settings  # the sync key syncs the book they name with their server
        #: The laptop's clock, for "synced 12:04" and for when a sync is kept (tests fix it).
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._initial = initial
        self._open_screen = open_screen  # shown over the triage at start-up (`csm --open`)
        self._account_screen: AccountScreen | None = None
        self._opening: str | None = None  # the account being read to be opened
        self._said: tuple[str, float] = ("", 0.0)  # the last failure notified, and when
        self._sync_state: SyncState | None = None  # the last read; None before the first
        self._syncing = False  # the sync key's worker runs
        self._sync_timer: Timer | None = None
        #: Screens under the current one when a sync changed the book: each reads it again
        #: when it is shown again.
        self._stale: WeakSet[CsmScreen[Any]] = WeakSet()
        self._depth = 0  # of the screen stack, to tell going back from opening

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        self.screen_change_signal.subscribe(self, self._screen_changed)
        self.push_screen(TriageScreen(self.workspace, self._initial))
        self.call_after_refresh(self.read_sync_state)  # as the queue's reads: after the paint
        self._initial = None  # the screen holds it now, as long as it shows it
        if self._open_screen is not None:  # escape comes back to the triage
            self.action_open(self._open_screen)
        rules = self.workspace.rules
        if rules.fell_back:
            problems = "\n".join(str(problem) for problem in rules.problems[:6])
            more = f"\n… and {len(rules.problems) - 6} more" if len(rules.problems) > 6 else ""
            self.notify(
                f"{rules.user_file} has problems, so the shipped rules are in force "
                f"(csm rules check shows them all):\n{problems}{more}",
                title="Rules file",
                severity="warning",
                timeout=30,
            )

    # -- the keys every screen shares --------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return _allowed(action, self.screen)

    def action_help(self) -> None:
        from csm_tui.screens.help import HelpScreen, app_keys, screen_keys

        screen = self.screen
        name = getattr(screen, "NAME", "") or screen.title or "csm"
        self.push_screen(HelpScreen(name, screen_keys(screen), app_keys(self)))

    def action_open(self, name: str) -> None:
        """Show the screen `name` (the module `screens/<name>.py` says which by its `SCREEN`);
        if it is open already under this one, go back to it."""
        module = importlib.import_module(f"csm_tui.screens.{name}")
        screen_type: type[CsmScreen[Any]] = module.SCREEN
        below = [screen for screen in self.screen_stack if isinstance(screen, screen_type)]
        if below:
            changed = False
            while self.screen is not below[-1]:
                changed = changed or bool(getattr(self.screen, "changed", False))
                self.pop_screen()
            if changed:  # an account saved on the way back: the screen reads it again
                below[-1].account_changed()
            return
        self.push_screen(screen_type(self.workspace))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The palette offers every key of the app and of the screen it was opened on, by its
        footer name, then Textual's own commands that no key gives already."""
        from csm_tui.screens.help import declared_bindings

        ours: list[SystemCommand] = []
        app_titles = {binding.description for binding in declared_bindings(type(self))}
        for node in (self, screen):
            for binding in declared_bindings(type(node)):
                if not binding.description or binding.system:
                    continue
                action = binding.action
                if node is self and not _allowed(action.split("(")[0], screen):
                    continue
                key = binding.key_display or binding.key
                run = partial(node.run_action, action)
                ours.append(SystemCommand(binding.description, f"{key} on this screen", run))
        yield from ours
        # Textual's own "Keys" and "Quit" are ours already (`?`, `q`); the others stay.
        titles = {command.title for command in ours} | app_titles | {"Keys"}
        for command in super().get_system_commands(screen):
            if command.title not in titles:
                yield command

    # -- a laptop's sync with its team (issue 23) -----------------------------------------------

    def action_sync(self) -> None:
        """Sync the book with the team's server, in a worker; the line says "syncing…"
        meanwhile, and the key waits for that sync to end."""
        if self._syncing:
            return
        self._syncing = True
        self._show_sync()
        self._sync()

    @thread_work(group="sync", description="sync with the team")
    def _sync(self) -> None:
        from csm_tui.services.sync import SyncError
        from csm_tui.services.sync_run import SyncOffline, read_state, sync_book

        db = self.workspace.db
        state = read_state(db)
        server = self.settings.team_database
        if not state.syncs:
            self.post_message(self.SyncOver(_not_a_copy(self.settings), "warning", False, state))
            return
        if not server:
            self.post_message(self.SyncOver(_no_server(self.settings), "warning", False, state))
            return
        severity: SeverityLevel
        try:
            report = sync_book(self.settings, server, clock=self.clock)
        except SyncError as error:
            words, severity, synced = str(error), "error", False
            if isinstance(error, SyncOffline):  # the driver's first line; then advice, a link
                words = words.splitlines()[0]
        else:
            (words, severity), synced = _report_words(report), True
        try:
            after: SyncState | None = read_state(db)
        except Exception:  # the line keeps what it said; the sync's outcome is said all the same
            log.warning("could not read the sync state after a sync", exc_info=True)
            after = None
        self.post_message(self.SyncOver(words, severity, synced, after))

    @on(SyncOver)
    def _sync_over(self, message: SyncOver) -> None:
        self._syncing = False
        if message.state is not None:
            self._sync_state = message.state
        self._show_sync()
        failed = message.severity == "error"
        self.notify(
            message.words,
            title="Could not sync" if failed else "Sync",
            severity=message.severity,
            timeout=_FAILURE_SECONDS if failed or message.severity == "warning" else None,
        )
        if message.synced:
            self._reread_after_sync()

    def _reread_after_sync(self) -> None:
        """The book changed under every screen: the one shown reads it again now, each of
        the others when it is shown again."""
        self._stale = WeakSet(
            screen for screen in self.screen_stack if isinstance(screen, CsmScreen)
        )
        current = self.screen
        if isinstance(current, CsmScreen):
            self._stale.discard(current)
            current.action_reload()

    def read_sync_state(self) -> None:
        """Read the book's sync state again for the line, in a worker; a book found not to
        sync is not asked again (only a new download is a book that syncs)."""
        if self._sync_state is None or self._sync_state.syncs:
            self._read_sync_state()

    @thread_work(group="sync-state", description="read the sync state")
    def _read_sync_state(self) -> None:
        """Unasked, so unsaid when it fails: the line keeps what it said, and the log says why."""
        from csm_tui.services.sync_run import read_state

        try:
            state = read_state(self.workspace.db)
        except Exception:
            log.warning("could not read the sync state", exc_info=True)
            return
        self.post_message(self.SyncRead(state))

    @on(SyncRead)
    def _sync_read(self, message: SyncRead) -> None:
        self._sync_state = message.state
        if message.state.syncs and self._sync_timer is None:
            self._sync_timer = self.set_interval(SYNC_READ_SECONDS, self.read_sync_state)
        self._show_sync()

    def _show_sync(self) -> None:
        self.sync_line = sync_line(self._sync_state, syncing=self._syncing, now=self.clock())

    def _screen_changed(self, screen: Screen[Any]) -> None:
        """Back on a screen (a form saved and closed, escape): the line reads the sync state
        again, and a screen a sync changed the book under reads the book again."""
        before, self._depth = self._depth, len(self.screen_stack)
        if self._depth >= before:
            return
        if isinstance(screen, CsmScreen) and screen in self._stale:
            self._stale.discard(screen)
            screen.action_reload()
        self.read_sync_state()

    # -- accounts, from any screen -----------------------------------------------------------

    @on(OpenAccount)
    def _open_account_asked(self, message: OpenAccount) -> None:
        self.open_account(message.account_id)

    @on(OpenPlan)
    def open_plan(self, message: OpenPlan) -> None:
        """The account's success plan over the current screen, which reads again when
        something was changed on the plan."""
        from csm_tui.screens.plan import PlanScreen

        screen = PlanScreen(self.workspace, message.account_id, message.account_name)
        self.push_screen(screen, self._reread_opener(self.screen))

    def open_account(self, account_id: str) -> None:
        """Read the account first, then show its screen complete: one paint, not two."""
        self._opening = account_id
        self._read_account(account_id)

    @thread_work(group="open-account", description="open the account")
    def _read_account(self, account_id: str) -> None:
        self.post_message(_AccountRead(account_id, self.workspace.accounts.view(account_id)))

    @on(_AccountRead)
    def _account_read(self, message: _AccountRead) -> None:
        from csm_tui.screens.account import AccountScreen

        if message.account_id != self._opening:
            return  # another account was asked for since: its read is on its way
        self._show_account(AccountScreen, message.account_id, message.view)

    def _show_account(
        self, screen_type: type[AccountScreen], account_id: str, view: AccountView | None
    ) -> None:
        """Show the account on the app's one account screen, pushed over the current screen.
        Over an account (opened from the palette) it replaces that one in place, so escape
        goes back to where the first was opened, which reads again if either was changed.

        The screen is installed: popping it keeps its widgets for the next account, which
        then only fills them (building them anew took most of the time to open one;
        benchmarks: triage keys, open account). Should it be on the stack already, under
        another screen (the book opened from an account), a new one is shown instead."""
        current = self.screen
        if isinstance(current, screen_type):
            current.switch_to(account_id, view, changed=current.changed)
            return
        screen = self._account_screen
        if screen is not None and screen in self.screen_stack:
            self.push_screen(
                screen_type(self.workspace, account_id, view), self._reread_opener(current)
            )
            return
        if screen is None:
            screen = self._account_screen = screen_type(self.workspace, account_id, view)
            self.install_screen(screen, "account")
            self.push_screen(screen, self._reread_opener(current))
            return
        # Pushed first, filled next: the new content is laid out before the first paint
        # (filled while off the stack, it was painted once in the last account's layout).
        self.push_screen(screen, self._reread_opener(current))
        screen.switch_to(account_id, view)

    @staticmethod
    def _reread_opener(opener: Screen[Any]) -> Callable[[bool | None], None]:
        """After the account: the screen it was opened from reads again if something was
        saved on it."""

        def closed(changed: bool | None) -> None:
            if changed and isinstance(opener, CsmScreen):
                opener.account_changed()

        return closed

    # -- failures ------------------------------------------------------------------------------

    @on(WorkFailed)
    def work_failed(self, message: WorkFailed) -> None:
        """The one place a failed worker is said: a notification, and a line in the log."""
        worker = message.worker
        error = worker.error
        if error is None:
            return
        log.error("%s failed", worker.description or worker.name, exc_info=error)
        words = failure_words(error)
        now = time.monotonic()
        if self._said[0] == words and now - self._said[1] < _FAILURE_SECONDS:
            return  # one cause, several workers (a damaged book fails every write): said once
        self._said = (words, now)
        self.notify(
            words,
            title=f"Could not {worker.description}" if worker.description else "Failed",
            severity="error",
            timeout=_FAILURE_SECONDS,
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The app's own workers: reading an account to open it. Should that fail, the
        account's screen opens all the same, reads again and says what went wrong. Syncing:
        a failure no `SyncError` foresaw is said as any other, and the key syncs again."""
        if event.state is not WorkerState.ERROR:
            return
        self.post_message(WorkFailed(event.worker))
        if event.worker.group == "sync":  # said as any failure; the key works again
            self._syncing = False
            self._show_sync()
            self.read_sync_state()
        if event.worker.group == "open-account" and self._opening is not None:
            from csm_tui.screens.account import AccountScreen

            self._show_account(AccountScreen, self._opening, None)

    def on_unmount(self) -> None:
        self.workspace.close()


def _allowed(action: str, screen: Screen[Any]) -> bool:
    """Leaving or switching screens is for screens, not for a form or a list of keys open
    over one (a `q` or `b` there would lose what is typed); so is a sync, which changes the
    book under what is typed."""
    return action not in ("quit", "open", "sync") or isinstance(screen, CsmScreen)


def _not_a_copy(settings: Settings) -> str:
    """The sync key on a book that does not sync: what it is, and how to get one that does."""
    if "://" in settings.database:
        what = "This book is on a server: every change is the team's already, nothing to sync."
    else:
        what = "This book is not a copy of the team's: it does not sync."
    return (
        f"{what} To work offline with the team, download a copy of its book: "
        "csm sync --db NEW_FILE --team-db URL; then open it (csm --db NEW_FILE) and Y syncs it."
    )


def _no_server(settings: Settings) -> str:
    """The sync key with no team server named: where to name it."""
    where = settings.config_path or "the config file"
    return (
        f'Which team server? Set team_database = "postgresql://user@host/dbname" in {where}, '
        f"or start csm with it: {settings.csm} --team-db URL"
    )


def _report_words(report: SyncReport) -> tuple[str, SeverityLevel]:
    """A sync, in a notification: one line; every line when the server refused a change."""
    if report.pushed is not None and report.pushed.rejected:
        return "\n".join(report.lines), "warning"
    return report.summary, "information"


def make_app(
    settings: Settings, workspace: Workspace | None = None, *, open_screen: str | None = None
) -> CsmApp:
    """Build the app on the book named by `settings`, its first queue already read; with
    `open_screen` ("book": `screens/book.py`), that screen shows over the triage from the start.

    A CSM's queue is read here, before the app runs, so that it is in the first paint: a
    worker started while Textual sets itself up would wait on it for the interpreter lock. For
    a SQLite book that is a glance without the ORM (`services.first_view`), and the workspace
    connects after the first paint; otherwise the workspace is opened (upgrading the database
    if needed) and reads it. The team's queue of a large book is read after the first paint,
    in a worker, as is any queue whose read failed here (the screen says what went wrong).

    A save waits less for another csm's write than a command does (`store.raw`): the form says
    so, and the user saves again.
    """
    if workspace is None:
        rules = rules_for(settings)
        first = first_view(settings, rules)
        patience = raw.BUSY_TIMEOUT_MS
        if first is not None:
            workspace = Workspace.connect_later(
                settings, me=first.me, rules=rules, busy_timeout_ms=patience
            )
            return CsmApp(workspace, first.view, settings=settings, open_screen=open_screen)
        workspace = Workspace.open(settings, rules, busy_timeout_ms=patience)
    if workspace.me is None:
        # The team's queue grows with the book: read after the paint.
        return CsmApp(workspace, settings=settings, open_screen=open_screen)
    try:
        initial = workspace.triage.load(team=False, refresh=False, record=False)
    except Exception:  # the screen reads it again and says what went wrong
        initial = None
    return CsmApp(workspace, initial, settings=settings, open_screen=open_screen)
