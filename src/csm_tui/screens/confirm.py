"""Ask before a change nothing is typed for (deleting a touch): say what it does to what, then
do it in a worker on `y`, as a form saves (`screens.form`): a refusal is shown in the modal,
and it closes with the result once done; `n` or escape keeps everything as it is."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import ClassVar, TypeVar

from rich.console import RenderableType
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Button, Static

from csm_tui.screens.form import FormModal

ResultT = TypeVar("ResultT")


class ConfirmModal(FormModal[ResultT]):
    """Returns what `run` returns, or None when the user kept things as they are."""

    AUTO_FOCUS = ""  # nothing: y and n answer (a focused button would answer enter too)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "save", "Yes"),
        Binding("n", "cancel", "No"),
    ]

    def __init__(
        self,
        *,
        title: str,
        body: RenderableType,
        hint: str,
        confirm: str,
        run: Callable[[], ResultT],
    ) -> None:
        super().__init__()
        self.heading = title
        self.body = body
        self.hint = hint
        self.confirm = confirm
        self._run_it = run

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm", classes="dialog"):
            yield Static(self.heading, classes="dialog-title")
            yield Static(self.body, id="confirm-body")
            yield Static(self.hint, classes="dialog-hint")
            yield from self.buttons()

    def buttons(self) -> Iterator[Widget]:
        yield Static("", id="form-error", classes="dialog-error")
        with Horizontal(classes="dialog-buttons"):
            yield Button(f"{self.confirm}  y", variant="error", id="save")
            yield Button("Keep it  n", id="cancel")

    def collect(self) -> Callable[[], ResultT] | None:
        return self._run_it
