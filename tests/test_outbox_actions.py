"""Every write of the services is kept as a mutation (issue 23): a laptop's day of work on the
demo book (escalations worked up and down the ladder, a success plan from its template worked
through, an account and its contacts edited, touches logged, edited and deleted, meetings
booked, a health drop reviewed), its outbox run again on a copy of the book, gives the same
rows, with the same ids for every row a later action names."""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import SQLModel, col, select

from csm_tui.domain.account_form import AccountForm, ContactForm
from csm_tui.domain.enums import RiskCategory, TouchKind
from csm_tui.domain.mutation import Mutation, decode, encode
from csm_tui.domain.triage import HEALTH_DROP
from csm_tui.models import (
    Account,
    ActionItem,
    AlertReview,
    Booking,
    Contact,
    Escalation,
    EscalationEvent,
    HealthSnapshot,
    Milestone,
    MilestoneMove,
    Objective,
    RecoveryPlan,
    Snooze,
    SuccessPlan,
    Touchpoint,
    TouchpointAttendee,
)
from csm_tui.services.account import Accounts
from csm_tui.services.demo import DEMO_USER_EMAIL
from csm_tui.services.escalations import Escalations
from csm_tui.services.outbox import REGISTRY, apply, derived, derived_ids, records
from csm_tui.services.plans import Plans
from csm_tui.services.triage import TouchForm, Triage
from csm_tui.services.workspace import Workspace
from csm_tui.services.wrapup_notes import WeeklyNotes
from csm_tui.settings import Settings
from tests.conftest import TODAY
from tests.test_outbox import _copy

# --- every write is recorded --------------------------------------------------------------------

#: The services whose writes are kept, by their name on the workspace.
SERVICES: dict[str, type] = {
    "triage": Triage,
    "accounts": Accounts,
    "escalations": Escalations,
    "plans": Plans,
    "weekly_notes": WeeklyNotes,
}
#: Public methods that write and are not kept as mutations, and why.
NOT_RECORDED = {
    "record_visit",  # the user's own "since the last visit", not the book's
    "load",  # may record the visit (`record_visit`'s)
}


def _writes(cls: type) -> set[str]:
    """The public methods of `cls` that open a write, themselves or through a private helper
    of the class that does (`_change`, `_step`, `_after`...)."""
    sources = {
        name: inspect.getsource(inspect.unwrap(member))
        for name, member in vars(cls).items()
        if inspect.isfunction(member) and not name.startswith("__")  # not the dataclass's own
    }
    helpers = {name for name, text in sources.items() if name.startswith("_")}
    writing = {name for name in helpers if "db.writing()" in sources[name]}
    grown = True
    while grown:  # a helper calling a helper that writes writes
        more = {
            name
            for name in helpers - writing
            if any(f"self.{other}(" in sources[name] for other in writing)
        }
        writing |= more
        grown = bool(more)
    return {
        name
        for name, text in sources.items()
        if not name.startswith("_")
        and ("db.writing()" in text or any(f"self.{helper}(" in text for helper in writing))
    }


def test_every_undo_is_recorded_with_the_rows_it_puts_back() -> None:
    """An undo writes through `store.undo` (not `db.writing()` in its own source): named here."""
    undoing = {f"{owner}.undo" for owner, cls in SERVICES.items() if hasattr(cls, "undo")}
    assert undoing == {"triage.undo", "escalations.undo", "plans.undo", "weekly_notes.undo"}
    assert undoing <= set(REGISTRY)


@pytest.mark.parametrize("owner", SERVICES)
def test_every_public_write_of_a_service_is_recorded(owner: str) -> None:
    cls = SERVICES[owner]
    writes = _writes(cls) - NOT_RECORDED
    assert writes, f"{cls.__name__} writes nothing? the source scan found nothing"
    recorded = {name for name in writes if f"{owner}.{name}" in REGISTRY}
    assert writes == recorded, f"not recorded (@records): {sorted(writes - recorded)}"
    for name in writes:
        assert getattr(cls, name).__wrapped__, f"{name}: REGISTRY names it, not decorated"


def test_the_scan_sees_the_writes_made_through_a_helper() -> None:
    assert {"raise_level", "open", "recovery_plan"} <= _writes(Escalations)
    assert {"move", "create_from_template"} <= _writes(Plans)
    assert "view" not in _writes(Accounts) and "ladder" not in _writes(Escalations)


# --- new keys -------------------------------------------------------------------------------


@dataclass
class _Maker:
    made: list[tuple[str, str | None]]

    @records("test_maker.make", new_keys=("new_id",))
    def make(self, what: str, *, new_id: str | None = None) -> str | None:
        self.made.append((what, new_id))
        return new_id


def test_a_new_key_left_out_is_picked_before_the_call_and_a_given_one_kept() -> None:
    maker = _Maker([])
    picked = maker.make("a plan")
    assert picked is not None and uuid.UUID(picked)
    given = str(uuid.uuid4())
    assert maker.make("again", new_id=given) == given
    assert maker.made == [("a plan", picked), ("again", given)]


def test_a_new_key_is_a_parameter_that_defaults_to_none() -> None:
    with pytest.raises(ValueError, match="new key"):

        @records("test_maker.bad", new_keys=("key",))
        def bad(self: object, key: str = "") -> None: ...

    with pytest.raises(ValueError, match="new key"):

        @records("test_maker.missing", new_keys=("key",))
        def missing(self: object) -> None: ...


def test_ids_derived_from_a_key_are_the_same_anywhere_and_differ_by_part() -> None:
    key = str(uuid.uuid4())
    assert derived(key, "touch") == derived(uuid.UUID(key), "touch") != derived(key, "plan")
    one, two = derived_ids(key, "item"), derived_ids(key, "item")
    assert [one(), one()] == [two(), two()] == [derived(key, "item/0"), derived(key, "item/1")]


def test_a_set_goes_to_json_sorted_and_comes_back() -> None:
    risks = frozenset({"renewal", "company", "adoption"})
    assert encode(risks) == ["adoption", "company", "renewal"]
    assert decode(encode(risks), frozenset[str]) == risks
    form = AccountForm("enterprise", "pr1", "1000", risks=risks)
    assert decode(encode(form), AccountForm) == form


# --- a laptop's day, run again on the server -------------------------------------------------


@pytest.fixture
def settings(demo_db: Path) -> Settings:
    return Settings(database=str(demo_db), today=TODAY, user_email=DEMO_USER_EMAIL)


@pytest.fixture
def laptop(settings: Settings) -> Iterator[Workspace]:
    with Workspace.open(settings) as workspace:
        workspace.outbox.enable()
        yield workspace


def _accounts(workspace: Workspace, count: int) -> list[str]:
    """`count` of my accounts with no open escalation."""
    view = workspace.triage.load(team=False, refresh=False, record=False, ahead_days=60)
    free = [
        item.account_id
        for item in view.items
        if workspace.escalations.open_of(item.account_id) is None
    ]
    found = list(dict.fromkeys(free))[:count]
    assert len(found) == count
    return found


#: The rows to compare, and the columns left out of them: the moments written (their day is
#: compared), and the ids of the rows no later action names (not carried by the mutations).
TABLES: dict[type[SQLModel], set[str]] = {
    Account: set(),
    Contact: set(),
    Touchpoint: set(),
    TouchpointAttendee: set(),
    ActionItem: set(),
    HealthSnapshot: {"id"},
    Escalation: set(),
    EscalationEvent: {"id"},
    RecoveryPlan: set(),
    SuccessPlan: set(),
    Objective: set(),
    Milestone: set(),
    MilestoneMove: {"id"},
    Snooze: {"id"},
    Booking: {"id"},
    AlertReview: {"id"},
}


def _rows(workspace: Workspace) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    with workspace.db.reading() as session:
        for model, left_out in TABLES.items():
            rows = []
            for row in session.exec(select(model)):
                values = row.model_dump(exclude={"created_at", "updated_at", *left_out})
                rows.append(repr(sorted((key, _day(value)) for key, value in values.items())))
            found[model.__name__] = sorted(rows)
    return found


def _day(value: Any) -> Any:
    """A moment as its day: written at the time of day it is run on the laptop, or later on
    the server."""
    return value.date() if isinstance(value, datetime) else value


def _replay(laptop: Workspace, settings: Settings, server_book: Path) -> None:
    kept = [mutation for _, mutation in laptop.outbox.pending()]
    assert kept, "the laptop kept its writes"
    mine = _rows(laptop)
    with Workspace.open(settings.with_database(server_book)) as server:
        before = _rows(server)
        for mutation in kept:
            apply(server, Mutation.from_json(mutation.to_json()))
        theirs = _rows(server)
    changed = [table for table in mine if mine[table] != before[table]]
    assert changed, "the laptop's day changed some rows"
    for table in mine:
        assert theirs[table] == mine[table], f"{table} differs on the server"


def _names(laptop: Workspace) -> list[str]:
    return [mutation.name for _, mutation in laptop.outbox.pending()]


def test_escalations_worked_on_the_laptop_are_the_same_on_the_server(
    laptop: Workspace, settings: Settings, tmp_path: Path
) -> None:
    server_book = _copy(Path(settings.database), tmp_path / "server.db")
    first, second = _accounts(laptop, 2)
    ladder = laptop.escalations
    opened = ladder.open(first, "Renewal at risk: the sponsor left", RiskCategory.COMPANY.value)
    escalation = str(opened.undo.row_id)
    ladder.raise_level(escalation, "No answer from the new sponsor")
    ladder.follow_up(escalation, "Call with the VP: a plan by Friday")
    ladder.note(escalation, "The VP wants a roadmap review")
    ladder.lower_level(escalation, "The VP is on board")
    ladder.resolve(escalation, "Roadmap review held, sponsor named")
    ladder.close(escalation, "Map two sponsors per account", process_changed=True)
    ladder.reopen(escalation, "The new sponsor left too")
    plan = ladder.recovery_plan(
        first, objectives="A sponsor again\nAdoption back up", escalation_id=escalation
    )
    ladder.end_recovery_plan(str(plan.undo.row_id))
    other = laptop.triage.escalate(second, "Outage for a week", RiskCategory.PRODUCT.value)
    ladder.raise_level(str(other.undo.row_id), "Still down", to_level=3)
    assert _names(laptop)[:2] == ["escalations.open", "escalations.raise_level"]
    assert "triage.escalate" in _names(laptop)
    _replay(laptop, settings, server_book)


def test_a_success_plan_worked_on_the_laptop_is_the_same_on_the_server(
    laptop: Workspace, settings: Settings, tmp_path: Path
) -> None:
    server_book = _copy(Path(settings.database), tmp_path / "server.db")
    [account] = _accounts(laptop, 1)
    plans = laptop.plans
    plans.config_dir = tmp_path  # the shipped templates only: the server has those
    plan = str(plans.create_from_template(account, "enterprise").undo.row_id)
    objective = str(
        plans.add_objective(plan, "Adoption", metric="WAU", baseline="10", target="50").undo.row_id
    )
    milestone = str(
        plans.add_milestone(objective, "Kickoff", TODAY + timedelta(days=7), dri="Ada").undo.row_id
    )
    plans.set_status(milestone, "in-progress")
    plans.set_status(milestone, "blocked", "Waiting on IT")
    plans.move(milestone, TODAY + timedelta(days=14), "IT is late")
    plans.edit_milestone(milestone, note="IT promised the 7th")
    plans.set_status(milestone, "done")
    plans.measure(objective, "20")
    plans.edit_objective(objective, target="60")
    plans.reorder_objective(objective, -1)
    plans.review(plan, TODAY + timedelta(days=30))
    plans.edit_plan(plan, status="active")
    with laptop.db.reading() as session:
        from_template = session.exec(
            select(Objective)
            .where(
                col(Objective.plan_id) == uuid.UUID(plan), col(Objective.id) != uuid.UUID(objective)
            )
            .order_by(col(Objective.position))
        ).all()
        first_milestone = session.exec(
            select(Milestone).where(col(Milestone.objective_id) == from_template[-1].id)
        ).first()
    assert from_template and first_milestone is not None
    plans.delete_milestone(str(first_milestone.id))
    plans.delete_objective(str(from_template[0].id))
    empty = str(plans.create(account, "Expansion into the EU team").undo.row_id)
    plans.add_objective(empty, "The EU team onboarded")
    _replay(laptop, settings, server_book)


def test_an_account_edited_on_the_laptop_is_the_same_on_the_server(
    laptop: Workspace, settings: Settings, tmp_path: Path
) -> None:
    server_book = _copy(Path(settings.database), tmp_path / "server.db")
    [account] = _accounts(laptop, 1)
    accounts = laptop.accounts
    profile = accounts.view(account)
    assert profile is not None
    accounts.save(
        account,
        AccountForm(
            segment="enterprise",
            priority="pr1",
            arr="480000",
            renewal_date=str(TODAY + timedelta(days=200)),
            lifecycle_stage="enable",
            engagement="70",
            success="60",
            satisfaction="80",
            financial="50",
            risks=frozenset({"renewal", "product"}),
        ),
    )
    added = accounts.save_contact(account, ContactForm("Grace Hopper", email="grace@example.com"))
    assert added.undo is not None
    contact = str(added.undo.row_id)
    accounts.save_contact(
        account, ContactForm("Grace Hopper", title="VP", email="grace@example.com"), contact
    )
    logged = laptop.triage.log_touch(
        TouchForm(
            account,
            TouchKind.CADENCE_CALL.value,
            TODAY,
            "Call with Grace: rollout on track",
            sentiment="positive",
            attendee_ids=(contact,),
            action_items=("Send the deck", "Book the EBR"),
        )
    )
    touch = str(logged.undo.row_id)
    with laptop.db.reading() as session:
        items = session.exec(
            select(ActionItem)
            .where(col(ActionItem.touchpoint_id) == logged.undo.row_id)
            .order_by(col(ActionItem.title))
        ).all()
    assert [item.title for item in items] == ["Book the EBR", "Send the deck"]
    accounts.tick(str(items[0].id))
    accounts.edit_touch(
        touch,
        TouchForm(
            account,
            TouchKind.CADENCE_CALL.value,
            TODAY,
            "Call with Grace: rollout on track, EBR booked",
            sentiment="positive",
            attendee_ids=(contact,),
            action_items=("Book the EBR", "Send the deck", "Share the roadmap"),
        ),
    )
    with laptop.db.reading() as session:
        new_item = session.exec(
            select(ActionItem).where(
                col(ActionItem.touchpoint_id) == logged.undo.row_id,
                col(ActionItem.title) == "Share the roadmap",
            )
        ).one()
    accounts.tick(str(new_item.id))  # an item the edit added: its id is the server's too
    accounts.mark_left(contact)
    email = laptop.triage.log_touch(TouchForm(account, TouchKind.EMAIL.value, TODAY, "Recap"))
    accounts.delete_touch(str(email.undo.row_id))
    _replay(laptop, settings, server_book)


def test_the_queue_worked_on_the_laptop_is_the_same_on_the_server(
    laptop: Workspace, settings: Settings, tmp_path: Path
) -> None:
    server_book = _copy(Path(settings.database), tmp_path / "server.db")
    view = laptop.triage.load(team=False, refresh=False, record=False)
    drop = next(item for item in view.items if item.kind == HEALTH_DROP)
    laptop.triage.review(drop.account_id)
    due = next(
        item
        for item in view.items
        if item.kind == TouchKind.CADENCE_CALL.value and item.account_id != drop.account_id
    )
    laptop.triage.book(due.account_id, due.kind, _workday_after(TODAY))
    laptop.triage.snooze(drop.account_id, None, TODAY + timedelta(days=3), "On leave")
    assert _names(laptop) == ["triage.review", "triage.book", "triage.snooze"]
    _replay(laptop, settings, server_book)


def _workday_after(day: date) -> date:
    after = day + timedelta(days=1)
    while after.weekday() >= 5:
        after += timedelta(days=1)
    return after


def test_an_action_called_without_its_new_key_records_the_one_it_used(
    laptop: Workspace,
) -> None:
    [account] = _accounts(laptop, 1)
    done = laptop.escalations.open(account, "Churn risk", RiskCategory.RENEWAL.value, level=2)
    [(_, kept)] = laptop.outbox.pending()
    assert kept.args["new_id"] == str(done.undo.row_id)
    assert kept.args["level"] == 2
