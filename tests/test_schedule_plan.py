"""The stored schedule holds only what stays the same from day to day; the queue works out the
rest (how late, status, urgency, pin, the reason's last words) for the day it is read. These
tests hold that work to the engine's own answer, on the demo book, on the day the schedule was
computed and on later days for every account whose stored plan the engine would not change."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import date, timedelta
from functools import partial
from pathlib import Path

import pytest

from csm_tui.domain.engine import decide
from csm_tui.domain.queue import Plan, QueueItem, plan_of, stored_candidates
from csm_tui.models import Touchpoint
from csm_tui.rules import default_rules
from csm_tui.store.database import Database
from csm_tui.store.facts import load_facts
from csm_tui.store.queue import queue
from csm_tui.store.recompute import recompute_all
from csm_tui.store.versions import schedule_stamp
from tests.conftest import DEMO_ACCOUNTS, TODAY

RULES = default_rules()


def engine_items(db: Database, day: date) -> dict[tuple[str, str], tuple]:
    """What the engine says on `day` of each stored item: (account id, kind) -> (due, how
    late, status, urgency, pinned, explanation)."""
    with db.reading() as session:
        facts = load_facts(session, today=day)
    found = {}
    for one in facts:
        decision = decide(one, RULES, day)
        chosen = stored_candidates(decision)
        for kind, candidate in chosen.items():
            urgency = decision.urgency(candidate)
            found[one.account_id, kind] = (
                candidate.due,
                candidate.overdue_days,
                candidate.status.value,
                urgency.total,
                urgency.pinned,
                candidate.reason,
            )
    return found


def plans(db: Database, day: date) -> dict[str, Plan]:
    """Each account's plan on `day`: what its stored rows would hold (`recompute_all`
    rewrites an account when this changes)."""
    with db.reading() as session:
        facts = load_facts(session, today=day)
    return {one.account_id: plan_of(decide(one, RULES, day)) for one in facts}


def queue_items(db: Database, day: date) -> dict[tuple[str, str], tuple]:
    with db.reading() as session:
        items: list[QueueItem] = queue(
            session,
            today=day,
            coefficients=RULES.urgency,
            owner_email=None,
            ahead_days=None,
            include_snoozed=True,
        )
    return {
        (item.account_id, item.kind): (
            item.due_on,
            item.overdue_days,
            item.status,
            item.urgency,
            item.pinned,
            item.explanation,
        )
        for item in items
    }


def test_on_the_day_it_was_computed_the_queue_says_what_the_engine_says(demo_db: Path) -> None:
    db = Database.open(demo_db)
    try:
        shown, expected = queue_items(db, TODAY), engine_items(db, TODAY)
    finally:
        db.dispose()
    assert shown == expected
    assert len(shown) > 300 and any(item[4] for item in shown.values()), "pins to compare"


@pytest.mark.parametrize("days", [1, 2, 7, 30])
def test_on_a_later_day_an_unchanged_plan_says_what_the_engine_says(
    demo_db: Path, days: int
) -> None:
    later = TODAY + timedelta(days=days)
    db = Database.open(demo_db)
    try:
        before = plans(db, TODAY)
        unchanged = {
            account for account, plan in plans(db, later).items() if before.get(account) == plan
        }
        shown, expected = queue_items(db, later), engine_items(db, later)
    finally:
        db.dispose()
    compared = {key: value for key, value in shown.items() if key[0] in unchanged}
    assert compared == {key: value for key, value in expected.items() if key[0] in unchanged}
    # A month on, most success plans owe their monthly review: fewer plans hold that long.
    assert len(unchanged) > (60 if days < 30 else 30), "plans that held, to compare"
    assert any(shown[key][1] != 0 for key in compared), "lateness that moved with the day"


# --- the morning recompute decides only the accounts whose plan ran out ------------------------


def _copy(source: Path, target: Path) -> Path:
    """A private copy of a SQLite book (SQLite's backup API: never copy a live file)."""
    origin, copy = sqlite3.connect(source), sqlite3.connect(target)
    origin.backup(copy)
    copy.close()
    origin.close()
    return target


def test_day_after_day_the_morning_recompute_leaves_what_a_full_one_would(
    demo_db: Path,
    tmp_path: Path,
) -> None:
    """Day after day, one book is brought forward the morning way (only the plans that ran
    out) and a copy is recomputed in full each day: the stored items are the same."""
    stamp = schedule_stamp(RULES.sha256)
    morning, full = Database.open(demo_db), Database.open(_copy(demo_db, tmp_path / "full.db"))
    try:
        decided = []
        for days in (1, 2, 7, 30, 31, 200):
            day = TODAY + timedelta(days=days)
            decided.append(
                recompute_all(
                    morning, partial(decide, rules=RULES, today=day), today=day, rules_sha256=stamp
                )
            )
            recompute_all(
                full,
                partial(decide, rules=RULES, today=day),
                today=day,
                rules_sha256=f"{stamp}, in full on {day}",
            )
            assert queue_items(morning, day) == queue_items(full, day), day
    finally:
        morning.dispose()
        full.dispose()
    assert 0 < decided[0] < DEMO_ACCOUNTS // 2, f"the next morning decided {decided[0]} accounts"


def test_a_touch_entered_ahead_of_its_day_counts_on_that_day(demo_db: Path) -> None:
    """A call logged with a later date is invisible until its day; that morning the account is
    decided again even though its plan had not run out."""
    db = Database.open(demo_db)
    stamp = schedule_stamp(RULES.sha256)
    ahead = TODAY + timedelta(days=3)
    try:
        first = next(iter(queue_items(db, TODAY)))[0]
        with db.writing() as session:
            session.add(
                Touchpoint(
                    account_id=uuid.UUID(first),
                    occurred_on=ahead,
                    kind="cadence-call",
                    summary="booked ahead",
                )
            )
        recompute_all(
            db, partial(decide, rules=RULES, today=ahead), today=ahead, rules_sha256=stamp
        )
        with db.reading() as session:
            [facts] = load_facts(session, today=ahead, account_ids=[uuid.UUID(first)])
        expected = plan_of(decide(facts, RULES, ahead))
        shown = {
            (key, value[0]) for key, value in queue_items(db, ahead).items() if key[0] == first
        }
    finally:
        db.dispose()
    assert shown == {((first, kind), due) for kind, due, *_ in expected.touches}
