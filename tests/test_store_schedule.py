"""The schedule in the database: the facts the rules engine reads (csm_tui.store.facts), its
decisions written back (csm_tui.store.recompute), and the morning queue read from them
(csm_tui.store.queue), on SQLite and PostgreSQL.

The real engine is mostly not needed here: small `decide` functions build decisions by hand
(the worker-process tests use it, because their `decide` must pickle).
"""

from __future__ import annotations

import sys
import threading
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.dialects import sqlite
from sqlmodel import Session, col

import csm_tui.store.recompute
from csm_tui.domain.decision import Candidate, Decision, Status
from csm_tui.domain.engine import reason_on
from csm_tui.domain.facts import AccountFacts, HealthPoint, OpenMilestone
from csm_tui.domain.facts import Snooze as SnoozeFact
from csm_tui.domain.health import ScoreRange
from csm_tui.domain.queue import QueueItem, plan_of
from csm_tui.domain.rulebook import UrgencyCoefficients
from csm_tui.domain.urgency import Term
from csm_tui.models import (
    Account,
    AccountPlan,
    AppMeta,
    Escalation,
    EscalationEvent,
    HealthSnapshot,
    Milestone,
    Objective,
    ScheduledTouch,
    Snooze,
    SuccessPlan,
    TeamMember,
    Touchpoint,
    table_of,
)
from csm_tui.rules import default_rules
from csm_tui.services.scheduling import bound_decide
from csm_tui.store.bulk import insert_prepared, insert_rows, prepare_rows
from csm_tui.store.database import Database
from csm_tui.store.facts import LOOKBACK_DAYS, Reader, load_facts
from csm_tui.store.meta import is_current, schedule_state
from csm_tui.store.queue import queue, queue_statement
from csm_tui.store.recompute import recompute, recompute_all, write_decisions
from csm_tui.store.versions import COMPUTED_FOR_KEY
from tests.conftest import TODAY

DELETED = datetime(2026, 11, 1, tzinfo=UTC)


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


# --- building a small book ---------------------------------------------------------------------


def add_account(session: Session, name: str, **columns: Any) -> Account:
    account = Account(name=name, segment=columns.pop("segment", "enterprise"), **columns)
    session.add(account)
    session.flush()
    return account


def mark_deleted(session: Session, account_id: uuid.UUID) -> None:
    account = session.get(Account, account_id)
    assert account is not None
    account.deleted_at = DELETED


def add_member(session: Session, name: str, email: str) -> TeamMember:
    member = TeamMember(name=name, email=email)
    session.add(member)
    session.flush()
    return member


def add_touches(
    session: Session, account: Account, kind: str, *days: date, deleted: bool = False
) -> None:
    session.add_all(
        Touchpoint(
            account_id=account.id,
            occurred_on=day,
            kind=kind,
            summary="call",
            deleted_at=DELETED if deleted else None,
        )
        for day in days
    )


def add_snapshots(
    session: Session, account: Account, scores: dict[date, int], deleted: bool = False
) -> None:
    session.add_all(
        HealthSnapshot(
            account_id=account.id,
            taken_on=day,
            score=score,
            deleted_at=DELETED if deleted else None,
        )
        for day, score in scores.items()
    )


def add_milestone(
    session: Session,
    account: Account,
    title: str,
    due_on: date | None,
    status: str = "planned",
    *,
    plan_deleted: bool = False,
) -> None:
    plan = SuccessPlan(
        account_id=account.id, title="Plan", deleted_at=DELETED if plan_deleted else None
    )
    session.add(plan)
    session.flush()
    objective = Objective(plan_id=plan.id, outcome="Adoption")
    session.add(objective)
    session.flush()
    session.add(Milestone(objective_id=objective.id, title=title, due_on=due_on, status=status))


def facts_by_name(db: Database, **options: Any) -> dict[str, AccountFacts]:
    with db.reading() as session:
        return {facts.name: facts for facts in load_facts(session, today=TODAY, **options)}


# --- decisions made by hand -------------------------------------------------------------------


def candidate(
    kind: str = "cadence-call",
    *,
    due: date,
    urgency: float = 1.0,
    pinned: bool = False,
    rule_id: str | None = None,
    snoozed_until: date | None = None,
    snooze_reason: str | None = None,
) -> Candidate:
    """An item of `urgency` points (its own term); `pinned` makes it the pinned rule's."""
    rule_id = rule_id or (PINNED_RULE if pinned else "cadence")
    overdue = max(0, (TODAY - due).days)
    status = Status.OVERDUE if overdue else Status.DUE if due == TODAY else Status.UPCOMING
    return Candidate(
        rule_id=rule_id,
        kind=kind,
        label=kind.replace("-", " ").capitalize(),
        status=status,
        reason=reason_on(f"{rule_id}: due {due.isoformat()}", due, TODAY),
        due=due,
        latest=due + timedelta(days=7),
        overdue_days=overdue,
        inputs={"last touch": "2026-10-01"},
        steps=("2026-10-01 + 14 days",),
        snoozed_until=snoozed_until,
        snooze_reason=snooze_reason,
        terms=(Term("overdue", 1.0, urgency, f"{overdue} days overdue"),),
    )


#: The rule whose items every hand-made decision pins (as the engine pins an escalation's).
PINNED_RULE = "escalation"


class _TenthsOfALevel(dict[int, float]):
    """An escalation level of n worth n/10 points: how a hand-made decision gives its items
    the urgency it wants (the queue works urgency out from what is stored)."""

    def get(self, level: int, default: object = None) -> float:
        return level / 10


#: Urgency coefficients under which an item's urgency is all its account's escalation level.
URGENCY = UrgencyCoefficients(
    overdue=0,
    health_band={},
    priority={},
    renewal=0,
    arr=0,
    escalation=1.0,
    escalation_levels=_TenthsOfALevel(),
    sla_breach=0,
    staleness=0,
    snoozed=0,
    kind={},
)


def decision(
    facts: AccountFacts, *candidates: Candidate, next_touch: Candidate | None = None
) -> Decision:
    """The engine's answer: these candidates, the first one (or `next_touch`) next; the
    account's urgency (under `URGENCY`) is its first candidate's, its pinned rule's items are
    pinned."""
    urgency = candidates[0].terms[0].coefficient if candidates else 0
    return Decision(
        account_id=facts.account_id,
        today=TODAY,
        band="green",
        priority=facts.priority,
        derived=(),
        candidates=candidates,
        next=next_touch if next_touch is not None else (candidates[0] if candidates else None),
        pin=(PINNED_RULE, "open L5 escalation"),
        escalation_level=round(urgency * 10),
        pin_always=True,
        pin_rule_id=PINNED_RULE,
    )


Plan = dict[str, list[Candidate]]


def deciding(plan: Plan, default_due: date | None = None) -> Callable[[AccountFacts], Decision]:
    """A fake engine: the candidates listed for each account name (a cadence call otherwise)."""

    def decide(facts: AccountFacts) -> Decision:
        chosen = plan.get(facts.name)
        if chosen is None:
            chosen = [candidate(due=default_due or TODAY)]
        return decision(facts, *chosen)

    return decide


def stored(db: Database) -> list[tuple]:
    with db.reading() as session:
        rows = session.execute(
            select(
                col(Account.name),
                col(ScheduledTouch.kind),
                col(ScheduledTouch.due_on),
                col(ScheduledTouch.rule_id),
            ).join(Account, col(Account.id) == col(ScheduledTouch.account_id))
        ).all()
    return sorted(tuple(row) for row in rows)


def write(db: Database, plan: Plan) -> None:
    facts = facts_by_name(db)
    decide = deciding(plan)
    with db.writing() as session:
        write_decisions(session, [decide(facts[name]) for name in plan])


def names_in(items: Iterable[QueueItem]) -> list[tuple[str, str]]:
    return [(item.account_name, item.kind) for item in items]


def todays_queue(db: Database, **options: Any) -> list[QueueItem]:
    with db.reading() as session:
        return queue(
            session, **{"today": TODAY, "coefficients": URGENCY, "owner_email": None, **options}
        )


# --- load_facts: what the engine reads ---------------------------------------------------------


def test_facts_carry_the_account_as_stored(db: Database) -> None:
    with db.writing() as session:
        account = add_account(
            session,
            "Acme",
            external_id="ACC-1",
            segment="mid-market",
            priority="pr3",
            arr_cents=12_500_000,
            health_score=64,
            lifecycle_stage="expand",
            contract_start=date(2025, 1, 15),
            renewal_date=date(2027, 1, 15),
            go_live_date=date(2025, 3, 1),
        )
        key = account.id

    [facts] = facts_by_name(db).values()

    assert facts == AccountFacts(
        account_id=str(key),
        name="Acme",
        segment="mid-market",
        priority="pr3",
        arr_cents=12_500_000,
        external_id="ACC-1",
        health_score=64,
        lifecycle_stage="expand",
        contract_start=date(2025, 1, 15),
        renewal_date=date(2027, 1, 15),
        go_live_date=date(2025, 3, 1),
    )


def test_touches_are_the_recent_ones_plus_the_latest_older_one_of_each_kind(db: Database) -> None:
    with db.writing() as session:
        acme = add_account(session, "Acme")
        add_touches(
            session,
            acme,
            "cadence-call",
            days_ago(900),
            days_ago(850),
            days_ago(30),
            days_ago(2),
            days_ago(16),
        )
        add_touches(session, acme, "ebr", days_ago(1000), days_ago(820))  # nothing recent
        add_touches(session, acme, "email", TODAY, TODAY + timedelta(days=3))  # one planned
        add_touches(session, acme, "cadence-call", days_ago(1), deleted=True)
        add_touches(session, acme, "training", days_ago(5), deleted=True)

    touches = facts_by_name(db)["Acme"].touches

    assert dict(touches) == {
        "cadence-call": (days_ago(850), days_ago(30), days_ago(16), days_ago(2)),
        "ebr": (days_ago(820),),
        "email": (TODAY,),
    }


def test_lookback_can_be_shortened(db: Database) -> None:
    with db.writing() as session:
        acme = add_account(session, "Acme")
        add_touches(session, acme, "cadence-call", days_ago(40), days_ago(30), days_ago(2))

    touches = facts_by_name(db, lookback_days=10)["Acme"].touches

    assert touches["cadence-call"] == (days_ago(30), days_ago(2))


def test_health_is_the_last_120_days_plus_the_snapshot_just_before(db: Database) -> None:
    with db.writing() as session:
        acme = add_account(session, "Acme")
        add_snapshots(
            session,
            acme,
            {
                days_ago(300): 90,
                days_ago(130): 85,
                days_ago(120): 80,
                days_ago(7): 55,
                TODAY: 50,
                TODAY + timedelta(days=1): 10,
            },
        )
        add_snapshots(session, acme, {days_ago(125): 1, days_ago(1): 1}, deleted=True)
        add_account(session, "Quiet")

    facts = facts_by_name(db)

    assert facts["Acme"].health == (
        HealthPoint(days_ago(130), 85),
        HealthPoint(days_ago(120), 80),
        HealthPoint(days_ago(7), 55),
        HealthPoint(TODAY, 50),
    )
    assert facts["Quiet"].health == ()


def test_open_escalations_know_when_they_reached_their_level(db: Database) -> None:
    opened = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
    with db.writing() as session:
        acme = add_account(session, "Acme")
        raised = Escalation(
            account_id=acme.id, level=3, reason="outage", risk_category="product", opened_at=opened
        )
        fresh = Escalation(
            account_id=acme.id,
            level=1,
            reason="billing",
            risk_category="company",
            opened_at=opened + timedelta(days=1),
        )
        closed = Escalation(
            account_id=acme.id,
            level=2,
            status="closed",
            reason="old",
            risk_category="support",
            opened_at=opened - timedelta(days=60),
        )
        gone = Escalation(
            account_id=acme.id,
            level=2,
            reason="typo",
            risk_category="support",
            opened_at=opened,
            deleted_at=DELETED,
        )
        session.add_all([raised, fresh, closed, gone])
        session.flush()
        session.add_all(
            [
                EscalationEvent(
                    escalation_id=raised.id,
                    from_level=None,
                    to_level=1,
                    occurred_at=opened,
                    why="opened",
                ),
                EscalationEvent(
                    escalation_id=raised.id,
                    from_level=1,
                    to_level=3,
                    occurred_at=datetime(2026, 11, 12, 14, 30, tzinfo=UTC),
                    why="worse",
                ),
                EscalationEvent(
                    escalation_id=raised.id,
                    from_level=3,
                    to_level=3,
                    occurred_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
                    why="again",
                    deleted_at=DELETED,
                ),
            ]
        )
        ids = str(raised.id), str(fresh.id)

    escalations = facts_by_name(db)["Acme"].escalations

    assert [(item.id, item.level) for item in escalations] == [(ids[0], 3), (ids[1], 1)]
    first, second = escalations
    assert first.opened_at == opened
    assert first.level_since == datetime(2026, 11, 12, 14, 30, tzinfo=UTC)
    assert second.level_since == second.opened_at == opened + timedelta(days=1)  # no event
    for moment in (first.opened_at, first.level_since, second.level_since):
        assert moment.utcoffset() == timedelta(0)  # aware and UTC, on SQLite too


def test_only_running_snoozes_and_open_milestones_are_read(db: Database) -> None:
    with db.writing() as session:
        acme = add_account(session, "Acme")
        session.add_all(
            [
                Snooze(
                    account_id=acme.id,
                    kind=None,
                    until=TODAY + timedelta(days=14),
                    reason="customer on holiday",
                    snoozed_on=days_ago(1),
                ),
                Snooze(
                    account_id=acme.id,
                    kind="ebr",
                    until=TODAY + timedelta(days=3),
                    reason="QBR moved",
                    snoozed_on=days_ago(2),
                ),
                Snooze(
                    account_id=acme.id,
                    kind=None,
                    until=TODAY,
                    reason="ended today",
                    snoozed_on=days_ago(9),
                ),
                Snooze(
                    account_id=acme.id,
                    kind=None,
                    until=TODAY + timedelta(days=30),
                    reason="withdrawn",
                    snoozed_on=days_ago(3),
                    deleted_at=DELETED,
                ),
            ]
        )
        add_milestone(session, acme, "Go live", TODAY + timedelta(days=10))
        add_milestone(session, acme, "SSO rollout", days_ago(3), status="slipped")
        add_milestone(session, acme, "Kick-off", days_ago(40), status="done")
        add_milestone(session, acme, "Someday", None)
        add_milestone(session, acme, "Old plan", TODAY, plan_deleted=True)

    facts = facts_by_name(db)["Acme"]

    assert facts.snoozes == (
        SnoozeFact(
            until=TODAY + timedelta(days=3), reason="QBR moved", snoozed_on=days_ago(2), kind="ebr"
        ),
        SnoozeFact(
            until=TODAY + timedelta(days=14), reason="customer on holiday", snoozed_on=days_ago(1)
        ),
    )
    assert facts.milestones == (
        OpenMilestone("SSO rollout", days_ago(3)),
        OpenMilestone("Go live", TODAY + timedelta(days=10)),
    )


def test_deleted_accounts_are_not_read(db: Database) -> None:
    with db.writing() as session:
        add_account(session, "Live")
        gone = add_account(session, "Gone", deleted_at=DELETED)
        add_touches(session, gone, "cadence-call", days_ago(3))

    assert list(facts_by_name(db)) == ["Live"]


def test_some_accounts_read_in_chunks_equal_the_same_accounts_read_all_at_once(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with db.writing() as session:
        for number in range(7):
            account = add_account(session, f"Account {number}")
            add_touches(session, account, "cadence-call", days_ago(number), days_ago(900 + number))
            add_snapshots(session, account, {days_ago(200): 70 + number, days_ago(number): 60})
            add_milestone(session, account, f"Milestone {number}", TODAY)
        gone = add_account(session, "Gone", deleted_at=DELETED)
    everything = facts_by_name(db)
    wanted = [uuid.UUID(everything[f"Account {number}"].account_id) for number in (5, 1, 3, 6)]
    monkeypatch.setattr("csm_tui.store.facts.IN_CHUNK", 3)

    some = facts_by_name(db, account_ids=[*wanted, gone.id, uuid.uuid4()])

    assert sorted(some) == ["Account 1", "Account 3", "Account 5", "Account 6"]
    assert all(some[name] == everything[name] for name in some)


# --- write_decisions, recompute, recompute_all -------------------------------------------------


def test_writing_decisions_twice_replaces_the_rows(db: Database) -> None:
    with db.writing() as session:
        add_account(session, "Acme")
        add_account(session, "Globex")
    plan = {
        "Acme": [
            candidate(due=days_ago(3)),
            candidate("ebr", due=TODAY + timedelta(days=20)),
            candidate(due=days_ago(1), rule_id="cadence-red"),
        ],
        "Globex": [candidate("renewal-call", due=TODAY, rule_id="renewal")],
    }

    write(db, plan)
    first = stored(db)
    write(db, plan)

    assert (
        stored(db)
        == first
        == [
            ("Acme", "cadence-call", days_ago(3), "cadence"),  # the earliest of its kind
            ("Acme", "ebr", TODAY + timedelta(days=20), "cadence"),
            ("Globex", "renewal-call", TODAY, "renewal"),
        ]
    )


def test_keys_given_as_text_are_stored_as_the_same_keys(db: Database) -> None:
    """The bulk writes give keys as text (no UUID object per row): canonical, or 32 hex
    digits; both are stored as the UUIDs they spell, on SQLite and on PostgreSQL."""
    with db.writing() as session:
        acme, globex = add_account(session, "Acme"), add_account(session, "Globex")
        plan = ("r", False, None)  # reason, pin rule, booked for
        rows = [
            (acme.id.hex, "ebr", TODAY, "ebr", "EBR", None, None, None, *plan),
            (str(globex.id), "nps-survey", TODAY, "nps", "NPS", None, None, None, *plan),
        ]
        connection = session.connection()
        scheduled = table_of(ScheduledTouch)
        insert_prepared(
            connection,
            scheduled,
            prepare_rows(connection, scheduled, rows, names=csm_tui.store.recompute._TOUCH_NAMES),
        )
        account = ("green", "pr2", None, None, False, None)
        insert_rows(
            connection,
            table_of(AccountPlan),
            [(str(acme.id), TODAY, *account), (globex.id.hex, None, *account)],
            names=csm_tui.store.recompute._ACCOUNT_PLAN_NAMES,
        )

    with db.reading() as session:
        stored = set(
            session.execute(select(col(ScheduledTouch.account_id), col(ScheduledTouch.kind)))
        )
        plans = set(
            session.execute(select(col(AccountPlan.account_id), col(AccountPlan.valid_until)))
        )
    assert stored == {(acme.id, "ebr"), (globex.id, "nps-survey")}
    assert plans == {(acme.id, TODAY), (globex.id, None)}


def test_a_written_row_keeps_what_stays_the_same_from_day_to_day(db: Database) -> None:
    with db.writing() as session:
        add_account(session, "Acme")
    chosen = candidate(
        due=days_ago(4),
        urgency=7.5,
        pinned=True,
        snoozed_until=TODAY + timedelta(days=2),
        snooze_reason="on leave",
    )

    write(db, {"Acme": [chosen]})

    with db.reading() as session:
        row = session.scalars(select(ScheduledTouch)).one()
        account = session.scalars(select(AccountPlan)).one()
    assert (row.kind, row.label, row.due_on, row.latest_on, row.rule_id) == (
        "cadence-call",
        "Cadence call",
        days_ago(4),
        days_ago(4) + timedelta(days=7),
        PINNED_RULE,
    )
    assert row.reason == f"escalation: due {days_ago(4).isoformat()}"  # without "4 days overdue"
    assert (row.snoozed_until, row.snooze_reason) == (TODAY + timedelta(days=2), "on leave")
    assert row.pin_rule
    assert (
        account.band,
        account.effective_priority,
        account.escalation_level,
        account.breach_at,
        account.pin_always,
        account.last_touch_on,
    ) == ("green", "pr2", 75, None, True, None)


def test_the_queue_works_out_each_day_what_changes_from_day_to_day(db: Database) -> None:
    with db.writing() as session:
        add_account(session, "Acme")
    write(db, {"Acme": [candidate(due=days_ago(4), urgency=7.5, pinned=True)]})

    [today] = todays_queue(db)
    [later] = todays_queue(db, today=TODAY + timedelta(days=3))

    assert (today.overdue_days, today.status, today.urgency, today.pinned) == (
        4,
        "overdue",
        7.5,
        True,
    )
    assert today.explanation == f"escalation: due {days_ago(4).isoformat()}, 4 days overdue"
    assert (later.overdue_days, later.explanation) == (
        7,
        f"escalation: due {days_ago(4).isoformat()}, 7 days overdue",
    )
    [early] = todays_queue(db, today=days_ago(6), ahead_days=7)
    assert (early.overdue_days, early.status, early.explanation) == (
        0,
        "upcoming",
        f"escalation: due {days_ago(4).isoformat()}, in 2 days",
    )


def test_the_engines_next_touch_is_stored_even_when_it_is_not_the_earliest_of_its_kind(
    db: Database,
) -> None:
    with db.writing() as session:
        add_account(session, "Acme")
    facts = facts_by_name(db)["Acme"]
    early = candidate(due=days_ago(2), rule_id="cadence")
    urgent = candidate(due=TODAY, rule_id="cadence-red", urgency=20)
    ebr = candidate("ebr", due=days_ago(5))

    with db.writing() as session:
        written = write_decisions(session, [decision(facts, early, urgent, ebr, next_touch=urgent)])

    assert written == 2
    assert stored(db) == [
        ("Acme", "cadence-call", TODAY, "cadence-red"),
        ("Acme", "ebr", days_ago(5), "cadence"),
    ]


def test_recompute_replaces_only_the_accounts_it_is_given(db: Database) -> None:
    with db.writing() as session:
        acme = add_account(session, "Acme")
        add_account(session, "Globex")
        gone = add_account(session, "Initech")
    write(
        db,
        {
            name: [candidate(due=days_ago(1), rule_id="v1")]
            for name in ("Acme", "Globex", "Initech")
        },
    )
    with db.writing() as session:
        mark_deleted(session, gone.id)

    with db.writing() as session:
        decisions = recompute(
            session,
            [acme.id, gone.id],
            deciding({"Acme": [candidate(due=TODAY, rule_id="v2")]}),
            today=TODAY,
        )

    assert [item.account_id for item in decisions] == [str(acme.id)]
    assert stored(db) == [
        ("Acme", "cadence-call", TODAY, "v2"),
        ("Globex", "cadence-call", days_ago(1), "v1"),
    ]


def test_recompute_all_rewrites_every_live_account_and_records_for_what(db: Database) -> None:
    with db.writing() as session:
        for name in ("Acme", "Globex", "Initech", "Umbrella", "Hooli"):
            add_account(session, name)
        gone = add_account(session, "Gone")
    write(db, {"Gone": [candidate(due=days_ago(1))]})
    with db.writing() as session:
        mark_deleted(session, gone.id)
    with db.reading() as session:
        assert schedule_state(session) == (None, None)
        assert not is_current(session, today=TODAY, rules_sha256="sha-9")

    count = recompute_all(
        db, deciding({}, default_due=days_ago(2)), today=TODAY, rules_sha256="sha-9", chunk=2
    )

    assert count == 5
    assert [row[0] for row in stored(db)] == ["Acme", "Globex", "Hooli", "Initech", "Umbrella"]
    with db.reading() as session:
        assert schedule_state(session) == (TODAY, "sha-9")
        assert is_current(session, today=TODAY, rules_sha256="sha-9")
        assert not is_current(session, today=TODAY, rules_sha256="sha-10")
        assert not is_current(session, today=TODAY + timedelta(days=1), rules_sha256="sha-9")
        meta = dict(session.execute(select(col(AppMeta.key), col(AppMeta.value))).all())
    assert meta[COMPUTED_FOR_KEY] == TODAY.isoformat()

    # Again the next day: the rows and the record move on, nothing is duplicated.
    recompute_all(db, deciding({}), today=TODAY + timedelta(days=1), rules_sha256="sha-9")
    with db.reading() as session:
        assert schedule_state(session) == (TODAY + timedelta(days=1), "sha-9")
        assert session.scalar(select(func.count()).select_from(ScheduledTouch)) == 5


def _six_accounts(db: Database) -> None:
    with db.writing() as session:
        for number, name in enumerate(("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark")):
            add_account(
                session,
                name,
                health_score=40 + 10 * number,
                renewal_date=TODAY + timedelta(days=30 * number),
            )


def _six_accounts_scheduled_in_one_process(db: Database) -> list[tuple]:
    _six_accounts(db)
    recompute_all(
        db, bound_decide(default_rules(), TODAY), today=TODAY, rules_sha256="one", chunk=2
    )
    return _schedule_rows(db)


def _schedule_rows(db: Database) -> list[tuple[Any, ...]]:
    with db.reading() as session:
        rows = session.execute(
            select(
                col(Account.name),
                col(ScheduledTouch.kind),
                col(ScheduledTouch.due_on),
                col(ScheduledTouch.rule_id),
                col(ScheduledTouch.reason),
                col(AccountPlan.band),
                col(AccountPlan.effective_priority),
                col(AccountPlan.escalation_level),
                col(AccountPlan.breach_at),
                col(AccountPlan.last_touch_on),
            )
            .join(Account, col(Account.id) == col(ScheduledTouch.account_id))
            .join(AccountPlan, col(AccountPlan.account_id) == col(ScheduledTouch.account_id))
            .order_by(col(Account.name), col(ScheduledTouch.kind))
        )
        return [tuple(row) for row in rows]


class _TextualStderr:
    """What a running Textual app puts in sys.stderr: no real file behind it."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass

    def fileno(self) -> int:
        return -1


@pytest.mark.parametrize(
    ("threads", "stderr"),
    [(1, None), (3, None), (3, _TextualStderr())],
    ids=["forked", "spawned (a threaded program)", "spawned from a running TUI"],
)
def test_recompute_all_in_worker_processes_writes_what_one_process_writes(
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    threads: int,
    stderr: object,
) -> None:
    in_one_process = _six_accounts_scheduled_in_one_process(db)
    rules = default_rules()
    monkeypatch.setattr(threading, "active_count", lambda: threads)
    if stderr is not None:
        monkeypatch.setattr(sys, "stderr", stderr)

    count = recompute_all(
        db,
        bound_decide(rules, TODAY),
        today=TODAY,
        rules_sha256="two",
        chunk=2,
        workers=2,
        parallel_from=0,
    )

    assert count == 6
    assert _schedule_rows(db) == in_one_process
    assert {row[0] for row in in_one_process} == {
        "Acme",
        "Globex",
        "Initech",
        "Umbrella",
        "Hooli",
        "Stark",
    }
    assert "worker processes failed" not in caplog.text  # the workers did it, no fallback
    with db.reading() as session:
        assert schedule_state(session) == (TODAY, "two")


def test_recompute_all_finishes_in_this_process_when_a_worker_dies(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_one_process = _six_accounts_scheduled_in_one_process(db)
    rules = default_rules()
    real = csm_tui.store.recompute._in_processes

    def dies_after_one_range(*args: Any, **kwargs: Any) -> Any:
        parts = real(*args, **kwargs)
        yield next(parts)
        parts.close()
        raise BrokenProcessPool("a worker was killed")

    monkeypatch.setattr(csm_tui.store.recompute, "_in_processes", dies_after_one_range)
    count = recompute_all(
        db,
        bound_decide(rules, TODAY),
        today=TODAY,
        rules_sha256="two",
        chunk=2,
        workers=2,
        parallel_from=0,
    )

    assert count == 6
    assert _schedule_rows(db) == in_one_process  # every account once, none twice


class _Inserts:
    """The (account name, kind) of every item row inserted from now on, as the database sees
    it: a trigger logs each one."""

    _SQLITE = (
        "CREATE TABLE touch_inserted (account_id CHAR(32), kind VARCHAR)",
        "CREATE TRIGGER log_touch_inserted AFTER INSERT ON scheduled_touch BEGIN "
        "INSERT INTO touch_inserted VALUES (new.account_id, new.kind); END",
    )
    _POSTGRES = (
        "CREATE TABLE touch_inserted (account_id UUID, kind VARCHAR)",
        "CREATE FUNCTION log_touch_inserted() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN INSERT INTO touch_inserted VALUES (NEW.account_id, NEW.kind); "
        "RETURN NEW; END $$",
        "CREATE TRIGGER log_touch_inserted AFTER INSERT ON scheduled_touch "
        "FOR EACH ROW EXECUTE FUNCTION log_touch_inserted()",
    )

    def __init__(self, db: Database) -> None:
        self.db = db
        with db.engine.begin() as connection:
            for statement in self._SQLITE if db.engine.dialect.name == "sqlite" else self._POSTGRES:
                connection.execute(text(statement))

    def taken(self) -> set[tuple[str, str]]:
        """The rows inserted since the last call."""
        with self.db.engine.begin() as connection:
            rows = connection.execute(
                text(
                    "SELECT account.name, touch_inserted.kind FROM touch_inserted "
                    "JOIN account ON account.id = touch_inserted.account_id"
                )
            ).all()
            connection.execute(text("DELETE FROM touch_inserted"))
        return {(name, kind) for name, kind in rows}


def test_recompute_all_rewrites_only_the_accounts_whose_plan_changed_unless_most_did(
    db: Database,
) -> None:
    names = ("Acme", "Globex", "Initech", "Umbrella", "Vandelay")
    with db.writing() as session:
        for name in names:
            add_account(session, name)
    inserts = _Inserts(db)
    plan = {name: [candidate(due=days_ago(3))] for name in names}
    plan["Globex"] = [candidate(due=days_ago(1)), candidate("ebr", due=TODAY)]
    recompute_all(db, deciding(plan), today=TODAY, rules_sha256="x")
    assert inserts.taken() == {*((name, "cadence-call") for name in names), ("Globex", "ebr")}

    # The next day nothing the rows hold has changed: no row is written again.
    recompute_all(db, deciding(plan), today=TODAY + timedelta(days=1), rules_sha256="x")
    assert inserts.taken() == set()

    # New rules: Globex's EBR is done (no longer open) and Initech's call moves. Every
    # account is decided again; only those two are written.
    moved = {
        **plan,
        "Globex": plan["Globex"][:1],
        "Initech": [candidate(due=TODAY + timedelta(days=5))],
    }
    recompute_all(db, deciding(moved), today=TODAY + timedelta(days=2), rules_sha256="y")
    assert inserts.taken() == {("Globex", "cadence-call"), ("Initech", "cadence-call")}
    assert stored(db) == sorted(
        [
            (name, "cadence-call", days_ago(3), "cadence")
            for name in ("Acme", "Umbrella", "Vandelay")
        ]
        + [
            ("Globex", "cadence-call", days_ago(1), "cadence"),
            ("Initech", "cadence-call", TODAY + timedelta(days=5), "cadence"),
        ]
    )

    # Rules that move most plans: comparing would cost more than it spares, so every plan is
    # written afresh, Acme's unchanged one too.
    most = {name: [candidate(due=TODAY + timedelta(days=9))] for name in names}
    most["Acme"] = plan["Acme"]
    recompute_all(db, deciding(most), today=TODAY + timedelta(days=2), rules_sha256="z")
    assert inserts.taken() == {(name, "cadence-call") for name in names}
    assert stored(db) == sorted(
        [("Acme", "cadence-call", days_ago(3), "cadence")]
        + [(name, "cadence-call", TODAY + timedelta(days=9), "cadence") for name in names[1:]]
    )


@pytest.mark.parametrize("workers", [1, 2], ids=["one process", "worker processes"])
def test_recompute_all_writes_every_plan_afresh_when_most_of_them_move(
    db: Database, workers: int
) -> None:
    """Comparing costs more than it spares when most plans move: all are forgotten at once and
    written again, which leaves the schedule the engine decides."""
    _six_accounts(db)
    rules = default_rules()
    recompute_all(db, bound_decide(rules, TODAY), today=TODAY, rules_sha256="one")
    later = TODAY + timedelta(days=365)  # renewals passed, reviews and surveys came round
    inserts = _Inserts(db)

    recompute_all(
        db,
        bound_decide(rules, later),
        today=later,
        rules_sha256="two",
        chunk=2,
        workers=workers,
        parallel_from=0,
    )

    expected = _engine_rows(db, later)
    assert _schedule_rows(db) == expected
    assert {name for name, _kind in inserts.taken()} == {row[0] for row in expected}
    if db.is_sqlite:  # written without SQLite's foreign key checks: every reference holds
        with db.reading() as session:
            check = session.connection().exec_driver_sql("PRAGMA foreign_key_check")
            assert check.all() == []


def _engine_rows(db: Database, day: date) -> list[tuple]:
    """`_schedule_rows` as the shipped rules decide the book on `day`."""
    with db.reading() as session:
        facts = load_facts(session, today=day)
    rows = []
    for one in facts:
        plan = plan_of(bound_decide(default_rules(), day)(one))
        band, priority, level, breach, _pin, last = plan.account
        rows += [
            (one.name, kind, due, rule_id, reason, band, priority, level, breach, last)
            for kind, due, rule_id, _label, _latest, _until, _why, reason, *_ in plan.touches
        ]
    return sorted(rows, key=lambda row: (row[0], row[1]))


def test_recompute_all_keeps_until_when_each_plan_holds(db: Database) -> None:
    """Until when a plan holds is part of it: new rules that leave the items as they were but
    change that day rewrite it. An account with nothing open keeps a plan, with no items."""
    with db.writing() as session:
        for name in ("Acme", "Globex"):
            add_account(session, name)
    items = {"Acme": [candidate(due=TODAY + timedelta(days=4))], "Globex": []}

    def holding(until: date) -> Callable[[AccountFacts], Decision]:
        decide = deciding(items)
        return lambda facts: replace(decide(facts), valid_until=until)

    def plans() -> dict[str, date | None]:
        with db.reading() as session:
            rows = session.execute(
                select(col(Account.name), col(AccountPlan.valid_until)).join(
                    Account, col(Account.id) == col(AccountPlan.account_id)
                )
            ).all()
        return dict(rows)

    recompute_all(db, holding(TODAY + timedelta(days=10)), today=TODAY, rules_sha256="x")
    assert plans() == {"Acme": TODAY + timedelta(days=10), "Globex": TODAY + timedelta(days=10)}
    assert stored(db) == [("Acme", "cadence-call", TODAY + timedelta(days=4), "cadence")]

    recompute_all(db, holding(TODAY + timedelta(days=3)), today=TODAY, rules_sha256="y")

    assert plans() == {"Acme": TODAY + timedelta(days=3), "Globex": TODAY + timedelta(days=3)}
    assert stored(db) == [("Acme", "cadence-call", TODAY + timedelta(days=4), "cadence")]


def _accounts_with_health_history(db: Database) -> None:
    """Accounts that moved between bands in the health window, one of them into red."""
    with db.writing() as session:
        for name, score, history in [
            ("Turned Red", 45, {days_ago(40): 85, days_ago(3): 45}),
            ("Red All Along", 30, {days_ago(200): 35, days_ago(20): 30}),
            ("Turned Yellow", 70, {days_ago(30): 90, days_ago(5): 70}),
            ("Back To Green", 88, {days_ago(60): 50, days_ago(10): 88}),
            ("No Score", None, {}),
        ]:
            account = add_account(session, name, health_score=score)
            add_snapshots(session, account, history)


@pytest.mark.parametrize("workers", [1, 2], ids=["one process", "worker processes"])
def test_recompute_all_reads_health_history_only_where_a_trigger_can_fire(
    db: Database, workers: int
) -> None:
    """The bulk recompute leaves out the snapshots of accounts in a band no trigger fires on
    entering (`Rulebook.history_scores`): what it writes is what reading them all writes."""
    _accounts_with_health_history(db)
    rules = default_rules()
    assert rules.history_scores == (ScoreRange(None, 59),)  # the shipped triggers: into red
    recompute_all(db, bound_decide(rules, TODAY), today=TODAY, rules_sha256="all")
    every_history = _schedule_rows(db)

    recompute_all(
        db,
        bound_decide(rules, TODAY),
        today=TODAY,
        rules_sha256="some",
        chunk=2,
        workers=workers,
        parallel_from=0,
        history_scores=rules.history_scores,
    )

    assert _schedule_rows(db) == every_history
    triggered = {
        (name, kind)
        for name, kind, *_ in every_history
        if kind in ("health-assessment", "recovery-plan")
    }
    assert triggered == {("Turned Red", "health-assessment"), ("Turned Red", "recovery-plan")}


def test_a_trigger_on_another_band_reads_that_bands_history(db: Database) -> None:
    _accounts_with_health_history(db)
    rules = default_rules()
    [trigger, *_] = rules.triggers
    yellow = replace(rules, triggers=(replace(trigger, entered="yellow"),))
    assert yellow.history_scores == (ScoreRange(60, 79),)
    with db.reading() as session:
        reader = Reader(
            session.connection(),
            today=TODAY,
            lookback_days=LOOKBACK_DAYS,
            history_scores=yellow.history_scores,
        )
        health = {facts.name: facts.health for facts in reader.load(None)}

    assert health["Turned Yellow"] == (HealthPoint(days_ago(30), 90), HealthPoint(days_ago(5), 70))
    assert health["Turned Red"] == health["Back To Green"] == health["No Score"] == ()


def test_recompute_all_of_an_empty_book(db: Database) -> None:
    assert recompute_all(db, deciding({}), today=TODAY, rules_sha256="x") == 0
    with db.reading() as session:
        assert is_current(session, today=TODAY, rules_sha256="x")


# --- the queue ---------------------------------------------------------------------------------


@pytest.fixture
def team_book(db: Database) -> Database:
    """Two CSMs' accounts with decisions that exercise every tie-break of the queue."""
    with db.writing() as session:
        maya = add_member(session, "Maya Patel", "Maya.Patel@Example.com")
        sam = add_member(session, "Sam Rivera", "sam@example.com")
        for name, owner, arr in [
            ("Pinned Co", maya, 1),
            ("Urgent Inc", maya, 1),
            ("Long Overdue", sam, 1),
            ("Recently Due", maya, 1),
            ("Big Arr", sam, 900_000_00),
            ("Small Arr", maya, 100),
            ("Alpha", maya, 5),
            ("Beta", sam, 5),
            ("Later", maya, 1),
            ("Snoozed", maya, 1),
            ("Orphan", None, 1),
        ]:
            add_account(session, name, owner_id=owner.id if owner else None, arr_cents=arr)
    write(
        db,
        {
            "Pinned Co": [candidate(due=days_ago(1), urgency=1, pinned=True)],
            "Urgent Inc": [candidate(due=days_ago(1), urgency=9)],
            "Long Overdue": [candidate(due=days_ago(10), urgency=5)],
            "Recently Due": [candidate(due=days_ago(3), urgency=5)],
            "Big Arr": [candidate(due=TODAY, urgency=2)],
            "Small Arr": [candidate(due=TODAY, urgency=2)],
            "Alpha": [candidate("ebr", due=TODAY, urgency=1), candidate(due=TODAY, urgency=1)],
            "Beta": [candidate(due=TODAY, urgency=1)],
            "Later": [candidate(due=TODAY + timedelta(days=3), urgency=50)],
            "Snoozed": [
                candidate(
                    due=days_ago(2),
                    urgency=30,
                    snoozed_until=TODAY + timedelta(days=5),
                    snooze_reason="customer on holiday",
                )
            ],
            "Orphan": [candidate(due=days_ago(1), urgency=0.5)],
        },
    )
    return db


def test_queue_ranks_pinned_then_urgency_then_due_date_then_arr_then_name(
    team_book: Database,
) -> None:
    assert names_in(todays_queue(team_book)) == [
        ("Pinned Co", "cadence-call"),
        ("Urgent Inc", "cadence-call"),
        ("Long Overdue", "cadence-call"),
        ("Recently Due", "cadence-call"),
        ("Big Arr", "cadence-call"),
        ("Small Arr", "cadence-call"),
        ("Alpha", "cadence-call"),
        ("Alpha", "ebr"),
        ("Beta", "cadence-call"),
        ("Orphan", "cadence-call"),
    ]


def test_queue_item_shows_the_account_owner_and_the_decision(team_book: Database) -> None:
    item = todays_queue(team_book)[2]

    assert (item.account_name, item.owner_name, item.owner_email) == (
        "Long Overdue",
        "Sam Rivera",
        "sam@example.com",
    )
    assert (item.kind, item.label, item.due_on, item.overdue_days, item.status) == (
        "cadence-call",
        "Cadence call",
        days_ago(10),
        10,
        "overdue",
    )
    assert (item.urgency, item.pinned, item.rule_id) == (5.0, False, "cadence")
    assert (item.segment, item.priority, item.arr_cents) == ("enterprise", "pr2", 1)
    uuid.UUID(item.account_id)  # canonical text
    assert todays_queue(team_book)[-1].owner_name is None  # "Orphan" has no owner


def test_looking_ahead_brings_in_touches_due_in_the_next_days(team_book: Database) -> None:
    assert "Later" not in {name for name, _ in names_in(todays_queue(team_book, ahead_days=2))}
    ahead = names_in(todays_queue(team_book, ahead_days=3))
    assert ahead[1] == ("Later", "cadence-call")  # after the pinned one: urgency 50


def test_queue_of_one_csm_matches_the_email_whatever_its_case(team_book: Database) -> None:
    mine = names_in(todays_queue(team_book, owner_email=" maya.patel@EXAMPLE.com "))
    assert mine == [
        ("Pinned Co", "cadence-call"),
        ("Urgent Inc", "cadence-call"),
        ("Recently Due", "cadence-call"),
        ("Small Arr", "cadence-call"),
        ("Alpha", "cadence-call"),
        ("Alpha", "ebr"),
    ]
    assert todays_queue(team_book, owner_email="nobody@example.com") == []


def test_snoozed_touches_wait_until_the_snooze_ends(team_book: Database) -> None:
    assert "Snoozed" not in {name for name, _ in names_in(todays_queue(team_book))}

    shown = todays_queue(team_book, include_snoozed=True)
    [snoozed] = [item for item in shown if item.account_name == "Snoozed"]
    assert (snoozed.snoozed_until, snoozed.snooze_reason) == (
        TODAY + timedelta(days=5),
        "customer on holiday",
    )
    assert names_in(shown)[1] == ("Snoozed", "cadence-call")  # urgency 30, after the pinned one

    with team_book.reading() as session:  # the day the snooze ends, the touch is back
        back = queue(
            session, today=TODAY + timedelta(days=5), coefficients=URGENCY, owner_email=None
        )
    assert "Snoozed" in {item.account_name for item in back}


def test_deleted_accounts_leave_the_queue(team_book: Database) -> None:
    with team_book.writing() as session:
        account = session.scalars(select(Account).where(col(Account.name) == "Urgent Inc")).one()
        account.deleted_at = DELETED

    assert "Urgent Inc" not in {item.account_name for item in todays_queue(team_book)}


def _plan(db: Database, owner_email: str | None) -> list[str]:
    statement = queue_statement(today=TODAY, owner_email=owner_email)
    sql = str(statement.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    with db.engine.connect() as connection:
        return [row[3] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]


def test_queue_reads_indexes_not_whole_tables(sqlite_db: Database) -> None:
    team = _plan(sqlite_db, None)
    assert any(
        step.startswith("SEARCH scheduled_touch USING INDEX ix_scheduled_touch_due")
        for step in team
    ), team
    one_csm = _plan(sqlite_db, "maya.patel@example.com")
    for step in team + one_csm:
        assert not step.startswith(("SCAN scheduled_touch", "SCAN account")), step
