"""The escalation ladder: roles, transition checks and the SLA clock, worked by hand and held
to the engine's due and breach days by generated accounts.

The SLAs are the shipped ones (default.toml): L1 24h (latest 48h), L2 48h (latest 72h),
L3 5bd, L4 7bd, L5 0h pinned. `CAL` is a Monday-to-Friday week with Monday 2026-11-30 off.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csm_tui.domain.calendar import Unit, WorkCalendar
from csm_tui.domain.engine import decide
from csm_tui.domain.enums import EscalationStatus
from csm_tui.domain.facts import AccountFacts, OpenEscalation
from csm_tui.domain.ladder import (
    CLOCK_KINDS,
    LEVEL_ROLES,
    LEVEL_TITLES,
    LEVELS,
    EventKind,
    SlaClock,
    breached,
    business_days_between,
    close_problem,
    countdown_words,
    days_at_level,
    level_heading,
    level_sla,
    level_words,
    lower_problem,
    raise_problem,
    reason_problem,
    reopen_problem,
    resolve_problem,
    roles_added,
    sla_clock,
)
from csm_tui.rules import default_rules

RULES = default_rules()
D = date.fromisoformat
HOLIDAY = D("2026-11-30")  # a Monday
CAL = WorkCalendar(holidays=frozenset({HOLIDAY}))
OPEN, RESOLVED, CLOSED = EscalationStatus.OPEN, EscalationStatus.RESOLVED, EscalationStatus.CLOSED


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def clock(level: int, since: str, last: date | None = None, cal: WorkCalendar = CAL) -> SlaClock:
    return sla_clock(level, level_sla(RULES.escalation, level), at(since), last, cal)


def engine_days(
    level: int, since: datetime, follow_ups: tuple[date, ...], today: date, cal: WorkCalendar
) -> tuple[date | None, date | None]:
    """The engine's due day of the follow-up and breach day for one open escalation."""
    rules = RULES if cal == RULES.calendar else replace(RULES, calendar=cal)
    facts = AccountFacts(
        "a",
        "Acme",
        "enterprise",
        "pr2",
        touches={"escalation-call": follow_ups} if follow_ups else {},
        escalations=(OpenEscalation("e", level, since, since),),
    )
    decision = decide(facts, rules, today)
    (item,) = (c for c in decision.candidates if c.rule_id == RULES.escalation.id)
    return item.due, decision.breach_at


# ---------- the ladder ------------------------------------------------------------------------


def test_the_levels_and_who_is_involved_follow_the_seeds() -> None:
    assert LEVELS == (1, 2, 3, 4, 5)
    assert [level_heading(n) for n in LEVELS] == [
        "L1 CSM resolution",
        "L2 CSM + Support",
        "L3 CSM manager involvement",
        "L4 VP Customer Success",
        "L5 CEO/COO escalation",
    ]
    assert LEVEL_TITLES.keys() == LEVEL_ROLES.keys() == set(LEVELS)
    assert LEVEL_ROLES[3] == ("CSM", "Support", "CSM manager")
    for lower, higher in zip(LEVELS, LEVELS[1:], strict=False):  # nobody leaves on the way up
        assert LEVEL_ROLES[higher][: len(LEVEL_ROLES[lower])] == LEVEL_ROLES[lower]
    assert roles_added(3, 5) == ("Product", "VP Customer Success", "executive sponsor", "CEO/COO")
    assert roles_added(4, 2) == ()
    assert level_words(3) == "L3"
    assert level_heading(9) == "L9"


def test_the_clock_restarts_on_a_level_change_only() -> None:
    assert {kind.value for kind in CLOCK_KINDS} == {"opened", "raised", "lowered", "reopened"}
    assert EventKind.parse("Follow up") is EventKind.FOLLOW_UP
    assert EventKind.FOLLOW_UP not in CLOCK_KINDS and EventKind.NOTE not in CLOCK_KINDS


def test_a_level_the_rules_leave_out_gets_the_engines_24h() -> None:
    assert str(level_sla(RULES.escalation, 7).within) == "24h"
    assert level_sla(RULES.escalation, 3) == RULES.escalation.levels[3]


# ---------- transitions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "level", "to_level", "problem"),
    [
        (OPEN, 1, 2, None),
        (OPEN, 2, 5, None),
        (OPEN, 4, 5, None),
        (
            RESOLVED,
            2,
            3,
            "this escalation is resolved: only an open one is raised; reopen it first",
        ),
        (CLOSED, 2, 3, "this escalation is closed: only an open one is raised; reopen it first"),
        (
            OPEN,
            5,
            5,
            "L5 is the top of the ladder and cannot be raised; lower it or resolve it instead",
        ),
        (OPEN, 2, 6, "there is no L6: the ladder runs from L1 to L5"),
        (
            OPEN,
            3,
            2,
            "raising L3 to L2 goes nowhere: raise it to a higher level (L4, L5), "
            "or lower it instead",
        ),
        (
            OPEN,
            3,
            3,
            "raising L3 to L3 goes nowhere: raise it to a higher level (L4, L5), "
            "or lower it instead",
        ),
    ],
)
def test_raise(status: EscalationStatus, level: int, to_level: int, problem: str | None) -> None:
    assert raise_problem(status, level, to_level) == problem


@pytest.mark.parametrize(
    ("status", "level", "to_level", "problem"),
    [
        (OPEN, 5, 1, None),
        (OPEN, 2, 1, None),
        (
            RESOLVED,
            3,
            2,
            "this escalation is resolved: only an open one is lowered; reopen it first",
        ),
        (OPEN, 1, 1, "L1 is the bottom of the ladder and cannot be lowered; resolve it instead"),
        (OPEN, 3, 0, "there is no L0: the ladder runs from L1 to L5"),
        (
            OPEN,
            3,
            4,
            "lowering L3 to L4 goes nowhere: lower it to a lower level (L1, L2), "
            "or raise it instead",
        ),
    ],
)
def test_lower(status: EscalationStatus, level: int, to_level: int, problem: str | None) -> None:
    assert lower_problem(status, level, to_level) == problem


def test_resolve_needs_an_open_escalation_and_the_steps() -> None:
    assert resolve_problem(OPEN, "patched the export job") is None
    assert resolve_problem(OPEN, "  ") == (
        "resolving asks for the resolution steps: write down what resolved it"
    )
    assert resolve_problem(RESOLVED, "again") == (
        "this escalation is already resolved: close it with the lessons learned"
    )
    assert resolve_problem(CLOSED, "again") == (
        "this escalation is closed: only an open one is resolved; reopen it first"
    )


def test_close_needs_a_resolved_escalation_and_the_lessons() -> None:
    assert close_problem(RESOLVED, "alert on export failures") is None
    assert close_problem(RESOLVED, "\n") == (
        "closing asks for the post-escalation review: write down the lessons learned"
    )
    assert close_problem(OPEN, "lessons") == (
        "this escalation is still open: resolve it first, then close it"
    )
    assert close_problem(CLOSED, "lessons") == (
        "this escalation is already closed: reopen it if the issue came back"
    )


def test_only_a_resolved_or_closed_escalation_reopens() -> None:
    assert reopen_problem(RESOLVED) is None
    assert reopen_problem(CLOSED) is None
    assert reopen_problem(OPEN) == (
        "this escalation is already open: raise it, lower it or log a follow-up instead"
    )


def test_a_raise_or_lower_needs_a_reason() -> None:
    assert reason_problem("customer threatens to churn") is None
    assert reason_problem(" ") == (
        "a raise or lower needs a reason: write down why the level changes"
    )


# ---------- the SLA clock, worked by hand -----------------------------------------------------


def test_l3_raised_on_a_friday_afternoon_counts_past_the_weekend_and_the_holiday() -> None:
    l3 = clock(3, "2026-11-27T15:30")  # Fri
    # 5bd from Fri 11-27: Mon 11-30 is a holiday -> Tue, Wed, Thu, Fri, Mon 12-07
    assert (l3.due, l3.breach, l3.in_hours) == (D("2026-12-07"), D("2026-12-07"), False)
    assert engine_days(3, l3.since, (), D("2026-11-28"), CAL) == (D("2026-12-07"),) * 2
    words = {
        day: countdown_words(l3, datetime.combine(D(day), time(9), UTC), D(day), CAL)
        for day in ("2026-11-28", "2026-11-30", "2026-12-01", "2026-12-07", "2026-12-08")
    }
    assert words == {
        "2026-11-28": "in 5 business days",  # Sat
        "2026-11-30": "in 5 business days",  # the holiday counts for nothing
        "2026-12-01": "in 4 business days",
        "2026-12-07": "due today",
        "2026-12-08": "1 business day overdue",
    }
    noon = time(12)
    assert not breached(l3, datetime.combine(D("2026-12-07"), noon, UTC), D("2026-12-07"))
    assert breached(l3, datetime.combine(D("2026-12-08"), noon, UTC), D("2026-12-08"))
    assert [
        days_at_level(l3.since, D(day), CAL)
        for day in ("2026-11-27", "2026-11-29", "2026-11-30", "2026-12-01", "2026-12-07")
    ] == [0, 0, 0, 1, 5]


def test_business_days_overdue_count_workdays_only() -> None:
    l3 = clock(3, "2026-11-16T09:00")  # Mon -> due Mon 11-23
    assert l3.due == D("2026-11-23")
    sat, tue = D("2026-11-28"), D("2026-12-01")
    assert countdown_words(l3, at("2026-11-28T09:00"), sat, CAL) == "4 business days overdue"
    # Mon 11-30 is a holiday: Tue is the 5th workday after the due day (the 6th without it)
    assert countdown_words(l3, at("2026-12-01T09:00"), tue, CAL) == "5 business days overdue"
    assert countdown_words(l3, at("2026-12-01T09:00"), tue, WorkCalendar()) == (
        "6 business days overdue"
    )
    assert business_days_between(D("2026-11-23"), D("2026-11-24"), CAL) == 1
    assert business_days_between(D("2026-11-24"), D("2026-11-23"), CAL) == 0


def test_l1_counts_hours_across_midnight() -> None:
    l1 = clock(1, "2026-11-23T22:00")  # 24h, latest 48h
    assert (l1.due, l1.breach) == (at("2026-11-24T22:00"), at("2026-11-25T22:00"))
    assert (l1.due_day, l1.breach_day, l1.in_hours) == (D("2026-11-24"), D("2026-11-25"), True)
    assert countdown_words(l1, at("2026-11-23T23:30"), D("2026-11-23"), CAL) == "in 23h"
    assert countdown_words(l1, at("2026-11-24T20:30"), D("2026-11-24"), CAL) == "in 2h"
    assert countdown_words(l1, at("2026-11-24T22:00"), D("2026-11-24"), CAL) == "now"
    assert countdown_words(l1, at("2026-11-24T22:10"), D("2026-11-24"), CAL) == "1h overdue"
    assert countdown_words(l1, at("2026-11-25T01:00"), D("2026-11-25"), CAL) == "3h overdue"
    # the ladder counts the breach to the hour; the engine from the next day on
    assert not breached(l1, at("2026-11-25T21:59"), D("2026-11-25"))
    assert breached(l1, at("2026-11-25T22:01"), D("2026-11-25"))
    assert breached(l1, at("2026-11-26T00:01"), D("2026-11-26"))
    assert engine_days(1, l1.since, (), D("2026-11-25"), CAL) == (D("2026-11-24"), D("2026-11-25"))


def test_l2_counts_hours_across_midnight() -> None:
    l2 = clock(2, "2026-11-23T20:00")  # 48h, latest 72h
    assert (l2.due, l2.breach) == (at("2026-11-25T20:00"), at("2026-11-26T20:00"))
    assert countdown_words(l2, at("2026-11-24T23:30"), D("2026-11-24"), CAL) == "in 21h"
    assert countdown_words(l2, at("2026-11-26T00:30"), D("2026-11-26"), CAL) == "4h overdue"


def test_a_clock_from_another_time_zone_runs_in_utc() -> None:
    new_york = timezone(timedelta(hours=-5))
    since = datetime(2026, 11, 23, 23, 30, tzinfo=new_york)  # 11-24 04:30 UTC
    l1 = sla_clock(1, level_sla(RULES.escalation, 1), since, None, CAL)
    assert l1.since == at("2026-11-24T04:30") and l1.since.tzinfo is UTC
    assert l1.due == at("2026-11-25T04:30")
    with pytest.raises(ValueError, match="aware datetime"):
        sla_clock(1, level_sla(RULES.escalation, 1), datetime(2026, 11, 23, 10), None, CAL)


def test_l5_is_due_now_and_breached_from_the_next_day() -> None:
    l5 = clock(5, "2026-11-23T10:00")
    assert l5.due == l5.breach == l5.since
    assert l5.sla.pin
    assert countdown_words(l5, at("2026-11-23T10:00"), D("2026-11-23"), CAL) == "now"
    assert countdown_words(l5, at("2026-11-23T18:00"), D("2026-11-23"), CAL) == "now"
    # immediate attention cannot be met to the second: a follow-up that day meets it
    assert not breached(l5, at("2026-11-23T18:00"), D("2026-11-23"))
    assert breached(l5, at("2026-11-24T08:00"), D("2026-11-24"))
    assert engine_days(5, l5.since, (), D("2026-11-23"), CAL) == (D("2026-11-23"),) * 2


def test_a_follow_up_at_l5_is_due_again_the_next_day() -> None:
    l5 = clock(5, "2026-11-23T10:00", last=D("2026-11-23"))
    assert (l5.due, l5.breach, l5.in_hours) == (D("2026-11-24"), D("2026-11-24"), False)
    assert countdown_words(l5, at("2026-11-23T18:00"), D("2026-11-23"), CAL) == "tomorrow"
    assert countdown_words(l5, at("2026-11-25T18:00"), D("2026-11-25"), CAL) == "1 day overdue"
    since = l5.since
    assert engine_days(5, since, (D("2026-11-23"),), D("2026-11-23"), CAL) == (D("2026-11-24"),) * 2


def test_a_follow_up_restarts_an_hour_clock_from_its_day() -> None:
    l1 = clock(1, "2026-11-23T10:00", last=D("2026-11-24"))
    # the engine knows the call's day, not its hour: +24h -> the next day, +48h -> the one after
    assert (l1.due, l1.breach, l1.last_follow_up) == (
        D("2026-11-25"),
        D("2026-11-26"),
        D("2026-11-24"),
    )
    assert countdown_words(l1, at("2026-11-24T15:00"), D("2026-11-24"), CAL) == "tomorrow"
    assert engine_days(1, l1.since, (D("2026-11-24"),), D("2026-11-24"), CAL) == (
        D("2026-11-25"),
        D("2026-11-26"),
    )


def test_a_follow_up_restarts_a_business_day_clock_past_the_holiday() -> None:
    l4 = clock(4, "2026-11-20T09:00", last=D("2026-11-27"))  # 7bd from Fri 11-27
    assert (l4.due, l4.breach) == (D("2026-12-09"), D("2026-12-09"))


def test_lowering_restarts_the_clock_and_forgets_earlier_follow_ups() -> None:
    l4 = clock(4, "2026-11-16T09:00", last=D("2026-11-20"))
    assert l4.due == D("2026-12-02")  # 7bd from Fri 11-20, past the holiday
    l2 = clock(2, "2026-11-23T09:00", last=D("2026-11-20"))  # lowered Monday morning
    assert l2.last_follow_up is None  # the call was at L4: the new level starts afresh
    assert (l2.due, l2.breach) == (at("2026-11-25T09:00"), at("2026-11-26T09:00"))
    assert days_at_level(l2.since, D("2026-11-23"), CAL) == 0
    assert engine_days(2, l2.since, (D("2026-11-20"),), D("2026-11-23"), CAL) == (
        D("2026-11-25"),
        D("2026-11-26"),
    )


def test_days_at_level_follow_the_work_week() -> None:
    four_days = WorkCalendar(frozenset({0, 1, 2, 3}))  # Mon-Thu
    since = at("2026-11-19T16:00")  # Thu
    assert days_at_level(since, D("2026-11-19"), four_days) == 0
    assert days_at_level(since, D("2026-11-23"), four_days) == 1  # Fri-Sun off
    assert days_at_level(since, D("2026-12-03"), four_days) == 8
    assert days_at_level(since, D("2026-11-10"), four_days) == 0  # a day before: not negative
    assert days_at_level(since, D("2027-11-19"), CAL) == 261 - 1  # a year, less the holiday


# ---------- the clock agrees with the engine --------------------------------------------------

CALENDARS = (
    RULES.calendar,  # the shipped one: the year-end holidays
    CAL,
    WorkCalendar(frozenset({0, 1, 2, 3}), frozenset({D("2026-12-24"), D("2027-01-07")})),
    WorkCalendar(frozenset({6})),  # Sundays only
)
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(
    level=st.integers(1, 5),
    today=st.dates(D("2026-10-01"), D("2027-02-28")),
    ago=st.integers(0, 40 * 1440),  # minutes from the level change to today's midnight
    offsets=st.lists(st.integers(-45, 3), max_size=4),
    cal=st.sampled_from(CALENDARS),
    minute=st.integers(0, 1439),
)
def test_the_clock_agrees_with_the_engine(
    level: int, today: date, ago: int, offsets: list[int], cal: WorkCalendar, minute: int
) -> None:
    midnight = datetime.combine(today, time(0), tzinfo=UTC)
    since = midnight + timedelta(hours=23, minutes=59) - timedelta(minutes=ago)
    follow_ups = tuple(sorted({today + timedelta(days=n) for n in offsets}))
    last = max((day for day in follow_ups if day <= today), default=None)
    mine = sla_clock(level, level_sla(RULES.escalation, level), since, last, cal)
    due, breach_at = engine_days(level, since, follow_ups, today, cal)
    assert (mine.due_day, mine.breach_day) == (due, breach_at)
    now = midnight + timedelta(minutes=minute)
    engine_breached = breach_at is not None and today > breach_at
    if engine_breached or not mine.in_hours:
        assert breached(mine, now, today) == engine_breached
    else:  # ahead of the engine only by hours, on the breach day itself
        assert not breached(mine, now, today) or today == mine.breach_day
    if not mine.in_hours and mine.sla.within.unit is not Unit.BUSINESS_DAYS:
        assert countdown_words(mine, now, today, cal) in {
            "due today",
            "tomorrow",
            f"in {(mine.due_day - today).days} days",
            f"{(today - mine.due_day).days} day overdue",
            f"{(today - mine.due_day).days} days overdue",
        }


@PROPERTY
@given(
    start=st.dates(D("2026-01-01"), D("2027-12-31")),
    span=st.integers(-10, 400),
    cal=st.sampled_from(CALENDARS),
)
def test_business_days_between_counts_each_workday(
    start: date, span: int, cal: WorkCalendar
) -> None:
    end = start + timedelta(days=span)
    expected = sum(1 for n in range(1, span + 1) if cal.is_workday(start + timedelta(days=n)))
    assert business_days_between(start, end, cal) == expected
