"""The Textual application, built by `make_app` for the CLI, the tests and the benchmarks."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from csm_tui.rules import rules_for
from csm_tui.screens.triage import TriageScreen
from csm_tui.services.first_view import first_view
from csm_tui.services.workspace import Workspace
from csm_tui.settings import Settings

if TYPE_CHECKING:
    from textual.command import Provider

    from csm_tui.screens.account import AccountScreen
    from csm_tui.screens.book import BookScreen
    from csm_tui.services.account import AccountView
    from csm_tui.services.triage_view import TriageView


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

    def __init__(self, workspace: Workspace, initial: TriageView | None = None) -> None:
        super().__init__()
        self.workspace = workspace
        self._initial = initial
        self._account_screen: AccountScreen | None = None

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        self.push_screen(TriageScreen(self.workspace, self._initial))
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

    def on_triage_screen_open_account(self, message: TriageScreen.OpenAccount) -> None:
        self.open_account(message.account_id)

    def on_book_screen_open_account(self, message: BookScreen.OpenAccount) -> None:
        self.open_account(message.account_id)

    @work(thread=True, exclusive=True, group="open-account")
    def open_account(self, account_id: str) -> None:
        """Read the account first, then show its screen complete: one paint, not two."""
        from csm_tui.screens.account import AccountScreen

        try:
            view = self.workspace.accounts.view(account_id)
        except Exception:  # the screen reads it again and says what failed
            view = None
        self.call_from_thread(self._show_account, AccountScreen, account_id, view)

    def _show_account(
        self, screen_type: type[AccountScreen], account_id: str, view: AccountView | None
    ) -> None:
        """Show the account on the app's one account screen, pushed over the current screen.
        Over an account (opened from the palette) it replaces that one in place, so escape
        goes back to where the first was opened, which reads again if either was changed.

        The screen is installed: popping it keeps its widgets for the next account, which
        then only fills them (building them anew took most of the time to open one)."""
        current = self.screen
        if isinstance(current, screen_type):
            current.switch_to(account_id, view, changed=current.changed)
            return
        screen = self._account_screen
        if screen is None:
            screen = self._account_screen = screen_type(self.workspace, account_id, view)
            self.install_screen(screen, "account")
            self.push_screen(screen, partial(self._account_closed, current))
            return
        # Pushed first, filled next: the new content is laid out before the first paint
        # (filled while off the stack, it was painted once in the last account's layout).
        self.push_screen(screen, partial(self._account_closed, current))
        screen.switch_to(account_id, view)

    @staticmethod
    def _account_closed(opener: Screen, changed: bool | None) -> None:
        """Something was saved on the account: the screen it was opened from reads again."""
        if changed:
            reread = getattr(opener, "account_changed", None)
            if reread is not None:
                reread()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette offers every action of the screen it was opened on, by its footer name."""
        yield from super().get_system_commands(screen)
        for binding in getattr(screen, "BINDINGS", []):
            if isinstance(binding, Binding) and binding.description and binding.action:
                key = binding.key_display or binding.key
                yield SystemCommand(
                    binding.description,
                    f"{key} on this screen",
                    partial(screen.run_action, binding.action),
                )

    def on_unmount(self) -> None:
        self.workspace.close()


def make_app(settings: Settings, workspace: Workspace | None = None) -> CsmApp:
    """Build the app on the book named by `settings`, its first queue already read.

    The queue is read here, before the app runs, so that it is in the first paint: a worker
    started while Textual sets itself up would wait on it for the interpreter lock. For a
    SQLite book that is a glance without the ORM (`services.first_view`), and the workspace
    connects after the first paint; otherwise the workspace is opened (upgrading the database
    if needed) and reads it. A failure is left to the screen, which reads again and says what
    went wrong.
    """
    if workspace is None:
        rules = rules_for(settings)
        first = first_view(settings, rules)
        if first is not None:
            return CsmApp(Workspace.connect_later(settings, me=first.me, rules=rules), first.view)
        workspace = Workspace.open(settings, rules)
    try:
        initial = workspace.triage.load(team=workspace.me is None, refresh=False, record=False)
    except Exception:  # the screen's own load reports it
        initial = None
    return CsmApp(workspace, initial)
