"""The values a laptop's mutation overwrote without having seen them (issue 23).

The server applies a laptop's mutation against its current rows: for a plain field the later
arrival wins. When the mutation changes a field that someone else changed on the server after
the laptop's last pull (`Mutation.base`), the value that lost is kept here (`sync_conflict`),
with the one that won, for the CSM and the manager to see and to resolve: keep what won, or
write back what lost. Touches, notes and events are rows of their own, appended, never
overwritten, so they never conflict; a delete is an update of `deleted_at`, a tombstone.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from csm_tui.models import Account, SyncChange, SyncConflict, TeamMember, as_utc

__all__ = ["ConflictRow", "SyncConflict", "keep_overwritten", "listed", "resolve", "restore"]
from csm_tui.store.change_feed import ACCOUNT_OF, MEMBER_OF, NOT_CHANGES, RowKey, fed_tables
from csm_tui.store.pull import account_of


def keep_overwritten(
    session: Session,
    *,
    device: uuid.UUID,
    seq: int,
    mutation_id: uuid.UUID,
    base: int,
    won_by: uuid.UUID | None,
    now: datetime,
) -> int:
    """In the transaction that applies mutation `seq` of `device`: keep each value its writes
    overwrote that another change made after `base`; how many. Called after each of its
    write transactions: a value kept once is not kept again."""
    mine = session.exec(
        select(SyncChange).where(
            col(SyncChange.device_id) == device,
            col(SyncChange.seq) == seq,
            col(SyncChange.old).is_not(None),
        )
    ).all()
    kept = 0
    for change in mine:
        assert change.id is not None and change.old is not None
        overwritten: dict[str, Any] = json.loads(change.old)
        others = session.exec(
            select(SyncChange).where(
                col(SyncChange.table_name) == change.table_name,
                col(SyncChange.row_key) == change.row_key,
                col(SyncChange.id) > base,
                col(SyncChange.id) < change.id,
                col(SyncChange.old).is_not(None),
                sa.or_(col(SyncChange.device_id).is_(None), col(SyncChange.device_id) != device),
            )
        ).all()
        lost_in: dict[str, int] = {}
        for other in others:
            assert other.id is not None and other.old is not None
            for column in json.loads(other.old):
                lost_in[column] = other.id
        for column, lost in overwritten.items():
            if column not in lost_in:
                continue
            key = uuid.uuid5(mutation_id, f"{change.table_name}/{change.row_key}/{column}")
            if session.get(SyncConflict, key) is not None:
                continue
            won = _value(session, change.table_name, change.row_key, column)
            session.add(
                SyncConflict(
                    id=key,
                    account_id=change.account_id,
                    table_name=change.table_name,
                    row_key=change.row_key,
                    column_name=column,
                    lost=json.dumps(lost),
                    won=json.dumps(won),
                    lost_change=lost_in[column],
                    won_device=device,
                    won_seq=seq,
                    won_by=won_by,
                    found_at=now,
                )
            )
            kept += 1
    if kept:
        session.flush()
    return kept


def _table(name: str) -> sa.Table:
    found = fed_table(name)
    if found is None:
        raise LookupError(f"the change feed keeps no table {name!r}")
    return found


def fed_table(name: str) -> sa.Table | None:
    """The fed table `name`; None when the feed keeps none of that name (a forged conflict)."""
    return next((table for table in fed_tables() if table.name == name), None)


def _row(table: sa.Table, row_key: str) -> list[sa.ColumnElement[bool]]:
    """The condition that picks the row `row_key` (the feed's text) names."""
    key = RowKey.parse(table.name, row_key)
    return [c == v for c, v in zip(table.primary_key, key.values, strict=True)]


def _value(session: Session, table_name: str, row_key: str, column: str) -> Any:
    """The column's value in the row now, as JSON holds it."""
    table = _table(table_name)
    found = session.execute(sa.select(table.c[column]).where(*_row(table, row_key))).scalar()
    return jsonable(found)


def jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


@dataclass(frozen=True, slots=True)
class ConflictRow:
    """A conflict as the list shows it: the values as text the column's type reads."""

    id: str
    account_id: str | None
    account: str  # its name
    table: str
    row_key: str
    column: str
    lost: Any
    won: Any
    won_by: str | None  # a member's name
    found_at: datetime
    resolved: str | None  # "kept" / "restored"


def listed(
    session: Session, accounts: set[uuid.UUID] | None, *, open_only: bool = True
) -> list[ConflictRow]:
    """The conflicts of these accounts (None: all), newest first."""
    statement = (
        select(SyncConflict, Account.name, TeamMember.name)
        .join(Account, col(Account.id) == col(SyncConflict.account_id), isouter=True)
        .join(TeamMember, col(TeamMember.id) == col(SyncConflict.won_by), isouter=True)
        .order_by(col(SyncConflict.found_at).desc(), col(SyncConflict.column_name))
    )
    if open_only:
        statement = statement.where(col(SyncConflict.resolved_at).is_(None))
    if accounts is not None:
        statement = statement.where(col(SyncConflict.account_id).in_(sorted(accounts)))
    rows = []
    for conflict, account, member in session.exec(statement):
        table = fed_table(conflict.table_name)
        if table is None:
            continue  # not one a sync keeps: nothing to show, nothing to write back
        rows.append(
            ConflictRow(
                id=str(conflict.id),
                account_id=None if conflict.account_id is None else str(conflict.account_id),
                account=account or "",
                table=conflict.table_name,
                row_key=conflict.row_key,
                column=conflict.column_name,
                lost=read_value(table, conflict.column_name, conflict.lost),
                won=read_value(table, conflict.column_name, conflict.won),
                won_by=member,
                found_at=as_utc(conflict.found_at),
                resolved=conflict.resolution,
            )
        )
    return rows


def read_value(table: sa.Table, column: str, text: str | None) -> Any:
    """A kept value as its column holds it (SQLite's triggers keep UUIDs as 32 hex digits,
    booleans as 0/1, moments without a zone; PostgreSQL's, as JSON writes them)."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return text  # not as a sync keeps it: shown as it is
    if value is None or column not in table.c:
        return value
    kind = table.c[column].type
    try:
        if isinstance(kind, sa.Uuid):
            return uuid.UUID(str(value))
        if isinstance(kind, sa.Boolean):
            return bool(value)
        if isinstance(kind, sa.DateTime):
            return as_utc(datetime.fromisoformat(str(value)))
        if isinstance(kind, sa.Date):
            return date.fromisoformat(str(value)[:10])
    except ValueError:
        return value
    return value


def resolve(
    session: Session,
    conflict_id: uuid.UUID,
    *,
    resolution: str,
    by: uuid.UUID | None,
    now: datetime,
) -> SyncConflict | None:
    """Mark a conflict resolved; the value written back (restored) is the caller's to write."""
    conflict = session.get(SyncConflict, conflict_id)
    if conflict is None:
        return None
    conflict.resolved_at = now
    conflict.resolved_by = by
    conflict.resolution = resolution
    session.add(conflict)
    session.flush()
    return conflict


def restore(session: Session, conflict: SyncConflict) -> bool:
    """Write back the value that lost into its row; False (nothing written) when the conflict
    does not name a plain column of a row of its own account (or, for weekly notes, of the
    member who won): a conflict is a row a member's role may write, so what it names is
    checked before anyone's wider rights write it."""
    table = fed_table(conflict.table_name)
    if table is None or conflict.column_name not in table.c:
        return False
    if table.c[conflict.column_name].primary_key or conflict.column_name in NOT_CHANGES:
        return False
    try:
        where = _row(table, conflict.row_key)
        value = read_value(table, conflict.column_name, conflict.lost)
    except ValueError:
        return False
    if ACCOUNT_OF[table.name] is not None:
        owner = session.execute(sa.select(account_of(table)).where(*where)).scalar()
        if conflict.account_id is None or owner != conflict.account_id:
            return False
    elif table.name in MEMBER_OF:
        member = session.execute(sa.select(table.c.member_id).where(*where)).scalar()
        if conflict.account_id is not None or member != conflict.won_by:
            return False
    else:
        return False  # the team itself is no member's to write back
    session.execute(sa.update(table).where(*where).values({conflict.column_name: value}))
    return True
