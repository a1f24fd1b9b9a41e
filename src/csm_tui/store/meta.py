"""Facts about the database itself, kept in the `app_meta` table: whether it is a demo book,
and the day and the rules file the stored schedule was computed for."""

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


# --- is the schedule current? ------------------------------------------------------------------


def schedule_state(session: Session) -> tuple[date | None, str | None]:
    """The `today` and the rules file hash the whole schedule was last computed for
    (`store.recompute.recompute_all` records them)."""
    text = get_meta(session, COMPUTED_FOR_KEY)
    try:
        computed_for = date.fromisoformat(text) if text else None
    except ValueError:
        computed_for = None
    return computed_for, get_meta(session, RULES_SHA256_KEY)


def is_current(session: Session, *, today: date, rules_sha256: str) -> bool:
    return schedule_state(session) == (today, rules_sha256)
