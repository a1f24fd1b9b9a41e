"""The triage service (csm_tui.services.triage) and its store (csm_tui.store.triage) against a
real database, on SQLite and PostgreSQL: the queue with its health-drop alerts "since the last
triage", and every write made from it (log, snooze, review, escalate, undo), each rescheduling
its account in the same transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import Session, col

from csm_tui.domain.decision import Decision
from csm_tui.domain.enums import Role
from csm_tui.domain.queue import QueueItem
from csm_tui.domain.team import Member
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
    ScheduledTouch,
    Snooze,
    TeamMember,
    Touchpoint,
    TouchpointAttendee,
    TriageVisit,
    utc_now,
)
from csm_tui.rules import load_rules
from csm_tui.services.csv_import import ImportKind, import_csv
from csm_tui.services.triage import TouchForm, Triage, TriageError
from csm_tui.services.triage_view import TriageView
from csm_tui.store import triage as store
from csm_tui.store.database import Database
from tests.conftest import TODAY

YESTERDAY = TODAY - timedelta(days=1)
CONTRACT_START = date(2026, 9, 1)  # keeps the EBR and NPS survey months away: a quiet queue
GONE = "that account no longer exists (deleted since the queue loaded); press r to refresh"


def days(n: int) -> timedelta:
    return timedelta(days=n)


# --- a small book, built by hand ---------------------------------------------------------------


@dataclass(frozen=True)
class Book:
    me: Member
    acme: str  # mine, green, its monthly cadence call 4 weeks overdue
    bluepeak: str  # mine, green a week ago and yellow since today (a health drop), call due in 2d
    corvid: str  # Olu's, its cadence call overdue too


def add_account(
    session: Session, name: str, owner: TeamMember, score: int, **columns: Any
) -> Account:
    account = Account(
        name=name,
        external_id=f"CRM-{name.upper()}",
        segment="enterprise",
        owner_id=owner.id,
        health_score=score,
        arr_cents=500_000_00,
        contract_start=CONTRACT_START,
        **columns,
    )
    session.add(account)
    session.flush()
    return account


def add_call(session: Session, account: Account, on: date, kind: str = "cadence-call") -> None:
    session.add(Touchpoint(account_id=account.id, occurred_on=on, kind=kind, summary="call"))


def add_scores(session: Session, account: Account, scores: dict[date, int]) -> None:
    session.add_all(
        HealthSnapshot(account_id=account.id, taken_on=day, score=score)
        for day, score in scores.items()
    )


@pytest.fixture
def book(db: Database) -> Book:
    with db.writing() as session:
        maya = TeamMember(name="Maya Patel", email="maya@example.com")
        olu = TeamMember(name="Olu Ade", email="olu@example.com")
        session.add_all([maya, olu])
        session.flush()
        acme = add_account(session, "Acme", maya, 90)
        add_scores(session, acme, {TODAY - days(7): 90, TODAY: 90})
        add_call(session, acme, TODAY - days(60))
        bluepeak = add_account(session, "Bluepeak", maya, 70)
        add_scores(session, bluepeak, {TODAY - days(7): 85, TODAY: 70})
        add_call(session, bluepeak, TODAY - days(12))  # fortnightly: due on Wednesday
        corvid = add_account(session, "Corvid", olu, 85)
        add_scores(session, corvid, {TODAY - days(7): 85})
        add_call(session, corvid, TODAY - days(60))
        me = Member(id=str(maya.id), name=maya.name, email=maya.email, role=Role.CSM)
        return Book(me, str(acme.id), str(bluepeak.id), str(corvid.id))


def triage_on(
    db: Database, day: date, me: Member | None, tmp_path: Path, system_today: date | None = None
) -> Triage:
    return Triage(db, load_rules(None, tmp_path), day, me, system_today)


@pytest.fixture
def triage(db: Database, book: Book, tmp_path: Path) -> Triage:
    return triage_on(db, TODAY, book.me, tmp_path)


def rows(view: TriageView) -> set[tuple[str, str]]:
    return {(item.account_name, item.kind) for item in view.items}


def row(view: TriageView, name: str, kind: str) -> QueueItem:
    return next(item for item in view.items if (item.account_name, item.kind) == (name, kind))


def scheduled_on(db: Database, account_id: str, kind: str) -> date | None:
    """The stored due date of one kind of touch of an account, read straight from the table."""
    with db.reading() as session:
        return session.scalar(
            select(col(ScheduledTouch.due_on)).where(
                col(ScheduledTouch.account_id) == uuid.UUID(account_id),
                col(ScheduledTouch.kind) == kind,
            )
        )


def count(db: Database, model: type) -> int:
    with db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def form(account_id: str, **changes: Any) -> TouchForm:
    """A cadence call logged today on the account, with any field changed."""
    return replace(
        TouchForm(
            account_id=account_id, kind="cadence-call", occurred_on=TODAY, summary="Weekly sync"
        ),
        **changes,
    )


def add_contact(db: Database, account_id: str, name: str) -> str:
    with db.writing() as session:
        contact = Contact(account_id=uuid.UUID(account_id), name=name)
        session.add(contact)
        session.flush()
        return str(contact.id)


# --- the queue ---------------------------------------------------------------------------------


def test_my_queue_lists_my_due_touches_and_my_health_drop(triage: Triage) -> None:
    view = triage.load(team=False)
    assert rows(view) == {("Acme", "cadence-call"), ("Bluepeak", HEALTH_DROP)}
    assert {item.owner_email for item in view.items} == {"maya@example.com"}
    assert view.team is False


def test_the_counts_on_top_include_one_health_drop(triage: Triage) -> None:
    counts = triage.load(team=False).counts
    assert (counts.overdue, counts.due_today, counts.health_drops) == (1, 0, 1)


def test_the_health_drop_row_explains_the_change(triage: Triage) -> None:
    alert = row(triage.load(team=False), "Bluepeak", HEALTH_DROP)
    assert alert.explanation.startswith(
        "Health dropped from 85 (green) to 70 (yellow) since the last triage on 2026-11-22"
    )
    assert alert.due_on == TODAY and not alert.pinned


def test_the_team_queue_adds_the_other_owners_accounts(triage: Triage) -> None:
    view = triage.load(team=True)
    assert rows(view) == {
        ("Acme", "cadence-call"),
        ("Bluepeak", HEALTH_DROP),
        ("Corvid", "cadence-call"),
    }
    assert view.team is True


def test_a_rise_is_a_change_but_not_a_row(db: Database, book: Book, triage: Triage) -> None:
    with db.writing() as session:
        session.add(
            HealthSnapshot(account_id=uuid.UUID(book.corvid), taken_on=TODAY - days(3), score=50)
        )
    view = triage.load(team=True)
    assert view.changes[book.corvid].is_rise  # red three days ago, green now
    assert ("Corvid", HEALTH_DROP) not in rows(view)


def test_without_an_identity_the_queue_is_the_teams_and_no_visit_is_recorded(
    db: Database, book: Book, tmp_path: Path
) -> None:
    view = triage_on(db, TODAY, None, tmp_path).load(team=False)
    assert view.team is True and view.since == YESTERDAY
    assert ("Corvid", "cadence-call") in rows(view)
    assert count(db, TriageVisit) == 0


def test_an_empty_queue_says_what_the_week_holds(db: Database, book: Book, triage: Triage) -> None:
    triage.log_touch(form(book.acme))
    triage.review(book.bluepeak)
    view = triage.load(team=False)
    assert view.items == [] and view.counts.health_drops == 0
    assert view.outlook is not None
    assert (view.outlook.tomorrow, view.outlook.this_week) == (0, 1)
    next_item = view.outlook.next_item
    assert next_item is not None
    assert (next_item.account_name, next_item.kind, next_item.due_on) == (
        "Bluepeak",
        "cadence-call",
        TODAY + days(2),
    )


# --- since the last triage ---------------------------------------------------------------------


def test_a_first_visit_counts_changes_from_yesterday(db: Database, triage: Triage) -> None:
    assert triage.load(team=False).since == YESTERDAY
    with db.reading() as session:
        [visit] = session.scalars(select(TriageVisit)).all()
    assert (visit.last_on, visit.previous_on) == (TODAY, None)


def test_opening_the_queue_again_the_same_day_keeps_the_same_since(triage: Triage) -> None:
    triage.load(team=False)
    again = triage.load(team=False)
    assert again.since == YESTERDAY
    assert again.counts.health_drops == 1


def test_the_next_day_counts_from_the_last_visit(
    db: Database, book: Book, triage: Triage, tmp_path: Path
) -> None:
    triage.load(team=False)
    tomorrow = triage_on(db, TODAY + days(1), book.me, tmp_path).load(team=False)
    assert tomorrow.since == TODAY


def test_a_drop_seen_at_the_last_triage_is_not_shown_again(
    db: Database, book: Book, triage: Triage, tmp_path: Path
) -> None:
    triage.load(team=False)
    tomorrow = triage_on(db, TODAY + days(1), book.me, tmp_path).load(team=False)
    assert ("Bluepeak", HEALTH_DROP) not in rows(tomorrow)  # both snapshots are before `since`
    assert tomorrow.counts.health_drops == 0


def test_looking_without_recording_leaves_the_last_visit_alone(
    db: Database, book: Book, triage: Triage, tmp_path: Path
) -> None:
    triage.load(team=False)
    peek = triage_on(db, TODAY + days(2), book.me, tmp_path).load(team=False, record=False)
    assert peek.since == TODAY
    with db.reading() as session:
        visit = session.get(TriageVisit, uuid.UUID(book.me.id))
    assert visit is not None and visit.last_on == TODAY
    later = triage_on(db, TODAY + days(3), book.me, tmp_path).load(team=False)
    assert later.since == TODAY  # the peek two days later did not count as a triage


def test_looking_first_records_nothing_at_all(db: Database, triage: Triage) -> None:
    assert triage.load(team=False, record=False).since == YESTERDAY
    assert count(db, TriageVisit) == 0


def test_planning_a_day_before_the_last_visit_moves_nothing(
    db: Database, book: Book, triage: Triage, tmp_path: Path
) -> None:
    triage_on(db, TODAY + days(5), book.me, tmp_path).load(team=False)
    earlier = triage.load(team=False)
    assert earlier.since == YESTERDAY
    with db.reading() as session:
        visit = session.get(TriageVisit, uuid.UUID(book.me.id))
    assert visit is not None and visit.last_on == TODAY + days(5)


def test_planning_ahead_is_not_a_triage_and_hides_no_drop_from_the_next_real_morning(
    db: Database, book: Book, tmp_path: Path
) -> None:
    """On Monday a CSM triages, then plans Tuesday with `--today`; Acme drops on Tuesday; the
    real triage on Wednesday still compares with Monday, so the drop is on the queue."""
    monday, tuesday, wednesday = TODAY, TODAY + days(1), TODAY + days(2)
    triage_on(db, monday, book.me, tmp_path, system_today=monday).load(team=False)
    planning = triage_on(db, tuesday, book.me, tmp_path, system_today=monday)
    assert not planning.records_visits
    assert planning.load(team=False).since == monday
    planning.record_visit()
    with db.reading() as session:
        visit = session.get(TriageVisit, uuid.UUID(book.me.id))
    assert visit is not None and (visit.last_on, visit.previous_on) == (monday, None)
    with db.writing() as session:
        acme = session.get(Account, uuid.UUID(book.acme))
        assert acme is not None
        add_scores(session, acme, {tuesday: 65})
        acme.health_score = 65
    real = triage_on(db, wednesday, book.me, tmp_path, system_today=wednesday).load(team=False)
    assert real.since == monday
    assert ("Acme", HEALTH_DROP) in rows(real)


def test_a_day_gone_by_counts_as_a_triage(db: Database, book: Book, tmp_path: Path) -> None:
    looking_back = triage_on(db, TODAY, book.me, tmp_path, system_today=TODAY + days(10))
    assert looking_back.records_visits
    looking_back.record_visit()
    with db.reading() as session:
        visit = session.get(TriageVisit, uuid.UUID(book.me.id))
    assert visit is not None and visit.last_on == TODAY


# --- log a touch -------------------------------------------------------------------------------


def test_logging_a_touch_takes_it_off_todays_queue(triage: Triage, book: Book) -> None:
    triage.load(team=False)
    triage.log_touch(form(book.acme))
    assert ("Acme", "cadence-call") not in rows(triage.load(team=False))


def test_logging_a_touch_reschedules_the_account_in_the_same_write(
    db: Database, book: Book, triage: Triage
) -> None:
    triage.load(team=False)
    assert scheduled_on(db, book.acme, "cadence-call") == date(2026, 10, 26)
    done = triage.log_touch(form(book.acme))
    assert scheduled_on(db, book.acme, "cadence-call") == date(2026, 12, 23)  # a month on
    assert done.next_touch is not None and done.next_touch.due == date(2026, 12, 23)


def test_the_message_names_the_touch_the_account_and_what_is_next(
    book: Book, triage: Triage
) -> None:
    done = triage.log_touch(form(book.acme))
    assert done.message == (
        "Logged a cadence call for Acme. Next: cadence call due 2026-12-23 (in 30d)."
    )
    assert done.undo.description == "the cadence call logged for Acme"


@pytest.mark.parametrize(
    "kind, words",
    [
        ("ebr", "an EBR"),
        ("nps-survey", "an NPS survey"),
        ("email", "an email"),
        ("onboarding-review", "an onboarding review"),
        ("Renewal Call", "a renewal call"),
    ],
)
def test_the_message_reads_well_for_every_kind(
    book: Book, triage: Triage, kind: str, words: str
) -> None:
    done = triage.log_touch(form(book.acme, kind=kind))
    assert done.message.startswith(f"Logged {words} for Acme. ")


def test_a_logged_touch_keeps_its_details(db: Database, book: Book, triage: Triage) -> None:
    priya = add_contact(db, book.acme, "Priya")
    sam = add_contact(db, book.acme, "Sam")
    triage.log_touch(
        form(
            book.acme,
            summary="  Weekly sync  ",
            sentiment="Positive",
            notes="   ",
            occurred_on=TODAY - days(2),
            attendee_ids=(priya, sam, priya),
            action_items=("Send the deck", "  ", " Book the EBR "),
        )
    )
    with db.reading() as session:
        touch = session.scalars(
            select(Touchpoint).where(col(Touchpoint.summary) == "Weekly sync")
        ).one()
        attendees = set(
            session.scalars(
                select(col(TouchpointAttendee.contact_id)).where(
                    col(TouchpointAttendee.touchpoint_id) == touch.id
                )
            )
        )
        actions = sorted(
            session.scalars(
                select(col(ActionItem.title)).where(col(ActionItem.touchpoint_id) == touch.id)
            )
        )
    assert (touch.kind, touch.occurred_on, touch.sentiment, touch.notes) == (
        "cadence-call",
        TODAY - days(2),
        "positive",
        None,
    )
    assert str(touch.owner_id) == book.me.id
    assert attendees == {uuid.UUID(priya), uuid.UUID(sam)}
    assert actions == ["Book the EBR", "Send the deck"]


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"summary": "   "}, "a touch needs a summary: one line on what happened"),
        (
            {"occurred_on": TODAY + timedelta(days=1)},
            "a touch is logged once it happened: 2026-11-24 is after today (2026-11-23)",
        ),
        (
            {"kind": "phone-call"},
            "kind: expected one of cadence-call, ebr, renewal-call, "
            "onboarding-review, training, email, meeting, nps-survey, escalation-call, "
            "health-assessment, recovery-plan, note",
        ),
        ({"sentiment": "meh"}, "sentiment: expected one of positive, neutral, negative"),
    ],
    ids=["blank-summary", "in-the-future", "unknown-kind", "bad-sentiment"],
)
def test_a_bad_touch_is_refused_and_nothing_is_written(
    db: Database, book: Book, triage: Triage, changes: dict, message: str
) -> None:
    before = count(db, Touchpoint)
    with pytest.raises(TriageError) as refused:
        triage.log_touch(form(book.acme, **changes))
    assert str(refused.value) == message
    assert count(db, Touchpoint) == before


def test_logging_on_an_unknown_account_says_it_no_longer_exists(
    db: Database, triage: Triage
) -> None:
    before = count(db, Touchpoint)
    with pytest.raises(TriageError, match="^that account no longer exists"):
        triage.log_touch(form(str(uuid.uuid4())))
    assert count(db, Touchpoint) == before


def test_logging_on_a_deleted_account_says_it_no_longer_exists(
    db: Database, book: Book, triage: Triage
) -> None:
    with db.writing() as session:
        account = session.get(Account, uuid.UUID(book.acme))
        assert account is not None
        account.deleted_at = utc_now()
    before = count(db, Touchpoint)
    with pytest.raises(TriageError) as refused:
        triage.log_touch(form(book.acme))
    assert str(refused.value) == GONE
    assert count(db, Touchpoint) == before


def test_a_failing_reschedule_takes_the_touch_back_with_it(
    db: Database, book: Book, triage: Triage, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(session: Session, account_ids: list[uuid.UUID]) -> list[Decision]:
        raise RuntimeError("the engine fell over")

    before = count(db, Touchpoint)
    monkeypatch.setattr(triage.schedule, "recompute", broken)
    with pytest.raises(RuntimeError):
        triage.log_touch(form(book.acme))
    assert count(db, Touchpoint) == before


# --- snooze ------------------------------------------------------------------------------------


def test_a_snooze_hides_the_item_from_the_queue(book: Book, triage: Triage) -> None:
    triage.load(team=False)
    done = triage.snooze(book.acme, "cadence-call", TODAY + days(7), "customer on holiday")
    assert done.message == "Snoozed cadence call for Acme until 2026-11-30."
    assert ("Acme", "cadence-call") not in rows(triage.load(team=False))
    assert ("Acme", "cadence-call") not in rows(triage.load(team=False, ahead_days=7))


def test_a_snoozed_item_is_back_on_the_day_its_snooze_ends(
    db: Database, book: Book, triage: Triage, tmp_path: Path
) -> None:
    triage.snooze(book.acme, "cadence-call", TODAY + days(7), "customer on holiday")
    back = triage_on(db, TODAY + days(7), book.me, tmp_path).load(team=False)
    assert ("Acme", "cadence-call") in rows(back)


def test_looking_ahead_with_snoozed_items_shows_the_snooze_and_its_reason(
    book: Book, triage: Triage
) -> None:
    triage.snooze(book.acme, "cadence-call", TODAY + days(7), "customer on holiday")
    view = triage.load(team=False, include_snoozed=True, ahead_days=7)
    snoozed = row(view, "Acme", "cadence-call")
    assert (snoozed.due_on, snoozed.snoozed_until, snoozed.snooze_reason) == (
        TODAY + days(7),
        TODAY + days(7),
        "customer on holiday",
    )


def test_showing_snoozed_items_lists_them_on_todays_queue(book: Book, triage: Triage) -> None:
    triage.snooze(book.acme, "cadence-call", TODAY + days(7), "customer on holiday")
    view = triage.load(team=False, include_snoozed=True)
    assert ("Acme", "cadence-call") in rows(view)


def test_a_snooze_without_a_kind_puts_every_snoozable_touch_aside(
    db: Database, book: Book, triage: Triage
) -> None:
    done = triage.snooze(book.acme, None, TODAY + days(3), "reorg")
    assert done.message == "Snoozed every snoozable touch for Acme until 2026-11-26."
    assert ("Acme", "cadence-call") not in rows(triage.load(team=False))
    with db.reading() as session:
        [snooze] = session.scalars(select(Snooze)).all()
    assert (snooze.kind, snooze.until, snooze.snoozed_on, str(snooze.by_id)) == (
        None,
        TODAY + days(3),
        TODAY,
        book.me.id,
    )


def test_a_snooze_may_run_to_the_limit_of_the_rules_file(book: Book, triage: Triage) -> None:
    assert triage.snooze_limit == date(2026, 12, 23)  # 30 days
    triage.snooze(book.acme, "cadence-call", date(2026, 12, 23), "busy season")
    assert ("Acme", "cadence-call") not in rows(triage.load(team=False))


@pytest.mark.parametrize(
    "kind, until, reason, message",
    [
        (
            "cadence-call",
            TODAY + timedelta(days=7),
            "  ",
            "say why you snooze it: the reason shows on the queue afterwards",
        ),
        (
            "cadence-call",
            TODAY,
            "busy",
            "snooze until a day after today (2026-11-23), not 2026-11-23",
        ),
        (
            "cadence-call",
            TODAY - timedelta(days=1),
            "busy",
            "snooze until a day after today (2026-11-23), not 2026-11-22",
        ),
        (
            "cadence-call",
            TODAY + timedelta(days=31),
            "busy",
            "a snooze runs at most 30d (the rules file): until 2026-12-23 at the latest",
        ),
        (
            "renewal-call",
            TODAY + timedelta(days=7),
            "busy",
            "renewal-call cannot be snoozed (the rules file allows: cadence-call, ebr, milestone, "
            "nps-survey, onboarding-review, success-plan); log it or escalate instead",
        ),
        (
            "Health Assessment",
            TODAY + timedelta(days=7),
            "busy",
            "health-assessment cannot be snoozed (the rules file allows: cadence-call, ebr, "
            "milestone, "
            "nps-survey, onboarding-review, success-plan); log it or escalate instead",
        ),
    ],
    ids=[
        "blank-reason",
        "until-today",
        "until-yesterday",
        "beyond-30-days",
        "renewal-call",
        "health-assessment",
    ],
)
def test_a_snooze_the_rules_do_not_allow_is_refused(
    db: Database, book: Book, triage: Triage, kind: str, until: date, reason: str, message: str
) -> None:
    with pytest.raises(TriageError) as refused:
        triage.snooze(book.acme, kind, until, reason)
    assert str(refused.value) == message
    assert count(db, Snooze) == 0


def test_undoing_a_snooze_brings_the_item_back(book: Book, triage: Triage) -> None:
    done = triage.snooze(book.acme, "cadence-call", TODAY + days(7), "holiday")
    assert triage.undo(done.undo) == "Undone: the snooze of cadence call for Acme."
    assert ("Acme", "cadence-call") in rows(triage.load(team=False))


# --- a meeting already booked -----------------------------------------------------------------


def test_a_booked_meeting_takes_the_item_off_today_s_queue_until_its_day(
    db: Database, book: Book, triage: Triage, tmp_path: Path
) -> None:
    """Acme's cadence call is four weeks overdue; a call is booked for Thursday: it stops
    counting as overdue, asks to be logged on Thursday, and comes back as it was on Friday if
    nothing was logged."""
    thursday = TODAY + days(3)
    before = row(triage.load(team=False), "Acme", "cadence-call")
    done = triage.book(book.acme, "cadence-call", thursday, "with the new VP")
    assert done.message == "Booked a cadence call with Acme for Thu 26 Nov."
    assert ("Acme", "cadence-call") not in rows(triage.load(team=False))
    ahead = row(triage.load(team=False, ahead_days=3), "Acme", "cadence-call")
    assert (ahead.due_on, ahead.booked_for, ahead.overdue_days) == (thursday, thursday, 0)
    assert "meeting booked for 2026-11-26 (with the new VP)" in ahead.explanation
    on_the_day = row(
        triage_on(db, thursday, book.me, tmp_path).load(team=False), "Acme", "cadence-call"
    )
    assert (on_the_day.due_on, on_the_day.status) == (thursday, "due")
    friday = row(
        triage_on(db, thursday + days(1), book.me, tmp_path).load(team=False),
        "Acme",
        "cadence-call",
    )
    assert friday.booked_for is None  # back as it was
    assert (friday.due_on, friday.overdue_days) == (before.due_on, before.overdue_days + 4)


def test_logging_the_meeting_ends_the_booking(
    db: Database, book: Book, triage: Triage, tmp_path: Path
) -> None:
    thursday = TODAY + days(3)
    triage.book(book.acme, "cadence-call", thursday)
    on_the_day = triage_on(db, thursday, book.me, tmp_path)
    on_the_day.log_touch(form(book.acme, occurred_on=thursday))
    nxt = row(on_the_day.load(team=False, ahead_days=40), "Acme", "cadence-call")
    assert nxt.booked_for is None and nxt.due_on > thursday


def test_a_booking_is_refused_for_a_past_day_or_a_milestone(
    book: Book, triage: Triage, db: Database
) -> None:
    with pytest.raises(TriageError) as passed:
        triage.book(book.acme, "cadence-call", TODAY - days(1))
    assert str(passed.value) == "2026-11-22 has passed: log the meeting instead"
    with pytest.raises(TriageError) as milestone:
        triage.book(book.acme, "milestone", TODAY + days(1))
    assert "a milestone is done in the success plan" in str(milestone.value)
    with pytest.raises(TriageError) as far:
        triage.book(book.acme, "cadence-call", TODAY + days(40))
    assert str(far.value) == (
        "Cadence call: book it by 2026-12-23 at the latest (as long after its due day as the "
        "rules file's [snooze] max)"
    )
    with pytest.raises(TriageError) as nothing:
        triage.book(book.acme, "training", TODAY + days(1))
    assert str(nothing.value) == (
        "nothing of kind training is open on this account: log it if it took place"
    )
    assert count(db, Booking) == 0


def test_the_next_call_can_be_booked_the_day_the_last_one_is_logged(
    book: Book, triage: Triage
) -> None:
    """Log the call, book the next one: the call logged that morning is the last call, not
    the booked one."""
    triage.log_touch(form(book.acme))
    friday = TODAY + days(4)
    triage.book(book.acme, "cadence-call", friday)
    booked = row(triage.load(team=False, ahead_days=7), "Acme", "cadence-call")
    assert (booked.due_on, booked.booked_for) == (friday, friday)


def test_a_meeting_booked_again_holds_its_new_day(book: Book, triage: Triage) -> None:
    triage.book(book.acme, "cadence-call", TODAY + days(10))
    done = triage.book(book.acme, "cadence-call", TODAY + days(3))
    assert done.message == "Booked a cadence call with Acme for Thu 26 Nov."
    booked = row(triage.load(team=False, ahead_days=14), "Acme", "cadence-call")
    assert booked.booked_for == TODAY + days(3)


def test_undoing_a_booking_brings_the_item_back(book: Book, triage: Triage) -> None:
    done = triage.book(book.acme, "cadence-call", TODAY + days(3))
    assert triage.undo(done.undo) == "Undone: the cadence call booked with Acme."
    assert ("Acme", "cadence-call") in rows(triage.load(team=False))


# --- review ------------------------------------------------------------------------------------


def test_reviewing_a_health_drop_takes_it_off_the_queue(triage: Triage, book: Book) -> None:
    triage.load(team=False)
    done = triage.review(book.bluepeak)
    assert done.message == "Marked Bluepeak's health drop reviewed."
    view = triage.load(team=False)
    assert ("Bluepeak", HEALTH_DROP) not in rows(view)
    assert view.counts.health_drops == 0
    assert view.changes[book.bluepeak].is_drop  # still a change, only no longer a row


def test_undoing_a_review_brings_the_health_drop_back(triage: Triage, book: Book) -> None:
    done = triage.review(book.bluepeak)
    assert triage.undo(done.undo) == "Undone: the review of Bluepeak's health drop."
    assert ("Bluepeak", HEALTH_DROP) in rows(triage.load(team=False))


def test_a_reviewed_drop_from_an_import_stays_reviewed_the_next_day(
    db: Database, book: Book, triage: Triage, tmp_path: Path
) -> None:
    lowered = tmp_path / "accounts.csv"
    lowered.write_text("external_id,name,segment,health_score\nCRM-ACME,Acme,enterprise,70\n")
    import_csv(db, ImportKind.ACCOUNTS, lowered, schedule=triage.schedule)
    assert ("Acme", HEALTH_DROP) in rows(triage.load(team=False))
    triage.review(book.acme)
    tomorrow = triage_on(db, TODAY + days(1), book.me, tmp_path).load(team=False)
    assert ("Acme", HEALTH_DROP) not in rows(tomorrow)


# --- escalate ----------------------------------------------------------------------------------


def test_escalating_opens_an_l1_escalation_with_its_first_event(
    db: Database, book: Book, triage: Triage
) -> None:
    done = triage.escalate(book.bluepeak, "  Exec sponsor left  ", "Company")
    assert done.message.startswith("Opened an L1 escalation for Bluepeak. ")
    with db.reading() as session:
        [escalation] = session.scalars(select(Escalation)).all()
        [event] = session.scalars(select(EscalationEvent)).all()
    assert (escalation.level, escalation.status, escalation.reason, escalation.risk_category) == (
        1,
        "open",
        "Exec sponsor left",
        "company",
    )
    assert str(escalation.account_id) == book.bluepeak and str(escalation.owner_id) == book.me.id
    assert (event.escalation_id, event.from_level, event.to_level, event.why) == (
        escalation.id,
        None,
        1,
        "Exec sponsor left",
    )


def test_a_second_escalation_on_the_same_account_is_refused(
    db: Database, book: Book, triage: Triage
) -> None:
    triage.escalate(book.bluepeak, "Exec sponsor left", "company")
    with pytest.raises(TriageError) as refused:
        triage.escalate(book.bluepeak, "Budget cut", "renewal")
    assert str(refused.value) == (
        "Bluepeak already has an open L1 escalation (Exec sponsor left); raise that one instead"
    )
    assert count(db, Escalation) == 1


@pytest.mark.parametrize(
    "reason, category, message",
    [
        (
            "Budget cut",
            "weather",
            "risk category: expected one of implementation, sentiment, support, "
            "product, company, renewal",
        ),
        ("   ", "renewal", "an escalation needs a reason: what is at risk, and why now"),
    ],
    ids=["unknown-risk-category", "blank-reason"],
)
def test_a_bad_escalation_is_refused(
    db: Database, book: Book, triage: Triage, reason: str, category: str, message: str
) -> None:
    with pytest.raises(TriageError) as refused:
        triage.escalate(book.acme, reason, category)
    assert str(refused.value) == message
    assert count(db, Escalation) == 0


def test_undoing_an_escalation_withdraws_its_events_too(
    db: Database, book: Book, triage: Triage
) -> None:
    done = triage.escalate(book.bluepeak, "Exec sponsor left", "company")
    assert triage.undo(done.undo) == "Undone: the escalation of Bluepeak."
    with db.reading() as session:
        assert store.open_escalation(session, uuid.UUID(book.bluepeak)) is None
        assert all(
            event.deleted_at is not None for event in session.scalars(select(EscalationEvent))
        )
    triage.escalate(book.bluepeak, "Second try", "company")  # no longer refused


def test_an_escalation_opened_on_a_planned_day_is_due_within_its_sla_of_that_day(
    db: Database, book: Book, tmp_path: Path
) -> None:
    later = max(TODAY, date.today()) + days(60)
    planner = triage_on(db, later, book.me, tmp_path)
    planner.load(team=False)
    planner.escalate(book.bluepeak, "Exec sponsor left", "company")
    due = scheduled_on(db, book.bluepeak, "escalation-call")
    assert due is not None and later <= due <= later + days(1)
    pinned = [
        item.pinned
        for item in planner.load(team=False, ahead_days=2).items
        if item.kind == "escalation-call"
    ]
    assert pinned == [False]


# --- undo --------------------------------------------------------------------------------------


def test_undoing_a_logged_touch_soft_deletes_it_and_the_item_is_due_again(
    db: Database, book: Book, triage: Triage
) -> None:
    triage.load(team=False)
    done = triage.log_touch(form(book.acme, action_items=("Send the deck",)))
    assert triage.undo(done.undo) == "Undone: the cadence call logged for Acme."
    with db.reading() as session:
        touch = session.get(Touchpoint, done.undo.row_id)
        [action] = session.scalars(select(ActionItem)).all()
    assert touch is not None and touch.deleted_at is not None  # still there, marked deleted
    assert action.deleted_at is not None
    assert scheduled_on(db, book.acme, "cadence-call") == date(2026, 10, 26)
    assert ("Acme", "cadence-call") in rows(triage.load(team=False))


def test_undoing_twice_says_there_is_nothing_to_undo(book: Book, triage: Triage) -> None:
    done = triage.log_touch(form(book.acme))
    triage.undo(done.undo)
    assert triage.undo(done.undo) == (
        "Nothing to undo: the cadence call logged for Acme is already gone."
    )


# --- what the side panel reads -----------------------------------------------------------------


def test_the_detail_of_a_row_has_the_engines_reason_and_the_last_touch(
    book: Book, triage: Triage
) -> None:
    view = triage.load(team=False)
    detail = triage.detail(row(view, "Acme", "cadence-call"))
    assert detail.candidate is not None and detail.candidate.kind == "cadence-call"
    assert detail.last_touch is not None and detail.last_touch.occurred_on == TODAY - days(60)
    assert detail.escalation is None
    alert = triage.detail(row(view, "Bluepeak", HEALTH_DROP))
    assert alert.candidate is None and alert.decision is not None


def test_the_contacts_to_tick_are_current_ones_primary_first(
    db: Database, book: Book, triage: Triage
) -> None:
    add_contact(db, book.acme, "Zoe")
    with db.writing() as session:
        session.add(Contact(account_id=uuid.UUID(book.acme), name="Yann", is_primary=True))
        session.add(Contact(account_id=uuid.UUID(book.acme), name="Ann", left_company=True))
    assert [contact.name for contact in triage.contacts(book.acme)] == ["Yann", "Zoe"]


# --- the store directly ------------------------------------------------------------------------


def test_record_visit_and_last_visit_agree_day_after_day(db: Database, book: Book) -> None:
    member = uuid.UUID(book.me.id)
    seen: list[tuple[date, date]] = []
    for day in (TODAY, TODAY, TODAY + days(1), TODAY + days(4), TODAY + days(4)):
        with db.reading() as session:
            looked = store.last_visit(session, member, day)
        with db.writing() as session:
            seen.append((looked, store.record_visit(session, member, day)))
    assert seen == [
        (YESTERDAY, YESTERDAY),  # first visit
        (YESTERDAY, YESTERDAY),  # same day again
        (TODAY, TODAY),
        (TODAY + days(1), TODAY + days(1)),
        (TODAY + days(1), TODAY + days(1)),
    ]


def test_health_changes_compare_with_the_last_snapshot_on_or_before_since(
    db: Database, book: Book, triage: Triage
) -> None:
    bands = triage.rules.rulebook.bands
    with db.reading() as session:
        mine = store.health_changes(
            session, since=YESTERDAY, owner_email="MAYA@example.com ", bands=bands
        )
        later = store.health_changes(session, since=TODAY, owner_email=None, bands=bands)
    assert set(mine) == {book.bluepeak}
    assert (mine[book.bluepeak].before, mine[book.bluepeak].after) == (85, 70)
    assert later == {}


def test_withdraw_says_none_when_the_row_is_already_gone(db: Database, book: Book) -> None:
    with db.writing() as session:
        review = store.add_review(
            session, account_id=uuid.UUID(book.bluepeak), reviewed_on=TODAY, by_id=None
        )
    with db.writing() as session:
        assert store.withdraw(session, "review", review) == uuid.UUID(book.bluepeak)
        assert store.withdraw(session, "review", review) is None
        assert store.withdraw(session, "review", uuid.uuid4()) is None
    with db.reading() as session:
        withdrawn = session.get(AlertReview, review)
        assert withdrawn is not None and withdrawn.deleted_at is not None


# --- wording -----------------------------------------------------------------------------------


def test_the_next_touch_keeps_its_acronyms(db: Database, book: Book, triage: Triage) -> None:
    with db.writing() as session:
        olu = session.scalars(
            select(TeamMember).where(col(TeamMember.email) == "olu@example.com")
        ).one()
        dunmore = Account(
            name="Dunmore",
            segment="enterprise",
            owner_id=olu.id,
            health_score=90,
            entered_on=date(2025, 11, 23),
        )
        session.add(dunmore)
        session.flush()
        # No contract start, no EBR on record, in the book for a year: the yearly EBR is due.
        dunmore_id = str(dunmore.id)
    done = triage.log_touch(form(dunmore_id))
    assert "Next: " in done.message and "EBR due 2026-11-23 (today)" in done.message
