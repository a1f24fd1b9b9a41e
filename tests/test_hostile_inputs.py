"""Inputs an attacker of our own app would try (issue 19): dates no plan can hold, config files
and paths that cannot be used, odd characters and digits, files cut off mid-record. Each ends
as one clear line and exit 1 (the data) or 2 (the command line), never a traceback, and an
import that fails writes nothing. The generated tests at the end throw mutated files at the
real entry point (`csm`, through click's CliRunner)."""

from __future__ import annotations

import errno
import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

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


def test_a_cut_off_file_through_the_cli_writes_nothing(tmp_path: Path) -> None:
    book = tmp_path / "book.db"
    path = write(tmp_path, "external_id,name,segment,arr\nA-1,Acme,smb,10\nA-2,Globex,sm")
    result = csm("--db", str(book), "--today", TODAY, "import", "accounts", str(path))
    assert result.exit_code == 1
    assert "the last record is incomplete" in result.stderr
    assert not book.exists()
