"""The customer's reporting structure of known contacts (seeds 001), built from reports-to.

Data from a CRM is not always a tree: a manager may be unknown here, or two people may name
each other. Every contact appears exactly once: those whose manager is not on record are roots,
and a loop is broken at its first member by name, which becomes a root.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from csm_tui.domain.account import ContactLine


@dataclass(frozen=True, slots=True)
class OrgNode:
    contact: ContactLine
    reports: tuple[OrgNode, ...] = ()

    def size(self) -> int:
        return 1 + sum(node.size() for node in self.reports)


def _order(contact: ContactLine) -> tuple[bool, str]:
    return (contact.left_company, contact.name.lower())


def org_chart(contacts: Iterable[ContactLine]) -> tuple[OrgNode, ...]:
    people = {contact.id: contact for contact in contacts}
    reports: defaultdict[str, list[ContactLine]] = defaultdict(list)
    roots: list[ContactLine] = []
    for contact in sorted(people.values(), key=_order):
        boss = contact.reports_to_id
        if boss is None or boss not in people or boss == contact.id:
            roots.append(contact)
        else:
            reports[boss].append(contact)
    placed: set[str] = set()

    def build(contact: ContactLine) -> OrgNode:
        placed.add(contact.id)
        children = [build(child) for child in reports[contact.id] if child.id not in placed]
        return OrgNode(contact, tuple(children))

    tree = [build(root) for root in roots]
    for contact in sorted(people.values(), key=_order):  # what is left sits in or under loops
        if contact.id not in placed:
            tree.append(build(_loop_head(contact, people)))
    return tuple(tree)


def _loop_head(contact: ContactLine, people: Mapping[str, ContactLine]) -> ContactLine:
    """The first member, by name, of the loop above `contact` (following reports-to)."""
    path: list[str] = []
    current = contact.id
    while current not in path:
        path.append(current)
        boss = people[current].reports_to_id
        assert boss is not None, "a contact left unplaced is in or under a loop"
        current = boss
    loop = [people[key] for key in path[path.index(current) :]]
    return min(loop, key=_order)


def would_loop(
    managers: Mapping[str, str | None], contact_id: str | None, reports_to_id: str
) -> bool:
    """Whether `contact_id` reporting to `reports_to_id` closes a loop, given who reports to
    whom now (`managers`: contact id to manager id). A new contact (None) cannot close one."""
    if contact_id is None:
        return False
    seen: set[str] = set()
    current: str | None = reports_to_id
    while current is not None and current not in seen:
        if current == contact_id:
            return True
        seen.add(current)
        current = managers.get(current)
    return False
