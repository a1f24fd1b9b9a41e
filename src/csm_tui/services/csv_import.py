"""All-or-nothing import of a CRM export (accounts, contacts or touchpoints) from CSV.

Two phases (reliability.md section 5.2): the whole file is read and validated first, collecting
every problem with its record number, physical line and column; only a clean file is written,
in one transaction, by `csm_tui.store.imports`. References that need the database (an unknown
account, a manager who is nobody) are checked inside that transaction and raise `ImportFailed`
there, which rolls it back. Bad input never raises anything but `ImportFailed`.

A mapping (`domain.mapping_file`) says which of the export's columns feed csm's, turns its
values into csm's and fills in defaults; dates are ISO, or slash dates in the order the file's
own values prove (`domain.dates`). Problems repeated over many records are reported once each,
with a count and an example (`ImportFailed`).

Control characters in a cell csm reads (ESC, BEL, DEL, the C1 range...) are refused, each at its
record, line and column, not stripped: they would garble the screen's columns (ESC starts a
terminal command), and what stripping leaves of an escape sequence ("[31m") is no cleaner. Line
breaks and tabs are text only in a touch's summary. A file that ends inside its last record
(inside a quoted field, or fewer fields than the header with no line end after them) was cut
off: "the last record is incomplete", not a shorter record imported.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from csm_tui.domain.dates import (
    AmbiguousDate,
    SlashDates,
    day_parser,
    is_slash_date,
    parse_iso_day,
    slash_dates,
)
from csm_tui.domain.import_columns import (
    COLUMNS,
    Column,
    ImportKind,
    column_key,
    value_key,
)
from csm_tui.domain.mapping_file import ImportMapping, KindMapping
from csm_tui.errors import CsmError
from csm_tui.services.scheduling import Schedule
from csm_tui.store import imports
from csm_tui.store.bulk import bulk_session
from csm_tui.store.database import Database
from csm_tui.store.memory import gc_paused

if TYPE_CHECKING:
    from sqlmodel import Session

__all__ = [
    "ImportFailed",
    "ImportIssue",
    "ImportKind",
    "ImportSummary",
    "ParsedFile",
    "import_csv",
    "parse_file",
]

#: Problem lines an import failure prints before "and N more".
MAX_PROBLEM_LINES = 20
#: Records named on a line that groups one problem repeated over many.
MAX_RECORDS_NAMED = 3
#: Different values shown on a line that groups one problem repeated over many.
MAX_EXAMPLES = 3
#: Names on the line of ignored columns before "and N more".
MAX_IGNORED_NAMED = 12

#: (phase, done, total): "reading" counts records; other phases are one step of unknown length.
Progress = Callable[[str, int, int | None], None]


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


def grouped(issues: Sequence[ImportIssue]) -> list[str]:
    """One line per problem: the same one in many records (same column, same expectation) is
    one line with the count, the first records and an example value, in the order of the
    file."""
    groups: dict[tuple[str | None, str], list[ImportIssue]] = {}
    single: list[tuple[int, ImportIssue]] = []
    for issue in issues:
        if issue.record is None:
            single.append((issue.line or 0, issue))
        else:
            groups.setdefault((issue.column, issue.expected), []).append(issue)
    lines: list[tuple[int, str]] = [(line, str(issue)) for line, issue in single]
    for members in groups.values():
        first = members[0]
        if len(members) == 1:
            lines.append((first.line or 0, str(first)))
            continue
        records = ", ".join(str(issue.record) for issue in members[:MAX_RECORDS_NAMED])
        if len(members) > MAX_RECORDS_NAMED:
            records += f" and {len(members) - MAX_RECORDS_NAMED} more"
        where = f"{first.file}, column {first.column}" if first.column else first.file
        if first.value is None:
            what = f"{len(members)} records"
        else:
            examples = list(dict.fromkeys(issue.value for issue in members))
            like = ", ".join(repr(value) for value in examples[:MAX_EXAMPLES])
            what = f"{len(members)} values like {like} are not valid"
        at = f"; first at line {first.line}" if first.line is not None else ""
        lines.append(
            (
                first.line or 0,
                f"{where}: {what} (records {records}{at}); expected {first.expected}",
            )
        )
    lines.sort(key=lambda pair: pair[0])
    return [text for _line, text in lines]


class ImportFailed(CsmError):
    """The file was not imported (nothing was written); `issues` lists every problem found."""

    def __init__(self, issues: Sequence[ImportIssue]) -> None:
        self.issues = list(issues)
        super().__init__(str(self))

    def __str__(self) -> str:
        count = len(self.issues)
        head = f"{count} problem{'' if count == 1 else 's'} found, nothing was imported:"
        lines = grouped(self.issues)
        shown = lines[:MAX_PROBLEM_LINES]
        if len(lines) > len(shown):
            shown.append(f"and {len(lines) - len(shown)} more")
        return "\n".join([head, *(f"  {line}" for line in shown)])


@dataclass(frozen=True)
class QueueSize:
    """The first triage queue a dry run foresees: the team's, on the day csm works on."""

    on: date
    rows: int  # one per account, as the queue shows them
    items: int  # every item due
    overdue: int  # rows whose item is overdue


@dataclass(frozen=True)
class ImportSummary:
    kind: ImportKind
    file: str
    created: int
    updated: int
    new_team_members: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: What the user should act on (owners the mapping cannot name, rows skipped...).
    warnings: list[str] = field(default_factory=list)
    records: int = 0  # records in the file
    skipped: int = 0  # records left out by --skip-unknown-accounts
    rejects_file: Path | None = None
    dry_run: bool = False
    first_queue: QueueSize | None = None


# -- reading ----------------------------------------------------------------------------------

#: Bytes that are not UTF-8 survive decoding as lone surrogates ("surrogateescape").
_NOT_UTF8 = re.compile("[\udc80-\udcff]")
#: Control characters no cell may hold: C0 but tab and line ends, DEL, C1 (NUL is said apart).
_CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: What only a multi-line column may hold: tabs and line breaks (Unicode's too).
_BREAK = re.compile("[\t\n\r\u2028\u2029]")
#: Any of the above but line ends: a file without them (and without a record over several lines)
#: needs no check of each cell.
_SUSPECT = re.compile("[\udc80-\udcff\x00-\x08\t\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_NAMES = {
    "\x07": "BEL",
    "\x08": "backspace",
    "\x0b": "vertical tab",
    "\x0c": "form feed",
    "\x1a": "SUB",
    "\x1b": "ESC",
    "\x7f": "DEL",
    "\x85": "NEL",
    "\x9b": "CSI",
}

Record = imports.AccountIn | imports.ContactIn | imports.TouchpointIn


@dataclass(frozen=True)
class ParsedFile:
    """A file that passed every check that needs no database."""

    kind: ImportKind
    file: str
    rows: list[Record]
    notes: list[str]
    warnings: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    #: Each record's fields as written, by record number (contacts and touchpoints: the rows
    #: `--skip-unknown-accounts` may leave out are written back as they came).
    raw: dict[int, list[str]] = field(default_factory=dict)
    had_bom: bool = False
    records: int = 0


def _shown(text: str, limit: int = 60) -> str:
    """A cell or line as it can be printed: undecodable bytes as '\ufffd', long text cut."""
    text = _NOT_UTF8.sub("\ufffd", text.rstrip("\r\n"))
    return text if len(text) <= limit else text[: limit - 1] + "…"


_INCOMPLETE = "a complete record: the last record is incomplete, the file ends"
_CUT = " (was it cut off while being copied or downloaded? copy or export it again)"


def _csv_expected(error: csv.Error) -> str:
    message = str(error)
    if "unexpected end of data" in message:
        return "a closing double quote: a quoted field of this record is never closed"
    if "expected after" in message:
        return 'a comma or a line end after a closing quote (write a quote inside a field as "")'
    if "field limit" in message:
        return f"fields under {csv.field_size_limit()} characters (is a quote never closed?)"
    return f"well-formed CSV ({message})"


def likely_column(wanted: Iterable[str], header: Iterable[str]) -> str | None:
    """The header column a missing one most likely is: difflib's ratio of the names, raised
    when they share a word ('external_id' and 'account_id' share 'id'); None if none is
    close."""
    best, best_score = None, 0.0
    wanted_keys = [column_key(name) for name in wanted]
    for name in header:
        key = column_key(name)
        if not key:
            continue
        for want in wanted_keys:
            score = difflib.SequenceMatcher(None, want, key).ratio()
            if set(want.split("_")) & set(key.split("_")):
                score += 0.3
            if score > best_score:
                best, best_score = name.strip(), score
    return best if best_score >= 0.6 else None


def _names(names: Iterable[str], limit: int = MAX_IGNORED_NAMED) -> str:
    names = list(names)
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


@dataclass
class _Cell:
    """How one column of this file is read: where, through which value map, with what parser,
    and the values it has parsed (a column repeats a few segments, dates, owners...)."""

    column: Column
    position: int
    values: dict[str, str]
    parse: Callable[[str], object]
    parsed: dict[str, object] = field(default_factory=dict)


_UNKNOWN = object()

#: Values remembered per column: enough for every date of a few years, not every name.
_REMEMBERED = 4096


class _Reader:
    """Collects issues for one file while walking it record by record."""

    def __init__(
        self, kind: ImportKind, path: Path, mapping: ImportMapping | None, date_format: str | None
    ) -> None:
        self.kind = kind
        self.file = path.name
        self.mapping = mapping
        self.rules: KindMapping = mapping.kind(kind) if mapping else KindMapping()
        self.date_format = date_format or (mapping.date_format if mapping else None)
        self.issues: list[ImportIssue] = []
        self.notes: list[str] = []
        self.warnings: list[str] = []
        self.names: list[str] = []
        self.cells: list[_Cell] = []
        self.defaults: dict[str, object] = {}  # column name -> parsed default
        self.check_text = True
        self.unmapped_owners: Counter[str] = Counter()

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

    def bad_text(
        self, text: str, record: int | None, line: int, column: Column | None = None
    ) -> bool:
        """Report what no database should store: bytes that are not UTF-8, and NUL; and in a
        cell csm reads (`column`), control characters, and line breaks where they do not
        belong (they break the screen's columns)."""
        expected = _unstorable(text)
        if expected is None and column is not None:
            expected = _unshowable(text, column)
        if expected is None:
            return False
        self.issue(
            expected,
            record=record,
            line=line,
            column=column.name if column else None,
            value=_shown(text),
        )
        return True

    # -- the header ---------------------------------------------------------------------------

    def header(self, names: list[str], line: int) -> bool:
        """Find each csm column in the header (through the mapping); False if it is unusable."""
        if any(self.bad_text(raw, None, line, None) for raw in names):
            return False  # most likely not a CSV file at all: the rest would be noise
        self.names = [column_key(name) for name in names]
        where: dict[str, list[int]] = {}
        for position, key in enumerate(self.names):
            if key:
                where.setdefault(key, []).append(position)
        used: set[int] = set()
        usable = True
        missing_mapped: list[str] = []
        found = ", ".join(repr(_shown(name, 30)) for name in names[:8]) + (
            ", …" if len(names) > 8 else ""
        )
        for column in COLUMNS[self.kind]:
            sources = self.rules.columns.get(column.name)
            candidates = [column_key(source) for source in sources or ()]
            if column.name not in self.rules.strict and sources != ():
                candidates.append(column.name)  # a file already in csm's shape still reads
            sources = sources or ()
            match = next((key for key in candidates if key in where), None)
            if match is not None:
                positions = where[match]
                if len(positions) > 1:
                    self.issue(
                        f"each column once in the header (also column {positions[0] + 1})",
                        line=line,
                        column=column.name,
                        value=names[positions[1]].strip(),
                    )
                    usable = False
                    continue
                used.add(positions[0])
                self.cells.append(_Cell(column, positions[0], {}, column.parse))
                continue
            has_default = column.name in self.rules.defaults
            if column.name in self.rules.strict or (column.required and not has_default):
                unused = [name for position, name in enumerate(names) if position not in used]
                self.issue(
                    self._missing(column.name, sources, found, unused),
                    line=line,
                    column=column.name,
                )
                usable = False
            elif sources and not has_default:
                missing_mapped.append(column.name)
        ignored = [
            repr(names[position].strip())
            if self.names[position]
            else f"unnamed column {position + 1}"
            for position in range(len(names))
            if position not in used
        ]
        if ignored:
            count = len(ignored)
            label = "column" if count == 1 else f"{count} columns"
            self.notes.append(f"ignored {label}: {_names(ignored)}")
        if missing_mapped:
            self.notes.append(
                f"not in the file, not imported: {', '.join(missing_mapped)} "
                f"(the {self.mapping.name if self.mapping else ''} mapping names no column "
                "the file has; --map COLUMN=HEADER names one)"
            )
        return usable

    def _missing(self, name: str, sources: Sequence[str], found: str, unused: list[str]) -> str:
        if name in self.rules.strict:
            wanted = f"a column named {sources[0]!r} in the header (--map {name}={sources[0]})"
        elif sources:
            among = " or ".join(repr(source) for source in sources)
            mapping = self.mapping.name if self.mapping else ""
            wanted = f"a column {among} (the {mapping} mapping's {name}) in the header"
        else:
            wanted = f"a column named {name} in the header"
        expected = f"{wanted} (found: {found})"
        close = likely_column([name, *sources], unused)
        if close is not None:
            expected += f"; did you mean {close!r}?"
            if close.isprintable():  # a header with ESC in it is not typed back raw
                expected += f" (--map {name}={close})"
        return expected

    # -- defaults, value maps and dates -----------------------------------------------------

    def prepare(self, records: list[tuple[int, int, list[str]]]) -> None:
        """Settle how each column is read, now that the header and every record are known."""
        for cell in self.cells:
            cell.values = dict(self.rules.values.get(cell.column.name, {}))
        for name, text in self.rules.defaults.items():
            column = next(c for c in COLUMNS[self.kind] if c.name == name)
            self.defaults[name] = parse_iso_day(text) if column.is_date else column.parse(text)
            if not any(cell.column.name == name for cell in self.cells):
                self.notes.append(
                    f"{name}: not in the file; the {self.kind} it creates get {text!r} "
                    "(the mapping's default)"
                )
        dated = [cell for cell in self.cells if cell.column.is_date]
        if not dated:
            return
        fmt = self.date_format
        if fmt is None:
            evidence = slash_dates(
                cell.values.get(value_key(text), text) if cell.values else text
                for cell in dated
                for _number, _line, fields in records
                if "/" in (text := fields[cell.position].strip()) or cell.values
            )
            if evidence.contradictory:
                self._contradiction(evidence)
                for cell in dated:  # each slash date is in question: said once, above
                    cell.parse = _iso_or_none
                return
            fmt = self._date_order(evidence)
        parse = day_parser(fmt)
        for cell in dated:
            cell.parse = parse

    def _contradiction(self, evidence: SlashDates) -> None:
        self.issue(
            f"dates in one order: {evidence.month_first!r} can only be M/D/YYYY and "
            f"{evidence.day_first!r} only D/M/YYYY; correct them, or pass --date-format "
            "%m/%d/%Y (or %d/%m/%Y) to read the whole file one way"
        )

    def _date_order(self, evidence: SlashDates) -> str | None:
        fmt = evidence.format
        if fmt is not None:
            order = "M/D/YYYY (month first)" if fmt.startswith("%m") else "D/M/YYYY (day first)"
            proof = evidence.month_first or evidence.day_first
            self.notes.append(f"dates read as {order}, as values like {proof!r} show")
        return fmt

    # -- the records ------------------------------------------------------------------------

    def shape(
        self, fields: list[str], number: int, line: int, raw: str, *, last: bool = False
    ) -> list[str] | None:
        """The record's fields if they line up with the header's, else None and an issue.

        Spreadsheets add or drop empty trailing cells: blank cells past the header's end, and
        missing cells under trailing unnamed header columns, are not worth an error. Too few
        fields in the `last` record of a file with no line end after it: the file was cut off.
        """
        full = len(self.names)
        named = full
        while named and not self.names[named - 1]:
            named -= 1
        if len(fields) > full and not any(cell.strip() for cell in fields[full:]):
            fields = fields[:full]
        if named <= len(fields) <= full:
            return fields + [""] * (full - len(fields))
        expected = f"{full} fields like the header, found {len(fields)}"
        if last and len(fields) < named:
            expected = (
                f"{_INCOMPLETE} after {len(fields)} of the header's {full} fields, with no "
                f"line end{_CUT}"
            )
        elif len(fields) < named:
            missing = ", ".join(self.names[len(fields) : len(fields) + 3])
            more = ", …" if named - len(fields) > 3 else ""
            expected += f" (nothing for {missing}{more})"
        self.issue(expected, record=number, line=line, value=_shown(raw))
        return None

    def owner(self, text: str) -> str | None:
        """An owner cell: an e-mail as written, or the e-mail the mapping gives a CRM user id
        or name (None, and counted, if it gives none)."""
        if "@" in text or self.mapping is None:
            return text
        email = self.mapping.owner_email(text)
        if email is None:
            self.unmapped_owners[text] += 1
        return email

    def record(self, number: int, line: int, fields: list[str]) -> Record | None:
        cells: dict[str, object] = {}
        ok = True
        check_text = self.check_text
        for cell in self.cells:
            column = cell.column
            text = fields[cell.position].strip()
            if check_text and self.bad_text(text, number, line, column):
                ok = False
                continue
            parsed = cell.parsed.get(text, _UNKNOWN) if text else _UNKNOWN
            if parsed is not _UNKNOWN:
                cells[column.name] = parsed
                continue
            raw = text
            if cell.values and text:
                text = cell.values.get(value_key(text), text)
            if text and column.is_owner:
                owner = self.owner(text)
                if owner is None:
                    continue  # the owner stays as it is: said once in the summary
                text = owner
            if not text:
                if column.name in self.defaults:
                    continue  # the default, for the records this import creates
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
                continue
            try:
                value = cell.parse(text)
            except AmbiguousDate:
                self.issue(
                    "a date in a known order: no day in this file is past 12, so M/D/YYYY and "
                    "D/M/YYYY both fit; pass --date-format %m/%d/%Y (or %d/%m/%Y)",
                    record=number,
                    line=line,
                    column=column.name,
                    value=_shown(text),
                )
                ok = False
            except ValueError as error:
                expected = str(error)
                if column.choices:
                    expected += (
                        f" (a mapping's [{self.kind}.values.{column.name}] can translate the "
                        "file's values)"
                    )
                self.issue(
                    expected, record=number, line=line, column=column.name, value=_shown(text)
                )
                ok = False
            else:
                cells[column.name] = value
                if raw == text and len(cell.parsed) < _REMEMBERED:
                    cell.parsed[raw] = value  # the same cell text always reads the same
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
        return self.build(number, line, cells) if ok else None

    def build(self, record: int, line: int, cells: dict[str, object]) -> Record:
        """Turn one record's parsed cells (only the columns present) into what the store
        takes, with the defaults for the records the import creates."""
        kind = self.kind
        columns = COLUMNS[kind]
        if kind is ImportKind.TOUCHPOINTS:
            # A touch is one event: its defaults are part of what it is, new or not.
            cells = {**{k: v for k, v in self.defaults.items() if cells.get(k) is None}, **cells}
        values = {c.attr: cells[c.name] for c in columns if c.attr and c.name in cells}
        defaults = {
            c.attr: self.defaults[c.name]
            for c in columns
            if c.attr and c.name in self.defaults and c.name not in values
        }
        if kind is ImportKind.ACCOUNTS:
            return imports.AccountIn(
                record,
                line,
                external_id=str(cells["external_id"]),
                values=values,
                owner_email=cells.get("owner_email"),  # type: ignore[arg-type]
                sets_owner="owner_email" in cells,
                defaults=defaults,
                default_owner_email=self.defaults.get("owner_email"),  # type: ignore[arg-type]
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
                defaults=defaults,
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

    def owners_warning(self) -> None:
        if not self.unmapped_owners:
            return
        records = sum(self.unmapped_owners.values())
        users = _names(
            (f"{user} ({count})" for user, count in self.unmapped_owners.most_common()), 5
        )
        mapping = self.mapping
        where = mapping.owners_file if mapping and mapping.owners_file else "a mapping file"
        then = "import again"
        if mapping is not None and mapping.name == "--map" and mapping.owners_file:
            then = f"import again with --mapping {Path(mapping.owners_file).stem}"
        first = next(iter(self.unmapped_owners))
        self.warnings.append(
            f"owner: {records} records name CRM users the mapping has no e-mail for: {users}; "
            "those records come in without an owner (the ones already imported keep theirs): "
            f'map each under [owners] in {where}, like "{first}" = "name@example.com", and '
            f"{then}"
        )


def _unstorable(text: str) -> str | None:
    """What a text no database should store was expected to be: UTF-8, without NUL."""
    if _NOT_UTF8.search(text):
        return 'UTF-8 text (save the file as "CSV UTF-8"); this looks like another encoding'
    if "\x00" in text:
        return "text without NUL characters (is this a binary file?)"
    return None


def _unshowable(text: str, column: Column) -> str | None:
    """What a cell that would garble the screen was expected to be (None if it would not)."""
    control = _CONTROL.search(text)
    if control is not None:
        char = control.group()
        said = f"U+{ord(char):04X}"
        if char in _CONTROL_NAMES:
            said = f"{_CONTROL_NAMES[char]}, {said}"
        return (
            f"text without control characters (this has {said}, which a terminal may take "
            "as a command); remove them in the file"
        )
    if not column.multiline and _BREAK.search(text):
        return "text on one line, without tabs (a line break or a tab breaks the screen's columns)"
    return None


def _iso_or_none(text: str) -> date | None:
    return None if is_slash_date(text) else parse_iso_day(text)


def _decode(raw: bytes) -> str | None:
    """The file's text as `open(encoding="utf-8-sig", newline="")` would read it, but bytes
    that are not UTF-8 kept (as surrogates) so that each can be reported in its record."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    if len(raw) >= 2 and (raw[0] == 0) != (raw[1] == 0):  # UTF-16 without a BOM: 'e\0x\0'
        return None
    return raw.decode("utf-8-sig", errors="surrogateescape")


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


def parse_file(
    kind: ImportKind,
    path: Path,
    *,
    mapping: ImportMapping | None = None,
    date_format: str | None = None,
    progress: Progress | None = None,
) -> ParsedFile:
    """Read and validate a whole file without touching any database; raise ImportFailed.

    `date_format` (`--date-format`) overrides the mapping's, which overrides what the file's
    slash dates show."""
    kind = ImportKind(kind)
    path = Path(path)
    reader = _Reader(kind, path, mapping, date_format)
    try:
        raw = path.read_bytes()
    except OSError as error:
        reader.issue(f"a readable CSV file ({error.strerror or error}: {path})")
        raise ImportFailed(reader.issues) from None
    text = _decode(raw)
    if text is None:
        reader.issue('UTF-8 text (save the file as "CSV UTF-8"); this file is UTF-16', line=1)
        raise ImportFailed(reader.issues)
    reader.check_text = bool(_SUSPECT.search(text))

    lines = io.StringIO(text, newline="").readlines()
    rows = csv.reader(iter(lines), strict=True)
    cut_off = not text.endswith(("\n", "\r"))  # a last record with no line end may be cut
    header: list[str] | None = None
    found: list[tuple[int, int, list[str]]] = []  # (record, line, fields) of well-shaped records
    number = 0
    while True:
        start = rows.line_num + 1
        try:
            fields = next(rows)
        except StopIteration:
            break
        except csv.Error as error:
            if header is not None:
                number += 1
            raw_line = lines[start - 1] if start <= len(lines) else ""
            expected = _csv_expected(error)
            if header is not None and cut_off and "unexpected end of data" in str(error):
                expected = _INCOMPLETE + " inside a quoted field" + _CUT
            reader.issue(expected, record=number or None, line=start, value=_shown(raw_line))
            if header is None:
                raise ImportFailed(reader.issues) from None
            continue
        if not "".join(fields).strip():
            continue  # blank lines are not records (Excel often leaves some at the end)
        if header is None:
            header = fields
            if not reader.header(fields, start):
                raise ImportFailed(reader.issues)
            continue
        if rows.line_num > start:
            reader.check_text = True  # a line break in a quoted cell: not in every column
        number += 1
        last = cut_off and rows.line_num >= len(lines)
        shaped = reader.shape(fields, number, start, lines[start - 1], last=last)
        if shaped is not None:
            found.append((number, start, shaped))

    if header is None:
        names = ", ".join(column.name for column in COLUMNS[kind])
        reader.issue(f"a header row naming the columns: {names}", line=1)
        raise ImportFailed(reader.issues)
    reader.prepare(found)
    records: list[Record] = []
    step = max(len(found) // 100, 1000)
    with gc_paused():
        for index, (number, start, fields) in enumerate(found):
            if progress is not None and index % step == 0:
                progress("reading", index, len(found))
            row = reader.record(number, start, fields)
            if row is not None:
                records.append(row)
    if progress is not None:
        progress("reading", len(found), len(found))

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
    reader.owners_warning()
    keep_raw = kind is not ImportKind.ACCOUNTS
    return ParsedFile(
        kind,
        reader.file,
        records,
        reader.notes,
        reader.warnings,
        header=header,
        raw={number: fields for number, _line, fields in found} if keep_raw else {},
        had_bom=raw.startswith(b"\xef\xbb\xbf"),
        records=number,
    )


# -- writing ----------------------------------------------------------------------------------


@dataclass
class Written:
    """What one import wrote (or, in a dry run, would write), inside its transaction."""

    result: imports.WriteResult
    skipped: list[tuple[Record, str]] = field(default_factory=list)  # (record, why)


def write_parsed(
    session: Session,
    parsed: ParsedFile,
    *,
    schedule: Schedule | None = None,
    skip_unknown_accounts: bool = False,
    progress: Progress | None = None,
) -> Written:
    """Write a parsed file in the caller's transaction, or raise ImportFailed (the caller's
    transaction then rolls back). With `skip_unknown_accounts`, the contacts and touchpoints
    of accounts that do not exist are left out and returned instead of failing the import."""
    rows: Sequence[Record] = parsed.rows
    skipped: list[tuple[Record, str]] = []
    if skip_unknown_accounts and parsed.kind is not ImportKind.ACCOUNTS:
        known = imports.live_account_keys(
            session,
            (row.account_external_id for row in rows),  # type: ignore[union-attr]
        )
        kept: list[Record] = []
        for row in rows:
            external_id = row.account_external_id  # type: ignore[union-attr]
            if external_id in known:
                kept.append(row)
            else:
                skipped.append((row, f"no account has the external_id {external_id!r}"))
        rows = kept
    if progress is not None:
        progress("writing", 0, None)
    with gc_paused(), bulk_session(session.connection()):
        if parsed.kind is ImportKind.ACCOUNTS:
            result = imports.upsert_accounts(
                session,
                rows,  # type: ignore[arg-type]
                today=schedule.today if schedule else None,
            )
        elif parsed.kind is ImportKind.CONTACTS:
            result = imports.upsert_contacts(session, rows)  # type: ignore[arg-type]
        else:
            result = imports.upsert_touchpoints(session, rows)  # type: ignore[arg-type]
    if result.problems:  # raised inside the transaction: it rolls back
        hint = "; or pass --skip-unknown-accounts to import the others"
        raise ImportFailed(
            [
                ImportIssue(
                    parsed.file,
                    p.record,
                    p.line,
                    p.column,
                    p.value,
                    p.expected + (hint if p.column == "account_external_id" else ""),
                )
                for p in result.problems
            ]
        )
    if schedule is not None and result.account_ids:
        if progress is not None:
            progress("rescheduling", 0, None)
        schedule.recompute(session, result.account_ids)
    return Written(result, skipped)


def summary_of(
    parsed: ParsedFile,
    written: Written,
    *,
    rejects_file: Path | None = None,
    dry_run: bool = False,
    first_queue: QueueSize | None = None,
) -> ImportSummary:
    result = written.result
    return ImportSummary(
        kind=parsed.kind,
        file=parsed.file,
        created=result.created,
        updated=result.updated,
        new_team_members=result.new_team_members,
        notes=[*parsed.notes, *result.notes],
        warnings=list(parsed.warnings),
        records=parsed.records,
        skipped=len(written.skipped),
        rejects_file=rejects_file,
        dry_run=dry_run,
        first_queue=first_queue,
    )


def import_csv(
    db: Database,
    kind: ImportKind,
    path: Path,
    *,
    schedule: Schedule | None = None,
    mapping: ImportMapping | None = None,
    date_format: str | None = None,
) -> ImportSummary:
    """Validate the whole file, then write it in one transaction, or raise ImportFailed.

    With a `schedule`, the accounts whose facts the file changed (accounts, touches) are
    rescheduled in that same transaction, so the queue never shows them stale, and the health
    scores an accounts file sets or changes are recorded as snapshots of `schedule.today`.
    """
    parsed = parse_file(kind, Path(path), mapping=mapping, date_format=date_format)
    with db.writing() as session:
        written = write_parsed(session, parsed, schedule=schedule)
    return summary_of(parsed, written)
