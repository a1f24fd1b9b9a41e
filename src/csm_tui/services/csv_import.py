"""All-or-nothing import of a CRM export (accounts, contacts or touchpoints) from CSV.

Two phases (reliability.md section 5.2): the whole file is read and validated first, collecting
every problem with its record number, physical line and column; only a clean file is written,
in one transaction, by `csm_tui.store.imports`. References that need the database (an unknown
account, a manager who is nobody) are checked inside that transaction and raise `ImportFailed`
there, which rolls it back. Bad input never raises anything but `ImportFailed`.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from csm_tui.domain.enums import (
    Choice,
    LifecycleStage,
    Persona,
    Priority,
    Segment,
    Sentiment,
    TouchKind,
)
from csm_tui.domain.fields import parse_amount_cents as _arr_cents
from csm_tui.domain.fields import parse_date as _date
from csm_tui.domain.fields import parse_email as _email
from csm_tui.domain.fields import parse_flag as _flag
from csm_tui.domain.fields import parse_score as _score
from csm_tui.errors import CsmError
from csm_tui.services.scheduling import Schedule
from csm_tui.store import imports
from csm_tui.store.database import Database


class ImportKind(StrEnum):
    ACCOUNTS = "accounts"
    CONTACTS = "contacts"
    TOUCHPOINTS = "touchpoints"


@dataclass(frozen=True)
class ImportIssue:
    """One problem, located the way a person fixing the file in a spreadsheet needs it."""

    file: str
    record: int | None
    line: int | None
    column: str | None
    value: str | None
    expected: str

    def __str__(self) -> str:
        where = self.file
        if self.record is not None:
            where += f", record {self.record}"
            if self.line is not None:
                where += f" (line {self.line})"
        elif self.line is not None:
            where += f", line {self.line}"
        if self.column:
            where += f", column {self.column}"
        what = "" if self.value is None else f"{self.value!r} is not valid; "
        return f"{where}: {what}expected {self.expected}"


class ImportFailed(CsmError):
    """The file was not imported (nothing was written); `issues` lists every problem found."""

    def __init__(self, issues: Sequence[ImportIssue]) -> None:
        self.issues = list(issues)
        super().__init__(str(self))

    def __str__(self) -> str:
        count = len(self.issues)
        head = f"{count} problem{'' if count == 1 else 's'} found, nothing was imported:"
        return "\n".join([head, *(f"  {issue}" for issue in self.issues)])


@dataclass(frozen=True)
class ImportSummary:
    kind: ImportKind
    file: str
    created: int
    updated: int
    new_team_members: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# -- cell parsers: each returns the stored value or raises ValueError(what was expected) --------

#: Bytes that are not UTF-8 survive decoding as lone surrogates ("surrogateescape").
_NOT_UTF8 = re.compile("[\udc80-\udcff]")


def _text(text: str) -> str:
    return text


def _choice(choice: type[Choice]) -> Callable[[str], str]:
    # Cached: a column repeats a handful of values, and Choice.parse re-normalises every member.
    @functools.lru_cache(maxsize=512)
    def parse(text: str) -> str:
        try:
            return choice.parse(text).value
        except ValueError:
            raise ValueError(f"one of {choice.expected()}") from None

    return parse


@dataclass(frozen=True)
class _Column:
    name: str
    parse: Callable[[str], object] = _text
    required: bool = False
    attr: str | None = None  # the model attribute it sets directly, if any
    keep_when_blank: bool = False  # NOT NULL: a blank cell keeps the stored value (or default)


_COLUMNS: dict[ImportKind, tuple[_Column, ...]] = {
    ImportKind.ACCOUNTS: (
        _Column("external_id", required=True),
        _Column("name", required=True, attr="name"),
        _Column("segment", _choice(Segment), required=True, attr="segment"),
        _Column("priority", _choice(Priority), attr="priority", keep_when_blank=True),
        _Column("arr", _arr_cents, attr="arr_cents", keep_when_blank=True),
        _Column("owner_email", _email),
        _Column("ae", attr="ae"),
        _Column("contract_start", _date, attr="contract_start"),
        _Column("renewal_date", _date, attr="renewal_date"),
        _Column("go_live_date", _date, attr="go_live_date"),
        _Column("health_score", _score, attr="health_score"),
        _Column("lifecycle_stage", _choice(LifecycleStage), attr="lifecycle_stage"),
    ),
    ImportKind.CONTACTS: (
        _Column("account_external_id", required=True),
        _Column("name", required=True, attr="name"),
        _Column("title", attr="title"),
        _Column("email", _email, attr="email"),
        _Column("phone", attr="phone"),
        _Column("persona", _choice(Persona), attr="persona"),
        _Column("reports_to_email", _email),
        _Column("is_primary", _flag, attr="is_primary", keep_when_blank=True),
    ),
    ImportKind.TOUCHPOINTS: (
        _Column("account_external_id", required=True),
        _Column("occurred_on", _date, required=True),
        _Column("kind", _choice(TouchKind), required=True),
        _Column("summary", required=True),
        _Column("sentiment", _choice(Sentiment), attr="sentiment"),
        _Column("owner_email", _email),
        _Column("external_id"),
    ),
}

Record = imports.AccountIn | imports.ContactIn | imports.TouchpointIn


def _values(kind: ImportKind, cells: dict[str, object]) -> dict[str, object]:
    return {c.attr: cells[c.name] for c in _COLUMNS[kind] if c.attr and c.name in cells}


def _build(kind: ImportKind, record: int, line: int, cells: dict[str, object]) -> Record:
    """Turn one record's parsed cells (only the columns present) into what the store takes."""
    values = _values(kind, cells)
    if kind is ImportKind.ACCOUNTS:
        return imports.AccountIn(
            record,
            line,
            external_id=str(cells["external_id"]),
            values=values,
            owner_email=cells.get("owner_email"),  # type: ignore[arg-type]
            sets_owner="owner_email" in cells,
        )
    if kind is ImportKind.CONTACTS:
        return imports.ContactIn(
            record,
            line,
            account_external_id=str(cells["account_external_id"]),
            name=str(cells["name"]),
            email=cells.get("email"),  # type: ignore[arg-type]
            values=values,
            reports_to_email=cells.get("reports_to_email"),  # type: ignore[arg-type]
            sets_reports_to="reports_to_email" in cells,
        )
    return imports.TouchpointIn(
        record,
        line,
        account_external_id=str(cells["account_external_id"]),
        external_id=cells.get("external_id"),  # type: ignore[arg-type]
        occurred_on=cells["occurred_on"],  # type: ignore[arg-type]
        kind=str(cells["kind"]),
        summary=str(cells["summary"]),
        values=values,
        owner_email=cells.get("owner_email"),  # type: ignore[arg-type]
        sets_owner="owner_email" in cells,
    )


def _duplicate_key(row: Record) -> tuple[str, str, object]:
    """(column, shown value, key) under which a record must be unique within its file."""
    if isinstance(row, imports.AccountIn):
        return "external_id", row.external_id, row.external_id
    if isinstance(row, imports.ContactIn):
        column = "email" if row.email else "name"
        return column, row.email or row.name, (row.account_external_id, row.key)
    if row.external_id:
        return "external_id", row.external_id, ("id", row.external_id)
    natural = (row.account_external_id, row.occurred_on, row.kind, row.summary)
    return "summary", row.summary, ("natural", natural)


def _duplicate_expected(row: Record, first: Record) -> str:
    where = f"record {first.record} (line {first.line})"
    if isinstance(row, imports.TouchpointIn) and not row.external_id:
        return (
            f"a touchpoint not already in this file: {where} has the same account, date, kind "
            "and summary (add an external_id column to tell them apart)"
        )
    if isinstance(row, imports.ContactIn):
        return f"one record per contact of an account: {where} is the same contact"
    return f"a value used once in this file: {where} has it too"


# -- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedFile:
    """A file that passed every check that needs no database."""

    kind: ImportKind
    file: str
    rows: list[Record]
    notes: list[str]


def _shown(text: str, limit: int = 60) -> str:
    """A cell or line as it can be printed: undecodable bytes as '\ufffd', long text cut."""
    text = _NOT_UTF8.sub("\ufffd", text.rstrip("\r\n"))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _column_key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _csv_expected(error: csv.Error) -> str:
    message = str(error)
    if "unexpected end of data" in message:
        return "a closing double quote: a quoted field of this record is never closed"
    if "expected after" in message:
        return 'a comma or a line end after a closing quote (write a quote inside a field as "")'
    if "field limit" in message:
        return f"fields under {csv.field_size_limit()} characters (is a quote never closed?)"
    return f"well-formed CSV ({message})"


class _Reader:
    """Collects issues for one file while walking it record by record."""

    def __init__(self, kind: ImportKind, path: Path) -> None:
        self.kind = kind
        self.file = path.name
        self.issues: list[ImportIssue] = []
        self.notes: list[str] = []
        self.names: list[str] = []

    def issue(
        self,
        expected: str,
        *,
        record: int | None = None,
        line: int | None = None,
        column: str | None = None,
        value: str | None = None,
    ) -> None:
        self.issues.append(ImportIssue(self.file, record, line, column, value, expected))

    def bad_text(self, text: str, record: int | None, line: int, column: str | None) -> bool:
        """Report what no database should store: bytes that are not UTF-8, and NUL."""
        if _NOT_UTF8.search(text):
            self.issue(
                'UTF-8 text (save the file as "CSV UTF-8"); this looks like another encoding',
                record=record,
                line=line,
                column=column,
                value=_shown(text),
            )
            return True
        if "\x00" in text:
            self.issue(
                "text without NUL characters (is this a binary file?)",
                record=record,
                line=line,
                column=column,
                value=_shown(text),
            )
            return True
        return False

    def header(self, names: list[str], line: int) -> dict[str, int] | None:
        """Column name -> position, or None when the header is unusable."""
        columns = {column.name: column for column in _COLUMNS[self.kind]}
        positions: dict[str, int] = {}
        notes: list[str] = []
        usable = True
        if any(self.bad_text(raw, None, line, None) for raw in names):
            return None  # most likely not a CSV file at all: the rest would be noise
        for position, raw in enumerate(names):
            name = _column_key(raw)
            if not name:
                notes.append(f"ignored unnamed column {position + 1}")
            elif name not in columns:
                notes.append(f"ignored column {raw.strip()!r}")
            elif name in positions:
                self.issue(
                    f"each column once in the header (also column {positions[name] + 1})",
                    line=line,
                    column=name,
                    value=raw,
                )
                usable = False
            else:
                positions[name] = position
        found = ", ".join(repr(_shown(name, 30)) for name in names[:8]) + (
            ", …" if len(names) > 8 else ""
        )
        for column in columns.values():
            if column.required and column.name not in positions:
                self.issue(
                    f"a column named {column.name} in the header (found: {found})",
                    line=line,
                    column=column.name,
                )
                usable = False
        self.notes = notes
        self.names = [_column_key(name) for name in names]
        return positions if usable else None

    def shape(self, fields: list[str], number: int, line: int, raw: str) -> list[str] | None:
        """The record's fields if they line up with the header's, else None and an issue.

        Spreadsheets add or drop empty trailing cells: blank cells past the header's end, and
        missing cells under trailing unnamed header columns, are not worth an error.
        """
        full = len(self.names)
        named = full
        while named and not self.names[named - 1]:
            named -= 1
        if len(fields) > full and not any(cell.strip() for cell in fields[full:]):
            fields = fields[:full]
        if named <= len(fields) <= full:
            return fields
        expected = f"{full} fields like the header, found {len(fields)}"
        if len(fields) < named:
            missing = ", ".join(self.names[len(fields) : len(fields) + 3])
            more = ", …" if named - len(fields) > 3 else ""
            expected += f" (nothing for {missing}{more})"
        self.issue(expected, record=number, line=line, value=_shown(raw))
        return None

    def record(
        self, number: int, line: int, fields: list[str], positions: dict[str, int]
    ) -> Record | None:
        cells: dict[str, object] = {}
        ok = True
        for column in _COLUMNS[self.kind]:
            if column.name not in positions:
                continue
            text = fields[positions[column.name]].strip()
            if self.bad_text(text, number, line, column.name):
                ok = False
            elif not text:
                if column.required:
                    self.issue(
                        "a value (the column is required)",
                        record=number,
                        line=line,
                        column=column.name,
                    )
                    ok = False
                elif not column.keep_when_blank:
                    cells[column.name] = None
            else:
                try:
                    cells[column.name] = column.parse(text)
                except ValueError as error:
                    self.issue(
                        str(error), record=number, line=line, column=column.name, value=_shown(text)
                    )
                    ok = False
        if ok and self.kind is ImportKind.CONTACTS:
            email, manager = cells.get("email"), cells.get("reports_to_email")
            if email and manager and str(email).lower() == str(manager).lower():
                self.issue(
                    "the e-mail of another contact (nobody reports to themselves)",
                    record=number,
                    line=line,
                    column="reports_to_email",
                    value=str(manager),
                )
                ok = False
        return _build(self.kind, number, line, cells) if ok else None


def _decode(raw: bytes) -> str | None:
    """The file's text as `open(encoding="utf-8-sig", newline="")` would read it, but bytes
    that are not UTF-8 kept (as surrogates) so that each can be reported in its record."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    return raw.decode("utf-8-sig", errors="surrogateescape")


def parse_file(kind: ImportKind, path: Path) -> ParsedFile:
    """Read and validate a whole file without touching any database; raise ImportFailed."""
    kind = ImportKind(kind)
    reader = _Reader(kind, path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        reader.issue(f"a readable CSV file ({error.strerror or error}: {path})")
        raise ImportFailed(reader.issues) from None
    text = _decode(raw)
    if text is None:
        reader.issue('UTF-8 text (save the file as "CSV UTF-8"); this file is UTF-16', line=1)
        raise ImportFailed(reader.issues)

    lines = io.StringIO(text, newline="").readlines()
    rows = csv.reader(iter(lines), strict=True)
    positions: dict[str, int] | None = None
    header_line = 0
    records: list[Record] = []
    number = 0
    while True:
        start = rows.line_num + 1
        try:
            fields = next(rows)
        except StopIteration:
            break
        except csv.Error as error:
            if header_line:
                number += 1
            raw_line = lines[start - 1] if start <= len(lines) else ""
            reader.issue(
                _csv_expected(error), record=number or None, line=start, value=_shown(raw_line)
            )
            if not header_line:
                raise ImportFailed(reader.issues) from None
            continue
        if not any(cell.strip() for cell in fields):
            continue  # blank lines are not records (Excel often leaves some at the end)
        if not header_line:
            header_line = start
            positions = reader.header(fields, start)
            if positions is None:
                raise ImportFailed(reader.issues)
            continue
        number += 1
        shaped = reader.shape(fields, number, start, lines[start - 1])
        if shaped is None or positions is None:
            continue
        row = reader.record(number, start, shaped, positions)
        if row is not None:
            records.append(row)

    if not header_line:
        names = ", ".join(column.name for column in _COLUMNS[kind])
        reader.issue(f"a header row naming the columns: {names}", line=1)
    seen: dict[object, Record] = {}
    for row in records:
        column, shown, key = _duplicate_key(row)
        first = seen.setdefault(key, row)
        if first is not row:
            reader.issue(
                _duplicate_expected(row, first),
                record=row.record,
                line=row.line,
                column=column,
                value=shown,
            )
    if reader.issues:
        raise ImportFailed(sorted(reader.issues, key=lambda issue: issue.line or 0))
    return ParsedFile(kind, reader.file, records, reader.notes)


# -- writing ----------------------------------------------------------------------------------

_WRITERS: dict[ImportKind, Callable[..., imports.WriteResult]] = {
    ImportKind.ACCOUNTS: imports.upsert_accounts,
    ImportKind.CONTACTS: imports.upsert_contacts,
    ImportKind.TOUCHPOINTS: imports.upsert_touchpoints,
}


def import_csv(
    db: Database, kind: ImportKind, path: Path, *, schedule: Schedule | None = None
) -> ImportSummary:
    """Validate the whole file, then write it in one transaction, or raise ImportFailed.

    With a `schedule`, the accounts whose facts the file changed (accounts, touches) are
    rescheduled in that same transaction, so the queue never shows them stale, and the health
    scores an accounts file sets or changes are recorded as snapshots of `schedule.today`.
    """
    parsed = parse_file(kind, Path(path))
    with db.writing() as session:
        if parsed.kind is ImportKind.ACCOUNTS:
            result = imports.upsert_accounts(
                session,
                parsed.rows,  # type: ignore[arg-type]
                today=schedule.today if schedule else None,
            )
        else:
            result = _WRITERS[parsed.kind](session, parsed.rows)
        if result.problems:  # raised inside the transaction: it rolls back
            raise ImportFailed(
                [
                    ImportIssue(parsed.file, p.record, p.line, p.column, p.value, p.expected)
                    for p in result.problems
                ]
            )
        if schedule is not None and result.account_ids:
            schedule.recompute(session, result.account_ids)
    return ImportSummary(
        kind=parsed.kind,
        file=parsed.file,
        created=result.created,
        updated=result.updated,
        new_team_members=result.new_team_members,
        notes=[*parsed.notes, *result.notes],
    )
