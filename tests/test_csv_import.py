"""CSV import: every problem located (file, record, line, column, value, expected), nothing
written when there is any, and re-imports that update instead of duplicating."""

from __future__ import annotations

import tempfile
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, select
from sqlmodel import col

from csm_tui.models import Account, Contact, TeamMember, Touchpoint
from csm_tui.rules import load_rules
from csm_tui.services.csv_import import (
    ImportFailed,
    ImportIssue,
    ImportKind,
    ImportSummary,
    import_csv,
    parse_file,
)
from csm_tui.services.scheduling import Schedule
from csm_tui.store.database import Database
from csm_tui.store.migrate import ensure_current
from csm_tui.store.queries import count_rows
from tests.conftest import TODAY

DATA = Path(__file__).parent / "data" / "csv"
TABLES = (TeamMember, Account, Contact, Touchpoint)
ACCOUNTS = ImportKind.ACCOUNTS
CONTACTS = ImportKind.CONTACTS
TOUCHPOINTS = ImportKind.TOUCHPOINTS
HEADER = "external_id,name,segment,arr,renewal_date,health_score"


def write(directory: Path, name: str, text: str, *, bom: bool = False, crlf: bool = False) -> Path:
    data = text.replace("\n", "\r\n") if crlf else text
    path = directory / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data.encode("utf-8"))
    return path


def seed(db: Database) -> None:
    """The three sample accounts, their contacts and touchpoints."""
    import_csv(db, ACCOUNTS, DATA / "accounts.csv")
    import_csv(db, CONTACTS, DATA / "contacts.csv")
    import_csv(db, TOUCHPOINTS, DATA / "touchpoints.csv")


def account(db: Database, external_id: str) -> dict[str, Any]:
    with db.reading() as session:
        row = session.scalars(select(Account).where(col(Account.external_id) == external_id)).one()
        return row.model_dump()


def state(db: Database) -> tuple[dict[str, int], dict[str, Any]]:
    """What must not move when an import fails: row counts and a pre-existing account."""
    with db.reading() as session:
        counts = count_rows(session, TABLES)
    return counts, account(db, "A-1")


def failure(db: Database, kind: ImportKind, path: Path) -> ImportFailed:
    with pytest.raises(ImportFailed) as caught:
        import_csv(db, kind, path)
    return caught.value


# -- each error case: located precisely, database untouched (SQLite and PostgreSQL) ------------

# A valid first record that changes A-1 makes "nothing was written" meaningful.
CHANGE_A1 = "A-1,Acme Renamed,smb,1,2030-01-01,1\n"

ERROR_CASES = {
    "unknown segment": (
        ACCOUNTS,
        HEADER + "\n" + CHANGE_A1 + "A-9,Nine,Enterprize,10,,\n",
        "accounts.csv, record 2 (line 3), column segment: 'Enterprize' is not valid; "
        "expected one of enterprise, commercial, mid-market, smb, scale",
    ),
    "bad date": (
        ACCOUNTS,
        HEADER + "\n" + CHANGE_A1 + "A-9,Nine,smb,10,2026-13-01,\n",
        "accounts.csv, record 2 (line 3), column renewal_date: '2026-13-01' is not valid; "
        "expected a date as YYYY-MM-DD",
    ),
    "slash date in no known order": (
        ACCOUNTS,
        HEADER + "\n" + CHANGE_A1 + "A-9,Nine,smb,10,11/03/2026,\n",
        "accounts.csv, record 2 (line 3), column renewal_date: '11/03/2026' is not valid; "
        "expected a date in a known order: no day in this file is past 12, so M/D/YYYY and "
        "D/M/YYYY both fit; pass --date-format %m/%d/%Y (or %d/%m/%Y)",
    ),
    "negative ARR": (
        ACCOUNTS,
        HEADER + "\n" + CHANGE_A1 + "A-9,Nine,smb,-5000,,\n",
        "accounts.csv, record 2 (line 3), column arr: '-5000' is not valid; "
        "expected an amount that is not negative",
    ),
    "unknown account": (
        CONTACTS,
        "account_external_id,name,email\nA-1,New Person,new@acme.example\nNOPE,Who,who@x.example\n",
        "contacts.csv, record 2 (line 3), column account_external_id: 'NOPE' is not valid; "
        "expected the external_id of an existing account",
    ),
    "unknown manager": (
        CONTACTS,
        "account_external_id,name,email,reports_to_email\n"
        "A-1,New Person,new@acme.example,\n"
        "A-1,Other,other@acme.example,hank@globex.example\n",
        "contacts.csv, record 2 (line 3), column reports_to_email: 'hank@globex.example' is not "
        "valid; expected the e-mail of a contact of account A-1",
    ),
    "ragged row": (
        ACCOUNTS,
        HEADER + "\n" + CHANGE_A1 + "A-9,Nine\n",
        "accounts.csv, record 2 (line 3): 'A-9,Nine' is not valid; "
        "expected 6 fields like the header, found 2 (nothing for segment, arr, renewal_date, …)",
    ),
    "unterminated quote": (
        ACCOUNTS,
        HEADER + "\n" + CHANGE_A1 + '"A-9,Nine,smb,10,,\nA-10,Ten,smb,10,,\n',
        "accounts.csv, record 2 (line 3): '\"A-9,Nine,smb,10,,' is not valid; "
        "expected a closing double quote",
    ),
    "duplicate key": (
        ACCOUNTS,
        HEADER + "\n" + CHANGE_A1 + "A-9,Nine,smb,10,,\nA-1,Again,smb,10,,\n",
        "accounts.csv, record 3 (line 4), column external_id: 'A-1' is not valid; "
        "expected a value used once in this file: record 1 (line 2) has it too",
    ),
    "duplicate contact": (
        CONTACTS,
        "account_external_id,name,email\n"
        "A-1,New,new@acme.example\nA-1,New Again,NEW@acme.example\n",
        "contacts.csv, record 2 (line 3), column email: 'NEW@acme.example' is not valid; "
        "expected one record per contact of an account: record 1 (line 2)",
    ),
    "duplicate touchpoint id": (
        TOUCHPOINTS,
        "external_id,account_external_id,occurred_on,kind,summary\n"
        "T-1,A-1,2026-11-01,email,One\nT-1,A-2,2026-11-02,email,Two\n",
        "touchpoints.csv, record 2 (line 3), column external_id: 'T-1' is not valid; "
        "expected a value used once in this file: record 1 (line 2) has it too",
    ),
    "missing required column": (
        ACCOUNTS,
        "external_id,name,arr\nA-1,Acme Renamed,10\n",
        "accounts.csv, line 1, column segment: expected a column named segment in the header "
        "(found: 'external_id', 'name', 'arr')",
    ),
    "blank required value": (
        TOUCHPOINTS,
        "account_external_id,occurred_on,kind,summary\nA-1,2026-11-01,email,Hi\nA-1,,email,Hi\n",
        "touchpoints.csv, record 2 (line 3), column occurred_on: expected a value "
        "(the column is required)",
    ),
    "not UTF-8": (
        ACCOUNTS,
        # Latin-1 "é" (one byte 0xE9) where UTF-8 needs two.
        HEADER + "\n" + CHANGE_A1 + "A-9,Caf\udce9 SA,smb,10,,\n",
        "accounts.csv, record 2 (line 3), column name: 'Caf\ufffd SA' is not valid; "
        "expected UTF-8 text",
    ),
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_error_is_located_and_nothing_is_written(db: Database, tmp_path: Path, case: str) -> None:
    seed(db)
    kind, text, message = ERROR_CASES[case]
    path = tmp_path / f"{kind}.csv"
    path.write_bytes(text.encode("utf-8", errors="surrogateescape"))
    before = state(db)

    error = failure(db, kind, path)

    assert message in str(error)
    assert state(db) == before


def test_record_numbers_are_not_physical_lines(tmp_path: Path) -> None:
    """A quoted field spanning lines shifts lines, not records; blank lines are not records.
    (The field is in a column csm ignores: only a touch's summary may hold line breaks.)"""
    path = write(
        tmp_path,
        "accounts.csv",
        HEADER + ',notes\nA-1,Acme,smb,,,,"two\nlines"\n\nA-2,Globex,smb,abc,,,\n',
    )
    with pytest.raises(ImportFailed) as caught:
        parse_file(ACCOUNTS, path)
    [issue] = caught.value.issues
    assert (issue.record, issue.line, issue.column, issue.value) == (2, 5, "arr", "abc")


def test_every_bad_record_is_reported(db: Database, tmp_path: Path) -> None:
    seed(db)
    path = write(
        tmp_path,
        "accounts.csv",
        HEADER + "\nA-1,Acme,Enterprize,,,\nA-2,Globex,smb,,,\nA-3,Initech,smb,,2026/11/23,\n"
        "A-4,Four,smb,,,\nA-5,Five,smb,,,101\n",
    )
    before = state(db)

    error = failure(db, ACCOUNTS, path)

    located = [(issue.record, issue.line, issue.column) for issue in error.issues]
    assert located == [(1, 2, "segment"), (3, 4, "renewal_date"), (5, 6, "health_score")]
    lines = str(error).splitlines()
    assert lines[0] == "3 problems found, nothing was imported:"
    assert len(lines) == 4
    assert "'101' is not valid; expected a whole number from 0 to 100" in lines[3]
    assert state(db) == before


def test_issue_reads_as_one_line() -> None:
    issue = ImportIssue(
        "accounts.csv",
        3,
        4,
        "segment",
        "Enterprize",
        "one of enterprise, commercial, mid-market, smb, scale",
    )
    assert str(issue) == (
        "accounts.csv, record 3 (line 4), column segment: 'Enterprize' is not valid; "
        "expected one of enterprise, commercial, mid-market, smb, scale"
    )
    assert str(ImportIssue("a.csv", None, 1, None, None, "a header row")) == (
        "a.csv, line 1: expected a header row"
    )


# -- file-level problems (no database needed: they fail before any write) ---------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "expected a header row naming the columns: external_id, name, segment"),
        (b"\n\r\n\n", "expected a header row naming the columns"),
        (b"\xff\xfee\x00x\x00t\x00", "UTF-16"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "line 1: 'PNG' is not valid; expected UTF-8 text"),
        (b"\x7fELF\x02\x01\x01\x00\x00", "expected text without NUL characters"),
        (b'"unterminated header,name\n', "line 1: '\"unterminated header,name' is not valid"),
        (b"A-1,Acme,smb\n", "column external_id: expected a column named external_id"),
        (
            b"external_id,name,name,segment\n",
            "column name: 'name' is not valid; expected each "
            "column once in the header (also column 2)",
        ),
    ],
)
def test_unusable_file_fails_cleanly(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "accounts.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFailed) as caught:
        parse_file(ACCOUNTS, path)
    assert message in str(caught.value).replace("\ufffd", "")
    assert all(issue.file == "accounts.csv" for issue in caught.value.issues)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="missing.csv: expected a readable CSV file"):
        parse_file(ACCOUNTS, tmp_path / "missing.csv")
    with pytest.raises(ImportFailed, match="expected a readable CSV file"):
        parse_file(ACCOUNTS, tmp_path)


def test_nul_byte_in_a_cell_is_located(tmp_path: Path) -> None:
    path = write(tmp_path, "accounts.csv", HEADER + "\nA-1,Ac\x00me,smb,,,\n")
    with pytest.raises(ImportFailed) as caught:
        parse_file(ACCOUNTS, path)
    [issue] = caught.value.issues
    assert (issue.record, issue.line, issue.column) == (1, 2, "name")


@pytest.mark.parametrize(
    ("arr", "cents"),
    [
        ("120000", 12_000_000),
        ("120000.50", 12_000_050),
        ("120,000", 12_000_000),
        ("1,234,567.8", 123_456_780),
        ("0", 0),
    ],
)
def test_arr_formats(tmp_path: Path, arr: str, cents: int) -> None:
    path = write(tmp_path, "accounts.csv", f'external_id,name,segment,arr\nA-1,Acme,smb,"{arr}"\n')
    [row] = parse_file(ACCOUNTS, path).rows
    assert row.values["arr_cents"] == cents


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("arr", "1,20,000"),
        ("arr", "12.345"),
        ("arr", "1e5"),
        ("arr", "lots"),
        ("arr", "-0.5"),
        ("renewal_date", "20261123"),
        ("renewal_date", "2026-W48-1"),
        ("renewal_date", "2026-2-3"),
        ("health_score", "85.5"),
        ("health_score", "-1"),
        ("priority", "1"),
        ("lifecycle_stage", "churned"),
        ("owner_email", "ada at example"),
    ],
)
def test_rejected_values(tmp_path: Path, column: str, value: str) -> None:
    path = write(
        tmp_path, "accounts.csv", f'external_id,name,segment,{column}\nA-1,Acme,smb,"{value}"\n'
    )
    with pytest.raises(ImportFailed) as caught:
        parse_file(ACCOUNTS, path)
    [issue] = caught.value.issues
    assert (issue.record, issue.column, issue.value) == (1, column, value)


def test_forgiving_spellings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "accounts.csv",
        "external_id,name,segment,priority,lifecycle_stage\n"
        "A-1,Acme, Mid Market ,PR1,Optimize Renew\n",
    )
    [row] = parse_file(ACCOUNTS, path).rows
    values = row.values
    assert (values["segment"], values["priority"], values["lifecycle_stage"]) == (
        "mid-market",
        "pr1",
        "optimize-renew",
    )


# -- successful imports (SQLite and PostgreSQL) ------------------------------------------------


def test_import_samples(db: Database) -> None:
    summary = import_csv(db, ACCOUNTS, DATA / "accounts.csv")
    assert summary == ImportSummary(
        ACCOUNTS, "accounts.csv", 3, 0, ["ada.lovelace@example.com"], [], records=3
    )
    acme = account(db, "A-1")
    assert (acme["segment"], acme["priority"], acme["arr_cents"], acme["health_score"]) == (
        "enterprise",
        "pr1",
        12_000_000,
        82,
    )
    assert (acme["renewal_date"], acme["lifecycle_stage"]) == (date(2026, 12, 31), "optimize-renew")
    initech = account(db, "A-3")
    assert (initech["priority"], initech["arr_cents"], initech["owner_id"]) == ("pr2", 0, None)

    contacts = import_csv(db, CONTACTS, DATA / "contacts.csv")
    touches = import_csv(db, TOUCHPOINTS, DATA / "touchpoints.csv")
    assert (contacts.created, touches.created) == (4, 3)
    assert touches.new_team_members == ["grace.hopper@example.com"]
    with db.reading() as session:
        summary_text = session.scalars(
            select(col(Touchpoint.summary)).where(col(Touchpoint.kind) == "ebr")
        ).one()
        assert summary_text == "Quarterly review\ntwo new teams onboarding"


def test_new_owner_becomes_team_member_once(db: Database, tmp_path: Path) -> None:
    import_csv(db, ACCOUNTS, DATA / "accounts.csv")
    path = write(
        tmp_path,
        "accounts.csv",
        "external_id,name,segment,owner_email\n"
        "A-4,Four,smb,Ada.Lovelace@Example.com\nA-5,Five,smb,alan_turing@example.com\n",
    )
    summary = import_csv(db, ACCOUNTS, path)
    assert summary.new_team_members == ["alan_turing@example.com"]
    with db.reading() as session:
        members = {m.email: (m.name, m.role) for m in session.scalars(select(TeamMember))}
    assert members == {
        "ada.lovelace@example.com": ("Ada Lovelace", "csm"),
        "alan_turing@example.com": ("Alan Turing", "csm"),
    }
    assert account(db, "A-4")["owner_id"] == account(db, "A-1")["owner_id"]


def test_bom_crlf_and_column_order(db: Database, tmp_path: Path) -> None:
    text = (
        " Health_Score , renewal_date,SEGMENT,Name,external_id,arr\n"
        '82,2026-12-31,enterprise,"Acme, Inc.",A-1,"120,000"\n'
        "\n\n"
    )
    path = write(tmp_path, "accounts.csv", text, bom=True, crlf=True)
    summary = import_csv(db, ACCOUNTS, path)
    assert (summary.created, summary.notes) == (1, [])
    acme = account(db, "A-1")
    assert (acme["name"], acme["health_score"], acme["arr_cents"]) == ("Acme, Inc.", 82, 12_000_000)


def test_extra_columns_are_noted(db: Database, tmp_path: Path) -> None:
    # Spreadsheets add or drop trailing empty cells: not an error either way.
    path = write(
        tmp_path,
        "accounts.csv",
        "external_id,name,Region,segment,\nA-1,Acme,EMEA,smb,\nA-2,Globex,,smb\n"
        "A-3,Initech,,smb,,,\n",
    )
    summary = import_csv(db, ACCOUNTS, path)
    assert summary.notes == ["ignored 2 columns: 'Region', unnamed column 5"]
    assert summary.created == 3


def test_reimport_updates_and_never_duplicates(db: Database) -> None:
    seed(db)
    with db.reading() as session:
        counts = count_rows(session, TABLES)
    stamp = account(db, "A-1")["updated_at"]

    again = [import_csv(db, kind, DATA / f"{kind}.csv") for kind in ImportKind]

    assert [(s.created, s.updated, s.new_team_members) for s in again] == [
        (0, 3, []),
        (0, 4, []),
        (0, 3, []),
    ]
    with db.reading() as session:
        assert count_rows(session, TABLES) == counts
    assert account(db, "A-1")["updated_at"] > stamp


def test_blank_columns_clear_absent_columns_keep(db: Database, tmp_path: Path) -> None:
    import_csv(db, ACCOUNTS, DATA / "accounts.csv")
    path = write(
        tmp_path,
        "accounts.csv",
        "external_id,name,segment,priority,arr,health_score\nA-1,Acme,smb,,,\n",
    )
    assert import_csv(db, ACCOUNTS, path).updated == 1
    acme = account(db, "A-1")
    # NOT NULL columns left blank keep their value; nullable ones are cleared; absent ones stay.
    assert (acme["priority"], acme["arr_cents"], acme["health_score"]) == ("pr1", 12_000_000, None)
    assert (acme["segment"], acme["ae"], acme["renewal_date"]) == (
        "smb",
        "Grace Hopper",
        date(2026, 12, 31),
    )


def test_soft_deleted_rows_are_revived(db: Database) -> None:
    seed(db)
    with db.writing() as session:
        for model in (TeamMember, Account, Contact, Touchpoint):
            for row in session.scalars(select(model)):
                row.deleted_at = datetime(2026, 1, 1, tzinfo=UTC)
    summaries = [import_csv(db, kind, DATA / f"{kind}.csv") for kind in ImportKind]
    assert [(s.created, s.updated, s.new_team_members) for s in summaries] == [
        (0, 3, []),
        (0, 4, []),
        (0, 3, []),
    ]
    assert summaries[0].notes == ["restored deleted team member ada.lovelace@example.com"]
    with db.reading() as session:
        for model in (TeamMember, Account, Contact, Touchpoint):
            assert (
                session.scalars(select(model).where(col(model.deleted_at).is_not(None))).all() == []
            )


def test_contacts_reports_to_within_the_file(db: Database, tmp_path: Path) -> None:
    import_csv(db, ACCOUNTS, DATA / "accounts.csv")
    import_csv(db, CONTACTS, DATA / "contacts.csv")  # wile reports to road.runner, listed after
    path = write(
        tmp_path,
        "contacts.csv",
        "account_external_id,name,email,reports_to_email\n"
        "A-1,Daffy Duck,daffy@acme.example,WILE@acme.example\n",
    )
    import_csv(db, CONTACTS, path)  # a manager already in the database
    with db.reading() as session:
        people = {c.email: c for c in session.scalars(select(Contact))}
    assert people["wile@acme.example"].reports_to_id == people["road.runner@acme.example"].id
    assert people["daffy@acme.example"].reports_to_id == people["wile@acme.example"].id
    assert people["road.runner@acme.example"].is_primary is True
    assert people["wile@acme.example"].persona == "technical-lead"


def test_contact_email_matches_whatever_its_case(db: Database, tmp_path: Path) -> None:
    seed(db)
    path = write(
        tmp_path,
        "contacts.csv",
        "account_external_id,name,email,title\n"
        "A-2,Hank Scorpio,HANK@Globex.example,Chief Executive\n"
        "A-1,Elmer Fudd,,Senior Analyst\n",
    )
    summary = import_csv(db, CONTACTS, path)
    assert (summary.created, summary.updated) == (0, 2)
    with db.reading() as session:
        hank = session.scalars(select(Contact).where(col(Contact.name) == "Hank Scorpio")).one()
        elmer = session.scalars(select(Contact).where(col(Contact.name) == "Elmer Fudd")).one()
    assert (hank.email, hank.title, elmer.title) == (
        "hank@globex.example",
        "Chief Executive",
        "Senior Analyst",
    )


def test_contact_cannot_report_to_another_accounts_contact(db: Database, tmp_path: Path) -> None:
    seed(db)
    path = write(
        tmp_path,
        "contacts.csv",
        "account_external_id,name,email,reports_to_email\n"
        "A-2,Smithers,smithers@globex.example,wile@acme.example\n",
    )
    before = state(db)
    error = failure(db, CONTACTS, path)
    assert "record 1 (line 2), column reports_to_email: 'wile@acme.example'" in str(error)
    assert state(db) == before


def test_touchpoints_natural_key_and_external_id(db: Database, tmp_path: Path) -> None:
    seed(db)
    assert import_csv(db, TOUCHPOINTS, DATA / "touchpoints.csv").updated == 3
    # With an external_id, a touchpoint imported without one is adopted, then followed by id.
    path = write(
        tmp_path,
        "touchpoints.csv",
        "external_id,account_external_id,occurred_on,kind,summary,sentiment\n"
        "T-1,A-1,2026-11-02,cadence-call,Weekly sync: rollout on track,negative\n",
    )
    assert (import_csv(db, TOUCHPOINTS, path).updated,) == (1,)
    path.write_text(
        "external_id,account_external_id,occurred_on,kind,summary\n"
        "T-1,A-1,2026-11-03,cadence-call,Weekly sync (moved)\n"
    )
    summary = import_csv(db, TOUCHPOINTS, path)
    assert (summary.created, summary.updated) == (0, 1)
    with db.reading() as session:
        assert count_rows(session, [Touchpoint]) == {"touchpoint": 3}
        moved = session.scalars(
            select(Touchpoint).where(col(Touchpoint.external_id) == "T-1")
        ).one()
        assert (moved.occurred_on, moved.summary, moved.sentiment) == (
            date(2026, 11, 3),
            "Weekly sync (moved)",
            "negative",
        )


def test_touchpoints_identical_twice_in_a_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "touchpoints.csv",
        "account_external_id,occurred_on,kind,summary\n"
        "A-1,2026-11-02,email,Hi\nA-1,2026-11-02,Email,Hi\n",
    )
    with pytest.raises(
        ImportFailed, match="record 2 \\(line 3\\), column summary: 'Hi'.*add an external_id column"
    ):
        parse_file(TOUCHPOINTS, path)


def test_ten_thousand_accounts_take_a_bounded_number_of_statements(
    sqlite_db: Database, tmp_path: Path
) -> None:
    """Bulk lookups and batched writes, never one query per row (speed is for benchmarks/)."""
    lines = [HEADER + ",owner_email"]
    lines += [
        f"A-{i},Account {i},smb,{i}00,2027-01-01,{i % 101},csm{i % 20}@example.com"
        for i in range(10_000)
    ]
    path = write(tmp_path, "accounts.csv", "\n".join(lines) + "\n")
    statements: list[str] = []
    event.listen(
        sqlite_db.engine,
        "before_cursor_execute",
        lambda _conn, _cursor, statement, *_args: statements.append(statement),
    )
    for created, updated in ((10_000, 0), (0, 10_000)):
        statements.clear()
        summary = import_csv(sqlite_db, ACCOUNTS, path)
        assert (summary.created, summary.updated) == (created, updated)
        assert len(statements) < 200


# -- properties --------------------------------------------------------------------------------

VALID = (DATA / "accounts.csv").read_bytes()
BAD_CELLS = {
    "segment": "Enterprize",
    "arr": "-1",
    "renewal_date": "2026-02-30",
    "health_score": "101",
    "name": "",
}


def _temporary_db() -> tuple[tempfile.TemporaryDirectory[str], Database]:
    directory = tempfile.TemporaryDirectory()
    db = Database.open(Path(directory.name) / "csm.db")
    ensure_current(db)
    return directory, db


@st.composite
def mutated_files(draw: st.DrawFn) -> bytes:
    """Arbitrary bytes, or the valid sample with a few bytes inserted, deleted or replaced."""
    if draw(st.booleans()):
        return draw(st.binary(max_size=300))
    data = bytearray(VALID)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        choice = draw(st.sampled_from(["insert", "delete", "replace"]))
        byte = draw(st.sampled_from(b'",\n\r\x00\xe9;x-'))
        if choice == "insert":
            data.insert(at, byte)
        elif at < len(data):
            data[at : at + 1] = b"" if choice == "delete" else bytes([byte])
    return bytes(data)


def test_any_input_gives_a_summary_or_import_failed() -> None:
    directory, db = _temporary_db()
    path = Path(directory.name) / "accounts.csv"

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(content=mutated_files())
    def check(content: bytes) -> None:
        path.write_bytes(content)
        with db.reading() as session:
            before = count_rows(session, TABLES)
        try:
            import_csv(db, ACCOUNTS, path)
        except ImportFailed as error:
            assert error.issues and all(str(issue) for issue in error.issues)
            with db.reading() as session:
                assert count_rows(session, TABLES) == before

    try:
        check()
    finally:
        db.dispose()
        directory.cleanup()


def test_one_bad_cell_is_reported_at_its_record() -> None:
    directory, db = _temporary_db()
    path = Path(directory.name) / "accounts.csv"

    @settings(max_examples=25, deadline=None)
    @given(count=st.integers(1, 12), data=st.data())
    def check(count: int, data: st.DataObject) -> None:
        k = data.draw(st.integers(1, count), label="k")
        column = data.draw(st.sampled_from(sorted(BAD_CELLS)), label="column")
        rows = [
            {
                "external_id": f"A-{i}",
                "name": f"Name {i}",
                "segment": "smb",
                "arr": "10",
                "renewal_date": "2027-01-01",
                "health_score": "50",
            }
            for i in range(1, count + 1)
        ]
        rows[k - 1][column] = BAD_CELLS[column]
        lines = [HEADER] + [",".join(row[name] for name in HEADER.split(",")) for row in rows]
        path.write_text("\n".join(lines) + "\n")

        with pytest.raises(ImportFailed) as caught:
            import_csv(db, ACCOUNTS, path)

        [issue] = caught.value.issues
        assert (issue.record, issue.line, issue.column) == (k, k + 1, column)
        with db.reading() as session:
            assert count_rows(session, [Account]) == {"account": 0}

    try:
        check()
    finally:
        db.dispose()
        directory.cleanup()


def test_an_import_reschedules_the_accounts_it_changed_in_its_own_transaction(
    db: Database, tmp_path: Path
) -> None:
    scheduler = Schedule(db, load_rules(None, tmp_path), TODAY)
    seed(db)
    scheduler.recompute_all()

    def due_dates() -> dict[tuple[str | None, str], date]:
        return {
            (item.external_id, item.kind): item.due_on
            for item in scheduler.queue(owner_email=None, ahead_days=366)
        }

    before = due_dates()
    new_account = write(
        tmp_path, "new.csv", f"{HEADER}\nA-9,Nine Inc,enterprise,1000,2027-06-30,85\n"
    )
    call = write(
        tmp_path,
        "call.csv",
        "account_external_id,occurred_on,kind,summary\n"
        f"A-1,{TODAY.isoformat()},cadence-call,Weekly sync\n",
    )
    import_csv(db, ACCOUNTS, new_account, schedule=scheduler)
    import_csv(db, TOUCHPOINTS, call, schedule=scheduler)

    assert scheduler.is_current()  # no bulk recompute was needed to see either change
    after = due_dates()
    assert ("A-9", "cadence-call") in after and ("A-9", "cadence-call") not in before
    assert before[("A-1", "cadence-call")] <= TODAY < after[("A-1", "cadence-call")]
    assert {key: day for key, day in after.items() if key[0] not in ("A-1", "A-9")} == {
        key: day for key, day in before.items() if key[0] not in ("A-1", "A-9")
    }


def test_a_large_import_is_rescheduled_in_its_transaction(db: Database, tmp_path: Path) -> None:
    """Most of the book at once: every new account is on the schedule when the import ends."""
    scheduler = Schedule(db, load_rules(None, tmp_path), TODAY)
    seed(db)
    scheduler.recompute_all()
    rows = "".join(
        f"B-{n},Bulk {n},smb,{n}000,2027-0{n % 9 + 1}-15,{n % 101}\n" for n in range(600)
    )
    path = write(tmp_path, "bulk.csv", HEADER + "\n" + rows)

    summary = import_csv(db, ACCOUNTS, path, schedule=scheduler)

    assert summary.created == 600
    assert scheduler.is_current()
    queued = {item.external_id for item in scheduler.queue(owner_email=None, ahead_days=366)}
    assert {f"B-{n}" for n in range(600)} <= queued


def test_facts_of_most_of_a_book_read_in_one_go_are_the_same(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import of a whole book reads its facts with one read of the book (`WHOLE_BOOK_FROM`),
    and gets what reading them a chunk at a time gives."""
    from csm_tui.store import facts

    db = Database.open(demo_db)
    try:
        with db.reading() as session:
            everyone = facts.load_facts(session, today=TODAY)
            some = [uuid.UUID(one.account_id) for one in everyone[::3]]
            chunked = facts.load_facts(session, today=TODAY, account_ids=some)
            monkeypatch.setattr(facts, "WHOLE_BOOK_FROM", 10)
            whole = facts.load_facts(session, today=TODAY, account_ids=some)
    finally:
        db.dispose()
    assert len(some) >= 10
    assert whole == chunked
    assert [one.account_id for one in whole] == [str(key) for key in sorted(some)]
