"""One account's success plan, worked by keys: a milestone done, blocked, in progress or moved
in one key (or one short form), an objective measured, objectives and milestones added, edited
and deleted, the plan reviewed with the customer, its status changed, and exported as Markdown.

Each change runs through `workspace.plans` in a form's worker (`screens.plan_step`) or the
screen's, then the plan is read again; `u` takes the last one back. Dismissed with whether
anything changed, so that the screen below (the account, triage) reads again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from csm_tui import paths
from csm_tui.domain.success_plan import MilestoneLine, ObjectiveLine, PlanLine
from csm_tui.errors import CsmError
from csm_tui.screens.base import UndoingScreen, thread_work
from csm_tui.services.plans import PLAN_STATUSES
from csm_tui.services.triage import Done, Undo
from csm_tui.widgets.plan_view import PlanHead, PlanList, head_text, row_id

if TYPE_CHECKING:
    from textual.screen import ModalScreen
    from textual.worker import Worker

    from csm_tui.screens.plan_step import PlanField, Values
    from csm_tui.services.workspace import Workspace


def export_path(folder: Path, account_name: str, plan: PlanLine, today: object) -> Path:
    """Where the plan's Markdown goes: `<folder>/plans/<account>-<plan>-<today>.md`."""
    slug = re.sub(r"[^a-z0-9]+", "-", f"{account_name} {plan.title}".lower()).strip("-")
    return folder / "plans" / f"{slug[:80] or 'plan'}-{today}.md"


class PlanScreen(UndoingScreen[bool]):
    """Returns True when something was changed (or undone) on it."""

    NAME = "Success plan"
    AUTO_FOCUS = "#plan-list"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", tooltip="Back to where the plan was opened"),
        Binding(
            "space",
            "done",
            "Done",
            key_display="space",
            tooltip="The highlighted milestone is done, today (as space ticks an action item)",
        ),
        Binding(
            "B",
            "blocked",
            "Blocked",
            tooltip="The highlighted milestone is blocked: say by what (b is the book)",
        ),
        Binding(
            "p", "in_progress", "In progress", show=False, tooltip="The milestone is under way"
        ),
        Binding(
            "m",
            "move",
            "Move",
            tooltip="A new due date for the milestone; the old one stays in its history",
        ),
        Binding(
            "v",
            "measure",
            "Measure",
            tooltip="The highlighted objective's current value, and the day it was measured",
        ),
        Binding(
            "E",
            "edit",
            "Edit",
            show=False,
            tooltip="Edit the highlighted row: a milestone's title, DRI, note; an objective's "
            "outcome, metric, baseline, target",
        ),
        Binding(
            "d",
            "delete",
            "Delete",
            show=False,
            tooltip="Delete the highlighted row, once you say y (d deletes, as on the account)",
        ),
        Binding("o", "add_objective", "Objective", show=False, tooltip="Add an objective"),
        Binding(
            "shift+up",
            "reorder(-1)",
            "Objective up",
            show=False,
            tooltip="The highlighted objective one place up the plan",
        ),
        Binding(
            "shift+down",
            "reorder(1)",
            "Objective down",
            show=False,
            tooltip="The highlighted objective one place down the plan (milestones go by date)",
        ),
        Binding(
            "a",
            "add_milestone",
            "Milestone",
            show=False,
            tooltip="Add a milestone to the highlighted objective",
        ),
        Binding(
            "R",
            "review",
            "Reviewed",
            show=False,
            tooltip="Reviewed with the customer today; the next review's date",
        ),
        Binding("P", "status", "Plan status", show=False, tooltip="Draft, active, on hold, done"),
        Binding(
            "w",
            "export",
            "Write for the customer",
            show=False,
            tooltip="Write the plan as Markdown for the customer (the notification says where)",
        ),
        Binding("n", "new", "New plan", tooltip="A new, empty plan: its title"),
        Binding(
            "T",
            "from_template",
            "From template",
            tooltip="A draft plan from a template (Enterprise, Commercial, your own)",
        ),
        Binding(
            "left_square_bracket",
            "switch(-1)",
            "Newer plan",
            show=False,
            key_display="[",
            tooltip="The account's next newer plan",
        ),
        Binding(
            "right_square_bracket",
            "switch(1)",
            "Older plan",
            show=False,
            key_display="]",
            tooltip="The account's next older plan",
        ),
        Binding("u", "undo", "Undo", tooltip="Take back the last change made here"),
        Binding("r", "reload", "Refresh", show=False, tooltip="Read the plan again"),
    ]

    OTHER_KEYS: ClassVar[list[tuple[str, str]]] = [
        ("↑ ↓  j k", "Move through the objectives and milestones"),
    ]

    @dataclass
    class Loaded(Message):
        plans: list[PlanLine]

    @dataclass
    class Changed(Message):
        """A one-key change saved in the screen's worker, or what refused it."""

        done: Done | None
        error: CsmError | None = None

    @dataclass
    class Exported(Message):
        path: Path

    def __init__(self, workspace: Workspace, account_id: str, account_name: str = "") -> None:
        super().__init__(workspace)
        self.account_id = account_id
        self.account_name = account_name
        self.plans: list[PlanLine] | None = None
        self.shown = 0  # which plan: 0 is the newest
        self.changed = False
        self._busy = False  # a one-key change is being saved

    def compose_body(self) -> ComposeResult:
        with Vertical(id="plan-screen"):
            yield PlanHead(id="plan-head")
            yield PlanList(id="plan-list")
            yield Static("Loading the success plan…", id="plan-empty")

    def on_mount(self) -> None:
        self.title = f"Success plan · {self.account_name}" if self.account_name else "Success plan"
        self.sub_title = f"{self.workspace.today:%a %d %b %Y}"
        self.query_one(PlanHead).display = False
        self.query_one(PlanList).display = False
        self.action_reload()

    # -- reading -------------------------------------------------------------------------------

    @property
    def plan(self) -> PlanLine | None:
        plans = self.plans
        return plans[self.shown] if plans and 0 <= self.shown < len(plans) else None

    #: What acts on a plan's rows: only offered (footer, `?`, palette) when there is a plan.
    _ON_A_PLAN = frozenset(
        {
            "done",
            "in_progress",
            "blocked",
            "move",
            "measure",
            "edit",
            "delete",
            "add_objective",
            "add_milestone",
            "review",
            "status",
            "export",
            "switch",
            "reorder",
        }
    )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """No plan: its keys are hidden, and `n` and `T` start one; with a plan, the reverse
        (a second plan is rare: `csm plan create` makes one)."""
        if action in self._ON_A_PLAN:
            return self.plan is not None
        if action in ("new", "from_template"):
            return self.plans is not None and self.plan is None
        return True

    def action_reload(self) -> None:
        self._load(self.account_id)

    @thread_work(group="plan", description="read the success plan")
    def _load(self, account_id: str) -> None:
        self.post_message(self.Loaded(self.workspace.plans.plans(account_id)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        before = self.plan
        self.plans = message.plans
        ids = [plan.id for plan in message.plans]
        self.shown = ids.index(before.id) if before is not None and before.id in ids else 0
        self._show()
        self.refresh_bindings()  # a plan's keys come (or go) with it

    def _show(self, *, keep: bool = True) -> None:
        plan, listed = self.plan, self.query_one(PlanList)
        head, empty = self.query_one(PlanHead), self.query_one("#plan-empty", Static)
        current = listed.current
        head.display = listed.display = plan is not None
        empty.display = plan is None or not plan.objectives
        if plan is None:
            empty.update(
                "No success plan yet: agree objectives and milestones with the customer.\n\n"
                "n starts an empty plan (its title), T one from a template (Enterprise, "
                "Commercial): a draft with its objectives and milestones dated from go-live."
            )
            return
        count = len(self.plans or ())
        every = self.workspace.rules.rulebook.success_plan.review_every
        head.update(head_text(plan, self.shown, count, self.workspace.today, every))
        listed.show(plan, self.workspace.today, row_id(current) if keep and current else None)
        listed.display = bool(plan.objectives)
        if not plan.objectives:
            empty.update("No objectives yet: o adds one (the outcome, in the customer's words).")

    # -- changes -------------------------------------------------------------------------------

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

    def _form(
        self,
        title: str,
        fields: tuple[PlanField, ...],
        save: Callable[[Values], Done],
        *,
        save_label: str = "Save",
        hint: str = "",
    ) -> None:
        from csm_tui.screens.plan_step import PlanStepModal

        heading = f"{title} · {self.account_name}" if self.account_name else title
        self._ask(
            PlanStepModal(title=heading, fields=fields, save=save, save_label=save_label, hint=hint)
        )

    def _run(self, change: Callable[[], Done]) -> None:
        """A one-key change: saved in a worker, then said and read again."""
        if self._busy:
            return
        self._busy = True
        self._change(change)

    @thread_work(group="change", description="change the plan")
    def _change(self, change: Callable[[], Done]) -> None:
        try:
            self.post_message(self.Changed(change()))
        except CsmError as error:
            self.post_message(self.Changed(None, error))

    @on(Changed)
    def _changed(self, message: Changed) -> None:
        self._busy = False
        if message.error is not None:
            self.notify(str(message.error), title="Not changed", severity="warning")
        self._done(message.done)

    def work_failed(self, worker: Worker[Any]) -> None:
        if worker.group == "change":
            self._busy = False
        super().work_failed(worker)

    def _milestone(self, verb: str) -> MilestoneLine | None:
        row = self.query_one(PlanList).current if self.plan else None
        if row is None or row.milestone is None:
            self.notify(f"Highlight a milestone to {verb}.", title="Success plan")
            return None
        return row.milestone

    def _objective(self, verb: str) -> ObjectiveLine | None:
        row = self.query_one(PlanList).current if self.plan else None
        if row is None:
            self.notify(f"Highlight an objective to {verb}.", title="Success plan")
            return None
        return row.objective

    def _plan_or_say(self) -> PlanLine | None:
        if self.plan is None:
            self.notify("No success plan yet: n starts one, T from a template.", title="Plan")
        return self.plan

    # -- milestones ------------------------------------------------------------------------

    def action_done(self) -> None:
        if (milestone := self._milestone("tick done")) is not None:
            plans, key = self.workspace.plans, milestone.id
            self._run(lambda: plans.set_status(key, "done"))

    def action_in_progress(self) -> None:
        if (milestone := self._milestone("start")) is not None:
            plans, key = self.workspace.plans, milestone.id
            self._run(lambda: plans.set_status(key, "in-progress"))

    def action_blocked(self) -> None:
        from csm_tui.screens.plan_step import PlanField

        if (milestone := self._milestone("block")) is None:
            return
        plans, key = self.workspace.plans, milestone.id
        self._form(
            f"Blocked: {milestone.title}",
            (PlanField("reason", "Blocked by", "What it waits on, like “waiting on SSO”"),),
            lambda values: plans.set_status(key, "blocked", str(values["reason"])),
            save_label="Blocked",
        )

    def action_move(self) -> None:
        from csm_tui.screens.plan_step import PlanField

        if (milestone := self._milestone("move")) is None:
            return
        plans, key = self.workspace.plans, milestone.id
        old = milestone.due_on
        self._form(
            f"Move: {milestone.title}",
            (
                PlanField("to-on", "New due date", "YYYY-MM-DD", date=True, required=True),
                PlanField("reason", "Why (optional)", "What changed"),
            ),
            lambda values: plans.move(key, values["to-on"], str(values["reason"] or "")),  # type: ignore[arg-type]
            save_label="Move",
            hint=f"Due {old}: that date stays in its history." if old else "No due date yet.",
        )

    def action_edit(self) -> None:
        from csm_tui.screens.plan_step import PlanField

        row = self.query_one(PlanList).current if self.plan else None
        if row is not None and row.milestone is None:
            goal, plans = row.objective, self.workspace.plans
            self._form(
                "Edit objective",
                (
                    PlanField("outcome", "Outcome", "In the customer's words", goal.outcome),
                    PlanField("metric", "Metric", "How it is measured", goal.metric or ""),
                    PlanField("baseline", "Baseline", "Where it started", goal.baseline or ""),
                    PlanField("target", "Target", "Where it should get to", goal.target or ""),
                ),
                lambda values: plans.edit_objective(
                    goal.id,
                    outcome=str(values["outcome"]),
                    metric=str(values["metric"]),
                    baseline=str(values["baseline"]),
                    target=str(values["target"]),
                ),
            )
            return
        if (milestone := self._milestone("edit")) is None:
            return
        plans, key = self.workspace.plans, milestone.id
        self._form(
            "Edit milestone",
            (
                PlanField("title", "Title", "What is done when it is done", milestone.title),
                PlanField("dri", "DRI", "Who delivers it", milestone.dri or ""),
                PlanField("note", "Note (not in the export)", "For you", milestone.note or ""),
            ),
            lambda values: plans.edit_milestone(
                key,
                title=str(values["title"]),
                dri=str(values["dri"]),
                note=str(values["note"]),
            ),
        )

    def action_delete(self) -> None:
        from csm_tui.screens.confirm import ConfirmModal

        row = self.query_one(PlanList).current if self.plan else None
        if row is None:
            self.notify("Highlight an objective or a milestone to delete.", title="Success plan")
            return
        plans = self.workspace.plans
        if row.milestone is not None:
            key, what = row.milestone.id, f"the milestone “{row.milestone.title}”"
            run: Callable[[], Done] = lambda: plans.delete_milestone(key)  # noqa: E731
        else:
            count = len(row.objective.milestones)
            key = row.objective.id
            what = f"the objective “{row.objective.outcome}” and its {count} milestone(s)"
            run = lambda: plans.delete_objective(key)  # noqa: E731
        self._ask(
            ConfirmModal(
                title="Delete?",
                body=f"Delete {what}?",
                hint="u takes it back.",
                confirm="Delete",
                run=run,
            )
        )

    # -- objectives ------------------------------------------------------------------------

    def action_reorder(self, step: int) -> None:
        """The highlighted objective up or down the plan (milestones follow their dates)."""
        if (objective := self._objective("move up or down")) is not None:
            plans, key = self.workspace.plans, objective.id
            self._run(lambda: plans.reorder_objective(key, step))

    def action_measure(self) -> None:
        from csm_tui.screens.plan_step import PlanField

        if (objective := self._objective("measure")) is None:
            return
        plans, key, today = self.workspace.plans, objective.id, self.workspace.today
        metric = objective.metric or "the value"
        self._form(
            f"Measure: {objective.outcome}",
            (
                PlanField("current", f"Current ({metric})", "As the metric counts it: 42%"),
                PlanField("on", "Measured on", "YYYY-MM-DD", today.isoformat(), date=True),
            ),
            lambda values: plans.measure(key, str(values["current"]), values["on"]),  # type: ignore[arg-type]
            save_label="Measure",
            hint=f"Baseline {objective.baseline or '-'}, target {objective.target or '-'}, "
            f"now {objective.current or 'not measured'}.",
        )

    def action_add_objective(self) -> None:
        from csm_tui.screens.plan_step import PlanField

        if (plan := self._plan_or_say()) is None:
            return
        plans, key = self.workspace.plans, plan.id
        self._form(
            "Add an objective",
            (
                PlanField("outcome", "Outcome", "In the customer's words"),
                PlanField("metric", "Metric", "How it is measured"),
                PlanField("baseline", "Baseline", "Where it starts: 12%"),
                PlanField("target", "Target", "Where it should be: 40%"),
            ),
            lambda values: plans.add_objective(
                key,
                str(values["outcome"]),
                metric=str(values["metric"]),
                baseline=str(values["baseline"]),
                target=str(values["target"]),
            ),
            save_label="Add",
        )

    def action_add_milestone(self) -> None:
        from csm_tui.screens.plan_step import PlanField

        if (objective := self._objective("add a milestone to")) is None:
            return
        plans, key = self.workspace.plans, objective.id
        self._form(
            f"Add a milestone: {objective.outcome}",
            (
                PlanField("title", "Title", "What is done when it is done"),
                PlanField("due-on", "Due", "YYYY-MM-DD", date=True),
                PlanField("dri", "DRI", "Who delivers it"),
            ),
            lambda values: plans.add_milestone(
                key,
                str(values["title"]),
                values["due-on"],  # type: ignore[arg-type]
                dri=str(values["dri"]),
            ),
            save_label="Add",
        )

    # -- the plan --------------------------------------------------------------------------

    def action_review(self) -> None:
        from csm_tui.screens.plan_step import PlanField

        if (plan := self._plan_or_say()) is None:
            return
        plans, key = self.workspace.plans, plan.id
        self._form(
            "Reviewed with the customer",
            (PlanField("next-review", "Next review (optional)", "YYYY-MM-DD", date=True),),
            lambda values: plans.review(key, values["next-review"]),  # type: ignore[arg-type]
            save_label="Reviewed",
            hint=f"Last review: {plan.reviewed_on or 'not yet'}; today counts as reviewed.",
        )

    def action_status(self) -> None:
        from csm_tui.screens.plan_step import PlanField

        if (plan := self._plan_or_say()) is None:
            return
        plans, key = self.workspace.plans, plan.id
        self._form(
            "Plan status",
            (PlanField("status", "Status", value=plan.status.value, options=PLAN_STATUSES),),
            lambda values: plans.edit_plan(key, status=str(values["status"])),
        )

    def action_new(self) -> None:
        from csm_tui.screens.plan_step import PlanField

        plans, key = self.workspace.plans, self.account_id
        self._form(
            "New success plan",
            (PlanField("title", "Title", "What the customer wants to achieve"),),
            lambda values: plans.create(key, str(values["title"])),
            save_label="Create",
        )

    def action_from_template(self) -> None:
        from csm_tui.screens.plan_step import PlanField

        plans, key = self.workspace.plans, self.account_id
        self._form(
            "New success plan from a template",
            (PlanField("template", "Template", options=tuple(plans.templates())),),
            lambda values: plans.create_from_template(key, str(values["template"])),
            save_label="Create",
            hint="A draft: its milestones dated from go-live, on workdays.",
        )

    def action_switch(self, step: int) -> None:
        count = len(self.plans or ())
        if count < 2:
            self.notify("The account has one success plan.", title="Success plan")
            return
        self.shown = (self.shown + step) % count
        self._show(keep=False)

    def action_export(self) -> None:
        if (plan := self._plan_or_say()) is not None:
            self._export(plan, self.account_name or str(self.account_id), paths.data_dir())

    @thread_work(group="export", description="export the plan")
    def _export(self, plan: PlanLine, name: str, folder: Path) -> None:
        text = self.workspace.plans.export(plan.id)
        path = export_path(folder, name, plan, self.workspace.today)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.post_message(self.Exported(path))

    @on(Exported)
    def _exported(self, message: Exported) -> None:
        self.notify(f"Wrote {message.path}", title="Exported", markup=False)

    def action_back(self) -> None:
        self.dismiss(self.changed)
