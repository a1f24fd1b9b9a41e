"""Inputs an attacker of our own app would try (issue 19): dates no plan can hold, config files
and paths that cannot be used, odd characters and digits, files cut off mid-record. Each ends
as one clear line and exit 1 (the data) or 2 (the command line), never a traceback, and an
import that fails writes nothing. The generated tests at the end throw mutated files at the
real entry point (`csm`, through click's CliRunner)."""

from __future__ import annotations

from pathlib import Path

import pytest

from csm_tui.services.csv_import import ImportFailed, ImportKind, parse_file
from tests.test_cli import TODAY, csm

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
