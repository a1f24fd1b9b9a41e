"""The values a laptop's change overwrote unseen (issue 23), to see and to resolve.

The team's server keeps them when it applies a push (`store.conflicts`); laptops pull them like
any row of the accounts their user sees. Resolving one is itself a change that syncs: keep what
won (the conflict is closed), or restore what lost (the value is written back, then closed).
A CSM sees the conflicts of their book; a manager, of everyone's under them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from csm_tui.domain.team import Member
from csm_tui.errors import CsmError
from csm_tui.models import now_on
from csm_tui.services.outbox import records
from csm_tui.store import conflicts as store
from csm_tui.store import pull as scopes
from csm_tui.store.conflicts import ConflictRow
from csm_tui.store.database import Database

__all__ = ["ConflictError", "ConflictRow", "Conflicts"]


class ConflictError(CsmError):
    """A conflict that cannot be resolved, said so that the user can see why."""


@dataclass
class Conflicts:
    db: Database
    today: date
    me: Member | None
    now: Callable[[], datetime] = field(init=False)

    def __post_init__(self) -> None:
        self.now = lambda: now_on(self.today)

    def listed(self, *, resolved: bool = False) -> list[ConflictRow]:
        """The open conflicts of the books the user sees (with `resolved`, the closed ones too),
        newest first; without a user, every one."""
        with self.db.reading() as session:
            accounts = None
            if self.me is not None:
                scope = scopes.scope_of(session, self.me.id)
                accounts = {key for (key,) in session.execute(scope.accounts_sql())}
            return store.listed(session, accounts, open_only=not resolved)

    @records("conflicts.keep")
    def keep(self, conflict_id: str) -> str:
        """Close the conflict: the value that won stays."""
        return self._resolve(conflict_id, "kept")

    @records("conflicts.restore")
    def restore(self, conflict_id: str) -> str:
        """Write back the value that lost, and close the conflict."""
        return self._resolve(conflict_id, "restored")

    def _resolve(self, conflict_id: str, resolution: str) -> str:
        try:
            key = uuid.UUID(conflict_id)
        except ValueError:
            raise ConflictError(f"no conflict has the id {conflict_id!r}") from None
        by = None if self.me is None else uuid.UUID(self.me.id)
        with self.db.writing() as session:
            found = session.get(store.SyncConflict, key)
            if found is None:
                raise ConflictError("that conflict is not in this book any more")
            if found.resolved_at is not None:
                raise ConflictError(f"that conflict was resolved already ({found.resolution})")
            if resolution == "restored" and not store.restore(session, found):
                raise ConflictError(
                    "that conflict does not name a value of its own account's rows, as a sync "
                    "keeps them: nothing was written back (K closes it)"
                )
            store.resolve(session, key, resolution=resolution, by=by, now=self.now())
        column = found.column_name.replace("_", " ")
        if resolution == "restored":
            return f"Wrote back the {column} that was overwritten."
        return f"Kept the {column} as it is now."
