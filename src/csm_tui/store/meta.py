"""Facts about the database itself, kept in the `app_meta` table: whether it is a demo book,
and the day and the rules file the stored schedule was computed for.

On a team's server where members connect with their own roles (`store.team_roles`), a member
works out the schedule of the accounts their role sees, not the whole book's: what they
computed it for is kept under keys of their own (`own_key`), and says nothing of the rest.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from sqlalchemy import delete, inspect, select
from sqlmodel import Session, col

from csm_tui.models import AppMeta
from csm_tui.store.database import Database
from csm_tui.store.versions import COMPUTED_FOR_KEY, RULES_SHA256_KEY

DEMO_SEED_KEY = "demo_seed"


def database_kind(db: Database) -> Literal["empty", "demo", "real"]:
    """Empty (no tables or no rows), a demo book, or somebody's real data."""
    tables = set(inspect(db.engine).get_table_names())
    if "app_meta" not in tables:
        return "empty" if not tables - {"alembic_version"} else "real"
    with db.reading() as session:
        if session.get(AppMeta, DEMO_SEED_KEY) is not None:
            return "demo"
        has_accounts = session.execute(
            select(1).select_from(AppMeta.metadata.tables["account"]).limit(1)
        ).first()
    return "real" if has_accounts else "empty"


def get_meta(session: Session, key: str) -> str | None:
    return session.execute(select(col(AppMeta.value)).where(col(AppMeta.key) == key)).scalar()


def set_meta(session: Session, key: str, value: str) -> None:
    row = session.get(AppMeta, key)
    if row is None:
        session.add(AppMeta(key=key, value=value))
    else:
        row.value = value
    session.flush()


def forget_meta(session: Session, key: str) -> None:
    session.execute(delete(AppMeta).where(col(AppMeta.key) == key))


#: Where a connection keeps the role whose keys it writes ("": the whole book's).
_OWN_KEYS = "csm_own_keys"


def own_key(session: Session, key: str) -> str:
    """`key` as this connection keeps it: its own ("schedule.computed_for/maya@example.com")
    when row-level security holds its role to part of the book, else `key` itself. Asked
    once per connection (a pooled connection keeps its role)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return key
    info = connection.info
    if _OWN_KEYS not in info:
        role = connection.exec_driver_sql(
            "SELECT CASE WHEN row_security_active('app_meta') THEN current_user END"
        ).scalar()
        info[_OWN_KEYS] = "" if role is None else str(role)
    return f"{key}/{info[_OWN_KEYS]}" if info[_OWN_KEYS] else key


# --- is the schedule current? ------------------------------------------------------------------


def schedule_state(session: Session) -> tuple[date | None, str | None]:
    """The `today` and the rules file hash the whole schedule was last computed for
    (`store.recompute.recompute_all` records them)."""
    text = get_meta(session, own_key(session, COMPUTED_FOR_KEY))
    try:
        computed_for = date.fromisoformat(text) if text else None
    except ValueError:
        computed_for = None
    return computed_for, get_meta(session, own_key(session, RULES_SHA256_KEY))


def is_current(session: Session, *, today: date, rules_sha256: str) -> bool:
    return schedule_state(session) == (today, rules_sha256)
