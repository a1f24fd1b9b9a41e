"""The team as plain values (`domain.team`): a member's weekly cadence-call target and the loops
a manager change would close."""

from __future__ import annotations

import pytest

from csm_tui.domain.rulebook import CADENCE_CALLS_PER_WEEK
from csm_tui.domain.team import (
    CallTarget,
    book_segment,
    chain_of,
    reporting_loop,
    weekly_call_target,
)

TARGETS = dict(CADENCE_CALLS_PER_WEEK)


def test_the_segment_set_on_a_member_decides_their_target() -> None:
    book = {"scale": 40}  # whatever their book holds
    assert weekly_call_target("enterprise", book, TARGETS) == CallTarget(5, "enterprise")
    assert weekly_call_target("commercial", {}, TARGETS) == CallTarget(10, "commercial")


def test_without_a_segment_the_one_most_of_the_book_is_in_decides() -> None:
    book = {"enterprise": 3, "commercial": 9, "scale": 2}
    assert weekly_call_target(None, book, TARGETS) == CallTarget(10, "commercial", from_book=True)


def test_a_tie_goes_to_the_more_hands_on_segment() -> None:
    assert book_segment({"scale": 4, "enterprise": 4}) == "enterprise"
    assert book_segment({"smb": 4, "mid-market": 4, "scale": 1}) == "mid-market"


def test_no_segment_and_no_book_is_no_target() -> None:
    assert book_segment({}) is None and book_segment({"enterprise": 0}) is None
    assert weekly_call_target(None, {}, TARGETS) is None


def test_a_segment_the_rules_give_no_target_is_no_target() -> None:
    assert weekly_call_target("enterprise", {}, {"scale": 15}) is None
    assert weekly_call_target(None, {"legacy": 5}, TARGETS) is None


def test_a_target_of_zero_is_a_target() -> None:
    assert weekly_call_target("smb", {}, {**TARGETS, "smb": 0}) == CallTarget(0, "smb")


@pytest.mark.parametrize(
    ("target", "words"),
    [
        (CallTarget(5, "enterprise"), "5 cadence calls (Enterprise)"),
        (CallTarget(1, "smb"), "1 cadence call (SMB)"),
        (CallTarget(10, "mid-market", True), "10 cadence calls (Mid-Market, most of the book)"),
    ],
)
def test_a_target_in_words(target: CallTarget, words: str) -> None:
    assert target.describe() == words


# --- whom a manager manages ------------------------------------------------------------------

#: ada manages bea and cy; bea manages dee; eve manages nobody and has no manager.
MANAGERS: dict[str, str | None] = {
    "ada": None,
    "bea": "ada",
    "cy": "ada",
    "dee": "bea",
    "eve": None,
}


def test_a_chain_goes_up_to_someone_with_no_manager() -> None:
    assert chain_of("dee", MANAGERS) == ["dee", "bea", "ada"]
    assert chain_of("eve", MANAGERS) == ["eve"]


def test_a_chain_of_data_that_already_loops_stops() -> None:
    assert chain_of("a", {"a": "b", "b": "a"}) == ["a", "b"]


@pytest.mark.parametrize(
    ("member", "manager", "loop"),
    [
        ("ada", "ada", ["ada"]),
        ("ada", "bea", ["bea", "ada"]),
        ("ada", "dee", ["dee", "bea", "ada"]),
        ("bea", "dee", ["dee", "bea"]),
        ("dee", "cy", []),
        ("eve", "dee", []),
        ("ada", "eve", []),
    ],
)
def test_a_manager_above_the_member_would_close_a_loop(
    member: str, manager: str, loop: list[str]
) -> None:
    assert reporting_loop(member, manager, MANAGERS) == loop
