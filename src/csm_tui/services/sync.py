"""Push a laptop's outbox to the team's server (issue 23, the push half of `csm sync`).

Each kept mutation is run on the server by the same service method (`services.outbox.apply`),
as the laptop's member. Its first write transaction there also logs it (`store.sync_log`) and
moves the device past its `seq`, through the server's journal (`Database.journal`): the
mutation's rows and its place in the log commit together, or neither does. So a mutation
sent again (the reply was lost, the laptop crashed before deleting it) is skipped: its `seq` is
at or under the device's, and the device's row is locked while one is applied. A mutation the
service refuses (`CsmError`: the account is gone, the notes were submitted meanwhile) is
logged as rejected with why, and the queue goes on: it never blocks the ones after it. Once
the server has a mutation, applied, rejected or found there already, it leaves the outbox.

Ordering is the server's (`mutation_log.id`) and the laptop's `seq`, never a clock.

`download` is the first sync of a new laptop, and a reset: the server's book copied into a
SQLite file of its own (`store.download`), written beside it and renamed into place once
whole, with sync turned on (a device id). A reset is refused while changes wait to be sent.

What is not here yet: pulling the server's changes since the last sync (a reset downloads the
whole book again), the conflict table, each CSM's own PostgreSQL role and its policies.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import DataError, IntegrityError

from csm_tui.domain.mutation import Mutation
from csm_tui.domain.sync_scope import refusal
from csm_tui.errors import CsmError
from csm_tui.services.outbox import Outbox, apply
from csm_tui.store import outbox as outbox_store
from csm_tui.store import sync_log, sync_scope
from csm_tui.store import team as team_store
from csm_tui.store.download import copy_book
from csm_tui.store.files import partial_name

if TYPE_CHECKING:
    from sqlmodel import Session

    from csm_tui.services.workspace import Workspace
    from csm_tui.store.database import Database


class SyncError(CsmError):
    """A sync that cannot start, said so that the user can see why."""


class _AlreadyThere(Exception):
    """The server applied this mutation already (its reply was lost): nothing is written."""


@dataclass(frozen=True, slots=True)
class Rejected:
    seq: int
    name: str
    why: str


@dataclass(frozen=True, slots=True)
class Pushed:
    """What a push did with the outbox."""

    applied: int = 0
    skipped: int = 0  # the server had them already
    rejected: tuple[Rejected, ...] = ()

    @property
    def words(self) -> str:
        """'3 changes sent, 1 refused by the server (why below)'."""
        sent = f"{self.applied} change{'' if self.applied == 1 else 's'} sent"
        parts = [sent]
        if self.skipped:
            parts.append(f"{self.skipped} the server had already")
        if self.rejected:
            parts.append(f"{len(self.rejected)} refused by the server")
        return ", ".join(parts)


@dataclass
class _Journal:
    """The server's journal while one mutation runs: logs it in its first write."""

    device_id: uuid.UUID
    member_id: uuid.UUID | None
    seq: int
    mutation: Mutation
    now: datetime
    logged: bool = False

    def __call__(self, session: Session) -> None:
        if self.logged:
            return
        device = sync_log.locked_device(session, self.device_id, self.member_id, self.now)
        if device.last_seq >= self.seq:
            raise _AlreadyThere
        sync_log.log(
            session, device, self.seq, self.mutation, outcome="applied", message="", now=self.now
        )
        self.logged = True


@dataclass
class Sync:
    """One laptop's book and the team's server, both open."""

    laptop: Workspace
    server: Workspace
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def push(self) -> Pushed:
        """Send every kept mutation, in order; each leaves the outbox once the server has it."""
        device = self.laptop.outbox.device()
        if device is None:
            raise SyncError(
                "this book does not sync with a team: its changes are not kept for a server"
            )
        me = self.laptop.me
        if me is None:
            raise SyncError(
                "whose changes? Pass --as EMAIL (or set user_email): the server "
                "checks that each one is in your own book"
            )
        member = uuid.UUID(me.id)
        applied = skipped = 0
        rejected: list[Rejected] = []
        for seq, mutation in self.laptop.outbox.pending():
            outcome = self._push_one(uuid.UUID(device), member, seq, mutation)
            if outcome == "applied":
                applied += 1
            elif outcome == "skipped":
                skipped += 1
            else:
                rejected.append(Rejected(seq, mutation.name, outcome))
            with self.laptop.db.writing() as session:
                outbox_store.acknowledge(session, seq)
        return Pushed(applied, skipped, tuple(rejected))

    def _push_one(
        self, device: uuid.UUID, member: uuid.UUID | None, seq: int, mutation: Mutation
    ) -> str:
        """'applied', 'skipped', or why the server refused it."""
        db = self.server.db
        with db.reading() as session:
            if sync_log.last_seq(session, device) >= seq:
                return "skipped"
            forbidden = _refusal(session, member, mutation)
        if forbidden is not None:
            return self._log(device, member, seq, mutation, "rejected", forbidden)
        journal = _Journal(device, member, seq, mutation, self.clock())
        previous, db.journal = db.journal, journal
        refused: str | None = None
        try:
            apply(self.server, mutation)
        except _AlreadyThere:
            return "skipped"
        except (CsmError, IntegrityError, DataError) as error:
            refused = str(error) if isinstance(error, CsmError) else str(error.orig or error)
        finally:
            db.journal = previous  # before logging what wrote nothing, in a write of its own
        if refused is not None:
            return self._log(device, member, seq, mutation, "rejected", refused)
        if not journal.logged:  # the action wrote nothing ("no change"): logged all the same
            return self._log(device, member, seq, mutation, "applied", "no change")
        return "applied"

    def _log(
        self,
        device: uuid.UUID,
        member: uuid.UUID | None,
        seq: int,
        mutation: Mutation,
        outcome: str,
        message: str,
    ) -> str:
        """Log a mutation that wrote nothing; what `_push_one` says of it: 'skipped' if the
        server had it already, else 'applied' or why it was rejected."""
        now = self.clock()
        with self.server.db.writing() as session:
            row = sync_log.locked_device(session, device, member, now)
            if row.last_seq >= seq:
                return "skipped"
            sync_log.log(session, row, seq, mutation, outcome=outcome, message=message, now=now)
        return message if outcome == "rejected" else "applied"


@dataclass(frozen=True, slots=True)
class Downloaded:
    path: Path
    device: str  # the laptop's device id
    rows: dict[str, int]  # copied, by table

    @property
    def accounts(self) -> int:
        return self.rows.get("account", 0)


def download(server: Database, path: Path) -> Downloaded:
    """The server's book into the SQLite file `path`, with sync on: a new laptop's first sync,
    or a reset (refused while changes wait: they would be lost)."""
    from csm_tui.store.database import Database
    from csm_tui.store.migrate import ensure_current

    if path.exists():
        current = Database.open(path)
        try:
            ensure_current(current)
            waiting = Outbox(current).waiting()
        finally:
            current.dispose()
        if waiting:
            changes = "change waits" if waiting == 1 else "changes wait"
            raise SyncError(
                f"{waiting} {changes} to be sent from {path}: send them first (the push), "
                "then download the book again"
            )
    partial = partial_name(path)
    partial.unlink(missing_ok=True)
    local = Database.open(partial)
    try:
        ensure_current(local)
        with server.reading() as source, local.writing(foreign_keys=False) as target:
            rows = copy_book(source.connection(), target.connection())
        device = Outbox(local).enable()
    except BaseException:
        local.dispose()
        partial.unlink(missing_ok=True)
        raise
    local.dispose()
    os.replace(partial, path)
    return Downloaded(path, device, rows)


def _refusal(session: Session, member: uuid.UUID | None, mutation: Mutation) -> str | None:
    """Why the laptop's member may not send this mutation (`domain.sync_scope`), read on the
    server; None when they may."""
    if member is None:
        return "sent by nobody the team's server knows"
    accounts, missing = sync_scope.accounts_changed(session, mutation.args)
    owners = sync_scope.owners(session, accounts)
    members = [
        str(value.get("id"))
        for key, value in sync_scope.named(mutation.args)
        if key == "member" and isinstance(value, dict)
    ]
    return refusal(str(member), owners, accounts, missing, members, team_store.managers_of(session))
