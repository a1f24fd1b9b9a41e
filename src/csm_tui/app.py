"""The Textual application, built by `make_app` for the CLI, the tests and the benchmarks."""

from __future__ import annotations

from textual import on
from textual.app import App

from csm_tui.screens.account_summary import AccountSummaryScreen
from csm_tui.screens.book import BookScreen
from csm_tui.services.workspace import Workspace
from csm_tui.settings import Settings


class CsmApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "csm"
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        self.push_screen(BookScreen(self.workspace))

    @on(BookScreen.OpenAccount)
    def _open_account(self, message: BookScreen.OpenAccount) -> None:
        self.push_screen(AccountSummaryScreen(self.workspace, message.account_id))

    def on_unmount(self) -> None:
        self.workspace.close()


def make_app(settings: Settings, workspace: Workspace | None = None) -> CsmApp:
    """Open the database named by `settings` (upgrading it if needed) and build the app."""
    return CsmApp(workspace or Workspace.open(settings))
