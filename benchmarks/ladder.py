"""The team's escalation ladder, read beside the team's triage queue in the same run.

    python -m benchmarks.ladder BOOK [--open 2000] [--today YYYY-MM-DD] [--repeats 5]

On a private copy of BOOK (SQLite's backup API; BOOK is never written), with exactly `--open`
escalations left open (the demo's others closed, oldest first; or more opened on accounts
that had none), brought up to date for `--today` as the app's first start would: what the
ladder screen's worker reads (`Escalations.ladder(team=True)`: every open escalation with its
account, its SLA clock from the last level change and the last follow-up call), one
escalation in full (`show`), and, as the baseline, what the triage screen's worker reads for
the team's queue (its first page, then the health changes and counts). Medians of `--repeats`
runs, in seconds and as a ratio to the triage figure.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from benchmarks.private_copy import median, private_copy
from csm_tui.rules import rules_for
from csm_tui.services.escalations import Escalations
from csm_tui.services.triage import Triage
from csm_tui.settings import Settings


def _keep_open(copy: Path, wanted: int, today: date) -> int:
    """Leave exactly `wanted` escalations open; how many are."""
    connection = sqlite3.connect(copy)
    with connection:
        rows = connection.execute(
            "SELECT id FROM escalation WHERE status = 'open' AND deleted_at IS NULL "
            "ORDER BY opened_at DESC"
        ).fetchall()
        extra = rows[wanted:]
        connection.executemany(
            "UPDATE escalation SET status = 'closed', closed_at = ? WHERE id = ?",
            [(f"{today.isoformat()} 00:00:00.000000", key) for (key,) in extra],
        )
        missing = wanted - len(rows)
        if missing > 0:
            accounts = connection.execute(
                "SELECT id, owner_id FROM account WHERE deleted_at IS NULL AND id NOT IN "
                "(SELECT account_id FROM escalation WHERE status = 'open') LIMIT ?",
                (missing,),
            ).fetchall()
            moment = f"{today.isoformat()} 09:00:00.000000"
            for account, owner in accounts:
                key = uuid.uuid4().hex
                connection.execute(
                    "INSERT INTO escalation (id, created_at, updated_at, account_id, level, "
                    "status, reason, risk_category, owner_id, opened_at) "
                    "VALUES (?, ?, ?, ?, 1, 'open', 'benchmark', 'support', ?, ?)",
                    (key, moment, moment, account, owner, moment),
                )
                connection.execute(
                    "INSERT INTO escalation_event (id, created_at, updated_at, escalation_id, "
                    "kind, to_level, occurred_at, why) VALUES (?, ?, ?, ?, 'opened', 1, ?, ?)",
                    (uuid.uuid4().hex, moment, moment, key, moment, "benchmark"),
                )
        connection.execute(
            "DELETE FROM app_meta WHERE key IN ('schedule.computed_for', 'schedule.rules_sha256')"
        )
    count = connection.execute(
        "SELECT count(*) FROM escalation WHERE status = 'open' AND deleted_at IS NULL"
    ).fetchone()[0]
    connection.close()
    return int(count)


def measure(book: Path, today: date, wanted: int, repeats: int) -> dict[str, float | int]:
    with tempfile.TemporaryDirectory() as folder:
        copy, db = private_copy(book, Path(folder))
        figures: dict[str, float | int] = {"open_escalations": _keep_open(copy, wanted, today)}
        rules = rules_for(Settings(database=str(copy), today=today))
        triage = Triage(db, rules, today, None)
        triage.schedule.ensure_current()
        escalations = Escalations(db, rules, today, None)
        escalations.now = lambda: datetime(today.year, today.month, today.day, 10, tzinfo=UTC)

        def team_queue() -> None:
            view = triage.load(team=True, paged=True, refresh=False, record=False)
            assert view.pages is not None
            view.pages.rows(every=False, query="").load_until(0)
            triage.with_health(view)

        figures["triage_team_queue_s"] = median(team_queue, repeats)
        lines = escalations.ladder(team=True).lines
        figures["ladder_rows"] = len(lines)
        figures["ladder_team_s"] = median(lambda: escalations.ladder(team=True), repeats)
        key = lines[0].row.id
        figures["one_in_full_s"] = median(lambda: escalations.show(key), repeats)
        db.dispose()
    baseline = figures["triage_team_queue_s"]
    for name in ("ladder_team_s", "one_in_full_s"):
        figures[name.replace("_s", "_to_triage")] = round(figures[name] / baseline, 4)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("book", type=Path)
    parser.add_argument("--open", dest="wanted", type=int, default=2000)
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 11, 23))
    parser.add_argument("--repeats", type=int, default=5)
    arguments = parser.parse_args()
    figures = measure(arguments.book, arguments.today, arguments.wanted, arguments.repeats)
    for name, value in figures.items():
        shown = f"{value:,}" if isinstance(value, int) else f"{value:.4f}"
        print(f"{name:>24}  {shown}")


if __name__ == "__main__":
    main()
