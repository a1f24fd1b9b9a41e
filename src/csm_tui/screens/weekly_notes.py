"""The notes of the week for the manager: wins, risks, asks, a text area each, saved as a draft
through `WeeklyNotes.save` in the form's worker (`screens.form`). A refusal (the week was
submitted meanwhile, a control character) is said in the form and what was typed stays."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, Static, TextArea

from csm_tui.domain.iso_week import IsoWeek
from csm_tui.domain.weekly_notes import PARTS, WeekNotes
from csm_tui.screens.form import FormModal
from csm_tui.services.wrapup_notes import NotesDone
from csm_tui.widgets.forms import SteadyTextArea

#: What each part asks for, under its name.
_ASKS = {
    "wins": "Wins: renewals signed, milestones reached, a happy sponsor",
    "risks": "Risks: accounts you worry about, and why",
    "asks": "Asks: what you need from your manager",
}


class NotesModal(FormModal[NotesDone]):
    """Returns what the save did (with its undo), or None when closed without saving."""

    def __init__(
        self, week: IsoWeek, notes: WeekNotes | None, save: Callable[..., NotesDone]
    ) -> None:
        super().__init__()
        self.week = week
        self.notes = notes
        self._save = save

    def compose(self) -> ComposeResult:
        texts = ("", "", "") if self.notes is None else self.notes.texts()
        with Vertical(id="weekly-notes", classes="dialog"):
            yield Static(f"Notes of {self.week} for your manager", classes="dialog-title")
            for part, text in zip(PARTS, texts, strict=True):
                with Vertical(classes="field"):
                    yield Label(_ASKS[part])
                    yield SteadyTextArea(text, id=part, soft_wrap=True, show_line_numbers=False)
            yield Static(
                "A draft until you submit it (S on the wrap-up): then it stays as sent.",
                classes="dialog-hint",
            )
            yield from self.buttons()

    def on_mount(self) -> None:
        self.query_one("#wins", TextArea).focus()

    def collect(self) -> Callable[[], NotesDone] | None:
        texts = {part: self.query_one(f"#{part}", TextArea).text for part in PARTS}
        return lambda: self._save(**texts)
