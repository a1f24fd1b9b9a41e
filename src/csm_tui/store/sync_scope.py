"""Which accounts a laptop's mutation changes, read on the team's server (issue 23): every id
its arguments name, wherever they are (a form's `account_id`, an undo's rows), followed up to
its account. The push checks them against who the laptop belongs to
(`domain.sync_scope.refusal`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping

import sqlalchemy as sa
from sqlmodel import Session

from csm_tui.domain.mutation import JSON
from csm_tui.models import (
    Account,
    ActionItem,
    Contact,
    Escalation,
    Milestone,
    Objective,
    RecoveryPlan,
    SuccessPlan,
    SyncConflict,
    Touchpoint,
    table_of,
)

_PLAN, _OBJECTIVE, _MILESTONE = table_of(SuccessPlan), table_of(Objective), table_of(Milestone)
_ITEM, _TOUCH = table_of(ActionItem), table_of(Touchpoint)

#: How an argument's id reaches its account: a statement giving the account of the row `:key`.
_ACCOUNT_OF: dict[str, list[sa.Select[tuple[uuid.UUID]]]] = {
    "conflict_id": [
        sa.select(table_of(SyncConflict).c.account_id).where(
            table_of(SyncConflict).c.id == sa.bindparam("key")
        )
    ],
    "escalation_id": [
        sa.select(table_of(Escalation).c.account_id).where(
            table_of(Escalation).c.id == sa.bindparam("key")
        )
    ],
    "touch_id": [sa.select(_TOUCH.c.account_id).where(_TOUCH.c.id == sa.bindparam("key"))],
    "contact_id": [
        sa.select(table_of(Contact).c.account_id).where(
            table_of(Contact).c.id == sa.bindparam("key")
        )
    ],
    "action_item_id": [
        sa.select(_TOUCH.c.account_id)
        .select_from(_ITEM.join(_TOUCH, _TOUCH.c.id == _ITEM.c.touchpoint_id))
        .where(_ITEM.c.id == sa.bindparam("key"))
    ],
    "plan_id": [
        sa.select(_PLAN.c.account_id).where(_PLAN.c.id == sa.bindparam("key")),
        sa.select(table_of(RecoveryPlan).c.account_id).where(
            table_of(RecoveryPlan).c.id == sa.bindparam("key")
        ),
    ],
    "objective_id": [
        sa.select(_PLAN.c.account_id)
        .select_from(_OBJECTIVE.join(_PLAN, _PLAN.c.id == _OBJECTIVE.c.plan_id))
        .where(_OBJECTIVE.c.id == sa.bindparam("key"))
    ],
    "milestone_id": [
        sa.select(_PLAN.c.account_id)
        .select_from(
            _MILESTONE.join(_OBJECTIVE, _OBJECTIVE.c.id == _MILESTONE.c.objective_id).join(
                _PLAN, _PLAN.c.id == _OBJECTIVE.c.plan_id
            )
        )
        .where(_MILESTONE.c.id == sa.bindparam("key"))
    ],
}


def named(args: Mapping[str, JSON]) -> Iterator[tuple[str, JSON]]:
    """Every (name, value) pair in the arguments, nested ones too."""
    for key, value in args.items():
        yield key, value
        if isinstance(value, dict):
            yield from named(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    yield from named(item)


def accounts_changed(session: Session, args: Mapping[str, JSON]) -> tuple[set[str], list[str]]:
    """The accounts the arguments name (ids as text), and the ids that name nothing here (a
    row the server does not have, or a short id: a mutation names rows in full)."""
    accounts: set[str] = set()
    unknown: list[str] = []
    for key, value in named(args):
        if not isinstance(value, str):
            continue
        if key == "account_id":
            accounts.add(_text(value, unknown))
            continue
        statements = _ACCOUNT_OF.get(key)
        if statements is None:
            continue
        try:
            row_id = uuid.UUID(value)
        except ValueError:
            unknown.append(f"{key} {value!r}")
            continue
        found = next(
            (
                account
                for statement in statements
                if (account := session.execute(statement, {"key": row_id}).scalar()) is not None
            ),
            None,
        )
        if found is None:
            unknown.append(f"{key} {value}")
        else:
            accounts.add(str(found))
    accounts.discard("")
    return accounts, unknown


def owners(session: Session, accounts: set[str]) -> dict[str, str | None]:
    """Each account's owner (ids as text; None: nobody)."""
    if not accounts:
        return {}
    table = table_of(Account)
    rows = session.execute(
        sa.select(table.c.id, table.c.owner_id).where(
            table.c.id.in_([uuid.UUID(key) for key in accounts])
        )
    )
    return {str(key): (None if owner is None else str(owner)) for key, owner in rows}


def _text(value: str, unknown: list[str]) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        unknown.append(f"account_id {value!r}")
        return ""
