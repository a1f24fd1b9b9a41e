"""Whose changes a laptop may send (`domain.sync_scope.refusal`): a CSM their own book, a
manager the books of everyone under them, each member their own weekly notes."""

from __future__ import annotations

from csm_tui.domain.sync_scope import refusal

#: Dana manages Lee, who manages Ana; Sam has no manager.
MANAGER_OF: dict[str, str | None] = {"dana": None, "lee": "dana", "ana": "lee", "sam": None}
OWNERS: dict[str, str | None] = {"a1": "ana", "a2": "sam", "a3": None, "a4": "lee"}


def _why(member: str, *accounts: str, notes_of: tuple[str, ...] = ()) -> str | None:
    return refusal(member, OWNERS, accounts, [], notes_of, MANAGER_OF)


def test_a_csm_changes_their_own_book_only() -> None:
    assert _why("ana", "a1") is None
    assert "another CSM's book" in (_why("ana", "a2") or "")
    assert "nobody's book" in (_why("ana", "a3") or "")


def test_a_manager_changes_the_books_of_everyone_under_them_and_hands_out_unowned_ones() -> None:
    assert _why("dana", "a1", "a4", "a3") is None  # Ana reports to Lee, who reports to Dana
    assert _why("lee", "a1") is None
    assert "another CSM's book" in (_why("lee", "a2") or "")


def test_every_account_is_checked_and_what_the_server_lacks_is_said() -> None:
    assert "another CSM's book" in (_why("ana", "a1", "a2") or "")
    assert "in no book of yours" in (_why("ana", "zz") or "")
    missing = refusal("ana", OWNERS, [], ["escalation_id 123"], [], MANAGER_OF)
    assert missing == "names what the team's server does not have: escalation_id 123"


def test_each_member_writes_their_own_weekly_notes() -> None:
    assert _why("ana", notes_of=("ana",)) is None
    assert "another member's weekly notes" in (_why("dana", notes_of=("ana",)) or "")
