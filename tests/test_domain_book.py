from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from csm_tui.domain.book import AccountRow, SortKey, filter_rows, format_arr, sort_rows
from csm_tui.domain.enums import Priority, Segment, TouchKind
from csm_tui.domain.health import DEFAULT_WEIGHTS, BandThresholds, HealthBand

TODAY = date(2026, 11, 23)


def _row(name: str, **fields: Any) -> AccountRow:
    plain = AccountRow(
        id=name,
        external_id=f"ID-{name}",
        name=name,
        segment=Segment.ENTERPRISE,
        priority=Priority.PR2,
        arr_cents=100_00,
        owner_name="Maya Patel",
        owner_email="maya@example.com",
        health_score=80,
        renewal_date=date(2027, 1, 1),
        last_touch=date(2026, 11, 1),
    )
    return replace(plain, **fields)


def test_bands_follow_the_playbook_thresholds():
    assert [_row("a", health_score=s).band() for s in (100, 80, 79, 60, 59, 0, None)] == [
        HealthBand.GREEN,
        HealthBand.GREEN,
        HealthBand.YELLOW,
        HealthBand.YELLOW,
        HealthBand.RED,
        HealthBand.RED,
        HealthBand.UNKNOWN,
    ]


@pytest.mark.parametrize("score", [None, -5, 0, 59, 60, 69, 70, 89, 90, 100, 120])
def test_a_bands_scores_are_the_scores_in_that_band(score):
    bands = BandThresholds(green=90, yellow=70)
    for band in HealthBand:
        scores = bands.scores(band)
        inside = (
            score is None
            if scores is None
            else score is not None
            and (
                (scores.low is None or score >= scores.low)
                and (scores.high is None or score <= scores.high)
            )
        )
        assert inside == (bands.band(score) == band), (band, scores)


def test_health_score_weights_components_30_30_20_20():
    assert DEFAULT_WEIGHTS.score(100, 100, 100, 100) == 100
    assert DEFAULT_WEIGHTS.score(100, 0, 0, 0) == 30
    assert DEFAULT_WEIGHTS.score(0, 0, 100, 100) == 40
    assert DEFAULT_WEIGHTS.score(81, 80, 80, 80) == 80  # 80.3 rounds to 80


def test_sort_by_arr_descending_keeps_name_order_for_ties():
    rows = [_row("b", arr_cents=5), _row("a", arr_cents=5), _row("c", arr_cents=9)]
    assert [r.name for r in sort_rows(rows, SortKey.ARR, reverse=True)] == ["c", "a", "b"]


@pytest.mark.parametrize("reverse", [False, True])
def test_missing_values_sort_last_both_ways(reverse):
    rows = [
        _row("none", health_score=None),
        _row("low", health_score=10),
        _row("high", health_score=90),
    ]
    ordered = [r.name for r in sort_rows(rows, SortKey.HEALTH, reverse=reverse)]
    assert ordered[-1] == "none"
    assert ordered[:2] == (["high", "low"] if reverse else ["low", "high"])


def test_filter_needs_every_word_and_matches_owner_segment_and_band():
    rows = [
        _row("Northwind", segment=Segment.SCALE, health_score=40),
        _row("Bluepeak", owner_name="Li Wei", health_score=90),
    ]
    assert [r.name for r in filter_rows(rows, "scale red")] == ["Northwind"]
    assert [r.name for r in filter_rows(rows, "LI wei")] == ["Bluepeak"]
    assert filter_rows(rows, "  ") == rows
    assert filter_rows(rows, "scale green") == []


def test_days_to_renewal_and_formats():
    row = _row("a", renewal_date=date(2026, 12, 3))
    assert row.days_to_renewal(TODAY) == 10
    assert format_arr(1_250_000_00) == "$1.25M"
    assert format_arr(87_500_00) == "$87.5k"
    assert format_arr(900_00) == "$900"


def test_choices_parse_what_people_type():
    assert Segment.parse("Mid-Market") is Segment.MID_MARKET
    assert Segment.parse(" mid_market ") is Segment.MID_MARKET
    assert Priority.parse("PR1") is Priority.PR1
    assert TouchKind.parse("Cadence Call") is TouchKind.CADENCE_CALL
    with pytest.raises(ValueError, match="expected one of enterprise, commercial"):
        Segment.parse("Enterprize")
