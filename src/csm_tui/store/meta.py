"""Facts about the database itself, kept in the `app_meta` table."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import inspect, select

from csm_tui.models import AppMeta
from csm_tui.store.database import Database

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
