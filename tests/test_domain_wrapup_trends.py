"""The wrap-up's trends, worked by hand: the 12 weeks 2026-W38 to 2026-W49 of one book, then of
the team's.

Today is Friday 4 December 2026 (W49 is still running: Monday to Friday count). Monday
30 November is a holiday in `CAL`, so W49 has four workdays and Maya's Enterprise target of 5
calls becomes 4. Health bands: green 80+, yellow 60-79, red below 60.

Maya's book:

    Acme   green 85 (1 Sep) -> red 55 (Wed 18 Nov, W47)
    Birch  no snapshot, score 70 now: yellow every week
    Cedar  no snapshot, no score: unknown every week
    Acme's escalation: opened L1 Tue 10 Nov (W46), raised L1 -> L3 Tue 17 Nov (W47),
    closed Thu 26 Nov (W48)
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from csm_tui.domain.calendar import WorkCalendar
from csm_tui.domain.enums import TouchKind
from csm_tui.domain.health import HealthBand
from csm_tui.domain.iso_week import IsoWeek
from csm_tui.domain.ladder import EventKind
from csm_tui.domain.wrapup import my_week
from csm_tui.domain.wrapup_inputs import (
    BookAccount,
    CsmBook,
    EscalationRecord,
    EscalationStep,
    Snapshot,
    Touch,
    WeekRules,
)
from csm_tui.domain.wrapup_trends import (
    BANDS,
    TREND_WEEKS,
    TrendWeek,
    book_trends,
    team_trends,
    trend_span,
)
from csm_tui.rules import default_rules

D = date.fromisoformat
CAL = WorkCalendar(holidays=frozenset({D("2026-11-30")}))
RULES = dataclasses.replace(WeekRules.of(default_rules()), calendar=CAL)
W49 = IsoWeek(2026, 49)
FRIDAY = D("2026-12-04")
K = TouchKind


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


ACME = BookAccount(
    "acme",
    "Acme",
    health_score=55,
    snapshots=(Snapshot(D("2026-11-18"), 55), Snapshot(D("2026-09-01"), 85)),
)
BIRCH = BookAccount("birch", "Birch", health_score=70)
CEDAR = BookAccount("cedar", "Cedar")
ESCALATION = EscalationRecord(
    "esc",
    "acme",
    at("2026-11-10T09:00"),
    level=3,
    steps=(
        EscalationStep(EventKind.CLOSED, at("2026-11-26T16:00"), 3),
        EscalationStep(EventKind.OPENED, at("2026-11-10T09:00"), 1),
        EscalationStep(EventKind.RAISED, at("2026-11-17T11:00"), 3, 1),
    ),
)
TOUCHES = (
    Touch("birch", D("2026-09-30"), K.EMAIL),  # W40
    Touch("acme", D("2026-11-17"), K.CADENCE_CALL),  # W47
    Touch("acme", D("2026-11-18"), K.ESCALATION_CALL),
    Touch("birch", D("2026-11-19"), K.CADENCE_CALL),
    Touch("acme", D("2026-11-24"), K.CADENCE_CALL),  # W48
    Touch("acme", D("2026-12-01"), K.CADENCE_CALL),  # W49
    Touch("birch", D("2026-12-03"), K.NOTE),
    Touch("birch", D("2026-12-05"), K.CADENCE_CALL),  # Saturday: after today
    Touch("gone", D("2026-12-02"), K.CADENCE_CALL),  # not an account of the book
)
MAYA = CsmBook(
    "maya",
    "Maya Patel",
    5,
    accounts=(ACME, BIRCH, CEDAR),
    touches=TOUCHES,
    escalations=(ESCALATION,),
)
JONAS = CsmBook(
    "jonas",
    "Jonas Weber",
    10,
    accounts=(BookAccount("dune", "Dune", health_score=90),),
    touches=(Touch("dune", D("2026-12-02"), K.CADENCE_CALL),),
)


def by_week(weeks: tuple[TrendWeek, ...]) -> dict[str, TrendWeek]:
    return {str(w.week): w for w in weeks}


def test_twelve_weeks_ending_with_the_week_asked() -> None:
    span = trend_span(W49)
    assert len(span) == TREND_WEEKS == 12
    assert (str(span[0]), str(span[-1])) == ("2026-W38", "2026-W49")
    assert all(b == a.next for a, b in zip(span, span[1:], strict=False))
    assert trend_span(IsoWeek(2027, 2), 3) == (
        IsoWeek(2026, 53),
        IsoWeek(2027, 1),
        IsoWeek(2027, 2),
    )
    with pytest.raises(ValueError, match="at least one week"):
        trend_span(W49, 0)


def test_touches_and_calls_against_a_target_that_shrinks_for_a_holiday() -> None:
    trends = book_trends(MAYA, W49, FRIDAY, RULES)
    weeks = by_week(trends.weeks)
    assert (trends.name, trends.csms, trends.first, trends.last) == (
        "Maya Patel",
        1,
        IsoWeek(2026, 38),
        W49,
    )
    assert [w.touches for w in trends.weeks] == [0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 1, 2]
    assert [w.calls for w in trends.weeks] == [0] * 9 + [2, 1, 1]
    # Every full week asks 5; W49 has a holiday: 4 workdays of 5 ask 4.
    assert [w.call_target for w in trends.weeks] == [5] * 11 + [4]
    w49 = weeks["2026-W49"]  # still running: Saturday's call is not counted yet
    assert (w49.counted_days, w49.as_of, w49.touches, w49.calls) == (5, FRIDAY, 2, 1)
    assert weeks["2026-W48"].counted_days == 7


def test_the_week_agrees_with_its_wrap_up() -> None:
    trends = book_trends(MAYA, W49, FRIDAY, RULES)
    for trend in trends.weeks[-3:]:
        week = my_week(MAYA, trend.week, FRIDAY, RULES)
        figures = week.figures
        assert (trend.touches, trend.calls, trend.call_target) == (
            figures.touches,
            figures.calls,
            figures.call_target,
        )
        assert trend.open_escalations == figures.escalations_open
        assert trend.as_of == week.as_of


def test_health_bands_at_each_weeks_end() -> None:
    weeks = by_week(book_trends(MAYA, W49, FRIDAY, RULES).weeks)
    assert BANDS == (HealthBand.GREEN, HealthBand.YELLOW, HealthBand.RED, HealthBand.UNKNOWN)
    # Acme is green until its red snapshot of Wednesday 18 November (W47); Birch counts in the
    # band of its score now (no snapshot), Cedar has no score at all.
    assert weeks["2026-W38"].bands == (1, 1, 0, 1)
    assert weeks["2026-W46"].bands == (1, 1, 0, 1)
    assert weeks["2026-W47"].bands == (0, 1, 1, 1)
    assert weeks["2026-W49"].bands == (0, 1, 1, 1)
    assert weeks["2026-W47"].band(HealthBand.RED) == 1
    assert all(w.accounts == 3 for w in weeks.values())


def test_an_escalation_raised_then_closed_counts_at_its_level_while_open() -> None:
    weeks = by_week(book_trends(MAYA, W49, FRIDAY, RULES).weeks)
    assert weeks["2026-W45"].escalations == (0, 0, 0, 0, 0)  # not opened yet
    assert weeks["2026-W46"].escalations == (1, 0, 0, 0, 0)  # opened at L1 on Tuesday
    assert weeks["2026-W47"].escalations == (0, 0, 1, 0, 0)  # raised L1 -> L3 on Tuesday
    assert weeks["2026-W48"].escalations == (0, 0, 0, 0, 0)  # closed on Thursday
    assert weeks["2026-W47"].open_escalations == 1


def test_a_week_to_come_counts_nothing_and_reads_the_states_of_today() -> None:
    trends = book_trends(MAYA, W49.next, FRIDAY, RULES)
    ahead = trends.weeks[-1]
    assert (str(ahead.week), ahead.counted_days, ahead.as_of) == ("2026-W50", 0, FRIDAY)
    assert (ahead.touches, ahead.calls) == (0, 0)
    assert ahead.call_target == 5  # what it will ask
    assert ahead.bands == trends.weeks[-2].bands == (0, 1, 1, 1)
    assert ahead.escalations == (0, 0, 0, 0, 0)


def test_the_team_is_its_books_added_up() -> None:
    team = team_trends([MAYA, JONAS], W49, FRIDAY, RULES)
    mine = book_trends(MAYA, W49, FRIDAY, RULES)
    assert (team.name, team.csms) == ("The team", 2)
    w49 = team.weeks[-1]
    # Jonas's Commercial target of 10 asks 8 in a four-day week.
    assert (w49.touches, w49.calls, w49.call_target) == (3, 2, 4 + 8)
    assert w49.bands == (1, 1, 1, 1)
    assert [w.escalations for w in team.weeks] == [w.escalations for w in mine.weeks]
    nobody = team_trends([], W49, FRIDAY, RULES)
    assert nobody.csms == 0 and len(nobody.weeks) == 12
    assert all(w.touches == w.call_target == w.accounts == 0 for w in nobody.weeks)


def test_weeks_of_different_days_do_not_add_up() -> None:
    [mine] = book_trends(MAYA, W49, FRIDAY, RULES, weeks=1).weeks
    [other] = book_trends(MAYA, W49.previous, FRIDAY, RULES, weeks=1).weeks
    with pytest.raises(ValueError, match="cannot add"):
        _ = mine + other


def test_an_escalation_without_its_closing_step_ends_when_it_ended() -> None:
    # Books written before the history (and the demo's) hold the opening only.
    older = EscalationRecord(
        "older",
        "birch",
        at("2026-10-06T09:00"),
        level=2,
        steps=(EscalationStep(EventKind.OPENED, at("2026-10-06T09:00"), 2),),
        ended_at=at("2026-10-21T12:00"),
    )
    book = dataclasses.replace(MAYA, escalations=(older,))
    weeks = by_week(book_trends(book, W49, FRIDAY, RULES).weeks)
    assert weeks["2026-W41"].escalations == (0, 1, 0, 0, 0)
    assert weeks["2026-W43"].escalations == (0, 0, 0, 0, 0)  # ended on Wednesday 21 October
    still = dataclasses.replace(older, ended_at=None)
    book = dataclasses.replace(MAYA, escalations=(still,))
    assert book_trends(book, W49, FRIDAY, RULES).weeks[-1].escalations == (0, 1, 0, 0, 0)
