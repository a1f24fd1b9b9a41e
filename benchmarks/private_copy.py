"""What the one-off measurements (`ladder`, `ranks`, `wrapup`) share: a private copy of a demo
book brought up to date, and the median time of an action."""

from __future__ import annotations

import sqlite3
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from csm_tui.store.database import Database
from csm_tui.store.migrate import ensure_current


def private_copy(book: Path, folder: Path) -> tuple[Path, Database]:
    """A copy of `book` in `folder` (SQLite's backup API; `book` is only read), opened and
    migrated as the app's first start would."""
    copy = folder / "copy.db"
    origin = sqlite3.connect(f"{book.resolve().as_uri()}?mode=ro", uri=True)
    target = sqlite3.connect(copy)
    origin.backup(target)
    origin.close()
    target.close()
    db = Database.open(copy)
    ensure_current(db)
    return copy, db


def median(action: Callable[[], object], repeats: int) -> float:
    """The median of `repeats` runs of `action`, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
