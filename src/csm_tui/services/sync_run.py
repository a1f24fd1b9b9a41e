"""One sync of a laptop's book with its team's server, as `csm sync` and the terminal UI's sync
key run it, and the state a status line shows ("synced 12:04", "3 changes waiting", "offline").

The state is kept in the laptop's own `app_meta` (`sync.*` keys, never downloaded): when it last
synced and whether its last try reached the server. Those moments are the laptop's clock, shown
to the user only; nothing is ordered by them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from csm_tui.services.sync import Pulled, Pushed, SyncError, download
from csm_tui.store import meta

if TYPE_CHECKING:
    from csm_tui.settings import Settings
    from csm_tui.store.database import Database

#: app_meta keys of the laptop's own sync state.
LAST_SYNCED_KEY = "sync.last_synced"
LAST_FAILED_KEY = "sync.last_failed"  # why the last try did not reach the server


class SyncOffline(SyncError):
    """The team's server cannot be reached: the changes wait on the laptop."""


@dataclass(frozen=True, slots=True)
class SyncState:
    """What a status line says of a book's sync."""

    syncs: bool  # the book is a laptop's copy of the team's (it has a device id)
    waiting: int  # changes kept for the server
    last_synced: datetime | None  # the laptop's clock, in UTC
    offline: str | None  # why the last try did not reach the server; None when it did

    def words(self, local_now: datetime | None = None) -> str:
        """'synced 12:04 · 3 changes waiting', 'offline · 1 change waiting', '' when the book
        does not sync. Times in the local zone; a day other than today's is named."""
        if not self.syncs:
            return ""
        parts: list[str] = []
        if self.offline is not None:
            parts.append("offline")
        elif self.last_synced is None:
            parts.append("not synced yet")
        else:
            when = self.last_synced.astimezone()
            now = (local_now or datetime.now(UTC)).astimezone()
            shown = f"{when:%H:%M}" if when.date() == now.date() else f"{when:%a %d %b %H:%M}"
            parts.append(f"synced {shown}")
        if self.waiting:
            parts.append(f"{self.waiting} change{'' if self.waiting == 1 else 's'} waiting")
        return " · ".join(parts)


def read_state(db: Database) -> SyncState:
    """The sync state of the book `db` (a count and three keys: cheap to ask often)."""
    from csm_tui.store import outbox as outbox_store

    with db.reading() as session:
        device = meta.get_meta(session, outbox_store.DEVICE_KEY)
        if device is None:
            return SyncState(False, 0, None, None)
        synced = meta.get_meta(session, LAST_SYNCED_KEY)
        failed = meta.get_meta(session, LAST_FAILED_KEY)
        waiting = outbox_store.waiting(session)
    last = datetime.fromisoformat(synced) if synced else None
    return SyncState(True, waiting, last, failed)


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What one sync did, in lines for a user."""

    downloaded: int | None = None  # accounts, when the book was downloaded whole
    pushed: Pushed | None = None
    pulled: Pulled | None = None

    @property
    def lines(self) -> list[str]:
        if self.pushed is None:
            return [
                f"Downloaded the team's book: {self.downloaded or 0:,} accounts. "
                "This laptop syncs from now on."
            ]
        lines = [self.pushed.words.capitalize() + "."]
        lines += [
            f"  refused: {refused.name} (change {refused.seq}): {refused.why}"
            for refused in self.pushed.rejected
        ]
        if self.pulled is not None:
            lines.append(_pulled_words(self.pulled))
        return lines

    @property
    def summary(self) -> str:
        """One line for a notification."""
        if self.pushed is None:
            return self.lines[0]
        refused = len(self.pushed.rejected)
        tail = f"; {refused} refused by the server" if refused else ""
        return f"Synced: {self.pushed.applied} sent{tail}"


def _pulled_words(pulled: Pulled) -> str:
    if not pulled.rows:
        return "Nothing new from the team."
    words = f"Brought {pulled.rows:,} change{'' if pulled.rows == 1 else 's'} from the team"
    more = []
    if pulled.handed:
        more.append(f"{pulled.handed} account{'' if pulled.handed == 1 else 's'} now yours")
    if pulled.dropped:
        more.append(f"{pulled.dropped} no longer in your book")
    return words + (f" ({', '.join(more)})." if more else ".")


def sync_book(
    settings: Settings,
    server_url: str,
    *,
    reset: bool = False,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> SyncReport:
    """Sync the laptop's book (`settings.database`, a file) with the team's server: the first
    time, download it; else push its changes and bring the team's back. `reset` downloads a
    laptop's copy again (refused while changes wait to be sent). What happens is kept for the
    status line: a server that cannot be reached is `SyncOffline`."""
    from csm_tui.services.outbox import Outbox
    from csm_tui.services.sync import Sync
    from csm_tui.services.workspace import Workspace, resolve_member
    from csm_tui.store.database import Database

    if "://" in settings.database:
        raise SyncError(
            f"--db {settings.database} is a server: a laptop syncs a book of its own, a file"
        )
    path = Path(settings.database).expanduser()
    server: Database | None = None
    try:
        server = Database.open(server_url)
        with server.engine.connect():
            pass
    except Exception as error:
        if server is not None:
            server.dispose()
        cause = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        _remember_failure(path, f"cannot reach the team's server: {cause}")
        raise SyncOffline(f"cannot reach the team's server: {cause}") from None
    try:
        if path.exists():
            laptop_db = Database.open(path)
            try:
                syncs = Outbox(laptop_db).device() is not None
            finally:
                laptop_db.dispose()
            if not syncs:
                raise SyncError(
                    f"{path} is a book of its own, not a copy of the team's: csm sync never "
                    "replaces it. Give --db a new file name to download the team's book there."
                )
        if reset or not path.exists():
            member = None
            if settings.user_email:
                member = resolve_member(server, settings.user_email, csm=settings.csm)
            got = download(server, path, member)
            _remember_success(path, clock())
            return SyncReport(downloaded=got.accounts)
        with (
            Workspace.open(settings) as laptop,
            Workspace.open(settings.with_database(server_url)) as team,
        ):
            sync = Sync(laptop, team)
            pushed = sync.push()
            pulled = sync.pull()
        _remember_success(path, clock())
        return SyncReport(pushed=pushed, pulled=pulled)
    finally:
        server.dispose()


def _remember_success(path: Path, now: datetime) -> None:
    _remember(path, {LAST_SYNCED_KEY: now.isoformat()}, forget=(LAST_FAILED_KEY,))


def _remember_failure(path: Path, why: str) -> None:
    if path.exists():
        _remember(path, {LAST_FAILED_KEY: why}, forget=())


def _remember(path: Path, values: dict[str, str], forget: tuple[str, ...]) -> None:
    """Keep the sync state in a laptop's copy (a book of one's own is left alone)."""
    from csm_tui.store.database import Database
    from csm_tui.store.outbox import DEVICE_KEY

    db = Database.open(path)
    try:
        with db.writing() as session:
            if meta.get_meta(session, DEVICE_KEY) is None:
                return
            for key, value in values.items():
                meta.set_meta(session, key, value)
            for key in forget:
                meta.forget_meta(session, key)
    finally:
        db.dispose()
