"""The pull (issue 23): the team's rows a laptop lacks, read on the server and set on the laptop.

On the server (`read_patch`): the rows written since the laptop's cursor (`sync_change`), of
the books its user may see (`Scope`), with the rows the laptop's own writes touched since it
last pulled (the server's values win over what the laptop made of them; the changes still
waiting are made again on top by the caller), every row of an account the user may see now
and the laptop lacks (handed over), read in one snapshot with the feed's last id, the new
cursor. On the laptop (`apply_patch`): deletes first, then the rows, in one transaction, and
the accounts it may no longer see taken out.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlmodel import Session

from csm_tui import models
from csm_tui.domain.sync_scope import seen_by
from csm_tui.models import Account, OutboxEntry, SyncChange, table_of
from csm_tui.store import team as team_store
from csm_tui.store.change_feed import ACCOUNT_OF, MEMBER_OF, RowKey, fed_tables

#: Keys asked for per statement.
CHUNK = 500

_CHANGE = table_of(SyncChange)
_ACCOUNT = table_of(Account)
_OUTBOX = table_of(OutboxEntry)


@dataclass(frozen=True, slots=True)
class Scope:
    """What a member's laptop holds: the books of `owners`, the accounts nobody owns when
    `unowned` (a manager), and the weekly notes of `members`."""

    owners: frozenset[uuid.UUID]
    unowned: bool
    members: frozenset[uuid.UUID]

    def accounts_sql(self) -> sa.Select[tuple[Any]]:
        """The ids of the accounts in the scope, as a subquery."""
        owned: sa.ColumnElement[bool] = _ACCOUNT.c.owner_id.in_(sorted(self.owners))
        if self.unowned:
            owned = sa.or_(owned, _ACCOUNT.c.owner_id.is_(None))
        return sa.select(_ACCOUNT.c.id).where(owned)

    def rows_of(self, table: sa.Table) -> sa.ColumnElement[bool] | None:
        """Which of `table`'s rows are in the scope; None: all of them (the team itself)."""
        account = ACCOUNT_OF[table.name]
        if account is not None:
            return account_of(table).in_(self.accounts_sql())
        member = MEMBER_OF.get(table.name)
        if member is not None:
            return table.c.member_id.in_(sorted(self.members))
        return None


def account_of(table: sa.Table) -> sa.ColumnElement[uuid.UUID]:
    """The account of each of `table`'s rows, as SQL (`change_feed.ACCOUNT_OF`)."""
    account = ACCOUNT_OF[table.name]
    assert account is not None, f"{table.name} is in no account"
    return sa.literal_column(account.format(r=table.name), type_=sa.Uuid())


def scope_of(session: Session, member_id: str) -> Scope:
    members, unowned = seen_by(member_id, team_store.managers_of(session))
    ids = frozenset(uuid.UUID(member) for member in members)
    return Scope(owners=ids, unowned=unowned, members=ids)


def last_change(session: Session) -> int:
    return int(session.execute(sa.select(sa.func.max(_CHANGE.c.id))).scalar() or 0)


@dataclass
class Patch:
    """What the laptop lacks of the server's book, as of `cursor`."""

    cursor: int
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    gone: dict[str, set[tuple[uuid.UUID, ...]]] = field(default_factory=dict)
    dropped: frozenset[uuid.UUID] = frozenset()  # accounts the laptop may no longer see
    handed: frozenset[uuid.UUID] = frozenset()  # accounts it may see now, whole
    news: int = 0  # rows others wrote (not this laptop's own changes coming back)

    @property
    def size(self) -> int:
        return sum(map(len, self.rows.values())) + sum(map(len, self.gone.values()))

    def accounts_changed(self) -> set[uuid.UUID]:
        """The accounts whose own rows, or rows with their id, the patch writes: the laptop
        works out their schedule again."""
        found = set(self.handed)
        for table, rows in self.rows.items():
            column = "id" if table == "account" else "account_id"
            found.update(row[column] for row in rows if row.get(column) is not None)
        return found


def read_patch(
    session: Session,
    *,
    since: int,
    scope: Scope,
    asked: Iterable[RowKey],
    known: set[uuid.UUID],
    device: uuid.UUID | None = None,
) -> Patch:
    """On the server, in one snapshot: the rows changed since `since` that the scope sees,
    the rows `asked` for, and the whole of each account in the scope missing from `known`."""
    cursor = last_change(session)
    visible = {key for (key,) in session.execute(scope.accounts_sql())}
    wanted: dict[str, set[tuple[uuid.UUID, ...]]] = {}
    news: set[tuple[str, str]] = set()
    changes = session.execute(
        sa.select(
            _CHANGE.c.table_name,
            _CHANGE.c.row_key,
            _CHANGE.c.account_id,
            _CHANGE.c.member_id,
            _CHANGE.c.device_id,
        ).where(_CHANGE.c.id > since, _CHANGE.c.id <= cursor)
    )
    for table, row_key, account, member, by in changes:
        if _sees(scope, visible, table, account, member):
            wanted.setdefault(table, set()).add(RowKey.parse(table, row_key).values)
            if device is None or by != device:
                news.add((table, row_key))
    for key in asked:
        wanted.setdefault(key.table, set()).add(key.values)
    handed = frozenset(visible - known)
    patch = Patch(cursor, dropped=frozenset(known - visible), handed=handed, news=len(news))
    by_name = {table.name: table for table in fed_tables()}
    for name, keys in wanted.items():
        table = by_name.get(name)
        if table is None:
            continue
        found = list(_rows_by_key(session.connection(), table, keys))
        patch.rows[name] = found
        have = {tuple(row[column.name] for column in table.primary_key) for row in found}
        if gone := keys - have:
            patch.gone[name] = gone
    if handed:
        for table in fed_tables():
            account = ACCOUNT_OF[table.name]
            if account is None:
                continue
            where = account_of(table).in_(sorted(handed))
            rows = [dict(row) for row in session.execute(sa.select(table).where(where)).mappings()]
            patch.rows[table.name] = _unique(table, [*patch.rows.get(table.name, ()), *rows])
    return patch


def _unique(table: sa.Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row once (a row changed since the cursor, of an account handed over whole)."""
    columns = [column.name for column in table.primary_key]
    return list({tuple(row[c] for c in columns): row for row in rows}.values())


def _sees(
    scope: Scope,
    visible: set[uuid.UUID],
    table: str,
    account: uuid.UUID | None,
    member: uuid.UUID | None,
) -> bool:
    if account is not None:
        return account in visible
    if member is not None:
        return member in scope.members
    # The team's own rows, and a tombstone whose account is gone; never a row of someone's
    # (weekly notes, a conflict over them) that lost its member.
    return table not in MEMBER_OF and table != "sync_conflict"


def _rows_by_key(
    connection: Connection, table: sa.Table, keys: set[tuple[uuid.UUID, ...]]
) -> Iterator[dict[str, Any]]:
    for where in _keys_in(table, keys):
        for row in connection.execute(sa.select(table).where(where)).mappings():
            yield dict(row)


def apply_patch(connection: Connection, patch: Patch) -> None:
    """On the laptop, inside the caller's transaction (foreign keys unchecked: the server's rows
    hold together): every row deleted, then every row written, children after parents; then
    the accounts the user may no longer see taken out, with everything in them."""
    tables = fed_tables()
    written = {name: rows for name, rows in patch.rows.items() if rows}
    for table in reversed(tables):
        keys = set(patch.gone.get(table.name, ()))
        keys |= {
            tuple(row[c.name] for c in table.primary_key) for row in written.get(table.name, ())
        }
        _delete_keys(connection, table, keys)
    for table in tables:
        rows = written.get(table.name)
        if rows:
            for start in range(0, len(rows), CHUNK):
                connection.execute(sa.insert(table), rows[start : start + CHUNK])
    if patch.dropped:
        drop_accounts(connection, patch.dropped)


def drop_accounts(connection: Connection, accounts: Iterable[uuid.UUID]) -> None:
    """Every row of these accounts, children first, and what the laptop computed of them."""
    ids = sorted(accounts)
    fed = {table.name for table in fed_tables()}
    for table in reversed(models.SQLModel.metadata.sorted_tables):
        if table.name in fed and ACCOUNT_OF[table.name] is not None:
            where = account_of(table)
        elif table.name not in fed and "account_id" in table.c:
            where = table.c.account_id
        else:
            continue
        for start in range(0, len(ids), CHUNK):
            connection.execute(sa.delete(table).where(where.in_(ids[start : start + CHUNK])))


def _delete_keys(connection: Connection, table: sa.Table, keys: set[tuple[uuid.UUID, ...]]) -> None:
    for where in _keys_in(table, keys):
        connection.execute(sa.delete(table).where(where))


def _keys_in(table: sa.Table, keys: set[tuple[uuid.UUID, ...]]) -> Iterator[sa.ColumnElement[bool]]:
    """`table`'s rows with these primary keys, CHUNK keys a condition."""
    columns = list(table.primary_key)
    ordered = sorted(keys)
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        if len(columns) == 1:
            yield columns[0].in_([key[0] for key in chunk])
        else:
            yield sa.tuple_(*columns).in_(chunk)


def marks(session: Session) -> tuple[int, int]:
    """Where the laptop's outbox and own feed end: changed, the laptop wrote meanwhile."""
    outbox = session.execute(sa.select(sa.func.max(_OUTBOX.c.seq))).scalar()
    return int(outbox or 0), last_change(session)


def touched(session: Session) -> list[RowKey]:
    """The rows this laptop's own writes touched since it last pulled."""
    rows = session.execute(sa.select(_CHANGE.c.table_name, _CHANGE.c.row_key).distinct())
    return [RowKey.parse(table, key) for table, key in rows]


def forget_touched(session: Session) -> None:
    session.execute(sa.delete(_CHANGE))


def accounts_held(session: Session) -> set[uuid.UUID]:
    return {key for (key,) in session.execute(sa.select(_ACCOUNT.c.id))}
