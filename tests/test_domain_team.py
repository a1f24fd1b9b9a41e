"""The team as plain values (`domain.team`): a member's weekly cadence-call target, the loops
a manager change would close, who is under a manager and whose team the team's week shows."""

from __future__ import annotations

import pytest

from csm_tui.domain.enums import Role
from csm_tui.domain.rulebook import CADENCE_CALLS_PER_WEEK
from csm_tui.domain.team import (
    CallTarget,
    Member,
    book_segment,
    chain_of,
    reporting_loop,
    reports_under,
    weekly_call_target,
    whose_team,
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


@pytest.mark.parametrize(
    ("manager", "under"),
    [
        ("ada", {"bea", "cy", "dee"}),  # a director: her reports, and bea's
        ("bea", {"dee"}),
        ("dee", set()),
        ("eve", set()),
        ("stranger", set()),
    ],
)
def test_everyone_under_a_manager(manager: str, under: set[str]) -> None:
    assert reports_under(manager, MANAGERS) == under


def test_under_a_manager_in_data_that_already_loops() -> None:
    assert reports_under("a", {"a": "b", "b": "a", "c": "b"}) == {"b", "c"}
    assert reports_under("a", {"a": "a"}) == set()


def _as(name: str, role: Role) -> Member:
    return Member(name, name.capitalize(), f"{name}@example.com", role)


@pytest.mark.parametrize(
    ("me", "whose"),
    [
        (None, None),  # nobody signed in: the whole team
        (_as("ada", Role.MANAGER), "ada"),  # a director: her tree
        (_as("bea", Role.MANAGER), "bea"),  # a manager with a report
        (_as("dee", Role.CSM), "bea"),  # a CSM: their manager's team
        (_as("cy", Role.CSM), "ada"),  # a CSM reporting to the director: hers
        (_as("eve", Role.CSM), None),  # a CSM without a manager: the whole team
        (_as("cy", Role.MANAGER), None),  # a manager nobody reports to: the whole team
        (_as("stranger", Role.CSM), None),
    ],
)
def test_whose_team_the_teams_week_shows(me: Member | None, whose: str | None) -> None:
    assert whose_team(me, MANAGERS) == whose
