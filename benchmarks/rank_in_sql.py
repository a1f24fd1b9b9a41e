"""What ranking the team's queue in SQL would cost: the measurement behind issue 17's plan.

    python -m benchmarks.rank_in_sql BOOK [--today YYYY-MM-DD] [--page 60]

The team's queue of a 100,000-account book is read whole and ranked in Python today (about
35 µs a line over 170,000 lines). The plan is to keep each due line's urgency, pin and "the
account's most urgent" mark in `scheduled_touch`, written with the schedule, and to read a page
at a time through an index. This script measures that on a private copy of BOOK (SQLite's
backup API), with placeholder values in the new columns (what they hold does not change the
cost of the writes or of the reads): the write of every row's rank, the first page, pages
deep in the list (OFFSET, and a keyset seek past the page before), and the count of rows.
Nothing in BOOK changes.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from pathlib import Path

_PAGE = """
SELECT s.account_id, s.kind, a.name, s.urgency
FROM scheduled_touch s JOIN account a ON a.id = s.account_id
WHERE s.head = 1 AND s.due_on <= :today
  AND (s.snoozed_until IS NULL OR s.snoozed_until <= :today) AND a.deleted_at IS NULL
  {seek}
ORDER BY s.pinned DESC, s.urgency DESC, s.account_id
LIMIT :page {offset}"""


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def measure(book: Path, today: str, page: int) -> dict[str, float | int]:
    with tempfile.TemporaryDirectory() as folder:
        origin, copy = sqlite3.connect(book), sqlite3.connect(Path(folder) / "copy.db")
        origin.backup(copy)
        origin.close()
        for column in ("urgency REAL", "pinned INTEGER", "head INTEGER"):
            copy.execute(f"ALTER TABLE scheduled_touch ADD COLUMN {column}")
        rows = copy.execute("SELECT rowid, account_id FROM scheduled_touch").fetchall()
        rng, seen = random.Random(17), set()
        values: list[tuple[float, int, int, int]] = []
        for rowid, account in rows:
            head = int(account not in seen)
            values.append((rng.random() * 40, int(rng.random() < 0.001), head, rowid))
            seen.add(account)
        start = time.perf_counter()
        copy.executemany(
            "UPDATE scheduled_touch SET urgency = ?, pinned = ?, head = ? WHERE rowid = ?", values
        )
        copy.commit()
        write_ms = _ms(start)
        copy.execute("CREATE INDEX ix_rank ON scheduled_touch (head, pinned DESC, urgency DESC)")
        figures: dict[str, float | int] = {"rows": len(rows), "write_every_rank_ms": write_ms}
        arguments = {"today": today, "page": page}
        for offset in (0, 1_000, 50_000):
            start = time.perf_counter()
            found = copy.execute(
                _PAGE.format(seek="", offset=f"OFFSET {offset}"), arguments
            ).fetchall()
            figures[f"page_at_{offset}_ms"] = _ms(start)
            figures[f"page_at_{offset}_rows"] = len(found)
        last = copy.execute(_PAGE.format(seek="", offset="OFFSET 49940"), arguments).fetchall()[-1]
        seek = "AND (s.urgency, s.account_id) < (:urgency, :account) AND s.pinned = 0"
        start = time.perf_counter()
        copy.execute(
            _PAGE.format(seek=seek, offset=""),
            {**arguments, "urgency": last[3], "account": last[0]},
        ).fetchall()
        figures["page_after_a_seek_ms"] = _ms(start)
        start = time.perf_counter()
        figures["due_rows"] = copy.execute(
            "SELECT count(*) FROM scheduled_touch s JOIN account a ON a.id = s.account_id "
            "WHERE s.head = 1 AND s.due_on <= :today AND a.deleted_at IS NULL",
            arguments,
        ).fetchone()[0]
        figures["count_ms"] = _ms(start)
        copy.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("book", type=Path)
    parser.add_argument("--today", default="2026-11-23")
    parser.add_argument("--page", type=int, default=60)
    arguments = parser.parse_args()
    for name, value in measure(arguments.book, arguments.today, arguments.page).items():
        print(f"{name:>24}  {value:,}")


if __name__ == "__main__":
    main()
