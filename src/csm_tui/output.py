"""What the command line prints: aligned plain-text tables that read well and grep well, and
the JSON records of the same rows.

Plain functions of domain values, so that a command only fetches and prints, and the wording of
a row can be tested without a database.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from csm_tui.domain.book import format_arr
from csm_tui.domain.exchange import ExportKind, Table, cell_text, records
from csm_tui.domain.explain import candidate_dict
from csm_tui.domain.team import segment_label
from csm_tui.domain.triage import aside_words, others_words, when_words
from csm_tui.domain.wording import countdown

if TYPE_CHECKING:
    from datetime import date
    from pathlib import Path

    from csm_tui.domain.book import AccountRow
    from csm_tui.domain.decision import Candidate
    from csm_tui.domain.health import BandThresholds
    from csm_tui.domain.queue import QueueItem
    from csm_tui.domain.team import TeamRow
    from csm_tui.services.csv_import import ImportSummary, Progress
    from csm_tui.services.scheduling import Move, Preview


def text_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], right: Collection[int] = frozenset()
) -> str:
    """Columns as wide as their widest cell, two spaces apart; `right` holds the indexes of the
    columns aligned right (numbers). No trailing spaces, so a line greps as it reads."""
    widths = [len(header) for header in headers]
    for row in rows:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(width) if index in right else cell.ljust(width)
            for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    return "\n".join(
        [line(headers), line(["-" * width for width in widths])] + [line(row) for row in rows]
    )


# -- csm accounts -------------------------------------------------------------------------------

ACCOUNT_HEADERS = (
    "ID",
    "Account",
    "Segment",
    "Pri",
    "ARR",
    "Owner",
    "Health",
    "Renewal",
    "In",
    "Last touch",
)


def account_row(row: AccountRow, today: date) -> list[str]:
    return [
        row.external_id or "",
        row.name,
        row.segment.label,
        row.priority_words,
        format_arr(row.arr_cents),
        row.owner_name or "-",
        "-" if row.health_score is None else f"{row.health_score} {row.band().value}",
        str(row.renewal_date or "-"),
        countdown(row.days_to_renewal(today)),
        str(row.last_touch or "never"),
    ]


def accounts_table(rows: Sequence[AccountRow], today: date) -> str:
    return text_table(ACCOUNT_HEADERS, [account_row(row, today) for row in rows], right={4, 8})


def account_record(row: AccountRow, today: date) -> dict[str, Any]:
    return {
        "external_id": row.external_id,
        "name": row.name,
        "segment": row.segment.value,
        "priority": row.priority.value,
        "assigned_priority": (row.assigned_priority or row.priority).value,
        "priority_derived": row.assigned_priority is not None,
        "arr": row.arr_cents / 100,
        "owner_email": row.owner_email,
        "health_score": row.health_score,
        "health_band": row.band().value,
        "renewal_date": row.renewal_date.isoformat() if row.renewal_date else None,
        "days_to_renewal": row.days_to_renewal(today),
        "last_touch": row.last_touch.isoformat() if row.last_touch else None,
    }


# -- csm queue ----------------------------------------------------------------------------------


def queue_headers(*, team: bool) -> list[str]:
    """The team's queue has an Owner column after the account."""
    headers = ["#", "Account", "What", "Due", "Health", "Pri", "ARR", "Urgency", "Rule"]
    if team:
        headers.insert(2, "Owner")
    return headers


def queue_rows(
    items: Sequence[QueueItem], today: date, bands: BandThresholds, *, team: bool
) -> list[list[str]]:
    """One row per item, numbered from 1 in the queue's order; a pinned item is marked `!`."""
    rows = []
    for number, item in enumerate(items, start=1):
        row = [
            str(number),
            ("! " if item.pinned else "") + item.account_name,
            item.label + aside_words(item, today) + others_words(item),
            when_words(item, today),
            "-"
            if item.health_score is None
            else f"{item.health_score} {bands.band(item.health_score).value}",
            item.priority_words,
            format_arr(item.arr_cents),
            f"{item.urgency:.1f}",
            item.rule_id,
        ]
        if team:
            row.insert(2, item.owner_name or "-")
        rows.append(row)
    return rows


def queue_table(
    items: Sequence[QueueItem], today: date, bands: BandThresholds, *, team: bool
) -> str:
    headers = queue_headers(team=team)
    return text_table(
        headers,
        queue_rows(items, today, bands, team=team),
        right={0, len(headers) - 3, len(headers) - 2},  # the number, ARR and urgency
    )


def queue_record(item: QueueItem, bands: BandThresholds) -> dict[str, Any]:
    """An item as JSON: `priority` is the one the rules derive (`assigned_priority` the one
    stored on the account); `also` the account's other items due, on a row per account."""
    return {
        "account_external_id": item.external_id,
        "account_name": item.account_name,
        "owner_email": item.owner_email,
        "kind": item.kind,
        "label": item.label,
        "due_date": item.due_on.isoformat(),
        "overdue_days": item.overdue_days,
        "rule_id": item.rule_id,
        "urgency": item.urgency,
        "pinned": item.pinned,
        "booked_for": item.booked_for.isoformat() if item.booked_for else None,
        "explanation": item.explanation,
        "segment": item.segment,
        "priority": item.priority,
        "assigned_priority": item.assigned_priority or item.priority,
        "priority_derived": item.assigned_priority is not None,
        "arr": item.arr_cents / 100,
        "health_score": item.health_score,
        "health_band": bands.band(item.health_score).value,
        "renewal_date": item.renewal_date.isoformat() if item.renewal_date else None,
        "also": [
            {
                "kind": other.kind,
                "label": other.label,
                "due_date": other.due_on.isoformat(),
                "overdue_days": other.overdue_days,
                "rule_id": other.rule_id,
                "urgency": other.urgency,
                "booked_for": other.booked_for.isoformat() if other.booked_for else None,
            }
            for other in item.others
        ],
    }


# -- csm rules preview --------------------------------------------------------------------------


def touch_words(candidate: Candidate | None) -> str:
    """'Cadence call 2026-12-07'; 'nothing' when no touch is due at all."""
    if candidate is None:
        return "nothing"
    return f"{candidate.label} {candidate.due.isoformat() if candidate.due else ''}".strip()


def move_row(move: Move) -> list[str]:
    return [
        move.external_id or "",
        move.name,
        touch_words(move.before),
        "->",
        touch_words(move.after),
        (move.after.rule_id if move.after else ""),
    ]


def moves_table(moves: Sequence[Move], candidate_name: str) -> str:
    """The moves under a header that names the candidate file."""
    headers = ["ID", "Account", "Now", "", "With " + candidate_name, "Rule"]
    return text_table(headers, [move_row(move) for move in moves])


def preview_record(preview: Preview) -> dict[str, Any]:
    return {
        "accounts": preview.accounts,
        "moved": len(preview.moves),
        "moves": [
            {
                "account_external_id": move.external_id,
                "account_name": move.name,
                "before": candidate_dict(move.before, move.decisions[0]) if move.before else None,
                "after": candidate_dict(move.after, move.decisions[1]) if move.after else None,
            }
            for move in preview.moves
        ],
    }


# -- csm export ---------------------------------------------------------------------------------


def csv_text(table: Table) -> str:
    """The table as a CSV file with a header row, as `csm import` reads it: quoted only where
    a cell needs it, lines ending in a bare newline (the import takes both)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.columns)
    writer.writerows([cell_text(value) for value in row] for row in table.rows)
    return buffer.getvalue()


def json_text(table: Table) -> str:
    """The rows as a JSON array of records keyed by column, as `csm queue --format json`."""
    return json.dumps(records(table), indent=2, allow_nan=False) + "\n"


def queue_export(items: Sequence[QueueItem], bands: BandThresholds) -> Table:
    """The queue as `csm queue --every-item --format json` gives it, one record per item (a
    row per item is what a spreadsheet wants: no `also`), as a table."""
    rows = [
        {key: value for key, value in queue_record(item, bands).items() if key != "also"}
        for item in items
    ]
    return Table(ExportKind.QUEUE, _QUEUE_RECORD_KEYS, [tuple(row.values()) for row in rows])


_QUEUE_RECORD_KEYS = (
    "account_external_id",
    "account_name",
    "owner_email",
    "kind",
    "label",
    "due_date",
    "overdue_days",
    "rule_id",
    "urgency",
    "pinned",
    "booked_for",
    "explanation",
    "segment",
    "priority",
    "assigned_priority",
    "priority_derived",
    "arr",
    "health_score",
    "health_band",
    "renewal_date",
)


# -- csm team -----------------------------------------------------------------------------------


def team_table(rows: Sequence[TeamRow]) -> str:
    """Who, their role, the segment their week is measured by ("Commercial (book)": none is set
    on them, most of their book is Commercial), their manager, accounts and call target."""
    return text_table(
        ("Name", "E-mail", "Role", "Segment", "Manager", "Accounts", "Calls/wk"),
        [
            [
                row.name,
                row.email,
                row.role.label,
                _team_segment(row),
                row.manager_name or "",
                f"{row.accounts:,}",
                "" if row.target is None else str(row.target.calls),
            ]
            for row in rows
        ],
        right={5, 6},
    )


def _team_segment(row: TeamRow) -> str:
    if row.segment is not None:
        return segment_label(row.segment)
    if row.target is not None and row.target.from_book:
        return f"{segment_label(row.target.segment)} (book)"
    return ""


def team_member_line(row: TeamRow) -> str:
    """One member as `csm team set` leaves them, in a sentence."""
    manager = (
        f"managed by {row.manager_name} <{row.manager_email}>"
        if row.manager_email
        else "managed by nobody"
    )
    if row.segment is not None:
        segment = f"segment {segment_label(row.segment)}"
    else:
        segment = "no segment set"
    if row.target is None:
        target = "no weekly target (no segment set, no accounts)"
    else:
        target = f"weekly target {row.target.describe()}"
    return f"{row.name} <{row.email}>: {row.role.label}, {segment}, {manager}; {target}."


def team_record(row: TeamRow) -> dict[str, Any]:
    target = row.target
    return {
        "name": row.name,
        "email": row.email,
        "role": row.role.value,
        "segment": row.segment,
        "manager": row.manager_email,
        "accounts": row.accounts,
        "book": dict(sorted(row.book.items())),
        "weekly_call_target": None
        if target is None
        else {"calls": target.calls, "segment": target.segment, "from_book": target.from_book},
    }


# -- csm import ---------------------------------------------------------------------------------

#: Files from this size on show a progress bar (when stderr is a terminal): about 5,000
#: accounts, which take a second or more.
PROGRESS_FROM_BYTES = 500_000


def import_summary_lines(
    summary: ImportSummary, file: Path | str, *, mapping: str | None = None
) -> list[str]:
    """What an import did (or, dry, would do): one line of counts, then one line per note."""
    kind = summary.kind.value
    through = f" with the {mapping} mapping" if mapping and mapping != "--map" else ""
    if summary.dry_run:
        head = (
            f"Dry run of {file}{through}, nothing was written: {summary.created:,} {kind} would "
            f"be created, {summary.updated:,} updated."
        )
    else:
        head = (
            f"Imported {file}{through}: {summary.created:,} {kind} created, "
            f"{summary.updated:,} updated."
        )
    lines = [head]
    member = "new team member (would be added)" if summary.dry_run else "new team member"
    lines += [f"  {member}: {email}" for email in summary.new_team_members]
    lines += [f"  note: {note}" for note in summary.notes]
    lines += [f"  warning: {warning}" for warning in summary.warnings]
    if summary.skipped:
        records = f"{summary.skipped:,} record{'' if summary.skipped == 1 else 's'}"
        if summary.rejects_file is not None:
            lines.append(
                f"  skipped: {records} of accounts that do not exist, written to "
                f"{summary.rejects_file} (import the accounts, then that file)"
            )
        else:
            lines.append(
                f"  skipped: {records} of accounts that do not exist would be left out "
                "(the import writes them to a rejects file beside the file)"
            )
    if summary.first_queue is not None:
        queue = summary.first_queue
        lines.append(
            f"  first queue: the team's queue on {queue.on:%a %Y-%m-%d} would hold "
            f"{queue.rows:,} row{'' if queue.rows == 1 else 's'} ({queue.items:,} items due), "
            f"{queue.overdue:,} overdue"
        )
    return lines


@contextmanager
def import_progress(file_name: str, *, enabled: bool) -> Iterator[Progress | None]:
    """A progress bar on stderr, a line per phase of the import (reading counts records; the
    others run as one step); None when not `enabled` (stderr is no terminal, the file is
    small), so that nothing is printed."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.progress import Progress as Bar

    with Bar(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        tasks: dict[str, Any] = {}

        def update(phase: str, done: int, total: int | None) -> None:
            if phase not in tasks:
                for task in tasks.values():  # the phase before is over
                    bar.update(
                        task, completed=bar.tasks[task].total or 1, total=bar.tasks[task].total or 1
                    )
                tasks[phase] = bar.add_task(f"{phase.capitalize()} {file_name}", total=total)
            bar.update(tasks[phase], completed=done, total=total)

        yield update
