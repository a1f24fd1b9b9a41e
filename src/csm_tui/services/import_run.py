"""`csm import` from start to end: read the file, then write it to the book, try it out on a
scratch copy (`--dry-run`), or leave out the rows of unknown accounts into a rejects file.

The file is read and validated before any database is opened, so a file with problems never
creates one; and a new SQLite book that an import fails to fill is removed again, with the
folders made for it. A dry run of a SQLite book imports into a scratch copy (or a scratch book
when there is none yet) and reads the first queue there as csm would, so its figures are the
ones a real import gives; a PostgreSQL book is tried in a transaction that is rolled back.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from csm_tui.domain.import_columns import ImportKind
from csm_tui.domain.mapping_file import ImportMapping
from csm_tui.domain.triage import by_account
from csm_tui.services.csv_import import (
    ImportSummary,
    ParsedFile,
    Progress,
    QueueSize,
    Written,
    parse_file,
    summary_of,
    write_parsed,
)
from csm_tui.services.scheduling import Schedule
from csm_tui.services.triage import StoreReader
from csm_tui.services.triage_view import read_view
from csm_tui.services.upkeep import current_database, released
from csm_tui.store import imports, meta
from csm_tui.store.backup import copy_sqlite
from csm_tui.store.database import Database, normalise_url, sqlite_path
from csm_tui.store.migrate import ensure_current

if TYPE_CHECKING:
    from datetime import date

    from sqlmodel import Session

    from csm_tui.rules import LoadedRules


@dataclass(frozen=True)
class ImportRequest:
    kind: ImportKind
    path: Path
    mapping: ImportMapping | None = None
    date_format: str | None = None
    dry_run: bool = False
    skip_unknown_accounts: bool = False


def run_import(
    target: str,
    rules: LoadedRules,
    today: date,
    request: ImportRequest,
    *,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import (or try out) one file into the book at `target`; raise ImportFailed."""
    parsed = parse_file(
        request.kind,
        request.path,
        mapping=request.mapping,
        date_format=request.date_format,
        progress=progress,
    )
    if not parsed.rows:  # a header and no records: nothing to open a book for
        return summary_of(parsed, Written(imports.WriteResult()), dry_run=request.dry_run)
    if request.dry_run:
        return _dry_run(target, rules, today, parsed, request, progress)
    with _book(target) as db:
        schedule = Schedule(db, rules, today)
        with db.writing() as session:
            written = write_parsed(
                session,
                parsed,
                schedule=schedule,
                skip_unknown_accounts=request.skip_unknown_accounts,
                progress=progress,
            )
    rejects = write_rejects(parsed, written, request.path) if written.skipped else None
    return summary_of(parsed, written, rejects_file=rejects)


@contextmanager
def _book(target: str) -> Iterator[Database]:
    """The book at `target`, its schema current; a SQLite file this import creates is removed
    again (with the folders made for it) if the import fails."""
    path = sqlite_path(normalise_url(target))
    if path is None or path.exists():
        with current_database(target) as db:
            yield db
        return
    made = [folder for folder in (path.parent, *path.parent.parents) if not folder.exists()]
    try:
        with current_database(target) as db:
            yield db
    except BaseException:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        for folder in made:  # innermost first
            try:
                folder.rmdir()
            except OSError:
                break
        raise


class _RolledBack(Exception):
    """Leaves a dry run's transaction, which rolls it back, with what it found."""

    def __init__(self, written: Written, first_queue: QueueSize) -> None:
        self.written = written
        self.first_queue = first_queue


def _dry_run(
    target: str,
    rules: LoadedRules,
    today: date,
    parsed: ParsedFile,
    request: ImportRequest,
    progress: Progress | None,
) -> ImportSummary:
    path = sqlite_path(normalise_url(target))
    if path is not None:
        with tempfile.TemporaryDirectory(prefix="csm-dry-run-") as scratch:
            copy = Path(scratch) / "book.db"
            if path.exists():
                copy_sqlite(path, copy)
            with released(Database.open(copy)) as db:
                ensure_current(db)
                schedule = Schedule(db, rules, today)
                with db.writing() as session:
                    written = write_parsed(
                        session,
                        parsed,
                        schedule=schedule,
                        skip_unknown_accounts=request.skip_unknown_accounts,
                        progress=progress,
                    )
                if progress is not None:
                    progress("first queue", 0, None)
                schedule.ensure_current()  # as csm's first read of the book would
                with db.reading() as session:
                    first_queue = _first_queue(session, schedule)
        return summary_of(parsed, written, dry_run=True, first_queue=first_queue)
    with current_database(target) as db:
        schedule = Schedule(db, rules, today)
        try:
            with db.writing() as session:
                written = write_parsed(
                    session,
                    parsed,
                    schedule=schedule,
                    skip_unknown_accounts=request.skip_unknown_accounts,
                    progress=progress,
                )
                raise _RolledBack(written, _queue_in(session, schedule))
        except _RolledBack as done:
            return summary_of(parsed, done.written, dry_run=True, first_queue=done.first_queue)


def _queue_in(session: Session, schedule: Schedule) -> QueueSize:
    """The team's first queue inside the caller's transaction, every account decided for the
    day first if the stored schedule is not current (as csm's first read would do)."""
    if not meta.is_current(session, today=schedule.today, rules_sha256=schedule.stamp):
        schedule.recompute(session, imports.live_account_ids(session))
    return _first_queue(session, schedule)


def _first_queue(session: Session, schedule: Schedule) -> QueueSize:
    """The team's queue as `csm queue --team` shows it (one row per account, health drops
    since yesterday to review), read in `session`."""
    rules = schedule.rulebook
    view = read_view(
        StoreReader(session, schedule.today, rules.urgency),
        today=schedule.today,
        since=schedule.today - timedelta(days=1),
        owner_email=None,
        bands=rules.bands,
    )
    rows = by_account(view.items)
    return QueueSize(
        schedule.today,
        rows=len(rows),
        items=len(view.items),
        overdue=sum(1 for row in rows if row.overdue_days > 0),
    )


# -- the rejects file -------------------------------------------------------------------------


def rejects_path(source: Path) -> Path:
    """Beside the file: `tickets.rejected.csv`, or `tickets.rejected-2.csv`... whichever is
    free, so that neither the file nor an earlier rejects file is ever overwritten."""
    candidate = source.with_name(f"{source.stem}.rejected.csv")
    number = 2
    while candidate.exists() or candidate == source:
        candidate = source.with_name(f"{source.stem}.rejected-{number}.csv")
        number += 1
    return candidate


def write_rejects(parsed: ParsedFile, written: Written, source: Path) -> Path:
    """The records left out, as they came (header first), each with its line and why: fix
    them or keep them for later, and import that file."""
    path = rejects_path(source)
    with path.open("x", encoding="utf-8-sig" if parsed.had_bom else "utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([*parsed.header, "rejected_line", "rejected_because"])
        for row, why in written.skipped:
            writer.writerow([*parsed.raw[row.record], row.line, why])
    return path
