"""Success plans worked by a CSM: a plan (empty or from a template), its objectives and their
measured values, its milestones with their status, DRI and due dates (a moved date stays in
the milestone's history), and the reviews with the customer.

The plan screen and `csm plan` call these same methods. Every change is one transaction with
the account's reschedule (an open milestone is an item of the queue) and can be taken back
(`Undo.change`: the rows as they were).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from csm_tui import paths
from csm_tui.domain.enums import MilestoneStatus
from csm_tui.domain.plan_export import plan_markdown
from csm_tui.domain.plan_template import PlanDraft, instantiate
from csm_tui.domain.success_plan import PlanLine, PlanStatus
from csm_tui.domain.team import Member
from csm_tui.errors import CsmError
from csm_tui.models import (
    Account,
    Milestone,
    MilestoneMove,
    Objective,
    Row,
    SuccessPlan,
    new_row_id,
    now_on,
)
from csm_tui.plan_templates import load_template, names
from csm_tui.rules import LoadedRules
from csm_tui.services.outbox import derived_ids, records
from csm_tui.services.scheduling import Schedule
from csm_tui.services.triage import Done, Undo, step_done, take_back
from csm_tui.store import plans as store
from csm_tui.store import triage as triage_store
from csm_tui.store.database import Database
from csm_tui.store.facts import as_uuid
from csm_tui.store.undo import Key, changed, states

PLAN_STATUSES = tuple(status.value for status in PlanStatus)
#: An id as the lines carry it, or as a command line types it.
Id = str | uuid.UUID


class PlanError(CsmError):
    """A change to a plan that cannot be made, said so that the user can fix it."""


#: One change inside the transaction: what it says, and every row it may have written.
Change = Callable[[Session], tuple[str, list[Key]]]


@dataclass
class Plans:
    db: Database
    rules: LoadedRules
    today: date
    me: Member | None
    #: Where the user's templates folder is (None: the usual config directory).
    config_dir: Path | None = None
    schedule: Schedule = field(init=False)
    now: Callable[[], datetime] = field(init=False)

    def __post_init__(self) -> None:
        self.schedule = Schedule(self.db, self.rules, self.today)
        self.now = lambda: now_on(self.today)

    # -- reading ---------------------------------------------------------------------------

    def plans(self, account_id: Id) -> list[PlanLine]:
        with self.db.reading() as session:
            return store.plans_of(session, as_uuid(account_id))

    def plan(self, plan_id: Id) -> PlanLine:
        with self.db.reading() as session:
            plan = store.plan_of(session, as_uuid(plan_id))
        if plan is None:
            raise PlanError(f"no success plan {plan_id}: it was deleted, or undone")
        return plan

    @records("plans.undo")
    def undo(self, undo: Undo) -> str:
        return take_back(self.db, self.schedule, undo)

    # -- the plan --------------------------------------------------------------------------

    @records("plans.create", new_keys=("new_id",))
    def create(
        self, account_id: Id, title: str, *, status: str = "active", new_id: str | None = None
    ) -> Done:
        """An empty plan (a template's objectives and milestones come with `add_objective`
        and `add_milestone`, in the same way; `new_id`: its id)."""
        title = title.strip()
        if not title:
            raise PlanError("a success plan needs a title: what the customer wants to achieve")
        _check_status(status)
        key = as_uuid(account_id)

        def change(session: Session) -> tuple[str, list[Key]]:
            plan = SuccessPlan(id=_new(new_id), account_id=key, title=title, status=status)
            session.add(plan)
            session.flush()
            return f"Created the success plan “{title}”", [(SuccessPlan, plan.id)]

        return self._change(key, change)

    def templates(self) -> list[str]:
        """The templates a plan can start from: the shipped ones and the user's own."""
        return names(self._config_dir())

    @records("plans.create_from_template", new_keys=("new_id",))
    def create_from_template(
        self, account_id: Id, template: str, *, new_id: str | None = None
    ) -> Done:
        """A draft plan from a template: its objectives, and its milestones dated from the
        account's go-live (or from today), on workdays of the rules' calendar (`new_id`: the
        plan's id; its objectives' and milestones' are derived from it)."""
        shape = load_template(template, self._config_dir())
        key = as_uuid(account_id)
        plan_key = _new(new_id)
        rest = derived_ids(plan_key, "row")
        ids = iter([plan_key])

        def change(session: Session) -> tuple[str, list[Key]]:
            account = session.get(Account, key)
            assert account is not None, "the account was read by `_change`"
            draft = instantiate(
                shape, account.go_live_date, self.today, self.rules.rulebook.calendar
            )
            made: list[Key] = []
            rows = plan_rows(draft, key, template, lambda: next(ids, None) or rest())
            for model, values in rows.rows():
                session.add(model(**values))
                session.flush()  # a parent before its children: foreign keys are immediate
                made.append((model, values["id"]))
            return f"Created “{draft.title}” from the {template} template (a draft)", made

        return self._change(key, change)

    def export(self, plan_id: Id) -> str:
        """The plan as Markdown for the customer (`domain.plan_export`)."""
        plan = self.plan(plan_id)
        with self.db.reading() as session:
            name = triage_store.account_name(session, plan.account_id) or ""
        return plan_markdown(name, plan, self.today)

    def _config_dir(self) -> Path:
        return self.config_dir if self.config_dir is not None else paths.config_dir()

    @records("plans.edit_plan")
    def edit_plan(
        self,
        plan_id: Id,
        *,
        title: str | None = None,
        status: str | None = None,
        next_review_on: date | None = None,
    ) -> Done:
        plan_key = as_uuid(plan_id)

        def change(session: Session) -> tuple[str, list[Key]]:
            plan = self._plan(session, plan_key)
            if title is not None:
                if not title.strip():
                    raise PlanError("a success plan needs a title")
                plan.title = title.strip()
            if status is not None:
                _check_status(status)
                plan.status = status
            if next_review_on is not None:
                plan.next_review_on = next_review_on
            return "Saved the plan", [(SuccessPlan, plan_key)]

        return self._change(self._account_of_plan(plan_key), change, [(SuccessPlan, plan_key)])

    @records("plans.review")
    def review(self, plan_id: Id, next_review_on: date | None = None) -> Done:
        """Reviewed with the customer today; the next review when agreed."""
        plan_key = as_uuid(plan_id)

        def change(session: Session) -> tuple[str, list[Key]]:
            plan = self._plan(session, plan_key)
            if next_review_on is not None and next_review_on <= self.today:
                raise PlanError(f"the next review is after today ({self.today})")
            plan.reviewed_on = self.today
            plan.next_review_on = next_review_on
            return "Reviewed the plan with the customer", [(SuccessPlan, plan_key)]

        return self._change(self._account_of_plan(plan_key), change, [(SuccessPlan, plan_key)])

    # -- objectives ------------------------------------------------------------------------

    @records("plans.add_objective", new_keys=("new_id",))
    def add_objective(
        self,
        plan_id: Id,
        outcome: str,
        *,
        metric: str | None = None,
        baseline: str | None = None,
        target: str | None = None,
        new_id: str | None = None,
    ) -> Done:
        """An objective at the end of the plan (`new_id`: its id)."""
        plan_key = as_uuid(plan_id)
        outcome = outcome.strip()
        if not outcome:
            raise PlanError("an objective needs its outcome, in the customer's words")

        def change(session: Session) -> tuple[str, list[Key]]:
            self._plan(session, plan_key)
            position = len(_objective_ids(session, plan_key))
            objective = Objective(
                id=_new(new_id),
                plan_id=plan_key,
                outcome=outcome,
                metric=_text(metric),
                baseline=_text(baseline),
                target=_text(target),
                position=position,
            )
            session.add(objective)
            session.flush()
            return f"Added the objective “{outcome}”", [(Objective, objective.id)]

        return self._change(self._account_of_plan(plan_key), change)

    @records("plans.edit_objective")
    def edit_objective(
        self,
        objective_id: Id,
        *,
        outcome: str | None = None,
        metric: str | None = None,
        baseline: str | None = None,
        target: str | None = None,
    ) -> Done:
        """The outcome in the customer's words, the metric and its baseline and target (the
        current value is `measure`'s, with its day)."""
        key = as_uuid(objective_id)

        def change(session: Session) -> tuple[str, list[Key]]:
            objective = self._objective(session, key)
            if outcome is not None:
                if not outcome.strip():
                    raise PlanError("an objective needs its outcome, in the customer's words")
                objective.outcome = outcome.strip()
            if metric is not None:
                objective.metric = _text(metric)
            if baseline is not None:
                objective.baseline = _text(baseline)
            if target is not None:
                objective.target = _text(target)
            return f"Saved the objective “{objective.outcome}”", [(Objective, key)]

        return self._change(self._account_of_objective(key), change, [(Objective, key)])

    @records("plans.reorder_objective")
    def reorder_objective(self, objective_id: Id, step: int) -> Done:
        """Up (-1) or down (+1) the plan: the objectives keep the order the customer reads."""
        key = as_uuid(objective_id)
        plan_key = self._plan_of_objective(key)
        siblings = self._sibling_keys(plan_key)

        def change(session: Session) -> tuple[str, list[Key]]:
            order = _objective_ids(session, plan_key, ordered=True)
            at = order.index(key)
            to = at + step
            if not 0 <= to < len(order):
                raise PlanError("it is already the " + ("first" if step < 0 else "last"))
            order[at], order[to] = order[to], order[at]
            for position, objective_key in enumerate(order):
                self._objective(session, objective_key).position = position
            moved = self._objective(session, key).outcome
            return f"Moved “{moved}” {'up' if step < 0 else 'down'}", []

        return self._change(self._account_of_plan(plan_key), change, siblings)

    @records("plans.measure")
    def measure(self, objective_id: Id, current: str, on: date | None = None) -> Done:
        """The objective's current value, measured on a day (today by default)."""
        key = as_uuid(objective_id)
        day = on or self.today
        current = current.strip()
        if not current:
            raise PlanError("a measured value is needed (as the metric counts it: 42%, 1,200)")
        if day > self.today:
            raise PlanError(f"a value measured on {day} has not been measured yet")

        def change(session: Session) -> tuple[str, list[Key]]:
            objective = self._objective(session, key)
            objective.current = current
            objective.measured_on = day
            return f"Measured {current} for “{objective.outcome}”", [(Objective, key)]

        return self._change(self._account_of_objective(key), change, [(Objective, key)])

    @records("plans.delete_objective")
    def delete_objective(self, objective_id: Id) -> Done:
        key = as_uuid(objective_id)

        def change(session: Session) -> tuple[str, list[Key]]:
            objective = self._objective(session, key)
            objective.deleted_at = self.now()
            keys: list[Key] = [(Objective, key)]
            for milestone in session.scalars(
                select(Milestone).where(
                    col(Milestone.objective_id) == key, col(Milestone.deleted_at).is_(None)
                )
            ):
                milestone.deleted_at = self.now()
                keys.append((Milestone, milestone.id))
            return f"Deleted the objective “{objective.outcome}”", keys

        return self._change(self._account_of_objective(key), change, self._objective_keys(key))

    # -- milestones ------------------------------------------------------------------------

    @records("plans.add_milestone", new_keys=("new_id",))
    def add_milestone(
        self,
        objective_id: Id,
        title: str,
        due_on: date | None,
        *,
        dri: str | None = None,
        new_id: str | None = None,
    ) -> Done:
        """A milestone of the objective (`new_id`: its id)."""
        key = as_uuid(objective_id)
        title = title.strip()
        if not title:
            raise PlanError("a milestone needs a title: what is done when it is done")

        def change(session: Session) -> tuple[str, list[Key]]:
            self._objective(session, key)
            milestone = Milestone(
                id=_new(new_id), objective_id=key, title=title, due_on=due_on, dri=_text(dri)
            )
            session.add(milestone)
            session.flush()
            return f"Added the milestone “{title}”", [(Milestone, milestone.id)]

        return self._change(self._account_of_objective(key), change)

    @records("plans.set_status")
    def set_status(self, milestone_id: Id, status: str, reason: str | None = None) -> Done:
        """One key's change: done (with today's date), in progress, planned, or blocked with
        a reason (slipped is worked out from the date)."""
        key = as_uuid(milestone_id)
        try:
            wanted = MilestoneStatus.parse(status)
        except ValueError as error:
            raise PlanError(f"status: {error}") from None
        if wanted is MilestoneStatus.SLIPPED:
            raise PlanError(
                "slipped is not set by hand: a milestone past its due date and not done is "
                "slipped; move its due date if the plan changed"
            )
        if wanted is MilestoneStatus.BLOCKED and not (reason or "").strip():
            raise PlanError("blocked by what? say why, so that someone can unblock it")

        def change(session: Session) -> tuple[str, list[Key]]:
            milestone = self._milestone(session, key)
            blocked = wanted is MilestoneStatus.BLOCKED
            if not blocked:
                milestone.blocked_on = None
            elif milestone.status != MilestoneStatus.BLOCKED.value or not milestone.blocked_on:
                milestone.blocked_on = self.today  # a new reason for the same block keeps its day
            milestone.status = wanted.value
            milestone.completed_at = self.now() if wanted is MilestoneStatus.DONE else None
            milestone.blocked_reason = (reason or "").strip() if blocked else None
            return f"“{milestone.title}” is {wanted.label.lower()}", [(Milestone, key)]

        return self._change(self._account_of_milestone(key), change, [(Milestone, key)])

    @records("plans.move")
    def move(self, milestone_id: Id, to_on: date, reason: str | None = None) -> Done:
        """A new due date; the old one stays in the milestone's history."""
        key = as_uuid(milestone_id)

        def change(session: Session) -> tuple[str, list[Key]]:
            milestone = self._milestone(session, key)
            if milestone.due_on == to_on:
                raise PlanError(f"“{milestone.title}” is already due on {to_on}")
            move = MilestoneMove(
                milestone_id=key,
                from_on=milestone.due_on,
                to_on=to_on,
                moved_on=self.today,
                reason=_text(reason),
                by_id=uuid.UUID(self.me.id) if self.me else None,
            )
            session.add(move)
            milestone.due_on = to_on
            session.flush()
            return f"Moved “{milestone.title}” to {to_on}", [
                (Milestone, key),
                (MilestoneMove, move.id),
            ]

        return self._change(self._account_of_milestone(key), change, [(Milestone, key)])

    @records("plans.edit_milestone")
    def edit_milestone(
        self,
        milestone_id: Id,
        *,
        title: str | None = None,
        dri: str | None = None,
        note: str | None = None,
    ) -> Done:
        key = as_uuid(milestone_id)

        def change(session: Session) -> tuple[str, list[Key]]:
            milestone = self._milestone(session, key)
            if title is not None:
                if not title.strip():
                    raise PlanError("a milestone needs a title")
                milestone.title = title.strip()
            if dri is not None:
                milestone.dri = _text(dri)
            if note is not None:
                milestone.note = _text(note)
            return f"Saved “{milestone.title}”", [(Milestone, key)]

        return self._change(self._account_of_milestone(key), change, [(Milestone, key)])

    @records("plans.delete_milestone")
    def delete_milestone(self, milestone_id: Id) -> Done:
        key = as_uuid(milestone_id)

        def change(session: Session) -> tuple[str, list[Key]]:
            milestone = self._milestone(session, key)
            milestone.deleted_at = self.now()
            return f"Deleted the milestone “{milestone.title}”", [(Milestone, key)]

        return self._change(self._account_of_milestone(key), change, [(Milestone, key)])

    # -- helpers ---------------------------------------------------------------------------

    def _change(
        self, account_id: uuid.UUID, change: Change, existing: list[Key] | None = None
    ) -> Done:
        """One change in one transaction with the account's reschedule, undone by putting
        the rows back as they were (`existing`: the rows it may change, read before)."""
        with self.db.writing() as session:
            name = triage_store.account_name(session, account_id)
            if name is None:
                raise PlanError("that account no longer exists (deleted since it was read)")
            before = states(session, existing or [])
            said, made = change(session)
            session.flush()
            keys = list(dict.fromkeys([*(existing or []), *made]))
            after = changed(session, before, keys)
            [decision] = self.schedule.recompute(session, [account_id])
        first = (existing or made)[0]
        return step_done("plan", first[1], account_id, said, name, after, decision, self.today)

    def _plan(self, session: Session, key: uuid.UUID) -> SuccessPlan:
        plan = session.get(SuccessPlan, key)
        if plan is None or plan.deleted_at is not None:
            raise PlanError("that success plan no longer exists (deleted, or undone)")
        return plan

    def _objective(self, session: Session, key: uuid.UUID) -> Objective:
        objective = session.get(Objective, key)
        if objective is None or objective.deleted_at is not None:
            raise PlanError("that objective no longer exists (deleted, or undone)")
        return objective

    def _milestone(self, session: Session, key: uuid.UUID) -> Milestone:
        milestone = session.get(Milestone, key)
        if milestone is None or milestone.deleted_at is not None:
            raise PlanError("that milestone no longer exists (deleted, or undone)")
        return milestone

    def _account_of_plan(self, key: uuid.UUID) -> uuid.UUID:
        with self.db.reading() as session:
            return self._plan(session, key).account_id

    def _account_of_objective(self, key: uuid.UUID) -> uuid.UUID:
        with self.db.reading() as session:
            return self._plan(session, self._objective(session, key).plan_id).account_id

    def _account_of_milestone(self, key: uuid.UUID) -> uuid.UUID:
        with self.db.reading() as session:
            objective = self._objective(session, self._milestone(session, key).objective_id)
            return self._plan(session, objective.plan_id).account_id

    def _plan_of_objective(self, key: uuid.UUID) -> uuid.UUID:
        with self.db.reading() as session:
            return self._objective(session, key).plan_id

    def _sibling_keys(self, plan_key: uuid.UUID) -> list[Key]:
        with self.db.reading() as session:
            return [(Objective, key) for key in _objective_ids(session, plan_key)]

    def _objective_keys(self, key: uuid.UUID) -> list[Key]:
        with self.db.reading() as session:
            milestones = session.scalars(
                select(col(Milestone.id)).where(
                    col(Milestone.objective_id) == key, col(Milestone.deleted_at).is_(None)
                )
            )
            return [(Objective, key), *((Milestone, milestone) for milestone in milestones)]


#: One row's column values, by name.
Values = dict[str, Any]


@dataclass(slots=True)
class NewPlan:
    """A plan made from a template, as the rows to insert: the plan, then each objective in
    plan order with its milestones (ids and foreign keys set, the columns' defaults left out)."""

    plan: Values
    objectives: list[tuple[Values, list[Values]]]

    def rows(self) -> Iterator[tuple[type[Row], Values]]:
        """Every row with its table, parents first."""
        yield SuccessPlan, self.plan
        for objective, milestones in self.objectives:
            yield Objective, objective
            for milestone in milestones:
                yield Milestone, milestone


def plan_rows(
    draft: PlanDraft,
    account_id: uuid.UUID,
    template: str,
    new_id: Callable[[], uuid.UUID] = uuid.uuid4,
) -> NewPlan:
    """The rows of a plan from `template` (instantiated as `draft`), as `create_from_template`
    stores them and the demo book writes them in bulk (`new_id`: its own stream of ids)."""
    plan_id = new_id()
    plan: Values = {
        "id": plan_id,
        "account_id": account_id,
        "title": draft.title,
        "status": draft.status.value,
        "template": template,
    }
    objectives: list[tuple[Values, list[Values]]] = []
    for position, goal in enumerate(draft.objectives):
        objective_id = new_id()
        objective: Values = {
            "id": objective_id,
            "plan_id": plan_id,
            "outcome": goal.outcome,
            "metric": goal.metric,
            "kind": goal.kind.value,
            "baseline": goal.baseline,
            "target": goal.target,
            "position": position,
        }
        milestones = [
            {
                "id": new_id(),
                "objective_id": objective_id,
                "title": step.title,
                "due_on": step.due_on,
                "dri": step.dri,
                "note": step.note,
                "position": number,
            }
            for number, step in enumerate(goal.milestones)
        ]
        objectives.append((objective, milestones))
    return NewPlan(plan, objectives)


def _objective_ids(
    session: Session, plan_id: uuid.UUID, *, ordered: bool = False
) -> list[uuid.UUID]:
    statement = select(col(Objective.id)).where(
        col(Objective.plan_id) == plan_id, col(Objective.deleted_at).is_(None)
    )
    if ordered:  # as the plan lists them
        statement = statement.order_by(
            col(Objective.position), col(Objective.created_at), col(Objective.id)
        )
    return list(session.scalars(statement))


def _check_status(status: str) -> None:
    if status not in PLAN_STATUSES:
        raise PlanError(f"a plan is {', '.join(PLAN_STATUSES)}, not {status!r}")


def _new(new_id: str | None) -> uuid.UUID:
    """The id of a row made: the one the action carries (`records`' new keys), or a fresh one."""
    return uuid.UUID(new_id) if new_id else new_row_id()


def _text(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None
