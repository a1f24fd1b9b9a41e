"""One escalation in full, and every step of its life: raise, lower, follow up, note, resolve,
close with its review, reopen, a recovery plan; each undoable with `u`.

Each step is a small form (`screens.escalation_step`) that saves through the service in its
worker; the screen then reads the escalation again. Dismissed with whether anything changed,
so that the ladder below reads again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from csm_tui.domain.ladder import HIGHEST, LOWEST, level_words
from csm_tui.messages import OpenAccount
from csm_tui.screens.base import UndoingScreen, thread_work
from csm_tui.services.escalations import Shown
from csm_tui.services.triage import Done, Undo
from csm_tui.widgets.escalation_detail import EscalationDetail

if TYPE_CHECKING:
    from textual.screen import ModalScreen

    from csm_tui.services.workspace import Workspace


class EscalationScreen(UndoingScreen[bool]):
    """Returns True when a step was taken (or undone) on it."""

    NAME = "Escalation"
    AUTO_FOCUS = "#escalation-scroll"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", tooltip="Back to where the escalation was opened"),
        Binding(
            "plus",
            "raise_level",
            "Raise",
            key_display="+",
            tooltip="Up the ladder (the next level or higher), with a reason",
        ),
        Binding(
            "minus",
            "lower_level",
            "Lower",
            key_display="-",
            tooltip="Down the ladder, with a reason",
        ),
        Binding(
            "f",
            "follow_up",
            "Follow-up",
            tooltip="Log the follow-up call the SLA asks for (an escalation call)",
        ),
        Binding("n", "note", "Note", tooltip="Add a note to the history"),
        Binding("v", "resolve", "Resolve", tooltip="Resolved, with the steps that resolved it"),
        Binding(
            "c",
            "close",
            "Close",
            tooltip="Close a resolved escalation with its review: lessons learned",
        ),
        Binding("o", "reopen", "Reopen", show=False, tooltip="Open a resolved or closed one again"),
        Binding(
            "p",
            "recovery_plan",
            "Recovery plan",
            show=False,
            tooltip="Write the account's recovery plan: objectives, quick wins, stakeholders, "
            "metrics",
        ),
        Binding("a", "account", "Account", show=False, tooltip="Open the escalation's account"),
        Binding("u", "undo", "Undo", tooltip="Take back the last step taken here"),
        Binding("r", "reload", "Refresh", show=False, tooltip="Read the escalation again"),
    ]

    OTHER_KEYS: ClassVar[list[tuple[str, str]]] = [("↑ ↓", "Scroll")]

    @dataclass
    class Loaded(Message):
        shown: Shown

    @dataclass
    class Stepped(Message):
        """A step was saved: remember its undo, say it, read again."""

        done: Done

    def __init__(self, workspace: Workspace, escalation_id: str) -> None:
        super().__init__(workspace)
        self.escalation_id = escalation_id
        self.shown: Shown | None = None
        self.changed = False

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="escalation-scroll"):
            yield Static("Loading the escalation…", id="escalation-loading")
            yield EscalationDetail(id="escalation-detail")

    def on_mount(self) -> None:
        self.title = "Escalation"
        self.query_one(EscalationDetail).display = False
        self.action_reload()

    # -- reading -------------------------------------------------------------------------------

    def action_reload(self) -> None:
        self._load(self.escalation_id)

    @thread_work(group="escalation", description="read the escalation")
    def _load(self, escalation_id: str) -> None:
        self.post_message(self.Loaded(self.workspace.escalations.show(escalation_id)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.shown = message.shown
        row = message.shown.view.row
        self.title = f"Escalation · {row.account_name}"
        self.sub_title = (
            f"{level_words(row.level)} · {row.status} · {self.workspace.today:%a %d %b %Y}"
        )
        self.query_one("#escalation-loading").display = False
        detail = self.query_one(EscalationDetail)
        detail.display = True
        detail.show(message.shown)

    # -- the steps -----------------------------------------------------------------------------

    def _ask(self, modal: ModalScreen[Done | None]) -> None:
        self.app.push_screen(modal, self._done)

    def _done(self, done: Done | None) -> None:
        if done is None:
            return
        self.changed = True
        self.remember(done.undo, done.message)
        self.action_reload()

    def undone(self, undo: Undo) -> None:
        self.changed = True
        self.action_reload()

    def _heading(self, step: str) -> str:
        if self.shown is None:
            return step
        row = self.shown.view.row
        return f"{step} · {row.account_name} · {level_words(row.level)}"

    def action_raise_level(self) -> None:
        if self.shown is None:
            return
        from csm_tui.screens.escalation_step import LevelModal

        level, escalations, key = (
            self.shown.view.row.level,
            self.workspace.escalations,
            self.escalation_id,
        )
        self._ask(
            LevelModal(
                title=self._heading("Raise"),
                levels=tuple(range(level + 1, HIGHEST + 1)) or (level,),
                save=lambda reason, to: escalations.raise_level(key, reason, to),
            )
        )

    def action_lower_level(self) -> None:
        if self.shown is None:
            return
        from csm_tui.screens.escalation_step import LevelModal

        level, escalations, key = (
            self.shown.view.row.level,
            self.workspace.escalations,
            self.escalation_id,
        )
        self._ask(
            LevelModal(
                title=self._heading("Lower"),
                levels=tuple(range(level - 1, LOWEST - 1, -1)) or (level,),
                save=lambda reason, to: escalations.lower_level(key, reason, to),
            )
        )

    def action_follow_up(self) -> None:
        from csm_tui.screens.escalation_step import FollowUpModal

        escalations, key = self.workspace.escalations, self.escalation_id
        self._ask(
            FollowUpModal(
                title=self._heading("Follow-up"),
                today=self.workspace.today,
                save=lambda summary, on: escalations.follow_up(key, summary, on),
            )
        )

    def action_note(self) -> None:
        from csm_tui.screens.escalation_step import TextModal

        escalations, key = self.workspace.escalations, self.escalation_id
        self._ask(
            TextModal(
                title=self._heading("Note"),
                label="Note",
                placeholder="What happened, what to remember",
                save_label="Add",
                save=lambda text: escalations.note(key, text),
            )
        )

    def action_resolve(self) -> None:
        from csm_tui.screens.escalation_step import TextModal

        escalations, key = self.workspace.escalations, self.escalation_id
        self._ask(
            TextModal(
                title=self._heading("Resolve"),
                label="Resolution steps",
                placeholder="What resolved it; the customer updated, satisfaction confirmed",
                save_label="Resolve",
                hint="Then close it with the post-escalation review (c).",
                save=lambda steps: escalations.resolve(key, steps),
            )
        )

    def action_close(self) -> None:
        from csm_tui.screens.escalation_step import CloseModal

        escalations, key = self.workspace.escalations, self.escalation_id
        self._ask(
            CloseModal(
                title=self._heading("Close with the review"),
                save=lambda lessons, changed: escalations.close(key, lessons, changed),
            )
        )

    def action_reopen(self) -> None:
        from csm_tui.screens.escalation_step import TextModal

        escalations, key = self.workspace.escalations, self.escalation_id
        self._ask(
            TextModal(
                title=self._heading("Reopen"),
                label="Reason",
                placeholder="Why it is open again",
                save_label="Reopen",
                save=lambda reason: escalations.reopen(key, reason),
            )
        )

    def action_recovery_plan(self) -> None:
        if self.shown is None:
            return
        from csm_tui.screens.escalation_step import RecoveryPlanModal

        escalations, key = self.workspace.escalations, self.escalation_id
        account_id = self.shown.view.row.account_id
        self._ask(
            RecoveryPlanModal(
                title=self._heading("Recovery plan"),
                save=lambda objectives, wins, stakeholders, metrics: escalations.recovery_plan(
                    account_id,
                    objectives=objectives,
                    quick_wins=wins,
                    stakeholder_plan=stakeholders,
                    success_metrics=metrics,
                    escalation_id=key,
                ),
            )
        )

    def action_account(self) -> None:
        if self.shown is not None:
            self.post_message(OpenAccount(self.shown.view.row.account_id))

    def action_back(self) -> None:
        self.dismiss(self.changed)

    def account_changed(self) -> None:
        self.changed = True
        self.action_reload()
