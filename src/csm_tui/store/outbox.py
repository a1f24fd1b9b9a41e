"""The outbox of a laptop's book (issue 23): the writes made here that the team's server has not
applied yet, appended in the write's own transaction and deleted once acknowledged."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, delete, func, select

from csm_tui.domain.mutation import Mutation
from csm_tui.models import OutboxEntry, as_utc

#: app_meta key: this book's device id, set when sync is turned on for it.
DEVICE_KEY = "sync.device_id"
#: app_meta key: the last of the server's changes this laptop pulled (`SyncChange.id`).
CURSOR_KEY = "sync.cursor"


def append(session: Session, mutation: Mutation, made_at: datetime) -> int:
    """Keep `mutation` after every one made before it; its `seq`."""
    entry = OutboxEntry(
        mutation_id=uuid.UUID(mutation.id),
        name=mutation.name,
        args=json.dumps(mutation.args, sort_keys=True, ensure_ascii=False),
        schema_version=mutation.schema,
        made_at=made_at,
        actor_id=None if mutation.actor is None else uuid.UUID(mutation.actor),
        made_on=mutation.day,
        base=mutation.base,
    )
    session.add(entry)
    session.flush()
    assert entry.seq is not None, "the database numbers the outbox"
    return entry.seq


def pending(session: Session) -> list[tuple[int, Mutation]]:
    """Every mutation waiting, in the order made, with its `seq`."""
    statement = select(OutboxEntry).order_by(col(OutboxEntry.seq))
    rows: Sequence[OutboxEntry] = session.exec(statement).all()
    return [
        (
            row.seq or 0,
            Mutation(
                str(row.mutation_id),
                row.name,
                json.loads(row.args),
                row.schema_version,
                None if row.actor_id is None else str(row.actor_id),
                # schema 1 did not say the day: the day it was kept, by the laptop's clock
                as_utc(row.made_at).date() if row.schema_version < 2 else row.made_on,
                row.base,
            ),
        )
        for row in rows
    ]


def cursor(session: Session) -> int:
    """The last of the server's changes this laptop pulled (0: none since its download)."""
    from csm_tui.store.meta import get_meta

    text = get_meta(session, CURSOR_KEY)
    return int(text) if text else 0


def waiting(session: Session) -> int:
    """How many mutations wait for the server ("3 changes waiting")."""
    return session.exec(select(func.count()).select_from(OutboxEntry)).one()


def acknowledge(session: Session, through: int) -> int:
    """The server applied every mutation up to `seq` `through`: they leave; how many did."""
    result = session.execute(delete(OutboxEntry).where(col(OutboxEntry.seq) <= through))
    return int(getattr(result, "rowcount", 0) or 0)
