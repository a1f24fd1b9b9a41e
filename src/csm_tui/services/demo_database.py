"""Where the demo book goes, and the guard that keeps `csm demo` away from real data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypeVar

from csm_tui.errors import CsmError
from csm_tui.rules import LoadedRules
from csm_tui.services.demo import DemoSummary, build_demo
from csm_tui.services.scheduling import Schedule
from csm_tui.store import meta
from csm_tui.store.database import Database, DatabaseError
from csm_tui.store.migrate import ensure_current

T = TypeVar("T")


class DemoExists(CsmError):
    """A demo book is there already, and rebuilding it would lose what was done in it."""


@dataclass(frozen=True, slots=True)
class DemoBook:
    """A demo book already built: what `csm demo` opens rather than building it again."""

    location: str
    built_for: date | None  # the day it was built as of (`--today` then)
    accounts: int | None
    seed: int | None


def existing_demo(target: str | Path) -> DemoBook | None:
    """The demo book at `target`, or None when there is none to open (no file, an empty
    database). A real book is an error, as for `rebuild_demo`: the demo never opens it."""
    path = Path(str(target)).expanduser()
    if "://" not in str(target) and not path.exists():
        return None
    db = Database.open(target)
    try:
        state = meta.database_kind(db)
        if state == "empty":
            return None
        if state == "real":
            _refuse_real_data(db)
        with db.reading() as session:
            values = {
                key: meta.get_meta(session, key)
                for key in ("demo_today", "demo_accounts", meta.DEMO_SEED_KEY)
            }
        return DemoBook(
            location=db.display_name,
            built_for=_parsed(date.fromisoformat, values["demo_today"]),
            accounts=_parsed(int, values["demo_accounts"]),
            seed=_parsed(int, values[meta.DEMO_SEED_KEY]),
        )
    finally:
        db.dispose()


def _parsed(parse: Callable[[str], T], text: str | None) -> T | None:
    try:
        return None if text is None else parse(text)
    except ValueError:
        return None


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
