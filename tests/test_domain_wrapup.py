"""The weekly wrap-up's figures, worked by hand on one week of one book, then on the team's.

The week is 2026-W49 (Monday 30 November to Sunday 6 December 2026); Monday is a holiday in
`CAL`, so the week has four workdays and Maya's Enterprise target of 5 calls becomes 4. Today
is Friday 4 December unless a test says otherwise. The SLAs are the shipped ones (L1 24h/48h,
L2 48h/72h, L3 5bd).

Maya's book (health bands: green 80+, yellow 60-79, red below 60):

    Acme   $500k  yellow 72 -> red 55 (Tue) -> yellow 65 (Thu); renews 2027-01-15, asked 2026-10-01
    Birch  $200k  yellow 70 all week; renews 2027-02-01, never asked
    Cedar  $300k  green 85 -> red 58 (Wed), no recovery plan; L3 escalation breached since 28 Nov
    Dune   $100k  green 90, no snapshot; renews 2027-03-10, renewal call 2026-11-01 (too early)
    Elm     $50k  red 40, no snapshot, recovery plan since 25 Nov; renews 2026-12-20, never asked
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csm_tui.domain.calendar import EARLIEST, LATEST, WorkCalendar
from csm_tui.domain.engine import decide
from csm_tui.domain.enums import EscalationStatus, MilestoneStatus, TouchKind
from csm_tui.domain.facts import AccountFacts, OpenEscalation
from csm_tui.domain.health import HealthBand
from csm_tui.domain.iso_week import IsoWeek
from csm_tui.domain.ladder import EventKind
from csm_tui.domain.wrapup import CsmWeek, Figures, my_week, tally
from csm_tui.domain.wrapup_health import Movement, health_move
from csm_tui.domain.wrapup_history import due_in_force, slipped_on
from csm_tui.domain.wrapup_inputs import (
    BookAccount,
    CsmBook,
    DueMove,
    EscalationRecord,
    EscalationStep,
    MilestoneRecord,
    RecoveryPlanSpan,
    ScheduledItem,
    Snapshot,
    Touch,
    WeekRules,
)
from csm_tui.domain.wrapup_team import Attention, team_week
from csm_tui.rules import default_rules

RULES = default_rules()
D = date.fromisoformat
HOLIDAY = D("2026-11-30")  # the Monday of W49
CAL = WorkCalendar(holidays=frozenset({HOLIDAY}))
WRAP = dataclasses.replace(WeekRules.of(RULES), calendar=CAL)
W49 = IsoWeek(2026, 49)
FRIDAY = D("2026-12-04")
K = TouchKind


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def snap(on: str, score: int, *parts: int) -> Snapshot:
    engagement, success, satisfaction, financial = parts or (None, None, None, None)
    return Snapshot(D(on), score, engagement, success, satisfaction, financial)


def touch(account: str, on: str, kind: TouchKind) -> Touch:
    return Touch(account, D(on), kind)


def step(kind: EventKind, when: str, to: int, frm: int | None = None) -> EscalationStep:
    return EscalationStep(kind, at(when), to, frm)


ACME = BookAccount(
    "acme",
    "Acme",
    50_000_000,
    D("2027-01-15"),
    65,
    (
        snap("2026-11-20", 74, 72, 72, 78, 78),
        snap("2026-11-27", 72, 70, 70, 75, 75),
        snap("2026-12-01", 55, 40, 65, 70, 60),
        snap("2026-12-03", 65, 60, 66, 70, 68),
    ),
)
BIRCH = BookAccount("birch", "Birch", 20_000_000, D("2027-02-01"), 70, (snap("2026-11-20", 70),))
CEDAR = BookAccount(
    "cedar",
    "Cedar",
    30_000_000,
    D("2027-06-01"),
    58,
    (snap("2026-11-27", 85, 85, 85, 85, 85), snap("2026-12-02", 58, 80, 30, 60, 70)),
)
DUNE = BookAccount("dune", "Dune", 10_000_000, D("2027-03-10"), 90)
ELM = BookAccount(
    "elm",
    "Elm",
    5_000_000,
    D("2026-12-20"),
    40,
    recovery_plans=(RecoveryPlanSpan(D("2026-11-25")),),
)

TOUCHES = (
    touch("acme", "2026-10-01", K.RENEWAL_CALL),  # the question, since the window opened
    touch("dune", "2026-11-01", K.RENEWAL_CALL),  # before Dune's window (2026-11-10)
    touch("birch", "2026-11-27", K.CADENCE_CALL),  # the week before
    touch("acme", "2026-12-01", K.CADENCE_CALL),
    touch("birch", "2026-12-01", K.EMAIL),
    touch("acme", "2026-12-02", K.ESCALATION_CALL),
    touch("cedar", "2026-12-02", K.CADENCE_CALL),
    touch("dune", "2026-12-03", K.CADENCE_CALL),
    touch("birch", "2026-12-04", K.NOTE),
    touch("elm", "2026-12-05", K.CADENCE_CALL),  # Saturday: after today
    touch("elsewhere", "2026-12-02", K.CADENCE_CALL),  # not Maya's account
)

ITEMS = (
    ScheduledItem("birch", "cadence-call", D("2026-12-01"), "Cadence call"),
    ScheduledItem("elm", "health-assessment", D("2026-11-29")),  # late from Monday
    ScheduledItem("cedar", "ebr", D("2026-11-28"), "EBR"),  # late since the week before
    ScheduledItem("dune", "nps-survey", D("2026-12-04"), "NPS survey"),  # due today
    ScheduledItem("acme", "renewal-call", D("2026-12-10"), "Renewal question"),
)

SSO = EscalationRecord(
    "esc-sso",
    "acme",
    at("2026-12-01 09:00"),
    2,
    "SSO outage",
    lessons_learned="Check the SSO configuration before a rollout",
    steps=(
        step(EventKind.CLOSED, "2026-12-04 11:00", 2, 2),  # in any order
        step(EventKind.OPENED, "2026-12-01 09:00", 1),
        step(EventKind.RAISED, "2026-12-02 10:00", 2, 1),
        step(EventKind.FOLLOW_UP, "2026-12-02 16:00", 2, 2),
        step(EventKind.RESOLVED, "2026-12-03 15:00", 2, 2),
    ),
    follow_ups=(D("2026-12-02"),),
)
# L3 on Friday 20 Nov: 5 business days (Monday 30 Nov is a holiday, not on the way) end on
# Friday 27 Nov; no follow-up since, so it is past its SLA from Saturday 28 Nov.
PRICING = EscalationRecord(
    "esc-pricing",
    "cedar",
    at("2026-11-20 14:00"),
    3,
    "Pricing dispute",
    steps=(step(EventKind.OPENED, "2026-11-20 14:00", 3),),
)
OLD = EscalationRecord(
    "esc-old",
    "dune",
    at("2026-11-10 09:00"),
    1,
    "Old",
    steps=(
        step(EventKind.OPENED, "2026-11-10 09:00", 1),
        step(EventKind.RESOLVED, "2026-11-12 09:00", 1, 1),
        step(EventKind.CLOSED, "2026-11-13 09:00", 1, 1),
    ),
)
NOT_MINE = EscalationRecord("esc-x", "elsewhere", at("2026-12-01 09:00"), 5)

MILESTONES = (
    # moved on Tuesday, the day before its due date: it did not slip on Wednesday's date
    MilestoneRecord(
        "m-sso",
        "acme",
        "SSO rollout",
        D("2026-12-16"),
        MilestoneStatus.IN_PROGRESS,
        moves=(DueMove(D("2026-12-02"), D("2026-12-16"), D("2026-12-01")),),
    ),
    MilestoneRecord("m-migr", "birch", "Data migration", D("2026-12-02"), MilestoneStatus.PLANNED),
    MilestoneRecord(
        "m-train",
        "cedar",
        "Admin training",
        D("2026-12-01"),
        MilestoneStatus.DONE,
        completed_on=D("2026-12-03"),
    ),
    MilestoneRecord(
        "m-kick",
        "dune",
        "Kickoff",
        D("2026-12-03"),
        MilestoneStatus.DONE,
        completed_on=D("2026-12-03"),
    ),
    # late on Tuesday, moved on Wednesday: the move does not undo the slip
    MilestoneRecord(
        "m-pilot",
        "elm",
        "Pilot",
        D("2026-12-09"),
        MilestoneStatus.IN_PROGRESS,
        moves=(DueMove(D("2026-11-30"), D("2026-12-09"), D("2026-12-02")),),
    ),
    MilestoneRecord(
        "m-block",
        "elm",
        "Security review",
        D("2026-12-01"),
        MilestoneStatus.BLOCKED,
        blocked_on=D("2026-11-28"),
    ),
)

MAYA = CsmBook(
    "maya",
    "Maya Patel",
    RULES.wrapup.calls_target("enterprise") or 0,
    (ACME, BIRCH, CEDAR, DUNE, ELM),
    TOUCHES,
    ITEMS,
    (SSO, PRICING, OLD, NOT_MINE),
    MILESTONES,
)


@pytest.fixture(scope="module")
def friday() -> CsmWeek:
    return my_week(MAYA, W49, FRIDAY, WRAP)


# ---------- the week --------------------------------------------------------------------------


def test_an_iso_week_reads_and_prints_as_people_write_it() -> None:
    week = IsoWeek.parse("2026-W49")
    assert week == W49 == IsoWeek.parse(" 2026w49 ") == IsoWeek.of(FRIDAY)
    assert str(week) == "2026-W49"
    assert (week.monday, week.sunday) == (D("2026-11-30"), D("2026-12-06"))
    assert week.days[0] == week.monday and week.days[-1] == week.sunday and len(week.days) == 7
    assert (str(week.previous), str(week.next)) == ("2026-W48", "2026-W50")
    assert D("2026-12-06") in week and D("2026-12-07") not in week
    assert at("2026-12-06 23:59") in week
    # early January can be the last week of the year before; 2026 has 53 weeks
    assert str(IsoWeek.of(D("2027-01-01"))) == "2026-W53"
    assert str(IsoWeek(2026, 53).next) == "2027-W01"


@pytest.mark.parametrize("text", ["2026-49", "W49", "2026-W54", "2027-W53", "2026-W00", ""])
def test_a_week_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="W"):
        IsoWeek.parse(text)


def test_a_holiday_makes_a_shorter_week() -> None:
    assert W49.workdays(WorkCalendar()) == W49.days[:5]
    assert W49.workdays(CAL) == W49.days[1:5]
    assert W49.counted(D("2026-12-02")) == W49.days[:3]
    assert W49.counted(D("2026-11-29")) == ()
    assert (W49.as_of(D("2026-12-02")), W49.as_of(D("2027-01-05"))) == (
        D("2026-12-02"),
        D("2026-12-06"),
    )


# ---------- a CSM's week ----------------------------------------------------------------------


def test_touches_by_kind_and_by_day_count_the_book_up_to_today(friday: CsmWeek) -> None:
    touches = friday.touches
    assert touches.total == 6
    assert touches.by_kind == (
        (K.CADENCE_CALL, 3),
        (K.EMAIL, 1),
        (K.ESCALATION_CALL, 1),
        (K.NOTE, 1),
    )
    assert [n for _, n in touches.by_day] == [0, 2, 2, 1, 1, 0, 0]  # Saturday's is after today
    assert [day for day, _ in touches.by_day] == list(W49.days)


def test_the_call_target_shrinks_with_the_holiday_and_says_when_behind(friday: CsmWeek) -> None:
    calls = friday.calls
    assert (calls.done, calls.weekly_target, calls.target, calls.expected) == (3, 5, 4, 4)
    assert (calls.workdays, calls.elapsed) == (4, 4)
    assert calls.behind and calls.short == 1
    assert calls.words == "3 of 4 calls"
    # the seeds' targets, scaled to 4 of 5 workdays
    assert [my_week(_book(n), W49, FRIDAY, WRAP).calls.target for n in (5, 10, 15)] == [4, 8, 12]
    full = my_week(MAYA, W49, FRIDAY, dataclasses.replace(WRAP, calendar=WorkCalendar()))
    assert (full.calls.target, full.calls.workdays) == (5, 5)


def _book(target: int) -> CsmBook:
    return CsmBook("x", "X", target, (ACME,))


def test_coverage_counts_accounts_touched_against_the_book(friday: CsmWeek) -> None:
    assert (friday.coverage.touched, friday.coverage.book) == (4, 5)  # all but Elm
    assert friday.coverage.percent == 80
    assert friday.coverage.words == "4 of 5 accounts (80%)"


def test_items_that_went_overdue_this_week_and_are_still_open(friday: CsmWeek) -> None:
    assert [(i.account_name, i.label, i.overdue_since) for i in friday.overdue] == [
        ("Elm", "Health assessment", D("2026-11-30")),  # first day late: Monday
        ("Birch", "Cadence call", D("2026-12-02")),
    ]
    assert friday.overdue_open == 3  # and Cedar's EBR, late since the week before


def test_a_band_that_moved_twice_is_a_dip_and_a_drop_is_a_drop(friday: CsmWeek) -> None:
    cedar, acme = friday.movers  # drops before dips
    assert (cedar.account_name, cedar.movement) == ("Cedar", Movement.DOWN)
    assert cedar.path == "green → red (Wed)"
    assert cedar.component is not None and cedar.component.words == "success 85 → 30"
    assert (acme.account_name, acme.movement) == ("Acme", Movement.DIPPED)
    assert (acme.from_band, acme.to_band) == (HealthBand.YELLOW, HealthBand.YELLOW)
    assert (acme.from_score, acme.to_score) == (72, 65)
    assert acme.path == "yellow → red (Tue) → yellow (Thu)"
    # what took it down: engagement fell most (70 -> 40) by the Tuesday snapshot
    assert acme.component is not None and acme.component.words == "engagement 70 → 40"
    assert [(c.on, c.to_band) for c in acme.crossings] == [
        (D("2026-12-01"), HealthBand.RED),
        (D("2026-12-03"), HealthBand.YELLOW),
    ]


def test_movers_up_peaks_first_scores_and_unmoved_bands() -> None:
    bands = WRAP.bands
    up = BookAccount("u", "Up", snapshots=(snap("2026-11-25", 58), snap("2026-12-02", 81)))
    move = health_move(up, W49, FRIDAY, bands)
    assert move is not None and move.movement is Movement.UP
    assert move.path == "red → green (Wed)" and move.component is None  # none recorded
    peak = BookAccount(
        "p",
        "Peak",
        snapshots=(
            snap("2026-11-27", 75, 70, 80, 70, 80),
            snap("2026-12-01", 82, 90, 78, 70, 80),
            snap("2026-12-02", 70, 60, 78, 70, 80),
        ),
    )
    move = health_move(peak, W49, FRIDAY, bands)
    assert move is not None and move.movement is Movement.PEAKED
    assert move.component is not None and move.component.words == "engagement 70 → 90"
    # a net drop that dipped further on the way keeps every crossing
    deep = BookAccount(
        "d",
        "Deep",
        snapshots=(snap("2026-11-27", 85), snap("2026-12-01", 50), snap("2026-12-03", 70)),
    )
    move = health_move(deep, W49, FRIDAY, bands)
    assert move is not None and move.movement is Movement.DOWN
    assert move.path == "green → red (Tue) → yellow (Thu)"
    first = BookAccount("f", "First", snapshots=(snap("2026-12-01", 40),))
    assert health_move(first, W49, FRIDAY, bands) is None  # a first score is not a move
    assert health_move(BIRCH, W49, FRIDAY, bands) is None


def test_an_escalation_opened_and_closed_in_the_week_keeps_its_lessons(friday: CsmWeek) -> None:
    pricing, sso = friday.escalations.lines  # past its SLA first; Dune's old one is not there
    assert sso.account_name == "Acme"
    assert [s.kind for s in sso.steps] == [
        EventKind.OPENED,
        EventKind.RAISED,
        EventKind.RESOLVED,
        EventKind.CLOSED,
    ]
    assert (sso.level, sso.status) == (2, EscalationStatus.CLOSED)
    assert sso.lessons_learned == "Check the SSO configuration before a rollout"
    assert (sso.breached, sso.breached_since) == (False, None)
    assert sso.words == "L2 · opened Tue, raised L1 → L2 Wed, resolved Thu, closed Fri"
    assert pricing.steps == () and pricing.breached
    assert pricing.breached_since == D("2026-11-28")
    assert pricing.words == "L3 · past its SLA since 2026-11-28"
    escalations = friday.escalations
    counts = [escalations.count(kind) for kind in (EventKind.OPENED, EventKind.CLOSED)]
    assert counts == [1, 1]
    assert escalations.open_at_end == 1
    assert escalations.breached == (pricing,)


def test_a_follow_up_call_keeps_an_escalation_within_its_sla() -> None:
    called = dataclasses.replace(PRICING, follow_ups=(D("2026-11-27"),))
    book = dataclasses.replace(MAYA, escalations=(called,))
    # from the call on Friday 27 Nov, 5 business days (Monday 30 Nov off) end on Monday 7 Dec
    assert my_week(book, W49, FRIDAY, WRAP).escalations.lines == ()
    assert my_week(book, W49.next, D("2026-12-07"), WRAP).escalations.lines == ()
    (line,) = my_week(book, W49.next, D("2026-12-08"), WRAP).escalations.lines
    assert line.breached and line.breached_since == D("2026-12-08")
    assert line.words == "L3 · past its SLA since 2026-12-08"


def test_an_escalation_of_an_older_book_with_no_opening_step_opens_at_opened_at() -> None:
    legacy = EscalationRecord("esc-l", "acme", at("2026-12-01 08:00"), 1, "Legacy")
    week = my_week(dataclasses.replace(MAYA, escalations=(legacy,)), W49, FRIDAY, WRAP)
    (line,) = week.escalations.lines
    assert [s.kind for s in line.steps] == [EventKind.OPENED]
    # L1 within 48h at the latest: 3 Dec 08:00, so past its SLA from Friday
    assert line.breached and line.breached_since == FRIDAY
    assert line.words == "L1 · opened Tue · past its SLA since 2026-12-04"


def test_an_escalation_resolved_after_its_breach_was_late_but_is_no_longer() -> None:
    late = dataclasses.replace(
        PRICING, steps=(*PRICING.steps, step(EventKind.RESOLVED, "2026-12-02 12:00", 3, 3))
    )
    week = my_week(dataclasses.replace(MAYA, escalations=(late,)), W49, FRIDAY, WRAP)
    (line,) = week.escalations.lines
    assert (line.status, line.breached, line.breached_since) == (
        EscalationStatus.RESOLVED,
        False,
        D("2026-11-28"),
    )
    assert line.words == "L3 · resolved Wed · was past its SLA since 2026-11-28"
    assert week.escalations.open_at_end == 0 and week.escalations.breached == ()


def test_milestones_done_slipped_and_moved(friday: CsmWeek) -> None:
    milestones = friday.milestones
    assert [(m.title, m.on, m.late_days) for m in milestones.done] == [
        ("Admin training", D("2026-12-03"), 2),
        ("Kickoff", D("2026-12-03"), 0),
    ]
    # SSO rollout moved before its date did not slip; the blocked review did not either
    assert [(m.title, m.on, m.due_on) for m in milestones.slipped] == [
        ("Pilot", D("2026-12-01"), D("2026-11-30")),
        ("Admin training", D("2026-12-02"), D("2026-12-01")),
        ("Data migration", D("2026-12-03"), D("2026-12-02")),
    ]
    assert [(m.title, m.on, m.due_on, m.to_on, m.late_days) for m in milestones.moved] == [
        ("SSO rollout", D("2026-12-01"), D("2026-12-02"), D("2026-12-16"), 0),
        ("Pilot", D("2026-12-02"), D("2026-11-30"), D("2026-12-09"), 2),
    ]


def test_a_move_on_the_due_date_itself_is_in_time() -> None:
    moved = MilestoneRecord(
        "m",
        "acme",
        "M",
        D("2026-12-10"),
        MilestoneStatus.PLANNED,
        moves=(DueMove(D("2026-12-02"), D("2026-12-10"), D("2026-12-02")),),
    )
    assert due_in_force(moved, D("2026-12-01")) == D("2026-12-02")
    assert due_in_force(moved, D("2026-12-02")) == D("2026-12-10")
    assert [slipped_on(moved, day) for day in W49.days] == [None] * 7


def test_renewals_ahead_with_their_health_and_the_question(friday: CsmWeek) -> None:
    rows = [(r.account_name, r.days_left, r.band, r.asked_on, r.at_risk) for r in friday.renewals]
    assert rows == [
        ("Elm", 16, HealthBand.RED, None, True),
        ("Acme", 42, HealthBand.YELLOW, D("2026-10-01"), False),
        ("Birch", 59, HealthBand.YELLOW, None, True),
        ("Dune", 96, HealthBand.GREEN, None, False),  # asked before its window: not asked
    ]  # Cedar renews in 179 days, past the window
    assert [r.account_name for r in friday.renewals_at_risk] == ["Elm", "Birch"]


def test_an_ebr_asks_the_question_as_the_rules_count_it() -> None:
    assert WRAP.renewal_kinds == {K.RENEWAL_CALL, K.EBR}
    ebr = dataclasses.replace(MAYA, touches=(*TOUCHES, touch("birch", "2026-11-02", K.EBR)))
    week = my_week(ebr, W49, FRIDAY, WRAP)
    assert [r.account_name for r in week.renewals_at_risk] == ["Elm"]
    only_calls = dataclasses.replace(WRAP, renewal_kinds=frozenset({K.RENEWAL_CALL}))
    week = my_week(ebr, W49, FRIDAY, only_calls)
    assert [r.account_name for r in week.renewals_at_risk] == ["Elm", "Birch"]


def test_red_accounts_without_a_recovery_plan(friday: CsmWeek) -> None:
    assert [(a.account_name, a.score) for a in friday.red_without_plan] == [("Cedar", 58)]
    ended = dataclasses.replace(ELM, recovery_plans=(RecoveryPlanSpan(D("2026-11-01"), FRIDAY),))
    book = dataclasses.replace(MAYA, accounts=(ACME, BIRCH, CEDAR, DUNE, ended))
    week = my_week(book, W49, FRIDAY, WRAP)
    assert [a.account_name for a in week.red_without_plan] == ["Cedar", "Elm"]


def test_the_figures_of_the_week(friday: CsmWeek) -> None:
    assert friday.figures == Figures(
        touches=6,
        calls=3,
        call_target=4,
        calls_expected=4,
        accounts=5,
        touched=4,
        went_overdue=2,
        overdue_open=3,
        health_down=1,
        health_up=0,
        health_back=1,
        escalations_opened=1,
        escalations_raised=1,
        escalations_resolved=1,
        escalations_closed=1,
        escalations_breached=1,
        escalations_open=1,
        milestones_done=2,
        milestones_slipped=3,
        milestones_moved=2,
        renewals=4,
        renewals_asked=1,
        renewals_at_risk=2,
        red_without_plan=1,
    )


def test_the_current_week_counts_only_the_days_up_to_today() -> None:
    wednesday = my_week(MAYA, W49, D("2026-12-02"), WRAP)
    assert wednesday.counted_days == W49.days[:3] and wednesday.as_of == D("2026-12-02")
    assert [n for _, n in wednesday.touches.by_day] == [0, 2, 2, 0, 0, 0, 0]
    # two workdays of four gone: 2 of the 4 calls expected, and 2 made
    calls = wednesday.calls
    assert (calls.done, calls.target, calls.expected, calls.behind) == (2, 4, 2, False)
    assert calls.words == "2 of 4 calls"
    assert wednesday.coverage.touched == 3
    # Acme is red on Wednesday: not yet back, so a drop
    assert [(m.account_name, m.movement) for m in wednesday.movers] == [
        ("Acme", Movement.DOWN),
        ("Cedar", Movement.DOWN),
    ]
    sso = next(line for line in wednesday.escalations.lines if line.id == "esc-sso")
    assert (sso.status, sso.lessons_learned) == (EscalationStatus.OPEN, None)
    assert [s.kind for s in sso.steps] == [EventKind.OPENED, EventKind.RAISED]
    assert [m.title for m in wednesday.milestones.slipped] == ["Pilot", "Admin training"]
    assert wednesday.milestones.done == ()
    assert wednesday.renewals[0].days_left == 18
    tuesday = my_week(MAYA, W49, D("2026-12-01"), WRAP)
    assert tuesday.calls.expected == 1 and not tuesday.calls.behind
    assert tuesday.calls.words == "1 of 4 calls"
    monday = my_week(dataclasses.replace(MAYA, call_target=10), W49, D("2026-11-30"), WRAP)
    assert (monday.calls.expected, monday.calls.behind) == (0, False)  # a holiday asks nothing


def test_a_csm_behind_during_the_week_is_told_the_pace() -> None:
    book = dataclasses.replace(MAYA, call_target=15)
    thursday = my_week(book, W49, D("2026-12-03"), WRAP)
    # 12 this week, 3 workdays of 4 gone: 9 expected; 3 made
    assert thursday.calls.words == "3 of 12 calls (9 expected by now)"


def test_a_week_still_to_come_counts_nothing() -> None:
    week = my_week(MAYA, W49.next, FRIDAY, WRAP)
    assert week.counted_days == () and week.as_of == FRIDAY
    assert week.touches.total == 0 and week.calls.expected == 0 and not week.calls.behind
    assert week.movers == () and week.overdue == () and week.escalations.lines == ()
    assert week.milestones.done == week.milestones.slipped == ()


def test_a_csm_with_no_touches() -> None:
    quiet = CsmBook("noah", "Noah Kim", 10, (BIRCH, DUNE))
    week = my_week(quiet, W49, FRIDAY, WRAP)
    assert week.touches.total == 0 and week.touches.by_kind == ()
    assert [n for _, n in week.touches.by_day] == [0] * 7
    assert (week.calls.done, week.calls.target, week.calls.behind) == (0, 8, True)
    assert week.coverage.words == "0 of 2 accounts (0%)"
    empty = my_week(CsmBook("new", "New Hire", 5), W49, FRIDAY, WRAP)
    assert empty.coverage.percent is None and empty.coverage.words == "no accounts in the book"


def test_a_negative_call_target_is_refused() -> None:
    with pytest.raises(ValueError, match="call target"):
        CsmBook("x", "X", -1)


# ---------- the team's week -------------------------------------------------------------------

OLIVIA = CsmBook(
    "olivia",
    "Olivia Chen",
    15,
    (
        BookAccount("o1", "Oak", 1_000, health_score=30),
        BookAccount("o2", "Orca", 2_000, health_score=45),
        BookAccount("o3", "Opal", 3_000, health_score=85),
    ),
    tuple(
        touch(f"o{1 + n % 3}", f"2026-12-0{1 + n % 4}", K.CADENCE_CALL) for n in range(12)
    ),  # 12 calls: on target
    escalations=(dataclasses.replace(PRICING, id="esc-o", account_id="o3"),),
)
NOAH = CsmBook("noah", "Noah Kim", 10, (BookAccount("n1", "Nile", health_score=88),))
PRIYA = CsmBook(
    "priya",
    "Priya Shah",
    0,
    (BookAccount("p1", "Pine", health_score=88),),
    (touch("p1", "2026-12-02", K.EMAIL),),
)


def test_the_team_is_sorted_by_what_needs_the_manager_with_reasons() -> None:
    team = team_week((PRIYA, NOAH, MAYA, OLIVIA), W49, FRIDAY, WRAP)
    assert [row.week.name for row in team.rows] == [
        "Olivia Chen",  # one breached escalation, like Maya, but two red accounts without a plan
        "Maya Patel",
        "Noah Kim",  # only under the call target
        "Priya Shah",  # nothing
    ]
    olivia, maya, noah, priya = team.rows
    assert [r.kind for r in olivia.reasons] == [Attention.BREACHED, Attention.RED_WITHOUT_PLAN]
    assert maya.why == (
        "1 escalation past its SLA; 1 red account without a recovery plan; "
        "2 renewals at risk (red or yellow, renewal question not asked); "
        "under call target: 3 of 4 calls"
    )
    assert olivia.why == "1 escalation past its SLA; 2 red accounts without a recovery plan"
    assert noah.why == "under call target: 0 of 8 calls"
    assert [(r.kind, r.count) for r in noah.reasons] == [(Attention.UNDER_TARGET, 8)]
    assert (priya.reasons, priya.why) == ((), "nothing needs you")
    assert team.behind == 2 and team.needing == (olivia, maya, noah)


def test_the_team_totals_add_up_the_rows() -> None:
    team = team_week((MAYA, OLIVIA, NOAH, PRIYA), W49, FRIDAY, WRAP)
    totals = team.totals
    assert (totals.touches, totals.calls, totals.call_target) == (6 + 12 + 1, 3 + 12, 4 + 12 + 8)
    assert (totals.accounts, totals.touched) == (5 + 3 + 1 + 1, 4 + 3 + 1)
    assert totals.coverage.words == "8 of 10 accounts (80%)"
    assert (totals.escalations_breached, totals.red_without_plan) == (2, 3)
    assert totals.renewals_at_risk == 2
    assert team.touches.total == 19
    assert dict(team.touches.by_kind) == {
        K.CADENCE_CALL: 15,
        K.EMAIL: 2,
        K.ESCALATION_CALL: 1,
        K.NOTE: 1,
    }
    assert sum(n for _, n in team.touches.by_day) == 19
    empty = team_week((), W49, FRIDAY, WRAP)
    assert empty.rows == () and empty.totals == Figures() and empty.touches.total == 0


# ---------- properties ------------------------------------------------------------------------

days = st.dates(EARLIEST, LATEST)


@given(days)
def test_a_week_prints_and_parses_back(day: date) -> None:
    week = IsoWeek.of(day)
    assert IsoWeek.parse(str(week)) == week
    assert day in week and week.monday <= day <= week.sunday
    assert week.monday.weekday() == 0 and len(week.days) == 7
    if EARLIEST + timedelta(weeks=1) <= day <= LATEST - timedelta(weeks=1):
        assert week.next.previous == week == week.previous.next
        assert week.previous < week < week.next


def test_the_weeks_before_and_after_the_dates_csm_plans_are_refused() -> None:
    """1900-W01 begins on 1900-01-01, the first day csm plans: the week before it is refused
    in words, as any date outside them is."""
    with pytest.raises(ValueError, match="outside the dates csm plans"):
        IsoWeek.of(EARLIEST).shifted(-1)
    with pytest.raises(ValueError, match="outside the dates csm plans"):
        IsoWeek.of(LATEST).shifted(1)


KINDS = list(TouchKind)
ACCOUNTS = ("a", "b", "c", "d", "z")  # "z" is not in the book


@given(
    touches=st.lists(
        st.builds(
            Touch,
            st.sampled_from(ACCOUNTS),
            st.dates(D("2026-11-25"), D("2026-12-10")),
            st.sampled_from(KINDS),
        ),
        max_size=40,
    ),
    today=st.dates(D("2026-11-25"), D("2026-12-10")),
    target=st.integers(0, 20),
    holidays=st.sets(st.sampled_from(W49.days), max_size=5),
)
def test_touches_add_up_and_coverage_never_exceeds_the_book(
    touches: list[Touch], today: date, target: int, holidays: set[date]
) -> None:
    rules = dataclasses.replace(WRAP, calendar=WorkCalendar(holidays=frozenset(holidays)))
    book = CsmBook(
        "m", "M", target, tuple(BookAccount(a, a.upper()) for a in "abcd"), tuple(touches)
    )
    week = my_week(book, W49, today, rules)
    tally = week.touches
    assert tally.total == sum(n for _, n in tally.by_kind) == sum(n for _, n in tally.by_day)
    counted = [t for t in touches if t.account_id != "z" and t.on in W49 and t.on <= today]
    assert tally.total == len(counted)
    assert 0 <= week.coverage.touched <= week.coverage.book == 4
    assert week.calls.expected <= week.calls.target <= target
    assert week.calls.done <= tally.total
    if not W49.workdays(rules.calendar):  # no workday: nothing asked
        assert week.calls.target == 0 and not week.calls.behind
    if today >= W49.sunday:
        assert week.calls.expected == week.calls.target


@given(
    level=st.integers(1, 5),
    today=st.dates(D("2026-11-01"), D("2027-01-31")),
    ago=st.integers(0, 30 * 1440),  # minutes from the level change to the end of today
    offsets=st.lists(st.integers(-30, 3), max_size=3),
)
def test_past_its_sla_as_the_engine_says(
    level: int, today: date, ago: int, offsets: list[int]
) -> None:
    since = datetime.combine(today, time(23, 59), tzinfo=UTC) - timedelta(minutes=ago)
    follow_ups = tuple(sorted({today + timedelta(days=n) for n in offsets}))
    record = EscalationRecord(
        "e",
        "a",
        since,
        level,
        steps=(EscalationStep(EventKind.OPENED, since, level),),
        follow_ups=follow_ups,
    )
    book = CsmBook("m", "M", 5, (BookAccount("a", "A"),), escalations=(record,))
    week = my_week(
        book, IsoWeek.of(today), today, dataclasses.replace(WRAP, calendar=RULES.calendar)
    )
    facts = AccountFacts(
        "a",
        "A",
        "enterprise",
        "pr2",
        touches={"escalation-call": tuple(d for d in follow_ups if d <= today)},
        escalations=(OpenEscalation("e", level, since, since),),
    )
    decision = decide(facts, RULES, today)
    engine_breached = decision.breach_at is not None and today > decision.breach_at
    assert len(week.escalations.breached) == engine_breached


def test_tally_of_no_touches_has_the_seven_days() -> None:
    assert [n for _, n in tally((), W49, FRIDAY).by_day] == [0] * 7
