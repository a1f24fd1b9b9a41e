"""`csm import` on what CRMs export, as a user types it: the shipped presets with no hand work,
mapping files, dry runs, rows of unknown accounts, and every option's message (exit 1 for the
data, 2 for the command line, one line per problem, never a traceback)."""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from csm_tui import output, paths
from csm_tui.domain.import_columns import ImportKind
from csm_tui.models import Account
from csm_tui.rules import load_rules
from csm_tui.services.import_run import ImportRequest, rejects_path, run_import
from csm_tui.store.database import Database
from csm_tui.store.queries import count_rows
from tests.conftest import TODAY as DAY
from tests.test_cli import TODAY, csm

DATA = Path(__file__).parent / "data" / "csv"
MAPPINGS = Path(__file__).parent / "data" / "mappings"
SALESFORCE_OWNERS = """\
[owners]
"0055g00000AbCdEAAW" = "maya.patel@example.com"
"0055g00000XyZ12AAC" = "jonas.weber@example.com"
"0055g00000QrStUAA3" = "priya.raman@example.com"
"""


def imported(book: Path, *args: str) -> str:
    result = csm("--db", str(book), "--today", TODAY, "import", *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def team_book(book: Path) -> list[dict[str, object]]:
    result = csm("--db", str(book), "--today", TODAY, "accounts", "--team", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def user_mapping(name: str, text: str) -> Path:
    folder = paths.config_dir() / "mappings"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text)
    return path


@pytest.fixture
def saas_mapping() -> Path:
    """The README's example mapping of a B2B SaaS billing export, in the mappings folder."""
    return user_mapping("saas", (MAPPINGS / "saas.toml").read_text())


# -- the shipped presets ---------------------------------------------------------------------


def test_a_salesforce_account_export_imports_through_the_shipped_preset(tmp_path: Path) -> None:
    book = tmp_path / "book.db"
    export = DATA / "salesforce_accounts.csv"
    assert export.read_bytes().startswith(b'\xef\xbb\xbf"Id","IsDeleted"')
    assert b"\r\n" in export.read_bytes()

    out = imported(book, "accounts", str(export), "--mapping", "salesforce").splitlines()

    assert out[0] == (
        f"Imported {export} with the salesforce mapping: 30 accounts created, 0 updated."
    )
    assert out[1].startswith("  note: ignored 60 columns: 'IsDeleted', 'MasterRecordId'")
    assert out[2] == (
        "  note: not in the file, not imported: arr, contract_start, renewal_date, go_live_date, "
        "health_score (the salesforce mapping names no column the file has; --map COLUMN=HEADER "
        "names one)"
    )
    assert out[3] == (
        "  note: segment: not in the file; the accounts it creates get 'commercial' (the "
        "mapping's default)"
    )
    owners_file = paths.config_dir() / "mappings" / "salesforce.toml"
    assert out[4].startswith("  warning: owner: 30 records name CRM users the mapping has no ")
    assert out[4].endswith(
        f'map each under [owners] in {owners_file}, like "0055g00000AbCdEAAW" = '
        '"name@example.com", and import again'
    )
    assert len(out) == 5
    accounts = {row["name"]: row for row in team_book(book)}
    assert len(accounts) == 30
    cafe = accounts["Café Brûlé GmbH"]
    assert (cafe["segment"], cafe["owner_email"]) == ("commercial", None)
    assert {row["priority"] for row in accounts.values()} == {"pr1", "pr2", "pr3"}

    # The CSM names the owners in her own file, laid over the preset, and imports again.
    user_mapping("salesforce", SALESFORCE_OWNERS)
    again = imported(book, "accounts", str(export), "--mapping", "salesforce").splitlines()
    assert again[0].endswith("0 accounts created, 30 updated.")
    assert again[1:4] == [
        "  new team member: maya.patel@example.com",
        "  new team member: jonas.weber@example.com",
        "  new team member: priya.raman@example.com",
    ]
    assert again[-1].startswith(
        "  warning: owner: 1 records name CRM users the mapping has no e-mail for: "
        "0055g00000Adm1nAAA (1);"
    )
    owners = [row["owner_email"] for row in team_book(book)]
    assert (owners.count("maya.patel@example.com"), owners.count(None)) == (10, 1)


def test_a_hubspot_companies_export_imports_through_its_preset(tmp_path: Path) -> None:
    book = tmp_path / "book.db"
    user_mapping("hubspot", '[owners]\n"Maya Patel" = "maya.patel@example.com"\n')
    out = imported(book, "accounts", str(DATA / "hubspot_companies.csv"), "--mapping", "hubspot")
    assert "20 accounts created" in out
    assert (
        "owner: 12 records name CRM users the mapping has no e-mail for: Jonas Weber (7), " in out
    )
    accounts = {row["name"]: row for row in team_book(book)}
    northwind = accounts["Northwind Traders, Inc."]
    assert (northwind["segment"], northwind["arr"], northwind["renewal_date"]) == (
        "enterprise",
        268000.0,
        "2026-09-02",
    )
    assert northwind["owner_email"] == "maya.patel@example.com"
    segments = {row["segment"] for row in accounts.values()}
    assert segments == {"enterprise", "mid-market", "smb"}  # "Small Business" mapped too


# -- a B2B SaaS export through a mapping file ------------------------------------------------


def test_a_saas_export_with_us_dates_plan_tiers_and_no_owner(
    tmp_path: Path, saas_mapping: Path
) -> None:
    book = tmp_path / "book.db"
    out = imported(book, "accounts", str(DATA / "saas_accounts.csv"), "--mapping", "saas")
    assert out.splitlines() == [
        f"Imported {DATA / 'saas_accounts.csv'} with the saas mapping: 40 accounts created, "
        "0 updated.",
        "  new team member: maya.patel@example.com",
        "  note: ignored 4 columns: 'seats', 'signup_date', 'billing_country', 'status'",
        "  note: owner_email: not in the file; the accounts it creates get "
        "'maya.patel@example.com' (the mapping's default)",
        "  note: dates read as M/D/YYYY (month first), as values like '02/27/2023' show",
    ]
    accounts = {row["external_id"]: row for row in team_book(book)}
    first = accounts["ACC-1001"]
    assert (first["segment"], first["renewal_date"], first["arr"]) == (
        "enterprise",
        "2026-02-27",
        480000.0,
    )
    assert {row["owner_email"] for row in accounts.values()} == {"maya.patel@example.com"}

    # Defaults are for the accounts an import creates: one given to another CSM keeps her.
    db = Database.open(book)
    try:
        with db.writing() as session:
            session.execute(
                text(
                    "UPDATE account SET owner_id = NULL, segment = 'scale' "
                    "WHERE external_id = 'ACC-1001'"
                )
            )
    finally:
        db.dispose()
    imported(book, "accounts", str(DATA / "saas_accounts.csv"), "--mapping", "saas")
    after = {row["external_id"]: row for row in team_book(book)}["ACC-1001"]
    assert (after["owner_email"], after["segment"]) == (None, "enterprise")  # the file's tier


def test_tickets_of_unknown_accounts(tmp_path: Path, saas_mapping: Path) -> None:
    book = tmp_path / "book.db"
    imported(book, "accounts", str(DATA / "saas_accounts.csv"), "--mapping", "saas")
    tickets = tmp_path / "tickets.csv"
    shutil.copy(DATA / "saas_tickets.csv", tickets)
    original = tickets.read_bytes()

    refused = csm("--db", str(book), "import", "touchpoints", str(tickets), "--mapping", "saas")
    assert refused.exit_code == 1
    assert refused.stderr.splitlines() == [
        "Error: 3 problems found, nothing was imported:",
        "  tickets.csv, column account_external_id: 3 values like 'ACC-0907', 'ACC-0912' are "
        "not valid (records 5, 18, 30; first at line 6); expected the external_id of an existing "
        "account (import the accounts first); or pass --skip-unknown-accounts to import the "
        "others",
    ]

    args = ("touchpoints", str(tickets), "--mapping", "saas", "--skip-unknown-accounts")
    dry = imported(book, *args, "--dry-run")
    assert "  skipped: 3 records of accounts that do not exist would be left out" in dry
    assert not rejects_path(tickets).exists()

    out = imported(book, *args)
    rejects = tmp_path / "tickets.rejected.csv"
    assert "33 touchpoints created, 0 updated." in out
    assert (
        f"  skipped: 3 records of accounts that do not exist, written to {rejects} (import the "
        "accounts, then that file)"
    ) in out
    assert rejects.read_text().splitlines()[:2] == [
        "ticket_id,account_id,created_at,subject,channel,status,priority,requester_email,"
        "rejected_line,rejected_because",
        "T-50214,ACC-0907,9/17/2025 9:58 PM,Renewal terms,Chat,Closed,Low,"
        "user93@customer.example,6,no account has the external_id 'ACC-0907'",
    ]
    # Again: the touches are updated, and the rejects go to a new file, never over one.
    again = imported(book, *args)
    assert "0 touchpoints created, 33 updated." in again
    assert str(tmp_path / "tickets.rejected-2.csv") in again
    assert tickets.read_bytes() == original
    # The rejects file imports as it is, once its accounts exist (its two extra columns are
    # ignored): here they do not, and it says so.
    assert (
        csm("--db", str(book), "import", "touchpoints", str(rejects), "--mapping", "saas").exit_code
        == 1
    )


# -- dry runs --------------------------------------------------------------------------------


def test_a_dry_run_writes_nothing_and_foresees_the_first_queue(
    tmp_path: Path, saas_mapping: Path
) -> None:
    book = tmp_path / "book.db"
    args = ("accounts", str(DATA / "saas_accounts.csv"), "--mapping", "saas")
    dry = imported(book, *args, "--dry-run").splitlines()
    assert not book.exists()
    assert dry[0] == (
        f"Dry run of {DATA / 'saas_accounts.csv'} with the saas mapping, nothing was written: "
        "40 accounts would be created, 0 updated."
    )
    assert dry[1] == "  new team member (would be added): maya.patel@example.com"
    assert dry[-1].startswith("  first queue: the team's queue on Mon 2026-11-23 would hold ")
    foreseen = dry[-1].removeprefix("  first queue: the team's queue on Mon 2026-11-23 would hold ")

    real = imported(book, *args).splitlines()
    assert real[0].endswith(": 40 accounts created, 0 updated.")
    queue = csm("--db", str(book), "--today", TODAY, "queue", "--team", "--format", "json")
    items = json.loads(queue.stdout)
    overdue = sum(1 for item in items if item["overdue_days"] > 0)
    every = csm("--db", str(book), "--today", TODAY, "queue", "--team", "--every-item")
    due = len(every.stdout.splitlines()) - 2  # the header and its underline
    assert foreseen == f"{len(items)} rows ({due} items due), {overdue} overdue"

    before = book.read_bytes()
    again = imported(book, *args, "--dry-run").splitlines()
    assert again[0].endswith("0 accounts would be created, 40 updated.")
    assert book.read_bytes() == before


def test_a_dry_run_rolls_back_on_either_database(db: Database, tmp_path: Path) -> None:
    """The rolled-back transaction of a PostgreSQL book (SQLite's scratch copy, on SQLite)."""
    target = db.url.render_as_string(hide_password=False)
    rules = load_rules(None, tmp_path)
    account_file = tmp_path / "accounts.csv"
    account_file.write_text("external_id,name,segment\nA-1,Acme,smb\nA-2,Beta,enterprise\n")
    request = ImportRequest(ImportKind.ACCOUNTS, account_file)
    run_import(target, rules, DAY, request)
    account_file.write_text("external_id,name,segment\nA-2,Beta,smb\nA-3,Gamma,smb\n")
    with db.reading() as session:
        before = count_rows(session, [Account])

    dry = run_import(
        target, rules, DAY, ImportRequest(ImportKind.ACCOUNTS, account_file, dry_run=True)
    )

    assert (dry.created, dry.updated, dry.dry_run) == (1, 1, True)
    assert dry.first_queue is not None and dry.first_queue.rows == 3
    with db.reading() as session:
        assert count_rows(session, [Account]) == before


# -- no book is made by an import that does not happen ----------------------------------------


def test_a_failed_import_creates_no_book(tmp_path: Path) -> None:
    book = tmp_path / "book.db"
    touches = tmp_path / "touches.csv"
    touches.write_text("account_external_id,occurred_on,kind,summary\nA-1,2026-11-02,email,Hi\n")
    result = csm("--db", str(book), "import", "touchpoints", str(touches))
    assert result.exit_code == 1
    assert "expected the external_id of an existing account" in result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["touches.csv"]

    bad = tmp_path / "accounts.csv"
    bad.write_text("external_id,name,segment\nA-1,Acme,Enterprize\n")
    assert csm("--db", str(book), "import", "accounts", str(bad)).exit_code == 1
    assert not book.exists()
    # Nor the folders it would have gone in.
    nested = tmp_path / "new" / "deeper" / "book.db"
    assert csm("--db", str(nested), "import", "touchpoints", str(touches)).exit_code == 1
    assert not (tmp_path / "new").exists()


def test_a_file_with_a_header_and_no_records_is_a_warning(tmp_path: Path) -> None:
    book = tmp_path / "book.db"
    empty = tmp_path / "accounts.csv"
    empty.write_text("external_id,name,segment\r\n\r\n")
    result = csm("--db", str(book), "import", "accounts", str(empty))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == f"warning: {empty} has a header and no records: nothing to import.\n"
    assert not book.exists()


# -- every option's messages ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--mapping", "salesfroce"],
            "Error: Invalid value for '--mapping': no such mapping (did you mean 'salesforce'?); "
            "the presets are hubspot, salesforce; yours would be in ",
        ),
        (
            ["--mapping", "./nowhere.toml"],
            "Error: Invalid value for '--mapping': no such file",
        ),
        (
            ["--map", "externl_id=account_id"],
            "Error: Invalid value for '--map': accounts have no column 'externl_id'; did you mean "
            "'external_id'?",
        ),
        (
            ["--map", "external_id"],
            "Error: Invalid value for '--map': 'external_id' is not COLUMN=HEADER, like "
            "external_id=account_id",
        ),
        (
            ["--date-format", "%m/%Y"],
            "Error: Invalid value for '--date-format': '%m/%Y' must name the day (%d), the month "
            "(%m or %b) and the year (%Y), like %m/%d/%Y",
        ),
        (
            ["--skip-unknown-accounts"],
            "Error: --skip-unknown-accounts is for contacts and touchpoints, whose rows name an "
            "account; an accounts file creates its accounts",
        ),
    ],
)
def test_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("external_id,name,segment\nA-1,Acme,smb\n")
    result = csm("--db", str(tmp_path / "book.db"), "import", "accounts", str(accounts), *args)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith(message)
    assert not (tmp_path / "book.db").exists()


def test_a_mapping_without_the_kind_is_a_usage_error(tmp_path: Path) -> None:
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("account_external_id,name\nA-1,Ada\n")
    result = csm("import", "contacts", str(contacts), "--mapping", "hubspot")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: Invalid value for '--mapping': the hubspot mapping has no [contacts.columns]: it "
        "reads accounts; add a [contacts.columns] table to it, or use --map"
    )


def test_a_mapping_file_with_problems_lists_them_with_their_lines(tmp_path: Path) -> None:
    mine = user_mapping(
        "crm",
        '[accounts.columns]\nexternal_id = "Id"\nsegmnt = "Tier"\n\n[accounts.values.segment]\n'
        'Gold = "enterprize"\n',
    )
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("Id,name,Tier\nA-1,Acme,Gold\n")
    result = csm(
        "--db", str(tmp_path / "b.db"), "import", "accounts", str(accounts), "--mapping", "crm"
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: the mapping cannot be used, nothing was imported:",
        f"  {mine}:3: accounts.columns.segmnt: accounts have no column 'segmnt'; did you mean "
        "'segment'?",
        f"  {mine}:6: accounts.values.segment.Gold: must be one of enterprise, commercial, "
        "mid-market, smb, scale, not 'enterprize'; did you mean 'enterprise'?",
    ]


def test_map_and_date_format_on_the_command_line(tmp_path: Path) -> None:
    book = tmp_path / "book.db"
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(
        "account_id,account_name,segment,starts\nA-1,Acme,smb,03.04.2024\nA-2,Beta,smb,\n"
    )
    out = imported(
        book,
        "accounts",
        str(accounts),
        "--map",
        "external_id=account_id,name=account_name",
        "--map",
        "contract_start=starts",
        "--date-format",
        "%d.%m.%Y",
    )
    assert out.splitlines() == [f"Imported {accounts}: 2 accounts created, 0 updated."]
    # --map names a column the file must have.
    wrong = csm(
        "--db",
        str(book),
        "import",
        "accounts",
        str(accounts),
        "--map",
        "external_id=account_id",
        "--map",
        "name=title",
    )
    assert wrong.exit_code == 1
    assert wrong.stderr.splitlines()[1:] == [
        "  accounts.csv, line 1, column name: expected a column named 'title' in the header "
        "(--map name=title) (found: 'account_id', 'account_name', 'segment', 'starts'); did you "
        "mean 'account_name'? (--map name=account_name)"
    ]


def test_the_owner_ids_of_a_map_without_a_mapping_file(tmp_path: Path) -> None:
    accounts = tmp_path / "Accounts Export.csv"
    accounts.write_text("Id,Name,segment,OwnerId\nA-1,Acme,smb,0055g00000AbCdEAAW\n")
    out = imported(
        tmp_path / "b.db", "accounts", str(accounts), "--map", "external_id=Id,owner_email=OwnerId"
    )
    folder = paths.config_dir() / "mappings"
    assert out.splitlines()[1].endswith(
        f"map each under [owners] in {folder / 'Accounts-Export.toml'}, like "
        '"0055g00000AbCdEAAW" = "name@example.com", and import again with --mapping '
        "Accounts-Export"
    )


# -- the progress bar ------------------------------------------------------------------------


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    rows = "".join(f"A-{n},Account number {n},smb,2027-01-01\n" for n in range(30_000))
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("external_id,name,segment,renewal_date\n" + rows)
    assert accounts.stat().st_size > output.PROGRESS_FROM_BYTES
    result = csm("--db", str(tmp_path / "b.db"), "import", "accounts", str(accounts))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


def test_the_progress_bar_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with output.import_progress("accounts.csv", enabled=True) as progress:
        assert progress is not None
        progress("reading", 500, 1000)
        progress("writing", 0, None)
    assert "Reading accounts.csv" in terminal.getvalue()
    with output.import_progress("accounts.csv", enabled=False) as progress:
        assert progress is None
