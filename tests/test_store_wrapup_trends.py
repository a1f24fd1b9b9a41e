"""The trends' books read in bulk for 12 weeks at once (`store.wrapup.member_book` and
`team_books` with `since`) on SQLite and PostgreSQL: what a hand-built book hands over for
2026-W37 to 2026-W48 on the Friday of W48, and the trends `wrapup_trends` then draws."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event

from csm_tui.domain.iso_week import IsoWeek
from csm_tui.domain.ladder import EventKind
from csm_tui.domain.wrapup_inputs import Snapshot, WeekRules
from csm_tui.domain.wrapup_trends import book_trends, team_trends, trend_span
from csm_tui.models import (
    Account,
    Escalation,
    EscalationEvent,
    HealthSnapshot,
    TeamMember,
    Touchpoint,
)
from csm_tui.rules import default_rules
from csm_tui.store.database import Database
from csm_tui.store.wrapup import member_book, team_books

RULES = default_rules()
WEEK_RULES = WeekRules.of(RULES)
TARGETS = dict(RULES.wrapup.cadence_calls_per_week)
W48 = IsoWeek.parse("2026-W48")  # Mon 2026-11-23 to Sun 2026-11-29
W37 = trend_span(W48)[0]  # Mon 2026-09-07
FRIDAY = date(2026, 11, 27)


def _at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@dataclass
class Book:
    maya: str
    acme: str
    escalation: str  # opened in W38, raised in W40, closed in W42


@pytest.fixture
def book(db: Database) -> Book:
    with db.writing() as session:
        maya = TeamMember(name="Maya Patel", email="maya@example.com", segment="enterprise")
        jonas = TeamMember(name="Jonas Weber", email="jonas@example.com", segment="commercial")
        session.add_all([maya, jonas])
        session.flush()
        acme = Account(name="Acme", segment="enterprise", owner_id=maya.id, health_score=55)
        cove = Account(name="Cove", segment="commercial", owner_id=jonas.id, health_score=90)
        session.add_all([acme, cove])
        session.flush()
        session.add_all(
            [
                Touchpoint(account_id=acme.id, occurred_on=day, kind="cadence-call", summary="call")
                for day in (
                    date(2026, 9, 4),  # the Friday before W37: not read
                    date(2026, 9, 7),  # W37's Monday: the first day read
                    date(2026, 10, 14),  # W42
                    date(2026, 11, 24),  # W48
                    date(2026, 11, 28),  # Saturday of W48: after today, not read
                )
            ]
            + [
                Touchpoint(
                    account_id=cove.id, occurred_on=date(2026, 11, 24), kind="email", summary="mail"
                )
            ]
        )
        session.add_all(
            [
                HealthSnapshot(account_id=acme.id, taken_on=date(2026, 8, 1), score=95),
                HealthSnapshot(account_id=acme.id, taken_on=date(2026, 9, 1), score=85),
                HealthSnapshot(account_id=acme.id, taken_on=date(2026, 10, 20), score=70),
                HealthSnapshot(account_id=acme.id, taken_on=date(2026, 11, 18), score=55),
                HealthSnapshot(account_id=acme.id, taken_on=date(2026, 11, 28), score=40),
            ]
        )
        escalation = Escalation(
            account_id=acme.id,
            level=3,
            status="closed",
            reason="Outage",
            risk_category="support",
            opened_at=_at(9, 15),
            closed_at=_at(10, 15),
        )
        old = Escalation(
            account_id=acme.id,
            level=1,
            status="closed",
            reason="Billing",
            risk_category="financial",
            opened_at=_at(8, 3),
            closed_at=_at(8, 5),
        )
        older = Escalation(  # written before the history: no step at all
            account_id=acme.id,
            level=2,
            status="closed",
            reason="Slow",
            risk_category="support",
            opened_at=_at(10, 26),
            resolved_at=_at(11, 4),
            closed_at=_at(11, 5),
        )
        session.add_all([escalation, old, older])
        session.flush()
        session.add_all(
            [
                EscalationEvent(
                    why="step",
                    escalation_id=old.id,
                    kind="opened",
                    to_level=1,
                    occurred_at=_at(8, 3),
                ),
                EscalationEvent(
                    why="step",
                    escalation_id=old.id,
                    kind="closed",
                    to_level=1,
                    occurred_at=_at(8, 5),
                ),
                EscalationEvent(
                    why="step",
                    escalation_id=escalation.id,
                    kind="opened",
                    to_level=1,
                    occurred_at=_at(9, 15),
                ),
                EscalationEvent(
                    why="step",
                    escalation_id=escalation.id,
                    kind="raised",
                    from_level=1,
                    to_level=3,
                    occurred_at=_at(9, 29),
                ),
                EscalationEvent(
                    why="step",
                    escalation_id=escalation.id,
                    kind="closed",
                    to_level=3,
                    occurred_at=_at(10, 15),
                ),
            ]
        )
        return Book(maya=str(maya.id), acme=str(acme.id), escalation=str(escalation.id))


def test_twelve_weeks_of_my_book_in_one_read(db: Database, book: Book) -> None:
    with db.reading() as session:
        mine = member_book(session, book.maya, W48, FRIDAY, WEEK_RULES, TARGETS, since=W37)
        week = member_book(session, book.maya, W48, FRIDAY, WEEK_RULES, TARGETS)
    assert (mine.name, mine.call_target) == ("Maya Patel", 5)
    [acme] = mine.accounts
    # The last snapshot before W37's Monday and those up to Friday of W48.
    assert sorted(acme.snapshots, key=lambda s: s.on) == [
        Snapshot(date(2026, 9, 1), 85),
        Snapshot(date(2026, 10, 20), 70),
        Snapshot(date(2026, 11, 18), 55),
    ]
    assert sorted(t.on for t in mine.touches) == [
        date(2026, 9, 7),
        date(2026, 10, 14),
        date(2026, 11, 24),
    ]
    # The one closed in August is not read; the one without its closing step ended when it
    # was resolved.
    escalation, older = sorted(mine.escalations, key=lambda e: e.opened_at)
    assert (escalation.id, escalation.ended_at) == (book.escalation, _at(10, 15))
    assert older.ended_at == _at(11, 4)
    assert sorted(s.kind for s in escalation.steps) == sorted(
        [EventKind.OPENED, EventKind.RAISED, EventKind.CLOSED]
    )
    # A week's read starts on its Monday: the span's read only moves the first day back.
    assert [t.on for t in week.touches] == [date(2026, 11, 24)]


def test_the_trends_drawn_from_the_read(db: Database, book: Book) -> None:
    with db.reading() as session:
        mine = member_book(session, book.maya, W48, FRIDAY, WEEK_RULES, TARGETS, since=W37)
    trends = book_trends(mine, W48, FRIDAY, WEEK_RULES)
    weeks = {w.week.week: w for w in trends.weeks}
    assert [w.calls for w in trends.weeks] == [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]
    assert weeks[37].bands == (1, 0, 0, 0)  # green 85 since 1 September
    assert weeks[43].bands == (0, 1, 0, 0)  # yellow 70 since 20 October
    assert weeks[47].bands == (0, 0, 1, 0)  # red 55 since 18 November
    assert weeks[38].escalations == (1, 0, 0, 0, 0)
    assert weeks[40].escalations == (0, 0, 1, 0, 0)
    assert weeks[42].escalations == (0, 0, 0, 0, 0)
    assert weeks[44].escalations == (0, 1, 0, 0, 0)  # the older one, open from 26 October
    assert weeks[45].escalations == (0, 0, 0, 0, 0)  # resolved on 4 November


def test_the_teams_twelve_weeks_in_one_query_per_table(db: Database, book: Book) -> None:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with db.reading() as session:
            before = len(statements)
            books = team_books(session, W48, FRIDAY, WEEK_RULES, TARGETS, since=W37)
            read = len(statements) - before
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert [(b.name, b.call_target) for b in books] == [("Jonas Weber", 10), ("Maya Patel", 5)]
    assert read <= 11, statements
    team = team_trends(books, W48, FRIDAY, WEEK_RULES)
    last = team.weeks[-1]
    assert (team.csms, last.touches, last.calls, last.call_target) == (2, 2, 1, 15)
    assert last.bands == (1, 0, 1, 0)
