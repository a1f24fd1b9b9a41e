"""What every screen of csm stands on: one way to build a screen, one way to run database work.

A screen is a `CsmScreen`: it gets the workspace, composes its own widgets between the shared
header and footer (`compose_body`; above the footer, the sync line of a book that syncs), reads
and writes in workers declared with `thread_work`, and gets its results back as messages it
declares (nested in the screen). A worker that fails is said once, by the app
(`CsmApp.work_failed`), as a notification and a log line; the screen may also show it in place
(`work_failed`). The keys every screen shares live on the app (`?`, `ctrl+p`, `q`, `b`, `Y`) or
here (`escape`, `r`), so that a key means the same thing everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header
from textual.worker import Worker, WorkerState

from csm_tui.errors import CsmError
from csm_tui.messages import WorkFailed
from csm_tui.widgets.filter_bar import FilterBar
from csm_tui.widgets.footer import Footer
from csm_tui.widgets.sync_status import SyncStatus

if TYPE_CHECKING:
    from csm_tui.services.triage import Undo
    from csm_tui.services.workspace import Workspace

ResultT = TypeVar("ResultT")
F = TypeVar("F", bound=Callable[..., Any])


def thread_work(*, group: str, description: str, exclusive: bool = True) -> Callable[[F], F]:
    """Run the method in a thread worker: the database answers with blocking calls, and work
    that grows with the book (ranking, filtering a long list) must not hold up a key.

    `description` says what it does in a few words ("read the queue"): a failure is said as
    "Could not read the queue". A failure never closes the app (`exit_on_error=False`). With
    `exclusive`, Textual marks an older run of the same group cancelled, but a thread cannot
    be stopped: it still answers, and the screen lets go of answers it no longer waits for.
    """
    decorator = work(
        thread=True,
        exclusive=exclusive,
        group=group,
        description=description,
        exit_on_error=False,
    )
    return decorator  # type: ignore[return-value]


def failure_words(error: BaseException) -> str:
    """What went wrong, for the user: a `CsmError` says it itself; a database driver's error
    by its first line; anything else by its type and message (the log has the traceback)."""
    if isinstance(error, CsmError):
        return str(error)
    if type(error).__module__.split(".")[0] == "sqlalchemy":
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()
        return f"database error: {reason[0] if reason else type(error).__name__}"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


#: `e` escalates wherever there is an account to escalate (triage, the account).
ESCALATE = Binding(
    "e",
    "escalate",
    "Escalate",
    tooltip="Open the account's escalation to raise or follow it up, or open one (L1) "
    "with a reason",
)


class WorkFailures:
    """Hands a failed worker of this screen or modal to the app, which says it (Textual sends
    a worker's state changes to the node that started it, not further up)."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state is not WorkerState.ERROR or worker.error is None:
            return
        worker.node.app.post_message(WorkFailed(worker))
        self.work_failed(worker)

    def work_failed(self, worker: Worker[Any]) -> None:
        """Show a failure in place, besides the app's notification (a screen says how)."""


class CsmScreen(WorkFailures, Screen[ResultT]):
    """A full screen of csm between the shared header and footer."""

    #: What the screen is called where its title is something else (the account's name).
    NAME: ClassVar[str] = ""

    #: Keys the help screen lists besides the bindings (keys the screen's widgets handle).
    OTHER_KEYS: ClassVar[list[tuple[str, str]]] = []

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", tooltip="Close what is open, else go back"),
        Binding("r", "reload", "Refresh", show=False, tooltip="Read what the screen shows again"),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="◆")
        yield from self.compose_body()
        yield SyncStatus()  # shown only on a book that syncs with its team
        yield Footer()

    def compose_body(self) -> ComposeResult:
        """The screen's own widgets, between the header and the footer."""
        yield from ()

    def action_back(self) -> None:
        """Escape: close an open filter first; else go back to the screen below."""
        for bar in self.query(FilterBar):
            if bar.is_open:
                bar.action_clear()
                return
        if len(self.app.screen_stack) > 2:  # the first screen is Textual's default
            self.dismiss()

    def action_reload(self) -> None:
        """Read what the screen shows again (`r`)."""

    def account_changed(self) -> None:
        """Something was saved on an account opened from here: read again."""
        self.action_reload()


class UndoingScreen(CsmScreen[ResultT]):
    """A screen whose changes `u` takes back, the last one first: triage and the account keep
    the same stack, say it in the same words, and wait for one undo before the next."""

    @dataclass
    class Undone(Message):
        """A change taken back, in the words to say."""

        undo: Undo
        words: str

    def __init__(self, workspace: Workspace) -> None:
        super().__init__(workspace)
        self._undo: list[Undo] = []
        self._undoing = False  # an undo is being saved: `u` waits for it

    def remember(self, undo: Undo, message: str) -> None:
        """Say a change, and keep how to take it back."""
        self._undo.append(undo)
        self.notify(f"{message}  (u undoes it)", title="Done")

    def action_undo(self) -> None:
        """Take back the last change made here; it stays to try again if that fails."""
        if self._undoing:
            return
        if not self._undo:
            self.notify("Nothing to undo on this screen.", title="Undo")
            return
        self._undoing = True
        self.run_undo(self._undo[-1])

    @thread_work(group="undo", description="undo")
    def run_undo(self, undo: Undo) -> None:
        self.post_message(self.Undone(undo, self.workspace.triage.undo(undo)))

    @on(Undone)
    def _undone(self, message: Undone) -> None:
        self._undoing = False
        if message.undo in self._undo:
            self._undo.remove(message.undo)
        self.undone(message.undo)
        self.notify(message.words, title="Undo")

    def undone(self, undo: Undo) -> None:
        """After an undo: read again what it changed."""

    def work_failed(self, worker: Worker[Any]) -> None:
        if worker.group == "undo":
            self._undoing = False  # the undo stays on the stack: u tries it again
