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

On a server made ready by `csm team init`, each member connects with their own role, held to
their book by row-level security (`store.team_roles`): the connection says who syncs, and a
book of another member's is refused before anything is sent (`_check_connected`). The checks
here stay (defence in depth); a write the policies refuse all the same is a rejected mutation
like any other, logged, and never blocks the queue.

`download` is the first sync of a new laptop, and a reset: the server's book copied into a
SQLite file of its own (`store.download`), written beside it and renamed into place once
whole, with sync turned on (a device id). A reset is refused while changes wait to be sent.

Each mutation runs on the server as the member who made it, on the day they made it (their
`today`, not the server's). A value it overwrites that the server changed after the laptop's
last pull (`Mutation.base`), by someone else, is a conflict: the later arrival wins, and the
value that lost is kept in `sync_conflict` (`store.conflicts`), pulled by the laptops that see
the account like any row.

The pull (`Sync.pull`) brings the server's rows changed since the laptop's cursor, of the books
its user may see (`store.pull`), sets the rows the laptop's own writes touched to the server's
values, and makes the changes still waiting again on top, all in one laptop transaction.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import DataError, IntegrityError, ProgrammingError

from csm_tui.domain.mutation import MUTATION_SCHEMA, Mutation
from csm_tui.domain.sync_scope import refusal
from csm_tui.domain.team import Member
from csm_tui.errors import CsmError
from csm_tui.services.outbox import Outbox, apply, not_kept
from csm_tui.store import change_feed, conflicts, meta, pull, sync_log, sync_scope, team_roles
from csm_tui.store import outbox as outbox_store
from csm_tui.store import team as team_store
from csm_tui.store.backup import copy_sqlite
from csm_tui.store.database import WRITE_ORIGIN, insufficient_privilege
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


@dataclass(frozen=True, slots=True)
class Pulled:
    """What a pull brought."""

    rows: int  # rows others wrote, brought to the laptop
    handed: int  # accounts the user may see now, brought whole
    dropped: int  # accounts the user may no longer see, taken off the laptop
    remade: int  # changes still waiting, made again on top
    cursor: int


@dataclass
class _Journal:
    """The server's journal while one mutation runs: logs it in its first write, and keeps the
    values each of its writes overwrote unseen (`store.conflicts`)."""

    device_id: uuid.UUID
    member_id: uuid.UUID | None
    seq: int
    mutation: Mutation
    base: int
    now: datetime
    logged: bool = False

    def __call__(self, session: Session) -> None:
        conflicts.keep_overwritten(
            session,
            device=self.device_id,
            seq=self.seq,
            mutation_id=uuid.UUID(self.mutation.id),
            base=self.base,
            won_by=self.member_id,
            now=self.now,
        )
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
    #: The services as each member on each day, over one database (`_as_made`).
    _made_as: dict[tuple[int, str, date], Workspace] = field(default_factory=dict, init=False)

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
        _check_connected(self.server.db, me)
        ensure_server(self.server.db)
        with self.laptop.db.reading() as session:
            cursor = outbox_store.cursor(session)
        applied = skipped = 0
        rejected: list[Rejected] = []
        for seq, kept in self.laptop.outbox.pending():
            mutation = _upgraded(kept, me, cursor)
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
            actor = None if forbidden else team_store.live_member(session, str(member))
        if forbidden is None and mutation.schema > MUTATION_SCHEMA:
            forbidden = (
                f"made by a newer csm (mutation schema {mutation.schema}): upgrade the csm "
                "that syncs with the team's server"
            )
        if forbidden is None and (actor is None or mutation.actor != actor.id):
            forbidden = "made by another member than the one who sends it"
        if forbidden is not None or actor is None:
            why = forbidden or "sent by nobody the team's server knows"
            return self._log(device, member, seq, mutation, "rejected", why)
        services = self._as_made(self.server, actor, mutation.day or self.server.today)
        base = mutation.base if mutation.base is not None else 0
        journal = _Journal(device, member, seq, mutation, base, self.clock())
        previous, db.journal = db.journal, journal
        origin = WRITE_ORIGIN.set((device, seq))
        refused: str | None = None
        try:
            apply(services, mutation)
        except _AlreadyThere:
            return "skipped"
        except (CsmError, IntegrityError, DataError) as error:
            refused = str(error) if isinstance(error, CsmError) else str(error.orig or error)
        except ProgrammingError as error:
            if not insufficient_privilege(error):
                raise
            refused = "the team's server refused it: " + _first_line(error)
        finally:
            WRITE_ORIGIN.reset(origin)
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

    def _as_made(self, workspace: Workspace, actor: Member, day: date) -> Workspace:
        """The services of `workspace`'s database as `actor` on `day`: a mutation runs as the
        member who made it, on the day they made it."""
        from csm_tui.services.workspace import Workspace

        key = (id(workspace), actor.id, day)
        found = self._made_as.get(key)
        if found is None:
            journal = workspace.db.journal  # the services' outbox sets its own: kept as it was
            found = Workspace(
                database=workspace.database,
                today=day,
                me=actor,
                rules=workspace.rules,
                system_today=day,
                db=workspace.db,
            )
            workspace.db.journal = journal
            self._made_as[key] = found
        return found

    def pull(self, *, attempts: int = 3) -> Pulled:
        """Bring the server's changes since the laptop's cursor, of the books its user may see,
        and make the changes still waiting again on top: in one laptop transaction. Read
        without holding the laptop's lock; if the laptop wrote meanwhile, read again."""
        me = self.laptop.me
        kept_by = self.laptop.outbox.device()
        if me is None or kept_by is None:
            raise SyncError("this book does not sync with a team, or whose it is is not known")
        device = uuid.UUID(kept_by)
        _check_connected(self.server.db, me)
        laptop = self.laptop.db
        for _ in range(attempts):
            with laptop.reading() as session:
                since = outbox_store.cursor(session)
                asked = pull.touched(session)
                known = pull.accounts_held(session)
                mark = pull.marks(session)
            with self.server.db.reading(snapshot=True) as session:
                scope = pull.scope_of(session, me.id)
                patch = pull.read_patch(
                    session, since=since, scope=scope, asked=asked, known=known, device=device
                )
            with laptop.holding(foreign_keys=False) as session:
                if pull.marks(session) != mark:
                    continue  # the laptop wrote meanwhile: its rows are read again
                pull.apply_patch(session.connection(), patch)
                pull.forget_touched(session)
                meta.set_meta(session, outbox_store.CURSOR_KEY, str(patch.cursor))
                remade = self._remake_pending(me)
                changed = patch.accounts_changed() - patch.dropped
                if changed:
                    self.laptop.triage.schedule.recompute(session, sorted(changed))
            return Pulled(patch.news, len(patch.handed), len(patch.dropped), remade, patch.cursor)
        raise SyncError("the laptop kept writing while the team's changes came: sync again")

    def _remake_pending(self, me: Member) -> int:
        """Inside the pull's transaction: each change still waiting made again on top of the
        server's rows, as it was made (one that no longer applies is left to the next push,
        which the server will refuse with why)."""
        remade = 0
        with not_kept():
            for _seq, kept in self.laptop.outbox.pending():
                mutation = _upgraded(kept, me, 0)
                services = self._as_made(self.laptop, me, mutation.day or self.laptop.today)
                try:
                    apply(services, mutation)
                except (CsmError, IntegrityError, DataError):
                    continue
                remade += 1
        return remade


def _upgraded(mutation: Mutation, me: Member, cursor: int) -> Mutation:
    """A mutation kept by the previous schema, as this one reads it: made by the laptop's
    member, on the day it was kept (the outbox says), having seen the laptop's cursor."""
    if mutation.schema >= MUTATION_SCHEMA:
        return mutation
    return replace(
        mutation,
        actor=mutation.actor or me.id,
        base=cursor if mutation.base is None else mutation.base,
    )


def _first_line(error: ProgrammingError) -> str:
    return str(error.orig or error).strip().splitlines()[0]


def _check_connected(server: Database, me: Member) -> None:
    """Refuse to sync a book that is not the connection's: on a server with a role per member
    (`csm team init`), the role says who syncs."""
    with server.reading() as session:
        connected = team_roles.connected_member(session)
    if connected is not None and connected.member_id != me.id:
        raise SyncError(
            f"you connect to the team's server as {connected.email} but this book is "
            f"{me.email}'s: sync it with {me.email}'s own role, or your own book with "
            f"--as {connected.email}"
        )


def ensure_server(db: Database) -> None:
    """The team's server keeps the change feed from its first sync on."""
    with db.reading() as session:
        if change_feed.is_server(session):
            return
    with db.writing() as session:
        change_feed.turn_on_server(session)


@dataclass(frozen=True, slots=True)
class Downloaded:
    path: Path
    device: str  # the laptop's device id
    rows: dict[str, int]  # copied, by table

    @property
    def accounts(self) -> int:
        return self.rows.get("account", 0)


def download(server: Database, path: Path, member: Member | None = None) -> Downloaded:
    """The server's book into the SQLite file `path`, with sync on: a new laptop's first sync,
    or a reset (refused while changes wait: they would be lost). With `member`, the books they
    may see (`store.pull.Scope`); the laptop's cursor is the server's feed as copied."""
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
    if member is not None:
        _check_connected(server, member)
    ensure_server(server)
    partial = partial_name(path)
    partial.unlink(missing_ok=True)
    local = Database.open(partial)
    try:
        ensure_current(local)
        with server.reading(snapshot=True) as source, local.writing(foreign_keys=False) as target:
            scope = None if member is None else pull.scope_of(source, member.id)
            rows = copy_book(source.connection(), target.connection(), scope)
            meta.set_meta(target, outbox_store.CURSOR_KEY, str(pull.last_change(source)))
        device = Outbox(local).enable()
    except BaseException:
        local.dispose()
        partial.unlink(missing_ok=True)
        raise
    local.dispose()
    if path.exists():  # a reset: written over through SQLite, never a file swapped under a
        try:  # connection still open on it (the old file's -wal would meet the new one)
            copy_sqlite(partial, path)
        finally:
            partial.unlink(missing_ok=True)
    else:
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
