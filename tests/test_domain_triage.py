"""The pure parts of the morning triage (csm_tui.domain.triage): health changes, the header
counts, the words of the "Due" column, the filter, the outlook, the order and the alert rows."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csm_tui.domain.health import BandThresholds, HealthBand
from csm_tui.domain.queue import QueueItem
from csm_tui.domain.triage import (
    HEALTH_DROP,
    Counts,
    HealthChange,
    alert_item,
    band_changes,
    changes_since,
    counts,
    health_change,
    matches,
    outlook,
    ranked,
    when_words,
)
from tests.conftest import TODAY

BANDS = BandThresholds(green=80, yellow=60)


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def crossing(before: int, after: int) -> HealthChange:
    """The change from `before` to `after`, which crosses a band."""
    change = health_change(before, after, BANDS)
    assert change is not None
    return change


def next_name(upcoming: list[QueueItem]) -> str:
    """The account of the outlook's next item, which there is."""
    found = outlook(upcoming, TODAY).next_item
    assert found is not None
    return found.account_name


def item(
    name: str = "Acme", kind: str = "cadence-call", due: date = TODAY, **changes: Any
) -> QueueItem:
    """A queue row with plausible defaults; name, kind and due date first, anything else by name."""
    plain = QueueItem(
        account_id=f"id-{name.lower()}",
        external_id=f"CRM-{name.upper()}",
        account_name=name,
        owner_name="Maya Patel",
        owner_email="maya@example.com",
        segment="enterprise",
        priority="pr2",
        arr_cents=100_000_00,
        health_score=85,
        renewal_date=None,
        kind=kind,
        label=kind.replace("-", " ").capitalize(),
        due_on=due,
        latest_on=None,
        overdue_days=max(0, (TODAY - due).days),
        rule_id=f"rule.{kind}",
        urgency=10.0,
        pinned=False,
        status="due",
        explanation="why",
        snoozed_until=None,
        snooze_reason=None,
    )
    return replace(plain, **changes)


def names(items: list[QueueItem]) -> list[str]:
    return [entry.account_name for entry in items]


# --- health_change -----------------------------------------------------------------------------


@pytest.mark.parametrize("before, after", [(85, 82), (80, 99), (79, 60), (59, 0), (None, None)])
def test_a_change_inside_one_band_is_no_change(before: int | None, after: int | None) -> None:
    assert health_change(before, after, BANDS) is None


def test_falling_into_a_worse_band_is_a_drop() -> None:
    change = health_change(85, 70, BANDS)
    assert change is not None
    assert (change.before, change.after) == (85, 70)
    assert (change.before_band, change.after_band) == (HealthBand.GREEN, HealthBand.YELLOW)
    assert change.is_drop and not change.is_rise


def test_one_point_across_a_threshold_is_a_drop() -> None:
    change = health_change(80, 79, BANDS)
    assert change is not None and change.is_drop


def test_climbing_into_a_better_band_is_a_rise() -> None:
    change = health_change(55, 81, BANDS)
    assert change is not None
    assert change.is_rise and not change.is_drop


@pytest.mark.parametrize("before, after", [(None, 40), (90, None)])
def test_a_first_score_or_a_lost_score_is_neither_drop_nor_rise(
    before: int | None, after: int | None
) -> None:
    change = health_change(before, after, BANDS)
    assert change is not None  # the band did change: to or from unknown
    assert not change.is_drop and not change.is_rise


def test_the_bands_come_from_the_thresholds_given() -> None:
    strict = BandThresholds(green=90, yellow=70)
    assert health_change(92, 85, BANDS) is None
    change = health_change(92, 85, strict)
    assert change is not None and change.is_drop


def test_a_change_reads_now_from_then() -> None:
    assert crossing(85, 70).words() == "yellow ← green"
    assert crossing(70, 50).words() == "red ← yellow"


# --- counts ------------------------------------------------------------------------------------


def test_counts_split_overdue_from_due_today() -> None:
    result = counts([item("A", due=day(-3)), item("B", due=day(-1)), item("C", due=TODAY)], TODAY)
    assert (result.overdue, result.due_today) == (2, 1)


def test_items_due_after_today_are_not_counted() -> None:
    later = [
        item("A", due=day(1)),
        item("B", "escalation-call", day(2)),
        item("C", "renewal-call", day(3)),
        item("D", "milestone", day(7)),
    ]
    assert counts(later, TODAY) == Counts()


def test_health_drops_are_counted_as_drops_not_as_due_touches() -> None:
    result = counts([item("A", HEALTH_DROP, TODAY), item("B", HEALTH_DROP, day(-2))], TODAY)
    assert result == Counts(health_drops=2)


def test_escalations_renewals_and_milestones_are_counted_when_due_by_today() -> None:
    rows = [
        item("A", "escalation-call", day(-1)),
        item("B", "escalation-call", TODAY),
        item("C", "escalation-call", day(1)),
        item("D", "renewal-call", day(-30)),
        item("E", "renewal-call", day(5)),
        item("F", "milestone", TODAY),
        item("G", "milestone", day(-4)),
        item("H", "cadence-call", TODAY),
    ]
    result = counts(rows, TODAY)
    assert (result.escalations, result.renewals, result.milestones) == (2, 1, 2)
    assert (result.overdue, result.due_today) == (3, 3)


def test_the_header_words_agree_in_number() -> None:
    assert {label: n for n, label in Counts(1, 2, 1, 1, 1, 1).parts()} == {
        "overdue": 1,
        "due today": 2,
        "health drop": 1,
        "escalation at SLA": 1,
        "renewal in window": 1,
        "milestone due": 1,
    }
    assert [label for _, label in Counts(0, 0, 2, 3, 2, 2).parts()][2:] == [
        "health drops",
        "escalations at SLA",
        "renewals in window",
        "milestones due",
    ]


# --- when_words --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "offset, words",
    [
        (-3, "3d overdue"),
        (-1, "1d overdue"),
        (0, "due today"),
        (1, "tomorrow"),
        (5, "in 5d"),
    ],
)
def test_when_words_say_how_far_the_due_date_is(offset: int, words: str) -> None:
    assert when_words(item(due=day(offset)), TODAY) == words


def test_a_health_drop_row_is_to_review_whatever_its_date() -> None:
    assert when_words(item(kind=HEALTH_DROP, due=TODAY), TODAY) == "to review"
    assert when_words(item(kind=HEALTH_DROP, due=day(-4)), TODAY) == "to review"


# --- matches -----------------------------------------------------------------------------------


ROW = item(
    "Northwind Logistics",
    "renewal-call",
    external_id="SF-0042",
    owner_name="Ada Lovelace",
    label="Renewal question",
    segment="mid-market",
    priority="pr1",
)


@pytest.mark.parametrize(
    "query",
    [
        "northwind",
        "LOGISTICS",
        "sf-0042",
        "lovelace",
        "renewal-call",
        "question",
        "mid-market",
        "yellow",
        "PR1",
        "",
        "   ",
        "north ada pr1 yellow",
    ],
)
def test_every_word_of_the_filter_matches_somewhere(query: str) -> None:
    assert matches(ROW, HealthBand.YELLOW, query)


@pytest.mark.parametrize("query", ["acme", "green", "pr2", "northwind acme", "enterprise"])
def test_a_word_that_matches_nothing_hides_the_row(query: str) -> None:
    assert not matches(ROW, HealthBand.YELLOW, query)


def test_rows_without_crm_id_or_owner_still_match_on_the_rest() -> None:
    bare = item("Acme", external_id=None, owner_name=None)
    assert matches(bare, HealthBand.UNKNOWN, "acme unknown")
    assert not matches(bare, HealthBand.UNKNOWN, "none")


# --- outlook -----------------------------------------------------------------------------------


def test_outlook_counts_tomorrow_and_the_rest_of_the_week() -> None:
    assert TODAY.weekday() == 0  # a Monday: the week runs to Sunday the 29th
    upcoming = [
        item("A", due=day(1)),
        item("B", due=day(1)),
        item("C", due=day(3)),
        item("D", due=day(6)),
        item("E", due=day(7)),
        item("F", due=day(20)),
    ]
    result = outlook(upcoming, TODAY)
    assert (result.tomorrow, result.this_week) == (2, 2)


def test_outlook_ignores_what_is_due_today_or_earlier() -> None:
    result = outlook([item("A", due=TODAY), item("B", due=day(-2))], TODAY)
    assert (result.tomorrow, result.this_week, result.next_item) == (0, 0, None)


def test_the_next_item_is_the_earliest_then_pinned_then_most_urgent() -> None:
    upcoming = [
        item("Late", due=day(4), pinned=True, urgency=99),
        item("Calm", due=day(2), urgency=30),
        item("Hot", due=day(2), urgency=35),
        item("Pinned", due=day(2), pinned=True, urgency=1),
    ]
    assert next_name(upcoming) == "Pinned"
    assert next_name([entry for entry in upcoming if entry.account_name != "Pinned"]) == "Hot"


def test_on_a_sunday_nothing_is_left_of_the_week_after_tomorrow() -> None:
    sunday = date(2026, 11, 29)
    result = outlook(
        [item("A", due=sunday + timedelta(days=1)), item("B", due=sunday + timedelta(days=2))],
        sunday,
    )
    assert (result.tomorrow, result.this_week) == (1, 0)


# --- ranked ------------------------------------------------------------------------------------


def test_pinned_rows_come_first_whatever_their_urgency() -> None:
    rows = [item("Urgent", urgency=50), item("Pinned", urgency=1, pinned=True)]
    assert names(ranked(rows)) == ["Pinned", "Urgent"]


def test_then_urgency_then_due_date_then_arr_then_name() -> None:
    rows = [
        item("Zeta", urgency=5, due=day(-1), arr_cents=1),
        item("Beta", urgency=5, due=day(-1), arr_cents=1),
        item("Rich", urgency=5, due=day(-1), arr_cents=9_000),
        item("Older", urgency=5, due=day(-9), arr_cents=1),
        item("Top", urgency=20, due=TODAY),
    ]
    assert names(ranked(rows)) == ["Top", "Older", "Rich", "Beta", "Zeta"]


# --- alert_item --------------------------------------------------------------------------------


def test_an_alert_row_is_a_health_drop_with_the_accounts_columns() -> None:
    source = item(
        "Acme",
        "escalation-call",
        day(-2),
        urgency=31.5,
        pinned=True,
        snoozed_until=day(5),
        snooze_reason="holiday",
        health_score=70,
    )
    alert = alert_item(source, crossing(85, 70), day(-1))
    assert (alert.kind, alert.label, alert.rule_id) == (HEALTH_DROP, "Health drop", HEALTH_DROP)
    assert (alert.account_id, alert.account_name, alert.external_id, alert.health_score) == (
        source.account_id,
        "Acme",
        source.external_id,
        70,
    )
    assert alert.urgency == 31.5
    assert alert.pinned is False  # never the pin of the touch it borrows its urgency from
    assert alert.due_on == TODAY and alert.overdue_days == 0
    assert (alert.snoozed_until, alert.snooze_reason) == (None, None)


def test_an_alert_explains_both_scores_and_since_when() -> None:
    alert = alert_item(item(), crossing(85, 70), date(2026, 11, 20))
    assert alert.explanation == (
        "Health dropped from 85 (green) to 70 (yellow) since the last triage on 2026-11-20: "
        "review it, then mark it reviewed (x)"
    )


# --- since when, and which bands changed -------------------------------------------------------


@pytest.mark.parametrize(
    ("last_on", "previous_on", "since"),
    [
        (None, None, TODAY - timedelta(days=1)),  # a first visit: yesterday
        (TODAY - timedelta(days=5), None, TODAY - timedelta(days=5)),  # the last visit, days ago
        (
            TODAY,
            TODAY - timedelta(days=3),
            TODAY - timedelta(days=3),
        ),  # again today: the one before
        (TODAY, None, TODAY - timedelta(days=1)),  # only today so far
        (TODAY + timedelta(days=2), TODAY, TODAY - timedelta(days=1)),  # --today before the visits
    ],
)
def test_changes_count_from_the_last_visit_before_today(
    last_on: date | None, previous_on: date | None, since: date
) -> None:
    assert changes_since(last_on, previous_on, TODAY) == since


def test_band_changes_keep_only_accounts_that_crossed_a_band() -> None:
    changes = band_changes(
        [
            ("drop", 85, 70),
            ("same", 90, 81),
            ("new", None, 40),
            ("rise", 50, 65),
            ("gone", 70, None),
        ],
        BANDS,
    )
    assert set(changes) == {"drop", "rise", "gone"}
    assert changes["drop"].is_drop and changes["rise"].is_rise
    assert not changes["gone"].is_drop, "a score gone is no drop"


def test_a_long_queue_is_ranked_in_pieces_in_exactly_the_order_of_one_sort() -> None:
    import random

    from csm_tui.domain.triage import RANK_CHUNK, rank_key

    draw = random.Random(17)
    lines = [
        item(
            f"Account {draw.randint(0, 300)}",
            draw.choice(["cadence-call", "milestone", "ebr"]),
            TODAY - timedelta(days=draw.randint(-5, 40)),
            urgency=round(draw.uniform(0, 40), 1),  # plenty of ties to break
            pinned=draw.random() < 0.02,
            arr_cents=draw.choice([50_000_00, 100_000_00, 250_000_00]),
            account_id=f"id-{draw.randint(0, 999)}",
        )
        for _ in range(3 * RANK_CHUNK + 17)
    ]
    assert ranked(lines) == sorted(lines, key=rank_key)
    assert ranked(lines[:10]) == sorted(lines[:10], key=rank_key)


_NAMES = st.text(alphabet=st.characters(min_codepoint=1, max_codepoint=0x2FFF), max_size=8)


@given(
    st.lists(
        st.builds(
            lambda name, kind, late, urgency, pinned, arr, key: item(
                name,
                kind,
                TODAY - timedelta(days=late),
                urgency=urgency,
                pinned=pinned,
                arr_cents=arr,
                account_id=key,
            ),
            _NAMES,
            st.sampled_from(["cadence-call", "milestone", "ebr", "nps-survey"]),
            st.integers(-400, 4000),
            st.one_of(
                st.sampled_from([0.0, -0.0, 1.5, -1.5, 40.0]),
                st.floats(-1e6, 1e6, allow_nan=False),
            ),
            st.booleans(),
            st.one_of(st.sampled_from([0, 100_000_00]), st.integers(-(2**62), 2**62)),
            st.sampled_from(["id-a", "id-b", "id-ab"]),
        ),
        max_size=40,
    )
)
def test_rank_bytes_sort_exactly_as_the_rank_key(lines: list[QueueItem]) -> None:
    """The store reads the team's queue in the order of these bytes: any other order than
    the key's would show the rows in another order than a CSM's own queue ranks them."""
    from csm_tui.domain.triage import rank_bytes, rank_key

    by_key = sorted(lines, key=lambda line: (rank_key(line), id(line)))
    by_bytes = sorted(lines, key=lambda line: (rank_bytes(line), id(line)))
    assert [rank_key(line) for line in by_bytes] == [rank_key(line) for line in by_key]
