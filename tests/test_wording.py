"""One vocabulary for how far a day is: the same words in the queue, the account, the book,
the explanations and the command line."""

from __future__ import annotations

from datetime import date

import pytest

from csm_tui.domain.wording import (
    countdown,
    days_from,
    due_note,
    due_sentence,
    due_words,
    relative_day,
)

#: days from today -> (column, after a date, sentence, not due, under "In")
WORDS = {
    -14: ("14d overdue", "14d overdue", "14 days overdue", "14d ago", "14d ago"),
    -1: ("1d overdue", "1d overdue", "1 day overdue", "1d ago", "1d ago"),
    0: ("due today", "today", "due today", "today", "0d"),
    1: ("tomorrow", "in 1d", "tomorrow", "in 1d", "1d"),
    53: ("in 53d", "in 53d", "in 53 days", "in 53d", "53d"),
}


@pytest.mark.parametrize("days", sorted(WORDS))
def test_each_register_says_the_same_distance(days: int) -> None:
    assert (
        due_words(days),
        due_note(days),
        due_sentence(days),
        relative_day(days),
        countdown(days),
    ) == WORDS[days]


def test_no_date_is_a_dash_under_in() -> None:
    assert countdown(None) == "-"


def test_days_are_counted_from_today_to_the_day() -> None:
    today = date(2026, 11, 23)
    assert days_from(today, date(2026, 11, 25)) == 2
    assert days_from(today, date(2026, 11, 20)) == -3
