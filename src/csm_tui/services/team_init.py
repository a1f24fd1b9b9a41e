"""`csm team init`: the team's PostgreSQL server made ready for its members, by its admin (issue
23). Once on an empty database, and again after an upgrade or when members join: the schema
brought to this csm's revision, then the change feed turned on (so that no laptop ever writes
DDL) and the roles and row-level policies that hold each member to their book
(`store.team_roles`), in one transaction: all of those, or none."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exc as sa_exc

from csm_tui.errors import CsmError
from csm_tui.services.upkeep import released
from csm_tui.store import change_feed, team_roles
from csm_tui.store.database import Database, insufficient_privilege, normalise_url
from csm_tui.store.migrate import UpgradeReport, ensure_current
from csm_tui.store.team_roles import GROUP, Roles
from csm_tui.store.versions import HEAD_REVISION


class TeamInitError(CsmError):
    """The server cannot be made ready, said with what to do."""


@dataclass(frozen=True, slots=True)
class TeamReady:
    database: str  # the URL without its password
    revision: str
    upgrade: UpgradeReport | None  # None: the schema was current
    feed_made: bool  # the change feed's triggers were (re)made
    group: str
    roles: Roles
    host: str
    port: int
    dbname: str

    def pgpass(self, role: str) -> str:
        """The member's `~/.pgpass` line (libpq's escapes for ':' and '\\')."""
        fields = (self.host, str(self.port), self.dbname, role, "PASSWORD")
        return ":".join(f.replace("\\", "\\\\").replace(":", "\\:") for f in fields)


def init_team(target: str, group: str = GROUP) -> TeamReady:
    """Make the server at `target` (the admin's URL) ready for its team."""
    if normalise_url(target).get_backend_name() != "postgresql":  # a file is not made
        raise TeamInitError(
            f"{target} is not a PostgreSQL server: csm team init makes the team's server ready "
            "(--db postgresql://admin@host/dbname); a laptop's book needs none"
        )
    with released(Database.open(target)) as db:
        try:
            upgrade = ensure_current(db)
            with db.writing() as session:
                feed_made = change_feed.turn_on_server(session)
                roles = team_roles.apply(session, group)
        except sa_exc.DBAPIError as error:
            if not insufficient_privilege(error):
                raise
            reason = str(error.orig or error).strip().splitlines()[0]
            raise TeamInitError(
                f"{reason}: run csm team init as the role that owns the book's tables and may "
                "create roles (CREATEROLE), the one that made the database"
            ) from None
        url = db.url
        return TeamReady(
            database=db.display_name,
            revision=HEAD_REVISION,
            upgrade=upgrade,
            feed_made=feed_made,
            group=group,
            roles=roles,
            host=url.host or "localhost",
            port=url.port or 5432,
            dbname=url.database or "",
        )
