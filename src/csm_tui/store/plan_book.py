"""Every success plan of a book at once, for the book's plans view (`domain.plan_book`).

The same bulk read as the rules engine's (`store.facts.read_plans`: three queries whatever the
size of the book), with the plans that are not active too: an account with only a draft says so.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select
from sqlmodel import Session

from csm_tui.domain.success_plan import PlanLine
from csm_tui.models import Account, table_of
from csm_tui.store.facts import read_plans
from csm_tui.store.queries import member_ids
from csm_tui.store.raw import canonical

_ACCOUNT = table_of(Account)


def book_plans(session: Session, owner_email: str | None = None) -> dict[str, list[PlanLine]]:
    """The live plans of every live account (or of those owned by `owner_email`), oldest
    first, by the account's key (canonical text, as `AccountRow.id`). An account with no plan
    is not in it. Only active plans carry milestones, and only those not done: the others
    count for nothing in where the account stands."""
    a = _ACCOUNT.c
    accounts = select(a.id).where(a.deleted_at.is_(None))
    if owner_email is not None:
        accounts = accounts.where(a.owner_id.in_(member_ids(owner_email)))

    def scope(column: ColumnElement[Any]) -> ColumnElement[bool]:
        return column.in_(accounts)

    found = read_plans(session.connection(), scope, active_only=False, bulk=False)
    return {canonical(key): plans for key, plans in found.items()}
