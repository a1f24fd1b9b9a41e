"""Who is using the app: a team member as a plain value, whom a manager manages, and the weekly
cadence-call target the segment of a CSM's book sets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from csm_tui.domain.enums import Role, Segment


@dataclass(frozen=True, slots=True)
class Member:
    id: str
    name: str
    email: str
    role: Role

    @property
    def is_manager(self) -> bool:
        return self.role is Role.MANAGER


@dataclass(frozen=True, slots=True)
class CallTarget:
    """A member's weekly cadence-call target, and the segment it is the target of: the one set
    on the member, or (`from_book`) the one most of their book is in."""

    calls: int
    segment: str
    from_book: bool = False

    def describe(self) -> str:
        """`10 cadence calls (Commercial)`, `10 cadence calls (Commercial, most of the book)`."""
        where = segment_label(self.segment) + (", most of the book" if self.from_book else "")
        calls = "cadence call" if self.calls == 1 else "cadence calls"
        return f"{self.calls} {calls} ({where})"


def segment_label(segment: str) -> str:
    """`Mid-Market` for `mid-market`; a value csm does not know (an old row) as it is."""
    try:
        return Segment(segment).label
    except ValueError:
        return segment


@dataclass(frozen=True, slots=True)
class TeamRow:
    """A team member as `csm team list` shows them: who, their role, segment and manager, how
    many accounts they own (and in which segments), and their weekly cadence-call target."""

    name: str
    email: str
    role: Role
    accounts: int
    segment: str | None = None
    manager_name: str | None = None
    manager_email: str | None = None
    #: The live accounts they own by segment value.
    book: Mapping[str, int] = field(default_factory=dict)
    target: CallTarget | None = None


def book_segment(book: Mapping[str, int]) -> str | None:
    """The segment most of a book is in (`book`: accounts by segment); None for an empty book.
    A tie goes to the segment that comes first in `Segment` (Enterprise before Commercial
    before Scale): the more hands-on one, whose lower target does not overstate what the week
    asks for."""
    order = {segment.value: index for index, segment in enumerate(Segment)}
    counted = [(count, -order.get(segment, len(order)), segment) for segment, count in book.items()]
    best = max((entry for entry in counted if entry[0] > 0), default=None)
    return None if best is None else best[2]


def weekly_call_target(
    segment: str | None, book: Mapping[str, int], targets: Mapping[str, int]
) -> CallTarget | None:
    """The cadence calls a member is expected to hold in a week (`[wrapup]
    cadence_calls_per_week` as `targets`): the target of the segment set on them, else of the
    segment most of their book is in (`book_segment`). None when neither says one: no segment
    and no accounts (a manager without a book), or a segment the rules give no target."""
    from_book = segment is None
    chosen = book_segment(book) if from_book else segment
    if chosen is None or chosen not in targets:
        return None
    return CallTarget(targets[chosen], chosen, from_book)


def chain_of(member: str, manager_of: Mapping[str, str | None]) -> list[str]:
    """`member`, their manager, that manager's manager and so on, up to someone with no manager
    (or, in a team whose data already loops, to the first one seen twice)."""
    chain = [member]
    seen = {member}
    while (up := manager_of.get(chain[-1])) is not None and up not in seen:
        chain.append(up)
        seen.add(up)
    return chain


def reporting_loop(member: str, manager: str, manager_of: Mapping[str, str | None]) -> list[str]:
    """The loop `member` reporting to `manager` would close: `manager` and the people above
    them up to `member` (`[manager, ..., member]`), or [] when there is none. A member managing
    themselves is the shortest loop, `[member]`."""
    chain = chain_of(manager, manager_of)
    return chain[: chain.index(member) + 1] if member in chain else []


def reports_under(manager: str, manager_of: Mapping[str, str | None]) -> frozenset[str]:
    """Everyone who reports to `manager`: directly, or through a manager who reports to them
    (a director's whole tree). Never `manager` themself, even in a team whose data loops."""
    below: dict[str, list[str]] = {}
    for member, up in manager_of.items():
        if up is not None:
            below.setdefault(up, []).append(member)
    found: set[str] = set()
    todo = [manager]
    while todo:
        for member in below.get(todo.pop(), ()):
            if member != manager and member not in found:
                found.add(member)
                todo.append(member)
    return frozenset(found)


def whose_team(me: Member | None, manager_of: Mapping[str, str | None]) -> str | None:
    """The manager whose team the team's week shows to `me` (a member id), or None for the
    whole team:

    - a member others report to (a manager with reports; a director): their own team, the
      whole tree under them (`reports_under`);
    - a CSM with a manager: their manager's team, as that manager sees it (the CSM's peers:
      "my team" to a CSM is the one they are on);
    - anyone else (nobody signed in, a CSM without a manager, a manager nobody reports to yet):
      the whole team, as a team that has not said who reports to whom expects.
    """
    if me is None:
        return None
    if reports_under(me.id, manager_of):
        return me.id
    if me.role is Role.CSM:
        return manager_of.get(me.id)
    return None
