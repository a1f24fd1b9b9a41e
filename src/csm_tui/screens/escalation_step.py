"""The small forms of the escalation screen: raise or lower with a reason, a follow-up, a
note, the resolution, the post-escalation review, a reopening and a recovery plan.

Each one saves through the service in the form's worker (`screens.form`): a step the ladder
refuses (`EscalationError`) is said inside the form, and what was typed stays.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Checkbox, Input, Label, Select, Static

from csm_tui.domain.ladder import level_heading
from csm_tui.screens.form import FormModal
from csm_tui.services.triage import Done
from csm_tui.widgets.forms import SteadyInput


def _field(label: str, placeholder: str, id: str, value: str = "") -> ComposeResult:
    with Vertical(classes="field"):
        yield Label(label)
        yield SteadyInput(value, placeholder=placeholder, id=id)


class LevelModal(FormModal[Done]):
    """Raise or lower: to which level (the next one up or down unless another is picked),
    and why; the history keeps the reason."""

    def __init__(
        self,
        *,
        title: str,
        levels: tuple[int, ...],
        save: Callable[[str, int], Done],
    ) -> None:
        super().__init__()
        self.heading = title
        self.levels = levels
        self._save = save
        self.SAVE_LABEL = title.split(" ")[0]

    def compose(self) -> ComposeResult:
        with Vertical(id="escalation-level", classes="dialog"):
            yield Static(self.heading, classes="dialog-title")
            with Vertical(classes="field"):
                yield Label("To level")
                yield Select(
                    [(level_heading(level), level) for level in self.levels],
                    value=self.levels[0] if self.levels else Select.NULL,
                    prompt="Pick one",
                    id="to-level",
                )
            yield from _field("Reason", "Why the level changes", "reason")
            yield from self.buttons()

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def collect(self) -> Callable[[], Done] | None:
        level = self.choice("to-level")
        if not level:
            self.show_error("to level: pick one")
            return None
        reason = self.text("reason")
        return lambda: self._save(reason, int(level))


class FollowUpModal(FormModal[Done]):
    """The follow-up call the SLA asks for: what was said, and the day (today unless said)."""

    SAVE_LABEL = "Log"

    def __init__(self, *, title: str, today: date, save: Callable[[str, date], Done]) -> None:
        super().__init__()
        self.heading = title
        self.today = today
        self._save = save

    def compose(self) -> ComposeResult:
        with Vertical(id="escalation-follow-up", classes="dialog"):
            yield Static(self.heading, classes="dialog-title")
            yield from _field("Summary", "What was said, what happens next", "summary")
            yield from _field("On", "YYYY-MM-DD", "on", self.today.isoformat())
            yield from self.buttons()

    def on_mount(self) -> None:
        self.query_one("#summary", Input).focus()

    def collect(self) -> Callable[[], Done] | None:
        text = self.text("on").strip()
        try:
            day = date.fromisoformat(text)
        except ValueError:
            self.show_error(f"on: {text!r} is not a date; write it as YYYY-MM-DD")
            return None
        summary = self.text("summary")
        return lambda: self._save(summary, day)


class TextModal(FormModal[Done]):
    """One line of text for a step: a note, the resolution steps, why it is reopened."""

    def __init__(
        self,
        *,
        title: str,
        label: str,
        placeholder: str,
        save_label: str,
        save: Callable[[str], Done],
        hint: str = "",
    ) -> None:
        super().__init__()
        self.heading = title
        self.label = label
        self.placeholder = placeholder
        self.hint = hint
        self.SAVE_LABEL = save_label
        self._save = save

    def compose(self) -> ComposeResult:
        with Vertical(id="escalation-text", classes="dialog"):
            yield Static(self.heading, classes="dialog-title")
            if self.hint:
                yield Static(self.hint, classes="dialog-hint")
            yield from _field(self.label, self.placeholder, "text")
            yield from self.buttons()

    def on_mount(self) -> None:
        self.query_one("#text", Input).focus()

    def collect(self) -> Callable[[], Done] | None:
        text = self.text("text")
        return lambda: self._save(text)


class CloseModal(FormModal[Done]):
    """The post-escalation review that closes a resolved escalation."""

    SAVE_LABEL = "Close"

    def __init__(self, *, title: str, save: Callable[[str, bool], Done]) -> None:
        super().__init__()
        self.heading = title
        self._save = save

    def compose(self) -> ComposeResult:
        with Vertical(id="escalation-close", classes="dialog"):
            yield Static(self.heading, classes="dialog-title")
            yield from _field(
                "Lessons learned", "What we learned, what we do differently", "lessons"
            )
            yield Checkbox("A process changed because of it", id="process-changed")
            yield from self.buttons()

    def on_mount(self) -> None:
        self.query_one("#lessons", Input).focus()

    def collect(self) -> Callable[[], Done] | None:
        lessons = self.text("lessons")
        changed = self.query_one("#process-changed", Checkbox).value
        return lambda: self._save(lessons, changed)


class RecoveryPlanModal(FormModal[Done]):
    """A red account's recovery plan (seeds 004: within 48 hours), linked to the escalation."""

    SAVE_LABEL = "Write plan"

    def __init__(self, *, title: str, save: Callable[[str, str, str, str], Done]) -> None:
        super().__init__()
        self.heading = title
        self._save = save

    def compose(self) -> ComposeResult:
        with Vertical(id="recovery-plan", classes="dialog"):
            yield Static(self.heading, classes="dialog-title")
            yield from _field("Objectives", "What recovery means for this customer", "objectives")
            yield from _field("Quick wins", "What can be shown within days", "quick-wins")
            yield from _field("Stakeholder plan", "Whom to engage, and how", "stakeholders")
            yield from _field("Success metrics", "How success is measured", "metrics")
            yield from self.buttons()

    def on_mount(self) -> None:
        self.query_one("#objectives", Input).focus()

    def collect(self) -> Callable[[], Done] | None:
        fields = [
            self.text(name) for name in ("objectives", "quick-wins", "stakeholders", "metrics")
        ]
        return lambda: self._save(*fields)
