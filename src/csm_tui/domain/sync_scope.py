"""Whose changes a laptop may send (issue 23): a CSM changes their own book, a manager the books
of everyone under them; the weekly notes are each member's own. The team's server checks every
mutation of a push against this before it runs it, and rejects (and logs) one that reaches
further: a forged or mistaken mutation never changes another CSM's book."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from csm_tui.domain.team import reports_under


def refusal(
    member: str,
    owners: Mapping[str, str | None],
    accounts: Iterable[str],
    missing: Sequence[str],
    members_named: Iterable[str],
    manager_of: Mapping[str, str | None],
) -> str | None:
    """Why `member` may not send a mutation changing `accounts` (their owners in `owners`)
    and naming the members `members_named`; None when they may. `missing`: the ids it names
    that the server does not have."""
    if missing:
        return f"names what the team's server does not have: {', '.join(missing)}"
    under = reports_under(member, manager_of)
    for account in sorted(accounts):
        if account not in owners:
            return (  # what a member's role cannot see is not there, for the server
                f"names account {account}, which is in no book of yours on the team's server "
                "(handed to someone else, or deleted): a laptop changes its own book only"
            )
        owner = owners[account]
        if owner == member or (owner is not None and owner in under):
            continue
        if owner is None and under:
            continue  # an account nobody owns: a manager's to hand out
        whose = "nobody's book" if owner is None else "another CSM's book"
        return f"changes account {account}, in {whose}: a laptop changes its own book only"
    for named in members_named:
        if named != member:
            return "writes another member's weekly notes: each member writes their own"
    return None


def seen_by(member: str, manager_of: Mapping[str, str | None]) -> tuple[set[str], bool]:
    """Whose books `member`'s laptop holds, and whether accounts nobody owns too: their own, and
    a manager's everyone's under them and the accounts nobody owns (what they may change)."""
    under = reports_under(member, manager_of)
    return {member, *under}, bool(under)
