"""What the team's server keeps of the laptops that sync with it (issue 23): each device and
the last of its mutations applied, and every mutation applied or rejected, in the server's
order."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from sqlmodel import Session, col, select

from csm_tui.domain.mutation import Mutation
from csm_tui.models import MutationLog, SyncDevice


def last_seq(session: Session, device_id: uuid.UUID) -> int:
    """The last `seq` of the device applied here (0: none yet, or a device not known)."""
    device = session.get(SyncDevice, device_id)
    return 0 if device is None else device.last_seq


def locked_device(
    session: Session, device_id: uuid.UUID, member_id: uuid.UUID | None, now: datetime
) -> SyncDevice:
    """The device's row, locked for this transaction (made on its first sync): two pushes of
    one device wait for each other instead of applying the same mutation twice."""
    device = session.exec(
        select(SyncDevice).where(col(SyncDevice.device_id) == device_id).with_for_update()
    ).first()
    if device is None:
        device = SyncDevice(device_id=device_id, member_id=member_id, last_seq=0, joined_at=now)
        session.add(device)
        session.flush()
    return device


def log(
    session: Session,
    device: SyncDevice,
    seq: int,
    mutation: Mutation,
    *,
    outcome: str,
    message: str,
    now: datetime,
) -> int:
    """Keep the mutation as applied (or rejected) and move the device past it; the server's
    number for it."""
    entry = MutationLog(
        device_id=device.device_id,
        seq=seq,
        mutation_id=uuid.UUID(mutation.id),
        name=mutation.name,
        args=json.dumps(mutation.args, sort_keys=True, ensure_ascii=False),
        schema_version=mutation.schema,
        outcome=outcome,
        message=message,
        applied_at=now,
    )
    session.add(entry)
    device.last_seq = max(device.last_seq, seq)
    session.add(device)
    session.flush()
    assert entry.id is not None, "the database numbers the log"
    return entry.id


def entries(session: Session, device_id: uuid.UUID | None = None) -> list[MutationLog]:
    """The log in the server's order (of one device, or every one)."""
    statement = select(MutationLog).order_by(col(MutationLog.id))
    if device_id is not None:
        statement = statement.where(col(MutationLog.device_id) == device_id)
    return list(session.exec(statement).all())
