"""The team's queue read a page at a time (`store.ranks`), beside the whole read it replaced.

    python -m benchmarks.ranks BOOK [--today YYYY-MM-DD] [--repeats 3]

On a private copy of BOOK (SQLite's backup API; BOOK is never written), brought up to date for
`--today` as the app's first start would: the whole read of the team's queue as `csm queue
--team` makes it (`Triage.load(team=True)`: every line read, worked out and ranked in Python,
then one row per account), which is the baseline; then what the screen does instead: writing
every item's rank (once a day, in the background reschedule), the first page, a page 50,000
rows down (seeking past the row before), reading down to the last row (the End key), the row
count and the header's counts, the health changes read after the first paint, and the filter
(one that matches, one that matches nothing: the worst case, it reads every row). Medians of
`--repeats` runs, in seconds and as a ratio to the whole read.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path

from benchmarks.private_copy import median, private_copy
from csm_tui.rules import rules_for
from csm_tui.services.triage import Triage
from csm_tui.services.triage_pages import RankedRows
from csm_tui.settings import Settings
from csm_tui.store import ranks


def _first_rows(read: Callable[..., RankedRows], query: str) -> None:
    read(query=query).load_until(0)


def measure(book: Path, today: date, repeats: int) -> dict[str, float | int]:
    with tempfile.TemporaryDirectory() as folder:
        copy, db = private_copy(book, Path(folder))
        settings = Settings(database=str(copy), today=today)
        triage = Triage(db, rules_for(settings), today, None)
        triage.schedule.ensure_current()

        def whole() -> object:
            return triage.load(team=True, refresh=False, record=False)

        figures: dict[str, float | int] = {"whole_read_s": median(whole, repeats)}

        def write_all() -> None:
            triage.schedule.write_ranks()

        figures["write_every_rank_s"] = median(write_all, repeats)
        with db.reading() as session:
            figures["items_ranked"] = ranks.row_count(session, every=True)
            figures["accounts_ranked"] = ranks.row_count(session)

        def first_view() -> object:
            view = triage.load(team=True, paged=True, refresh=False, record=False)
            assert view.pages is not None
            view.pages.rows(every=False, query="").load_until(0)
            return view

        figures["first_page_s"] = median(first_view, repeats)
        view = triage.load(team=True, paged=True, refresh=False, record=False)
        assert view.pages is not None
        pages = view.pages

        def read(every: bool = False, query: str = "") -> RankedRows:
            return pages.rows(every=every, query=query)

        start = time.perf_counter()
        rows = read()
        rows.load_until(49_999)
        figures["down_to_50k_s"] = time.perf_counter() - start
        start = time.perf_counter()
        rows.load_until(50_199)
        figures["page_50k_down_s"] = time.perf_counter() - start

        def to_the_end() -> None:
            read().load_until(10**9)

        figures["read_to_the_end_s"] = median(to_the_end, 1)

        def counts() -> None:
            with db.reading() as session:
                ranks.row_count(session)
                ranks.due_counts(session, today=today)

        figures["counts_s"] = median(counts, repeats)
        figures["health_after_paint_s"] = median(lambda: triage.with_health(view), repeats)
        for name, query in (("filter_match_s", "pioneer"), ("filter_nothing_s", "zzzz")):
            figures[name] = median(partial(_first_rows, read, query), repeats)
        db.dispose()
    baseline = figures["whole_read_s"]
    for key in list(figures):
        if key.endswith("_s") and key != "whole_read_s":
            figures[key.replace("_s", "_to_whole")] = round(figures[key] / baseline, 4)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("book", type=Path)
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 11, 23))
    parser.add_argument("--repeats", type=int, default=3)
    arguments = parser.parse_args()
    for name, value in measure(arguments.book, arguments.today, arguments.repeats).items():
        shown = f"{value:,}" if isinstance(value, int) else f"{value:.4f}"
        print(f"{name:>28}  {shown}")


if __name__ == "__main__":
    main()
