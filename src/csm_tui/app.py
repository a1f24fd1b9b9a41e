"""The Textual application, built by `make_app` for the CLI, the tests and the benchmarks."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from csm_tui.commands import AccountCommands
from csm_tui.screens.account_summary import AccountSummaryScreen
from csm_tui.screens.book import BookScreen
from csm_tui.screens.triage import TriageScreen
from csm_tui.services.workspace import Workspace
from csm_tui.settings import Settings


class CsmApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "csm"
    COMMANDS = App.COMMANDS | {AccountCommands}
    COMMAND_PALETTE_BINDING = "ctrl+p"

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        self.push_screen(TriageScreen(self.workspace))
        rules = self.workspace.rules
        if rules.fell_back:
            problems = "\n".join(str(problem) for problem in rules.problems[:6])
            more = f"\n… and {len(rules.problems) - 6} more" if len(rules.problems) > 6 else ""
            self.notify(f"{rules.user_file} has problems, so the shipped rules are in force "
                        f"(csm rules check shows them all):\n{problems}{more}",
                        title="Rules file", severity="warning", timeout=30)

    @on(TriageScreen.OpenAccount)
    @on(BookScreen.OpenAccount)
    def _open_account(self, message: TriageScreen.OpenAccount | BookScreen.OpenAccount) -> None:
        self.open_account(message.account_id)

    @work(thread=True, exclusive=True, group="open-account")
    def open_account(self, account_id: str) -> None:
        """Read the account first, then show its screen complete: one paint, not two."""
        try:
            summary = self.workspace.summary(account_id)
        except Exception:  # noqa: BLE001 (the screen reads it again and says what failed)
            summary = None
        self.call_from_thread(self.push_screen,
                              AccountSummaryScreen(self.workspace, account_id, summary))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette offers every action of the screen it was opened on, by its footer name."""
        yield from super().get_system_commands(screen)
        for binding in getattr(screen, "BINDINGS", []):
            if isinstance(binding, Binding) and binding.description and binding.action:
                key = binding.key_display or binding.key
                yield SystemCommand(binding.description, f"{key} on this screen",
                                    partial(screen.run_action, binding.action))

    def on_unmount(self) -> None:
        self.workspace.close()


def make_app(settings: Settings, workspace: Workspace | None = None) -> CsmApp:
    """Open the database named by `settings` (upgrading it if needed) and build the app."""
    return CsmApp(workspace or Workspace.open(settings))
