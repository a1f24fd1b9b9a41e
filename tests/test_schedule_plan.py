"""The stored schedule holds only what stays the same from day to day; the queue works out the
rest (how late, status, urgency, pin, the reason's last words) for the day it is read. These
tests hold that work to the engine's own answer, on the demo book, on the day the schedule was
computed and on later days for every account whose stored plan the engine would not change."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from csm_tui.domain.engine import decide
from csm_tui.domain.queue import QueueItem
from csm_tui.rules import default_rules
from csm_tui.store import schedule
from csm_tui.store.database import Database
from tests.conftest import TODAY

RULES = default_rules()


def engine_items(db: Database, day: date) -> dict[tuple[str, str], tuple]:
    """What the engine says on `day` of each stored item: (account id, kind) -> (due, how
    late, status, urgency, pinned, explanation)."""
    with db.reading() as session:
        facts = schedule.load_facts(session, today=day)
    found = {}
    for one in facts:
        decision = decide(one, RULES, day)
        chosen, _ = schedule._chosen(decision)
        for kind, candidate in chosen.items():
            urgency = decision.urgency(candidate)
            found[one.account_id, kind] = (
                candidate.due, candidate.overdue_days, candidate.status.value, urgency.total,
                urgency.pinned, candidate.reason)
    return found


def plans(db: Database, day: date) -> dict[str, frozenset[tuple]]:
    """Each account's plan on `day`: what its stored rows would hold (`recompute_all`
    rewrites an account when this changes)."""
    with db.reading() as session:
        facts = schedule.load_facts(session, today=day)
    return {one.account_id: schedule._plan(decide(one, RULES, day)) for one in facts}


def queue_items(db: Database, day: date) -> dict[tuple[str, str], tuple]:
    with db.reading() as session:
        items: list[QueueItem] = schedule.queue(
            session, today=day, coefficients=RULES.urgency, owner_email=None, ahead_days=None,
            include_snoozed=True)
    return {(item.account_id, item.kind): (
        item.due_on, item.overdue_days, item.status, item.urgency, item.pinned, item.explanation)
        for item in items}


def test_on_the_day_it_was_computed_the_queue_says_what_the_engine_says(demo_db: Path) -> None:
    db = Database.open(demo_db)
    try:
        shown, expected = queue_items(db, TODAY), engine_items(db, TODAY)
    finally:
        db.dispose()
    assert shown == expected
    assert len(shown) > 300 and any(item[4] for item in shown.values()), "pins to compare"


@pytest.mark.parametrize("days", [1, 2, 7, 30])
def test_on_a_later_day_an_unchanged_plan_says_what_the_engine_says(demo_db: Path,
                                                                     days: int) -> None:
    later = TODAY + timedelta(days=days)
    db = Database.open(demo_db)
    try:
        before = plans(db, TODAY)
        unchanged = {account for account, plan in plans(db, later).items()
                     if before.get(account) == plan}
        shown, expected = queue_items(db, later), engine_items(db, later)
    finally:
        db.dispose()
    compared = {key: value for key, value in shown.items() if key[0] in unchanged}
    assert compared == {key: value for key, value in expected.items() if key[0] in unchanged}
    assert len(unchanged) > 60, "most accounts keep their plan from one day to the next"
    assert any(shown[key][1] != 0 for key in compared), "lateness that moved with the day"
