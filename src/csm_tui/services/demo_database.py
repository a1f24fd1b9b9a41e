"""Where the demo book goes, and the guard that keeps `csm demo` away from real data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from csm_tui.rules import LoadedRules
from csm_tui.services.demo import DemoSummary, build_demo
from csm_tui.services.scheduling import Schedule
from csm_tui.store import meta
from csm_tui.store.database import Database, DatabaseError
from csm_tui.store.migrate import ensure_current


def rebuild_demo(
    target: str | Path, *, accounts: int, seed: int, today: date, rules: LoadedRules | None = None
) -> DemoSummary:
    """Build a fresh demo book at `target`, replacing an older demo but never anything else.

    With `rules`, the book's schedule is computed for `today` as part of the build, so the
    first start of the app paints its queue without a bulk recompute.
    """
    db = Database.open(target)
    try:
        _refuse_real_data(db)
        path = db.path
        if path is None:
            return _build(db, accounts=accounts, seed=seed, today=today, rules=rules)
    finally:
        db.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    db = Database.open(path)
    try:
        return _build(db, accounts=accounts, seed=seed, today=today, rules=rules)
    finally:
        db.dispose()


def _build(
    db: Database, *, accounts: int, seed: int, today: date, rules: LoadedRules | None
) -> DemoSummary:
    ensure_current(db)
    summary = build_demo(db, accounts=accounts, seed=seed, today=today)
    if rules is not None:
        Schedule(db, rules, today).recompute_all()
    return summary


def _refuse_real_data(db: Database) -> None:
    state = meta.database_kind(db)
    if state == "empty" or (state == "demo" and db.path is not None):
        return
    if state == "demo":
        raise DatabaseError(
            f"{db.display_name} already holds a demo book: drop that database first"
        )
    raise DatabaseError(
        f"{db.display_name} holds a real book of business: csm demo will not overwrite it; "
        "leave out --db (the demo has its own file) or name a new file"
    )
