"""Every write as a mutation in a laptop's outbox (issue 23, its first step): the codec of the
arguments, the outbox on SQLite and PostgreSQL, a write and its mutation kept together or not
at all, and a laptop's outbox run again on a copy of the book giving the same rows."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from csm_tui.domain.enums import Role, TouchKind
from csm_tui.domain.iso_week import IsoWeek
from csm_tui.domain.mutation import MUTATION_SCHEMA, Mutation, decode, encode
from csm_tui.domain.team import Member
from csm_tui.models import ScheduledTouch, Touchpoint, WeeklyReport
from csm_tui.services.demo import DEMO_USER_EMAIL
from csm_tui.services.outbox import REGISTRY, apply
from csm_tui.services.triage import TouchForm
from csm_tui.services.workspace import Workspace
from csm_tui.services.wrapup_notes import WeeklyNotes
from csm_tui.settings import Settings
from csm_tui.store import outbox as store
from csm_tui.store.database import Database
from tests.conftest import TODAY

MADE = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)

# --- the codec ---------------------------------------------------------------------------------


def test_a_touch_form_goes_to_json_and_comes_back_the_same() -> None:
    form = TouchForm(
        account_id=str(uuid.uuid4()),
        kind=TouchKind.CADENCE_CALL.value,
        occurred_on=date(2026, 11, 20),
        summary="Call with Ada: rollout on track",
        sentiment="positive",
        attendee_ids=(str(uuid.uuid4()),),
        action_items=("Send the deck", "Book the EBR"),
        also=("nps-survey",),
    )
    mutation = Mutation(str(uuid.uuid4()), "triage.log_touch", {"form": encode(form)})
    again = Mutation.from_json(mutation.to_json())
    assert again == mutation and again.schema == MUTATION_SCHEMA
    assert decode(again.args["form"], TouchForm) == form


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        (date(2026, 2, 28), date),
        (datetime(2026, 2, 28, 23, 59, tzinfo=UTC), datetime),
        (Role.MANAGER, Role),
        (uuid.UUID(int=7), uuid.UUID),
        (None, date | None),
        (date(2026, 1, 1), date | None),
        ((1, 2, 3), tuple[int, ...]),
        (Member("id", "Ada", "ada@example.com", Role.CSM), Member),
        (IsoWeek(2026, 49), IsoWeek),
        (2.5, float),
        ("Acme *Beta* | Co", str),
    ],
)
def test_values_of_the_services_arguments_come_back_as_they_were(
    value: object, hint: object
) -> None:
    assert decode(encode(value), hint) == value


@pytest.mark.parametrize(
    "value",
    [datetime(2026, 11, 23, 9, 0), object(), {1: "a"}, timedelta(days=1)],
    ids=["naive moment", "an object", "keys not text", "a duration"],
)
def test_what_could_not_be_replayed_is_refused_when_kept(value: object) -> None:
    with pytest.raises(TypeError):
        encode(value)


def test_decoding_says_what_does_not_fit() -> None:
    with pytest.raises(ValueError, match="not-a-date"):
        decode("not-a-date", date)
    with pytest.raises(TypeError, match="is not a list"):
        decode("x", tuple[str, ...])


# --- the outbox, on SQLite and PostgreSQL ------------------------------------------------------


def _mutation(name: str = "triage.snooze") -> Mutation:
    return Mutation(str(uuid.uuid4()), name, {"account_id": "a", "until": "2026-12-01"})


def test_the_outbox_keeps_the_order_made_and_never_reuses_a_number(db: Database) -> None:
    made = [_mutation() for _ in range(3)]
    with db.writing() as session:
        seqs = [store.append(session, mutation, MADE) for mutation in made]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    with db.reading() as session:
        assert [m for _, m in store.pending(session)] == made
        assert store.waiting(session) == 3
    with db.writing() as session:
        assert store.acknowledge(session, seqs[-1]) == 3
    with db.writing() as session:
        later = store.append(session, _mutation(), MADE)
    assert later > seqs[-1], "the server skips what it applied by this number: never again"
    with db.reading() as session:
        assert [seq for seq, _ in store.pending(session)] == [later]


# --- writes and their mutations ----------------------------------------------------------------


@pytest.fixture
def laptop(demo_db: Path) -> Iterator[Workspace]:
    settings = Settings(database=str(demo_db), today=TODAY, user_email=DEMO_USER_EMAIL)
    workspace = Workspace.open(settings)
    yield workspace
    workspace.close()


def _due_account(workspace: Workspace) -> tuple[str, str]:
    item = workspace.triage.load(team=False, refresh=False, record=False).items[0]
    return item.account_id, item.kind


def test_without_sync_nothing_is_kept(laptop: Workspace) -> None:
    account_id, _ = _due_account(laptop)
    laptop.triage.log_touch(TouchForm(account_id, TouchKind.EMAIL.value, TODAY, "Sent the recap"))
    assert laptop.outbox.waiting() == 0


def test_each_action_is_kept_once_in_its_own_transaction(laptop: Workspace) -> None:
    device = laptop.outbox.enable()
    assert uuid.UUID(device) and laptop.outbox.enable() == device, "one device id, kept"
    account_id, kind = _due_account(laptop)
    form = TouchForm(account_id, TouchKind.CADENCE_CALL.value, TODAY, "Call: all good")
    done = laptop.triage.log_touch(form)  # writes the touch, then reschedules the account
    laptop.triage.snooze(account_id, None, TODAY + timedelta(days=3), "Travelling")
    kept = laptop.outbox.pending()
    assert [m.name for _, m in kept] == ["triage.log_touch", "triage.snooze"]
    assert kept[0][1].args == {"form": encode(form), "new_id": str(done.undo.row_id)}
    assert kept[1][1].args == {
        "account_id": account_id,
        "kind": None,
        "until": (TODAY + timedelta(days=3)).isoformat(),
        "reason": "Travelling",
    }
    assert kind


def test_a_write_that_fails_keeps_no_mutation(laptop: Workspace) -> None:
    laptop.outbox.enable()
    missing = str(uuid.uuid4())
    with pytest.raises(Exception):  # noqa: B017 - whatever the service says, nothing is kept
        laptop.triage.log_touch(TouchForm(missing, TouchKind.EMAIL.value, TODAY, "Nobody"))
    assert laptop.outbox.waiting() == 0


def test_a_reopened_book_that_syncs_keeps_on_keeping(demo_db: Path) -> None:
    settings = Settings(database=str(demo_db), today=TODAY, user_email=DEMO_USER_EMAIL)
    with Workspace.open(settings) as first:
        first.outbox.enable()
    with Workspace.open(settings) as again:
        account_id, _ = _due_account(again)
        again.triage.log_touch(TouchForm(account_id, TouchKind.EMAIL.value, TODAY, "Recap"))
        assert again.outbox.waiting() == 1


def test_every_recorded_action_names_a_method_of_its_service() -> None:
    assert callable(WeeklyNotes.save)  # imported: its actions are recorded
    assert {"triage.log_touch", "triage.snooze", "weekly_notes.save", "weekly_notes.submit"} <= set(
        REGISTRY
    )
    for name, recorded in REGISTRY.items():
        assert name == f"{recorded.owner}.{recorded.method}"


def _copy(source: Path, target: Path) -> Path:
    origin, copy = sqlite3.connect(source), sqlite3.connect(target)
    origin.backup(copy)
    copy.close()
    origin.close()
    return target


def test_the_outbox_run_again_on_a_copy_of_the_book_gives_the_same_rows(
    demo_db: Path, tmp_path: Path
) -> None:
    """What the team's server will do: the same service methods, the same arguments."""
    server_copy = _copy(demo_db, tmp_path / "server.db")
    settings = Settings(database=str(demo_db), today=TODAY, user_email=DEMO_USER_EMAIL)
    week = IsoWeek.of(TODAY)
    with Workspace.open(settings) as laptop:
        laptop.outbox.enable()
        me = laptop.me
        assert me is not None
        account_id, _ = _due_account(laptop)
        laptop.triage.log_touch(
            TouchForm(
                account_id,
                TouchKind.CADENCE_CALL.value,
                TODAY,
                "Call: renewal on track",
                sentiment="positive",
                action_items=("Send the pricing",),
            )
        )
        laptop.triage.snooze(account_id, None, TODAY + timedelta(days=2), "On leave")
        laptop.weekly_notes.save(me, week, wins="Renewal on track")
        laptop.weekly_notes.submit(me, week)
        kept = [mutation for _, mutation in laptop.outbox.pending()]
        mine = _rows(laptop.db, account_id, me.id)
    with Workspace.open(settings.with_database(server_copy)) as server:
        for mutation in kept:
            apply(server, Mutation.from_json(mutation.to_json()))
        assert _rows(server.db, account_id, me.id) == mine
        assert server.outbox.waiting() == 0, "a book that does not sync keeps nothing"


def _rows(db: Database, account_id: str, member_id: str) -> tuple[object, ...]:
    key = uuid.UUID(account_id)
    with db.reading() as session:
        touches = sorted(
            (touch.id, touch.kind, touch.occurred_on, touch.summary, touch.sentiment)
            for touch in session.exec(
                select(Touchpoint).where(
                    col(Touchpoint.account_id) == key, col(Touchpoint.deleted_at).is_(None)
                )
            )
        )
        schedule = sorted(
            (item.kind, item.due_on, item.snoozed_until)
            for item in session.exec(
                select(ScheduledTouch).where(col(ScheduledTouch.account_id) == key)
            )
        )
        notes = sorted(
            (report.id, report.week, report.wins, report.submitted_at is not None)
            for report in session.exec(
                select(WeeklyReport).where(col(WeeklyReport.member_id) == uuid.UUID(member_id))
            )
        )
    return tuple(touches), tuple(schedule), tuple(notes)


def test_a_snooze_and_its_undo_run_again_on_a_copy_give_the_same_schedule(
    demo_db: Path, tmp_path: Path
) -> None:
    """An undo is kept with the rows' states it puts back (`store.undo.RowState` says how)."""
    server_copy = _copy(demo_db, tmp_path / "server.db")
    settings = Settings(database=str(demo_db), today=TODAY, user_email=DEMO_USER_EMAIL)
    week = IsoWeek.of(TODAY)
    with Workspace.open(settings) as laptop:
        laptop.outbox.enable()
        me = laptop.me
        assert me is not None
        account_id, _ = _due_account(laptop)
        done = laptop.triage.snooze(account_id, None, TODAY + timedelta(days=4), "Away")
        laptop.triage.undo(done.undo)
        saved = laptop.weekly_notes.save(me, week, wins="Draft to take back")
        assert saved.undo is not None
        laptop.weekly_notes.undo(saved.undo)
        kept = [mutation for _, mutation in laptop.outbox.pending()]
        mine = _rows(laptop.db, account_id, me.id)
    assert [m.name for m in kept] == [
        "triage.snooze",
        "triage.undo",
        "weekly_notes.save",
        "weekly_notes.undo",
    ]
    with Workspace.open(settings.with_database(server_copy)) as server:
        said = [apply(server, Mutation.from_json(m.to_json())) for m in kept]
        assert _rows(server.db, account_id, me.id) == mine
    assert said[1].startswith("Undone") and said[3].startswith("Undone"), said
