"""Open a level 1 escalation with a reason and a risk category (the ladder comes later)."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Select, Static

from csm_tui.domain.enums import RiskCategory
from csm_tui.screens.form import FormModal
from csm_tui.services.triage import Done
from csm_tui.widgets.forms import SteadyInput


class EscalateModal(FormModal[Done]):
    SAVE_LABEL = "Escalate"

    def __init__(self, *, account_name: str, save: Callable[[str, str], Done]) -> None:
        super().__init__()
        self.account_name = account_name
        self._save = save

    def compose(self) -> ComposeResult:
        with Vertical(id="escalate", classes="dialog"):
            yield Static(f"Escalate · {self.account_name} · level 1", classes="dialog-title")
            with Vertical(classes="field"):
                yield Label("Risk category")
                yield Select(
                    [(category.label, category.value) for category in RiskCategory],
                    prompt="Pick one",
                    id="risk-category",
                )
            with Vertical(classes="field"):
                yield Label("Reason")
                yield SteadyInput(placeholder="What is at risk, and why now", id="reason")
            yield from self.buttons()

    def on_mount(self) -> None:
        self.query_one("#risk-category", Select).focus()

    def collect(self) -> Callable[[], Done] | None:
        category = self.query_one("#risk-category", Select).value
        reason = self.query_one("#reason", Input).value
        problems = []
        if category is Select.NULL:
            problems.append("risk category: pick the one that fits best")
        if not reason.strip():
            problems.append("reason: say what is at risk, and why now")
        if problems:
            self.show_error("\n".join(problems))
            return None
        return lambda: self._save(reason, str(category))
