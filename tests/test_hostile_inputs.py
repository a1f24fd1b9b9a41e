"""Inputs an attacker of our own app would try (issue 19): dates no plan can hold, config files
and paths that cannot be used, odd characters and digits, files cut off mid-record. Each ends
as one clear line and exit 1 (the data) or 2 (the command line), never a traceback, and an
import that fails writes nothing. The generated tests at the end throw mutated files at the
real entry point (`csm`, through click's CliRunner)."""

from __future__ import annotations

import csv
import errno
import hashlib
import io
import json
import os
import re
import sqlite3
import tempfile
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from csm_tui.domain.calendar import EARLIEST, LATEST
from csm_tui.services.csv_import import ImportFailed, ImportKind, parse_file
from csm_tui.settings import build_settings
from csm_tui.store.database import DatabaseError, normalise_url
from tests.test_cli import TODAY, csm

DATA = Path(__file__).parent / "data" / "csv"

ACCOUNTS = ImportKind.ACCOUNTS
TOUCHPOINTS = ImportKind.TOUCHPOINTS
HEADER = "external_id,name,segment,arr,contract_start,renewal_date,go_live_date,health_score"
RANGE = "expected a date from 1900-01-01 to 2199-12-31 (the dates csm plans in)"


def write(directory: Path, text: str, name: str = "accounts.csv") -> Path:
    path = directory / name
    path.write_bytes(text.encode("utf-8"))
    return path


def failure(kind: ImportKind, path: Path) -> ImportFailed:
    with pytest.raises(ImportFailed) as caught:
        parse_file(kind, path)
    return caught.value


def team_rows(book: Path) -> list[dict[str, object]]:
    result = csm("--db", str(book), "--today", TODAY, "accounts", "--team", "--format", "json")
    assert result.exit_code == 0, result.output
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def located(error: ImportFailed) -> list[tuple[int | None, int | None, str | None, str]]:
    return [(i.record, i.line, i.column, i.expected) for i in error.issues]


# -- extreme dates ------------------------------------------------------------------------------


def test_extreme_dates_in_a_csv_are_row_errors_naming_the_range(tmp_path: Path) -> None:
    """0001-01-01 and 9999-12-31 are well-formed ISO dates that overflowed the scheduler."""
    path = write(
        tmp_path,
        f"{HEADER}\n"
        "A-1,One,smb,,2020-01-01,0001-01-01,,\n"
        "A-2,Two,smb,,9999-12-31,2027-01-01,9999-12-31,\n"
        "A-3,Three,smb,,1900-01-01,2199-12-31,,\n",
    )
    error = failure(ACCOUNTS, path)
    range_expected = RANGE.removeprefix("expected ")
    assert located(error) == [
        (1, 2, "renewal_date", range_expected),
        (2, 3, "contract_start", range_expected),
        (2, 3, "go_live_date", range_expected),
    ]
    assert (
        f"accounts.csv, record 1 (line 2), column renewal_date: '0001-01-01' is not valid; {RANGE}"
        in str(error)
    )


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999+14:00",
        "9999-12-31 10:04",
        "1899-12-31T23:59:59-05:00",
        "2200-01-01T00:00:00.000+0000",
    ],
)
def test_extreme_datetimes_are_row_errors_too(tmp_path: Path, value: str) -> None:
    path = write(
        tmp_path,
        f"account_external_id,occurred_on,kind,summary\nA-1,{value},note,Hello\n",
        "touchpoints.csv",
    )
    assert located(failure(TOUCHPOINTS, path)) == [
        (1, 2, "occurred_on", RANGE.removeprefix("expected "))
    ]


def test_extreme_slash_dates_are_row_errors_in_either_order(tmp_path: Path) -> None:
    """The order is proven by 12/31/2026; 01/01/0001 is then a date, but out of range."""
    path = write(
        tmp_path,
        "external_id,name,segment,renewal_date\nA-1,One,smb,12/31/2026\nA-2,Two,smb,01/01/0001\n",
    )
    assert located(failure(ACCOUNTS, path)) == [
        (2, 3, "renewal_date", RANGE.removeprefix("expected "))
    ]


def test_extreme_dates_through_the_cli_write_nothing(tmp_path: Path) -> None:
    book = tmp_path / "book.db"
    path = write(tmp_path, f"{HEADER}\nA-1,One,smb,,,9999-12-31,,\n")
    result = csm("--db", str(book), "--today", TODAY, "import", "accounts", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: 1 problem found, nothing was imported:",
        "  accounts.csv, record 1 (line 2), column renewal_date: '9999-12-31' is not valid; "
        + RANGE,
    ]
    assert not book.exists()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "2200-01-01"])
def test_today_outside_the_range_is_a_usage_error(tmp_path: Path, day: str) -> None:
    result = csm("--db", str(tmp_path / "book.db"), "--today", day, "accounts", "--team")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"Error: Invalid value for '--today': '{day}' is outside the dates csm plans in: "
        "use a day from 1900-01-01 to 2199-12-31"
    )
    by_env = csm(
        "--db", str(tmp_path / "book.db"), "accounts", "--team", env={"CSM_TUI_TODAY": day}
    )
    assert by_env.exit_code == 2 and "1900-01-01 to 2199-12-31" in by_env.stderr


@pytest.mark.parametrize("day", ["1900-01-01", "2199-12-31"])
def test_the_ends_of_the_range_are_days_csm_works_on(tmp_path: Path, day: str) -> None:
    book = tmp_path / "book.db"
    path = write(tmp_path, f"{HEADER}\nA-1,One,smb,10,{day},{day},{day},50\n")
    assert csm("--db", str(book), "--today", day, "import", "accounts", str(path)).exit_code == 0
    result = csm("--db", str(book), "--today", day, "queue", "--team", "--format", "json")
    assert result.exit_code == 0, result.output


# -- config and paths ---------------------------------------------------------------------------


def config_file(directory: Path, content: bytes) -> Path:
    path = directory / "config.toml"
    path.write_bytes(content)
    return path


def one_error_line(result: Result) -> str:
    """The whole output of a refused command: exit 1 and a single line."""
    assert result.exit_code == 1, result.output
    [line] = result.output.splitlines()
    return line


def test_a_database_in_a_folder_you_cannot_write_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Monkeypatched at the OS boundary (`os.open`, as `EACCES`): tests run as root, whom
    chmod does not stop. The PermissionError was a 46-line traceback."""
    locked = tmp_path / "locked"
    locked.mkdir()
    real_open = os.open

    def refusing(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if Path(os.fsdecode(path)).parent == locked and flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fsdecode(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing)
    book = locked / "book.db"
    assert one_error_line(csm("--db", str(book), "accounts", "--team")) == (
        f"Error: cannot create the database {book}: permission denied (check its permissions "
        "and its folder's); name another path (--db) or make that folder writable"
    )
    imported = csm("--db", str(book), "import", "accounts", str(DATA / "accounts.csv"))
    assert one_error_line(imported).startswith(f"Error: cannot create the database {book}: ")
    assert not book.exists()


def test_a_default_database_under_a_file_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real refusal (ENOTDIR), which stops root too: the data folder is a file."""
    blocker = tmp_path / "data"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    assert one_error_line(csm("accounts", "--team")) == (
        f"Error: cannot create the database {blocker / 'csm-tui' / 'csm.db'} (at "
        f"{blocker / 'csm-tui'}): a part of the path is a file, not a folder; name another "
        "path (--db) or make that folder writable"
    )


def test_a_named_database_under_a_file_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder")
    book = blocker / "book.db"
    assert one_error_line(csm("--db", str(book), "accounts", "--team")) == (
        f"Error: --db {book}: {blocker} is a file, not a folder; name a path in a folder"
    )


def test_a_name_too_long_is_one_line_with_the_path_cut(tmp_path: Path) -> None:
    """ENAMETOOLONG came out of `Path.is_dir()` as a traceback; the path is cut in the middle."""
    book = tmp_path / ("b" * 300 + ".db")
    line = one_error_line(csm("--db", str(book), "accounts", "--team"))
    assert line.startswith(f"Error: --db {tmp_path}/bbb")
    assert line.endswith(
        "bbb.db: the name is too long for the file system (at most 255 bytes for each folder "
        "or file name); name a shorter path"
    )
    assert "…" in line and len(line) < 400
    long_config = tmp_path / ("c" * 300 + ".toml")
    assert "the name is too long" in one_error_line(csm("--config", str(long_config), "accounts"))
    long_csv = tmp_path / ("d" * 300 + ".csv")
    result = csm("--db", str(tmp_path / "book.db"), "import", "accounts", str(long_csv))
    assert "the name is too long" in one_error_line(result)
    assert not (tmp_path / "book.db").exists()


@pytest.mark.parametrize("key", ["database", "rules"])
def test_a_nul_in_a_path_of_the_config_file_is_one_line(tmp_path: Path, key: str) -> None:
    """A ValueError ("embedded null byte") from pathlib before."""
    config = config_file(tmp_path, f'{key} = "{tmp_path}/bo\\u0000ok"\n'.encode())
    line = one_error_line(csm("--config", str(config), "accounts", "--team"))
    assert line.startswith(
        f"Error: {config}: {key} holds the control character '\\x00', which no path has; "
        f"write {key} without it: "
    )


def test_a_nul_in_a_database_path_is_refused_by_the_store_too() -> None:
    with pytest.raises(DatabaseError, match="holds a NUL character"):
        normalise_url("/tmp/bo\x00ok.db")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            'user_email = "café@example.com"\n'.encode("latin-1"),
            "line 1: byte 0xE9 is not UTF-8 (is the file latin-1 or Windows-1252?); save it as "
            "UTF-8 (a config file is UTF-8 text, as TOML requires)",
        ),
        (
            'database = "/data/book.db"\nuser_email = "a@example.com"\n'.encode("utf-16"),
            "the file is UTF-16, not UTF-8; save it as UTF-8",
        ),
        (
            'user_email = "a@example.com"\n'.encode("utf-16-le"),  # no BOM
            "the file is UTF-16, not UTF-8; save it as UTF-8",
        ),
    ],
)
def test_a_config_file_not_in_utf8_says_so(tmp_path: Path, content: bytes, expected: str) -> None:
    """UnicodeDecodeError out of tomllib before: it is not a TOMLDecodeError."""
    config = config_file(tmp_path, content)
    line = one_error_line(csm("--config", str(config), "accounts", "--team"))
    assert line.startswith(f"Error: {config}: {expected}")


def test_a_config_file_with_a_utf8_bom_is_read(tmp_path: Path) -> None:
    """As Notepad saves it: TOML itself has no BOM, but the intent is plain."""
    config = config_file(tmp_path, b'\xef\xbb\xbfuser_email = "a@example.com"\n')
    assert (
        build_settings(
            database=None,
            today=None,
            user_email=None,
            config_path=config,
            rules_path=None,
            system_today=date(2026, 11, 23),
        ).user_email
        == "a@example.com"
    )


@pytest.mark.parametrize(
    "content",
    [
        "x = " + "[" * 1000 + "]" * 1000,
        "x = " + "{a = " * 1000 + "}" * 1000,
    ],
)
def test_a_config_file_nested_1000_deep_is_one_line(tmp_path: Path, content: str) -> None:
    """A RecursionError (3,000 lines of traceback) out of tomllib before."""
    config = config_file(tmp_path, content.encode())
    assert one_error_line(csm("--config", str(config), "accounts", "--team")) == (
        f"Error: {config}: arrays or tables are nested too deeply to read; a config file "
        'holds only lines like key = "value"'
    )


# -- odd values ---------------------------------------------------------------------------------

CONTROL = (
    "expected text without control characters (this has {}, which a terminal may take as a "
    "command); remove them in the file"
)


@pytest.mark.parametrize(
    ("char", "said"),
    [
        ("\x1b", "ESC, U+001B"),
        ("\x07", "BEL, U+0007"),
        ("\x08", "backspace, U+0008"),
        ("\x0b", "vertical tab, U+000B"),
        ("\x0c", "form feed, U+000C"),
        ("\x01", "U+0001"),
        ("\x1f", "U+001F"),
        ("\x7f", "DEL, U+007F"),
        ("\x85", "NEL, U+0085"),
        ("\x9b", "CSI, U+009B"),
    ],
)
def test_a_control_character_in_a_cell_is_refused_at_its_cell(
    tmp_path: Path, char: str, said: str
) -> None:
    """Refused, not stripped: stripping ESC from "\\x1b[31mAcme" would store "[31mAcme"."""
    path = write(tmp_path, f"external_id,name,segment,ae\nA-1,Acme,smb,\nA-2,Glo{char}bex,smb,\n")
    error = failure(ACCOUNTS, path)
    assert located(error) == [(2, 3, "name", CONTROL.format(said).removeprefix("expected "))]
    assert f"'Glo{char}bex'" not in str(error)  # shown escaped: the terminal never gets it
    assert repr(f"Glo{char}bex") in str(error)


def test_control_characters_in_any_column_csm_reads_are_refused(tmp_path: Path) -> None:
    """In enumerated and e-mail columns too (an owner id, looked up in a mapping, is printed
    in a warning); a column csm ignores is not stored, so not checked."""
    path = write(
        tmp_path,
        "external_id,name,segment,owner_email,comment\n"
        "A-\x1b1,Acme,smb,,\n"
        "A-2,Globex,s\x1bmb,,\n"
        "A-3,Initech,smb,a\x07@example.com,\n"
        "A-4,Umbrella,smb,,\x1b[2J ignored\n",
    )
    columns = [(record, column) for record, _l, column, _e in located(failure(ACCOUNTS, path))]
    assert columns == [(1, "external_id"), (2, "segment"), (3, "owner_email")]


def test_line_breaks_and_tabs_are_text_only_in_a_summary(tmp_path: Path) -> None:
    touches = write(
        tmp_path,
        "account_external_id,occurred_on,kind,summary\n"
        'A-1,2026-01-05,note,"Quarterly review\r\n\ttwo new teams"\n',
        "touchpoints.csv",
    )
    [touch] = parse_file(TOUCHPOINTS, touches).rows
    assert touch.summary == "Quarterly review\r\n\ttwo new teams"  # type: ignore[union-attr]
    accounts = write(
        tmp_path, 'external_id,name,segment,ae\nA-1,"Acme\nCorp",smb,\nA-2,Globex,smb,Li\tWu\n'
    )
    expected = "text on one line, without tabs (a line break or a tab breaks the screen's columns)"
    assert located(failure(ACCOUNTS, accounts)) == [
        (1, 2, "name", expected),
        (2, 4, "ae", expected),
    ]


def test_control_characters_through_the_cli_write_nothing(tmp_path: Path) -> None:
    book = tmp_path / "book.db"
    csm("--db", str(book), "--today", TODAY, "import", "accounts", str(DATA / "accounts.csv"))
    before = team_rows(book)
    path = write(tmp_path, "external_id,name,segment\nA-1,\x1b]0;owned\x07Acme,smb\n")
    result = csm("--db", str(book), "--today", TODAY, "import", "accounts", str(path))
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert result.stderr.splitlines()[1] == (
        "  accounts.csv, record 1 (line 2), column name: '\\x1b]0;owned\\x07Acme' is not valid; "
        + CONTROL.format("ESC, U+001B")
    )
    assert team_rows(book) == before


@pytest.mark.parametrize(
    "digits",
    [
        "١٢٠٠٠٠",  # Arabic-Indic
        "۱۲۰۰۰۰",  # Extended Arabic-Indic (Persian)
        "１２０",  # full-width
        "१२०",  # Devanagari
        "12٣",  # mixed
        "²",  # superscript: str.isdigit() says yes
    ],
)
def test_non_ascii_digits_are_not_amounts_scores_or_dates(tmp_path: Path, digits: str) -> None:
    """`int()`, `Decimal()` and a regex's digit class take them; a CSM reading the value back
    would not see the number that was stored."""
    path = write(
        tmp_path,
        f"external_id,name,segment,arr,health_score\nA-1,Acme,smb,{digits},\n"
        f"A-2,Globex,smb,,{digits}\n",
    )
    assert [(r, c) for r, _l, c, _e in located(failure(ACCOUNTS, path))] == [
        (1, "arr"),
        (2, "health_score"),
    ]


@pytest.mark.parametrize("day", ["٢٠٢٦-١١-٢٣", "２０２６-１１-２３", "١٠/١٦/٢٠٢٤", "10/16/٢٠٢٤"])
def test_non_ascii_digits_are_not_dates(tmp_path: Path, day: str) -> None:
    path = write(
        tmp_path,
        f"external_id,name,segment,renewal_date\nA-0,Zero,smb,10/16/2024\nA-1,Acme,smb,{day}\n",
    )
    assert [(r, c) for r, _l, c, _e in located(failure(ACCOUNTS, path))] == [(2, "renewal_date")]


def test_a_file_cut_off_inside_a_quoted_field_is_incomplete(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "account_external_id,occurred_on,kind,summary\nA-1,2026-01-05,note,Hi\n"
        'A-1,2026-01-06,note,"Quarterly review\ntwo new',
        "touchpoints.csv",
    )
    assert located(failure(TOUCHPOINTS, path)) == [
        (
            2,
            3,
            None,
            "a complete record: the last record is incomplete, the file ends inside a quoted "
            "field (was it cut off while being copied or downloaded? copy or export it again)",
        )
    ]


def test_a_file_cut_off_after_fewer_fields_than_the_header_is_incomplete(tmp_path: Path) -> None:
    path = write(tmp_path, 'external_id,name,segment,arr\nA-1,Acme,smb,10\nA-2,"Globex"')
    error = failure(ACCOUNTS, path)
    assert located(error) == [
        (
            2,
            3,
            None,
            "a complete record: the last record is incomplete, the file ends after 2 of the "
            "header's 4 fields, with no line end (was it cut off while being copied or "
            "downloaded? copy or export it again)",
        )
    ]
    assert "the last record is incomplete" in str(error)


def test_a_complete_last_record_needs_no_line_end(tmp_path: Path) -> None:
    """Many tools write none: only a last record that falls short is taken as cut off."""
    path = write(tmp_path, 'external_id,name,segment,arr\nA-1,Acme,smb,10\nA-2,"Globex",smb,')
    assert [row.external_id for row in parse_file(ACCOUNTS, path).rows] == ["A-1", "A-2"]  # type: ignore[union-attr]


def test_a_quote_never_closed_in_a_file_that_ends_with_a_line_end_says_so(tmp_path: Path) -> None:
    """That is a stray quote as often as a cut: the message says what is wrong, not why."""
    path = write(tmp_path, 'external_id,name,segment\nA-1,"Acme,smb\nA-2,Globex,smb\n')
    assert located(failure(ACCOUNTS, path)) == [
        (1, 2, None, "a closing double quote: a quoted field of this record is never closed")
    ]


def test_a_header_cut_off_is_not_called_a_record(tmp_path: Path) -> None:
    path = write(tmp_path, '"external_id,name')
    assert located(failure(ACCOUNTS, path)) == [
        (None, 1, None, "a closing double quote: a quoted field of this record is never closed")
    ]


def test_a_cut_off_file_through_the_cli_writes_nothing(tmp_path: Path) -> None:
    book = tmp_path / "book.db"
    path = write(tmp_path, "external_id,name,segment,arr\nA-1,Acme,smb,10\nA-2,Globex,sm")
    result = csm("--db", str(book), "--today", TODAY, "import", "accounts", str(path))
    assert result.exit_code == 1
    assert "the last record is incomplete" in result.stderr
    assert not book.exists()


# -- generated files through the entry point ----------------------------------------------------

GENERATED = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SEGMENTS = ["enterprise", "Mid-Market", "SMB", "commercial", "scale"]
KINDS = ["note", "Cadence Call", "email", "ebr", "meeting"]
#: Values that once crashed or slipped through, and their neighbours.
HOSTILE_CELLS = [
    "0001-01-01",
    "9999-12-31",
    "9999-12-31T23:59:59.999+14:00",
    "0001-01-01 00:00",
    "1899-12-31",
    "2200-01-01",
    "02/30/2024",
    "13/13/2024",
    "9" * 40,
    "9" * 5000,
    "1e308",
    "NaN",
    "-0",
    "-1",
    "1,0000",
    "١٢٠٠٠٠",
    "１２０",
    "²",
    "\x1b[31mred",
    "a\x00b",
    "bell\x07",
    "del\x7f",
    "c1\x9b2J",
    "two\nlines",
    "tab\there",
    "line\u2028sep",
    "\ufeffbom",
    'say "hi"',
    '"',
    ",",
    "",
    " ",
    "A-1",
    "Z-404",
]
#: Bytes a mutation inserts or writes over: CSV syntax, line ends, NUL, ESC, DEL, C1 (as UTF-8),
#: bytes that are not UTF-8, and the starts of BOMs.
HOSTILE_BYTES = [
    b'"',
    b",",
    b"\n",
    b"\r",
    b"\x00",
    b"\x1b",
    b"\x7f",
    b"\xc2\x9b",
    b"\xe9",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b";",
    b"\t",
]


#: An account's name: letters, digits, spaces and punctuation of any script (commas and quotes
#: too, which csv.writer quotes).
NAME_CHARACTERS = st.characters(codec="utf-8", categories=["L", "N", "Zs", "P"])
#: A touch's summary: printable text, and the line breaks and tabs a summary may hold.
SUMMARY_CHARACTERS = st.characters(
    codec="utf-8", categories=["L", "N", "Zs", "P", "S"], include_characters="\n\t"
)
#: Options an import is tried with: none most often; a dry run must write nothing either.
IMPORT_OPTIONS = [
    [],
    [],
    [],
    ["--dry-run"],
    ["--date-format", "%d/%m/%Y"],
    ["--date-format", "%Q"],  # a usage error
    ["--skip-unknown-accounts", "--dry-run"],
]


@st.composite
def account_rows(draw: st.DrawFn) -> list[list[str]]:
    dates = st.dates(EARLIEST, LATEST).map(str) | st.just("")
    return [
        [
            f"A-{number}",
            draw(st.text(NAME_CHARACTERS, min_size=1, max_size=20).filter(str.strip)),
            draw(st.sampled_from(SEGMENTS)),
            draw(st.integers(0, 10**12).map(str) | st.just("120,000.50") | st.just("")),
            draw(dates),
            draw(dates),
            draw(dates),
            draw(st.integers(0, 100).map(str) | st.just("")),
        ]
        for number in range(1, draw(st.integers(1, 6)) + 1)
    ]


@st.composite
def touchpoint_rows(draw: st.DrawFn) -> list[list[str]]:
    return [
        [
            draw(st.sampled_from(["A-1", "A-2", "A-3"])),
            str(draw(st.dates(date(2020, 1, 1), date(2026, 11, 23)))),
            draw(st.sampled_from(KINDS)),
            draw(st.text(SUMMARY_CHARACTERS, min_size=1, max_size=40).filter(str.strip)),
        ]
        for _ in range(draw(st.integers(1, 6)))
    ]


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """(kind, file): valid rows, left alone a third of the time, else a few mutations of
    cells, bytes, encoding or length, alone or all together."""
    kind = draw(st.sampled_from(["accounts", "touchpoints"]))
    if kind == "accounts":
        header = HEADER.split(",")
        rows = draw(account_rows())
    else:
        header = ["account_external_id", "occurred_on", "kind", "summary"]
        rows = draw(touchpoint_rows())
    plan = draw(st.sampled_from(["clean", "clean", "cells", "bytes", "encoding", "cut", "all"]))
    every = plan == "all"
    for _ in range(draw(st.integers(1, 3)) if plan == "cells" or every else 0):
        row = draw(st.sampled_from(rows))
        row[draw(st.integers(0, len(row) - 1))] = draw(st.sampled_from(HOSTILE_CELLS))
    out = io.StringIO()
    ends = draw(st.sampled_from(["\n", "\r\n"]))
    csv.writer(out, lineterminator=ends).writerows([header, *rows])
    encoding = "utf-8"
    if plan == "encoding" or every:
        encoding = draw(st.sampled_from(["utf-8-sig", "utf-16", "utf-16-le", "latin-1", "cp1252"]))
    data = bytearray(out.getvalue().encode(encoding, errors="replace"))
    for _ in range(draw(st.integers(1, 3)) if plan == "bytes" or every else 0):
        at = draw(st.integers(0, len(data)))
        how = draw(st.sampled_from(["insert", "delete", "replace"]))
        chunk = draw(st.sampled_from(HOSTILE_BYTES))
        if how == "insert":
            data[at:at] = chunk
        elif how == "delete":
            del data[at : at + draw(st.integers(1, 8))]
        else:
            data[at : at + len(chunk)] = chunk
    if plan == "cut" or every:
        data = data[: draw(st.integers(0, len(data)))]
    return kind, bytes(data)


def snapshot(book: Path) -> dict[str, tuple[int, str]]:
    """Every table's row count and a digest of its rows: what "nothing written" compares."""
    with closing(sqlite3.connect(book)) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        state = {}
        for table in tables:
            rows = sorted(repr(row) for row in connection.execute(f'SELECT * FROM "{table}"'))
            state[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
        return state


def seeded_book(directory: Path) -> Path:
    book = directory / "book.db"
    for kind in ("accounts", "touchpoints"):
        result = csm("--db", str(book), "--today", TODAY, "import", kind, str(DATA / f"{kind}.csv"))
        assert result.exit_code == 0, result.output
    return book


def test_generated_csv_files_import_whole_or_not_at_all() -> None:
    """Valid rows mutated (extreme dates, huge numbers, odd digits, control characters, quotes,
    bytes that are not UTF-8, other encodings, a cut) through `csm import`: exit 0 and the rows
    written, or exit 1 or 2, one error, no traceback, and not one row changed anywhere."""
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        book = seeded_book(directory)
        path = directory / "export.csv"

        @GENERATED
        @given(file=csv_files(), options=st.sampled_from(IMPORT_OPTIONS))
        def check(file: tuple[str, bytes], options: list[str]) -> None:
            kind, data = file
            path.write_bytes(data)
            before = snapshot(book)
            result = csm("--db", str(book), "--today", TODAY, "import", kind, str(path), *options)
            assert result.exit_code in (0, 1, 2), result.output
            assert "\x1b" not in result.output and "\x00" not in result.output
            event(f"exit {result.exit_code}")
            after = snapshot(book)
            if result.exit_code != 0 or "--dry-run" in options:
                assert after == before, result.output
                if result.exit_code:
                    assert result.stderr.startswith(("Error: ", "Usage: ")), result.output
                return
            if "header and no records" in result.stderr:
                assert after == before
                return
            created = re.search(r"(\d+) \w+ created", result.stdout)
            assert created is not None, result.output
            table = "account" if kind == "accounts" else "touchpoint"
            assert after[table][0] == before[table][0] + int(created.group(1))

        check()


@st.composite
def config_files(draw: st.DrawFn, folder: Path, book: Path) -> bytes:
    """TOML-ish bytes: lines a config file has or could have (keys known and not, paths that
    cannot be, values of other types, deep nesting), then bytes, encoding and length mutated.
    Every database path is absolute and in `folder`: a generated file creates nothing else."""
    paths_ = [
        str(book),
        str(folder / "missing" / "book.db"),
        str(folder / "export.csv" / "book.db"),  # under a file
        str(folder / ("n" * 300 + ".db")),
        str(folder),
        "postgresql://nobody@127.0.0.1:1/none",
    ]
    path_values = st.sampled_from(paths_).map(lambda p: p.replace("\\", "\\\\"))
    escapes = st.sampled_from(
        ["", "\\u0000", "\\u001b", "\\t", "\\n", "\\\\", '\\"', "é", "\\U0001F600"]
    )
    value = st.builds(lambda base, odd: f'"{base}{odd}"', path_values, escapes)
    lines = st.one_of(
        st.builds(lambda v: f"database = {v}", value),
        st.builds(lambda v: f"rules = {v}", value),
        st.sampled_from(['user_email = "maya@example.com"', 'user_email = ""', "user_email = 3"]),
        st.sampled_from(["database = 1979-05-27", "rules = true", "database = [1, 2]", "[table]"]),
        st.sampled_from(['colour = "blue"', "database =", 'database = ""', "= 1", "[[a]]"]),
        st.builds(lambda v: f'"database" = {v}', value),
        st.integers(1, 1500).map(lambda n: "x = " + "[" * n + "]" * n),
        st.integers(1, 1500).map(lambda n: "x = " + "{a = " * n + "}" * n),
        st.text(max_size=30),
    )
    text = "\n".join(draw(st.lists(lines, max_size=5)))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "utf-16", "latin-1"]))
    data = bytearray(text.encode(encoding, errors="replace"))
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(data)))
        data[at:at] = draw(st.sampled_from(HOSTILE_BYTES + [b"[", b"]", b"=", b"{", b"'"]))
    if draw(st.integers(0, 4)) == 0:
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data)


def test_generated_config_files_run_or_say_what_is_wrong_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`csm --config FILE accounts --team` on generated config files: it lists the accounts,
    or exits 1 (2 for a mistyped command line) with one line, no traceback, nothing written.
    (Run in the temporary folder: a mutation may still leave a relative path.)"""
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        monkeypatch.chdir(directory)
        book = seeded_book(directory)
        (directory / "export.csv").write_text("a file, not a folder\n")
        config = directory / "config.toml"

        @GENERATED
        @given(data=st.data(), with_db=st.booleans())
        def check(data: st.DataObject, with_db: bool) -> None:
            config.write_bytes(data.draw(config_files(directory, book)))
            before = snapshot(book)
            db = ["--db", str(book)] if with_db else []
            result = csm("--config", str(config), *db, "--today", TODAY, "accounts", "--team")
            assert result.exit_code in (0, 1, 2), result.output
            event(f"exit {result.exit_code}")
            if result.exit_code == 1:
                [line] = result.stderr.splitlines()
                assert line.startswith("Error: ") and "\x1b" not in line and "\x00" not in line
            assert snapshot(book) == before

        check()


#: One hostile cell per column that must be refused there and nowhere else.
ONE_BAD_CELL = {
    "renewal_date": ["0001-01-01", "9999-12-31T23:59:59Z", "٢٠٢٦-١١-٢٣"],
    "contract_start": ["9999-12-31", "1899-12-31"],
    "arr": ["١٢٠٠٠٠", "１２０", "9" * 40],
    "health_score": ["²", "١٠"],
    "name": ["\x1b[31mAcme", "del\x7f", "two\nlines", "c1\x9b"],
}


def test_one_hostile_cell_is_reported_at_its_record_and_column(tmp_path: Path) -> None:
    path = tmp_path / "accounts.csv"

    @GENERATED
    @given(count=st.integers(1, 10), data=st.data())
    def check(count: int, data: st.DataObject) -> None:
        k = data.draw(st.integers(1, count), label="k")
        column = data.draw(st.sampled_from(sorted(ONE_BAD_CELL)), label="column")
        value = data.draw(st.sampled_from(ONE_BAD_CELL[column]), label="value")
        rows = [
            {
                "external_id": f"A-{i}",
                "name": f"Name {i}",
                "segment": "smb",
                "arr": "10",
                "contract_start": "2025-01-01",
                "renewal_date": "2027-01-01",
                "go_live_date": "",
                "health_score": "50",
            }
            for i in range(1, count + 1)
        ]
        rows[k - 1][column] = value
        out = io.StringIO()
        writer = csv.DictWriter(out, HEADER.split(","), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        path.write_text(out.getvalue(), encoding="utf-8")
        error = failure(ACCOUNTS, path)
        lines_before = sum(row["name"].count("\n") for row in rows[: k - 1])
        [(record, line, where, _expected)] = located(error)
        assert (record, line, where) == (k, k + 1 + lines_before, column)

    check()
