"""What `u` puts back after an edit: the rows a user's action changed, as they were before it
and as it left them.

An action that adds a row is taken back by soft-deleting it (`store.triage.withdraw`); an
action that changes rows in place (an edit, a deletion, a tick) keeps a `Change`, read in its
own transaction, and undo writes the rows back as they were: every column but the key and the
timestamps of the row itself, a touch's attendees included. Rows the action made are soft
deleted. Should the rows no longer be as the action left them (changed since, on another
screen or by another user), undo writes nothing: it would overwrite that later change.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlmodel import Session, col

from csm_tui.domain.mutation import JSON, decode, encode
from csm_tui.models import (
    Account,
    ActionItem,
    Contact,
    HealthSnapshot,
    Row,
    Touchpoint,
    TouchpointAttendee,
    as_utc,
    table_of,
    utc_now,
)

#: A row: its table and its key.
Key = tuple[type[Row], uuid.UUID]

#: The columns undo leaves alone: the key, and when the row was made and last written.
_OWN = frozenset({"id", "created_at", "updated_at"})
#: A touch's attendees, kept with the touch as if they were one of its columns.
ATTENDEES = "attendees"


def _tables() -> dict[str, type[Row]]:
    """Every kind of row an undo may name, by its table's name."""
    found: dict[str, type[Row]] = {}
    pending: list[type[Row]] = [Row]
    while pending:
        model = pending.pop()
        pending += model.__subclasses__()
        if getattr(model, "__tablename__", None) and model is not Row:
            found[table_of(model).name] = model
    return found


_MODELS = _tables()


@dataclass(frozen=True, slots=True)
class RowState:
    """One row's columns, or None for a row that does not exist (yet)."""

    model: type[Row]
    row_id: uuid.UUID
    values: tuple[tuple[str, object], ...] | None

    def to_mutation(self) -> JSON:
        """Kept in an undo's mutation (issue 23): the table by name, the values as JSON."""
        values: list[JSON] | None = None
        if self.values is not None:
            values = []
            for name, value in self.values:
                if name == ATTENDEES:
                    assert isinstance(value, frozenset)
                    keys: list[JSON] = [str(key) for key in sorted(value, key=str)]
                    values.append([name, keys])
                else:
                    values.append([name, encode(value)])
        return {"table": table_of(self.model).name, "row_id": str(self.row_id), "values": values}

    @classmethod
    def from_mutation(cls, value: JSON) -> RowState:
        """Read back as `to_mutation` kept it, each value as its column's type."""
        if not isinstance(value, dict) or not isinstance(value.get("table"), str):
            raise TypeError(f"{value!r} is not a row's state")
        model = _MODELS[str(value["table"])]
        columns = table_of(model).columns
        kept = value["values"]
        values: tuple[tuple[str, object], ...] | None = None
        if isinstance(kept, list):
            found: list[tuple[str, object]] = []
            for pair in kept:
                assert isinstance(pair, list) and isinstance(pair[0], str)
                name, item = pair[0], pair[1]
                if name == ATTENDEES:
                    assert isinstance(item, list)
                    found.append((name, frozenset(uuid.UUID(str(key)) for key in item)))
                elif item is None:
                    found.append((name, None))
                else:
                    found.append((name, decode(item, columns[name].type.python_type)))
            values = tuple(found)
        return cls(model, uuid.UUID(str(value["row_id"])), values)


@dataclass(frozen=True, slots=True)
class Change:
    """The rows an action may have changed, as they were before it and as it left them."""

    before: tuple[RowState, ...]
    after: tuple[RowState, ...]

    @property
    def empty(self) -> bool:
        """The action left every row as it was."""
        return self.before == self.after


def states(session: Session, keys: Iterable[Key]) -> tuple[RowState, ...]:
    """The rows as they are now in this transaction."""
    return tuple(_state(session, model, row_id) for model, row_id in keys)


def changed(session: Session, before: Sequence[RowState], keys: Iterable[Key]) -> Change:
    """After the action, in its transaction: `keys` are every row it may have written, the
    ones it made included; those were absent `before`."""
    after = states(session, keys)
    known = {(state.model, state.row_id) for state in before}
    made = tuple(
        RowState(state.model, state.row_id, None)
        for state in after
        if (state.model, state.row_id) not in known
    )
    return Change((*before, *made), after)


def restore(session: Session, change: Change) -> bool:
    """Put the rows back as they were before the action; False (and nothing written) when
    they are no longer as it left them."""
    if states(session, [(state.model, state.row_id) for state in change.after]) != change.after:
        return False
    now = utc_now()
    for state in change.before:
        row = session.get(state.model, state.row_id)
        assert row is not None, "a row the action left is there, as just checked"
        if state.values is None:
            row.deleted_at = now
        for name, value in state.values or ():
            if name == ATTENDEES:
                assert isinstance(value, frozenset)
                _set_attendees(session, state.row_id, frozenset(value))
            else:
                setattr(row, name, value)
        row.updated_at = now
    session.flush()
    return True


# --- the rows each action may write ----------------------------------------------------------


def touch_keys(session: Session, touch_id: uuid.UUID) -> list[Key]:
    """A touch and every action item of it (an edit adds, changes and deletes them)."""
    items = session.scalars(
        select(col(ActionItem.id))
        .where(col(ActionItem.touchpoint_id) == touch_id)
        .order_by(col(ActionItem.created_at), col(ActionItem.id))
    )
    return [(Touchpoint, touch_id), *((ActionItem, item_id) for item_id in items)]


def account_keys(session: Session, account_id: uuid.UUID, today: date) -> list[Key]:
    """An account, and its health snapshot of `today` (an edit of its health writes one)."""
    snapshot = session.scalar(
        select(col(HealthSnapshot.id)).where(
            col(HealthSnapshot.account_id) == account_id, col(HealthSnapshot.taken_on) == today
        )
    )
    return [(Account, account_id), *([(HealthSnapshot, snapshot)] if snapshot else [])]


def contact_keys(session: Session, account_id: uuid.UUID) -> list[Key]:
    """An account's live contacts (a new primary contact takes the mark from another)."""
    contacts = session.scalars(
        select(col(Contact.id))
        .where(col(Contact.account_id) == account_id, col(Contact.deleted_at).is_(None))
        .order_by(col(Contact.id))
    )
    return [(Contact, contact_id) for contact_id in contacts]


# --- helpers -----------------------------------------------------------------------------------


def _state(session: Session, model: type[Row], row_id: uuid.UUID) -> RowState:
    row = session.get(model, row_id)
    if row is None:
        return RowState(model, row_id, None)
    values: list[tuple[str, object]] = [
        (name, _plain(getattr(row, name)))
        for name in (column.key for column in table_of(model).columns)
        if name not in _OWN
    ]
    if model is Touchpoint:
        values.append((ATTENDEES, _attendees(session, row_id)))
    return RowState(model, row_id, tuple(values))


def _plain(value: object) -> object:
    """A value as it compares after a round trip through the database (SQLite gives a stored
    moment back without its zone)."""
    return as_utc(value) if isinstance(value, datetime) else value


def _attendees(session: Session, touch_id: uuid.UUID) -> frozenset[uuid.UUID]:
    return frozenset(
        session.scalars(
            select(col(TouchpointAttendee.contact_id)).where(
                col(TouchpointAttendee.touchpoint_id) == touch_id
            )
        )
    )


def _set_attendees(session: Session, touch_id: uuid.UUID, wanted: frozenset[uuid.UUID]) -> None:
    present = _attendees(session, touch_id)
    gone = present - wanted
    if gone:
        session.execute(
            delete(TouchpointAttendee).where(
                col(TouchpointAttendee.touchpoint_id) == touch_id,
                col(TouchpointAttendee.contact_id).in_(gone),
            )
        )
    session.add_all(
        TouchpointAttendee(touchpoint_id=touch_id, contact_id=contact_id)
        for contact_id in wanted - present
    )
