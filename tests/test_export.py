"""`csm export`: what it writes is what `csm import` reads, so a book goes out and comes back in
unchanged; the queue as `csm queue --format json` gives it; one clear line when it cannot."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import Result

from csm_tui import output
from csm_tui.domain.exchange import COLUMNS, Amount, ExportKind, Table, cell_text, json_value
from csm_tui.domain.health import BandThresholds
from csm_tui.models import Account
from csm_tui.services.csv_import import ImportKind, import_csv
from csm_tui.services.demo import DEMO_USER_EMAIL
from csm_tui.services.exports import export_table
from csm_tui.store.database import Database
from tests.test_cli import TODAY, csm
from tests.test_cli_output import item

KINDS = ("accounts", "contacts", "touchpoints")  # in the order they import


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo book of 60 accounts, built as `csm demo` builds it (read only here)."""
    target = tmp_path_factory.mktemp("export") / "demo.db"
    built = csm("--db", str(target), "--today", TODAY, "demo", "--accounts", "60", "--no-open")
    assert built.exit_code == 0, built.output
    return target


def on(book: Path, *args: str) -> Result:
    result = csm("--db", str(book), "--today", TODAY, *args)
    assert result.exit_code == 0, result.output
    return result


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# --- the round trip ----------------------------------------------------------------------------


def test_an_export_imports_back_unchanged(demo_book: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.db"
    first: dict[str, str] = {}
    for kind in KINDS:
        first[kind] = on(demo_book, "export", kind).stdout
        file = tmp_path / f"{kind}.csv"
        file.write_text(first[kind], encoding="utf-8")
        imported = on(fresh, "import", kind, str(file))
        assert "ignored column" not in imported.output  # every column is one import reads
        assert "0 updated" in imported.output
    for kind in KINDS:
        assert on(fresh, "export", kind).stdout == first[kind], kind
    counts = {kind: len(rows_of(first[kind])) for kind in KINDS}
    assert counts["accounts"] == 60
    assert counts["contacts"] > 60 and counts["touchpoints"] > 60


def test_importing_an_export_into_its_own_book_changes_nothing(
    demo_book: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.db"
    on(demo_book, "db", "backup", str(copy))
    before = {kind: on(copy, "export", kind).stdout for kind in KINDS}
    for kind in KINDS:
        file = tmp_path / f"{kind}.csv"
        file.write_text(before[kind], encoding="utf-8")
        imported = on(copy, "import", kind, str(file))
        assert " 0 " + kind + " created" in imported.output  # matched by their keys
    assert {kind: on(copy, "export", kind).stdout for kind in KINDS} == before


def test_the_csv_files_have_the_columns_import_reads(demo_book: Path) -> None:
    for kind in KINDS:
        header = on(demo_book, "export", kind).stdout.splitlines()[0]
        assert tuple(header.split(",")) == COLUMNS[ExportKind(kind)]
    first = rows_of(on(demo_book, "export", "accounts").stdout)[0]
    assert first["external_id"] == "ACC-000001"
    assert date.fromisoformat(first["renewal_date"])
    assert first["arr"].replace(".", "").isdigit()
    contact = rows_of(on(demo_book, "export", "contacts").stdout)[0]
    assert contact["is_primary"] in ("yes", "no")


def test_json_has_the_same_records_with_their_types(demo_book: Path) -> None:
    table = rows_of(on(demo_book, "export", "accounts").stdout)
    records = json.loads(on(demo_book, "export", "accounts", "--format", "json").stdout)
    assert [record["external_id"] for record in records] == [row["external_id"] for row in table]
    assert list(records[0]) == list(COLUMNS[ExportKind.ACCOUNTS])
    assert isinstance(records[0]["arr"], int | float)
    assert isinstance(records[0]["health_score"], int)
    contacts = json.loads(on(demo_book, "export", "contacts", "--format", "json").stdout)
    assert {type(record["is_primary"]) for record in contacts} == {bool}


def test_as_exports_my_book_and_team_the_whole_one(demo_book: Path) -> None:
    mine = rows_of(on(demo_book, "--as", DEMO_USER_EMAIL, "export", "accounts").stdout)
    team = rows_of(on(demo_book, "--as", DEMO_USER_EMAIL, "export", "accounts", "--team").stdout)
    everyone = rows_of(on(demo_book, "export", "accounts").stdout)
    assert 0 < len(mine) < len(team) == len(everyone) == 60
    assert {row["owner_email"] for row in mine} == {DEMO_USER_EMAIL}
    my_ids = {row["external_id"] for row in mine}
    touches = rows_of(on(demo_book, "--as", DEMO_USER_EMAIL, "export", "touchpoints").stdout)
    assert touches and {row["account_external_id"] for row in touches} <= my_ids


def test_the_queue_is_exported_as_csm_queue_lists_it(demo_book: Path) -> None:
    mine = ("--as", DEMO_USER_EMAIL)
    listed = on(demo_book, *mine, "queue", "--every-item", "--format", "json").stdout
    records = json.loads(listed)
    exported = json.loads(on(demo_book, *mine, "export", "queue", "--format", "json").stdout)
    assert exported == [{k: v for k, v in record.items() if k != "also"} for record in records]
    rows = rows_of(on(demo_book, *mine, "export", "queue").stdout)
    assert [row["account_external_id"] for row in rows] == [
        record["account_external_id"] for record in records
    ]
    assert [row["kind"] for row in rows] == [record["kind"] for record in records]
    team = json.loads(on(demo_book, "export", "queue", "--format", "json").stdout)
    assert len(team) > len(records)  # without --as: the team's queue


def test_output_writes_the_file_and_says_so(demo_book: Path, tmp_path: Path) -> None:
    target = tmp_path / "accounts.csv"
    target.write_text("an older export\n")
    result = on(demo_book, "export", "accounts", "--output", str(target))
    assert result.stdout == ""
    assert result.stderr == f"Wrote 60 accounts to {target}.\n"
    assert target.read_text() == on(demo_book, "export", "accounts").stdout
    assert not list(tmp_path.glob(".accounts.csv.*"))  # no temporary file left behind


def test_output_in_a_folder_that_does_not_exist_is_one_clear_line(
    demo_book: Path, tmp_path: Path
) -> None:
    target = tmp_path / "nowhere" / "accounts.csv"
    result = csm("--db", str(demo_book), "export", "accounts", "-o", str(target))
    assert result.exit_code == 1
    assert result.output == (
        f"Error: cannot write {target}: the folder {target.parent} does not exist\n"
    )


def test_an_unknown_kind_or_format_is_a_usage_error(demo_book: Path) -> None:
    kind = csm("--db", str(demo_book), "export", "escalations")
    assert kind.exit_code == 2
    assert "'escalations' is not one of 'accounts', 'contacts', 'touchpoints', 'queue'" in (
        kind.output
    )
    fmt = csm("--db", str(demo_book), "export", "accounts", "--format", "xlsx")
    assert fmt.exit_code == 2 and "'xlsx' is not one of 'csv', 'json'" in fmt.output


def test_an_account_without_an_external_id_is_left_out_with_a_warning(tmp_path: Path) -> None:
    book = tmp_path / "book.db"
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("external_id,name,segment\nA-1,Northwind,enterprise\n")
    on(book, "import", "accounts", str(accounts))
    db = Database.open(book)
    with db.writing() as session:
        session.add(Account(name="Typed in by hand", segment="smb"))
    db.dispose()
    result = on(book, "export", "accounts")
    assert [row["name"] for row in rows_of(result.stdout)] == ["Northwind"]
    assert result.stderr == (
        "warning: 1 accounts left out: their account has no external_id, which the import "
        "needs to find it\n"
    )


def test_export_has_useful_help() -> None:
    result = csm("export", "--help")
    assert result.exit_code == 0
    assert "csm import" in result.output and "--output FILE" in result.output


# --- the values, as import reads them ----------------------------------------------------------


def test_cells_are_written_as_the_import_reads_them() -> None:
    assert cell_text(None) == ""
    assert (cell_text(True), cell_text(False)) == ("yes", "no")
    assert cell_text(date(2026, 11, 23)) == "2026-11-23"
    assert (cell_text(Amount(61_200_000)), cell_text(Amount(12_000_050))) == (
        "612000",
        "120000.50",
    )
    assert cell_text(64) == "64" and cell_text("Acme, Inc.") == "Acme, Inc."
    assert (json_value(Amount(61_200_000)), json_value(Amount(12_000_050))) == (612000, 120000.5)
    assert json_value(date(2026, 11, 23)) == "2026-11-23"


def test_a_cell_with_a_comma_a_quote_or_a_line_end_is_quoted() -> None:
    table = Table(
        ExportKind.TOUCHPOINTS,
        ("summary", "notes"),
        [('Said "later", then yes', "two\nlines")],
    )
    text = output.csv_text(table)
    assert text == 'summary,notes\n"Said ""later"", then yes","two\nlines"\n'
    assert rows_of(text) == [{"summary": 'Said "later", then yes', "notes": "two\nlines"}]


def test_an_empty_queue_still_has_its_header() -> None:
    record = output.queue_record(item(), BandThresholds())
    empty = output.queue_export([], BandThresholds())
    del record["also"]  # a list: not a column of a spreadsheet
    assert empty.columns == tuple(record)  # the header of an empty file: the same columns
    assert output.csv_text(empty) == ",".join(record) + "\n"
    assert output.json_text(empty) == "[]\n"


# --- the store's reads, on SQLite and on PostgreSQL --------------------------------------------


def test_the_store_reads_the_same_rows_on_either_database(db: Database, tmp_path: Path) -> None:
    files = {
        ImportKind.ACCOUNTS: "external_id,name,segment,arr,owner_email,renewal_date\n"
        "B-2,Bluepeak,smb,1250.5,bo@example.com,2027-01-15\n"
        "A-1,Northwind,enterprise,612000,ada@example.com,\n",
        ImportKind.CONTACTS: "account_external_id,name,email,reports_to_email,is_primary\n"
        "A-1,Zoe Hill,zoe@northwind.com,,yes\n"
        "A-1,Al Brook,al@northwind.com,zoe@northwind.com,no\n",
        ImportKind.TOUCHPOINTS: "account_external_id,occurred_on,kind,summary,owner_email\n"
        "B-2,2026-11-02,email,Sent the deck,bo@example.com\n"
        "A-1,2026-11-20,cadence-call,Weekly,ada@example.com\n"
        "A-1,2026-10-01,cadence-call,Kick-off,\n",
    }
    for kind, text in files.items():
        path = tmp_path / f"{kind}.csv"
        path.write_text(text)
        import_csv(db, kind, path)
    accounts = export_table(db, ExportKind.ACCOUNTS, None)
    assert [row[:6] for row in accounts.rows] == [
        ("A-1", "Northwind", "enterprise", "pr2", 61_200_000, "ada@example.com"),
        ("B-2", "Bluepeak", "smb", "pr2", 125_050, "bo@example.com"),
    ]
    assert isinstance(accounts.rows[1][4], Amount) and accounts.rows[1][8] == date(2027, 1, 15)
    contacts = export_table(db, ExportKind.CONTACTS, None)
    assert [(row[1], row[6], row[7]) for row in contacts.rows] == [
        ("Al Brook", "zoe@northwind.com", False),
        ("Zoe Hill", None, True),
    ]
    touches = export_table(db, ExportKind.TOUCHPOINTS, "ADA@example.com")
    assert [(row[0], row[1], row[3], row[5]) for row in touches.rows] == [
        ("A-1", date(2026, 10, 1), "Kick-off", None),
        ("A-1", date(2026, 11, 20), "Weekly", "ada@example.com"),
    ]
    assert accounts.left_out == contacts.left_out == touches.left_out == 0
