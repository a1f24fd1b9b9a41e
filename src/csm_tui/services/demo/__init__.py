"""A realistic, deterministic demo book of business.

Everything is derived from `seed` and `today` (one `random.Random` for content, a second one for
UUIDs, timestamps as offsets from `today`), so the same arguments always give the same database:
screenshots, snapshot tests and benchmarks stay stable. Rows are generated as plain dicts a
chunk of accounts at a time and written with Core bulk inserts (`store.bulk`), never as ORM
objects. Books above 10,000 accounts exist for benchmarks; they get a thinner history per
account (`Density`) so that a book of 100,000 accounts builds in reasonable time on a slow
machine (benchmarks: build).

What must be there for the product to have something to show (every segment and band, open
escalations at all five levels, milestones in every status, health drops since yesterday,
accounts of the demo user among them) is planned up front rather than left to chance. So are
the success plans' stories: made from the shipped templates as the plan service makes them,
most on track, some slipped, a few blocked or with a review overdue, a few Enterprise accounts
without an active plan; the demo user has one of each.

`plan` decides the team and what each account must be, `writer` generates the rows from those
plans, picking from the vocabularies of `words`; this module writes them.
"""

from __future__ import annotations

import time as clock
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from csm_tui.services.demo.plan import DEMO_MANAGER_EMAIL, DEMO_USER_EMAIL, team_for
from csm_tui.services.demo.writer import TABLES, BookWriter, Row
from csm_tui.store.bulk import bulk_session, insert_rows
from csm_tui.store.database import Database
from csm_tui.store.memory import gc_paused

__all__ = [
    "DEMO_MANAGER_EMAIL",
    "DEMO_USER_EMAIL",
    "DemoSummary",
    "build_demo",
    "generate",
    "team_for",
]

#: Accounts generated (and written) together; bounds memory for benchmark-sized books.
CHUNK_ACCOUNTS = 1_000


@dataclass(frozen=True)
class DemoSummary:
    accounts: int
    team_members: int
    contacts: int
    touchpoints: int
    health_snapshots: int
    escalations: int
    milestones: int
    seconds: float


def build_demo(db: Database, *, accounts: int = 300, seed: int = 7, today: date) -> DemoSummary:
    """Fill an empty, migrated database with a demo book, in one transaction."""
    started = clock.perf_counter()
    counts: Counter[str] = Counter()
    with gc_paused(), db.writing() as session:
        connection = session.connection()
        with bulk_session(connection):
            for batch in generate(accounts=accounts, seed=seed, today=today):
                for table in TABLES:
                    rows = batch.get(table.name)
                    if rows:
                        counts[table.name] += insert_rows(connection, table, rows)
    return DemoSummary(
        accounts=counts["account"],
        team_members=counts["team_member"],
        contacts=counts["contact"],
        touchpoints=counts["touchpoint"],
        health_snapshots=counts["health_snapshot"],
        escalations=counts["escalation"],
        milestones=counts["milestone"],
        seconds=clock.perf_counter() - started,
    )


def generate(
    *, accounts: int, seed: int, today: date, chunk: int = CHUNK_ACCOUNTS
) -> Iterator[dict[str, list[Row]]]:
    """The demo book as batches of rows per table name: the team first, then accounts in chunks.

    Pure: no clock, no global random state, no database.
    """
    book = BookWriter(accounts=accounts, seed=seed, today=today)
    yield book.team_batch()
    for start in range(0, accounts, chunk):
        yield book.account_batch(range(start, min(accounts, start + chunk)))
