"""Reading what CRMs export: mapping files (and the shipped presets), slash dates in the order a
file proves, suggestions for a missing column, problems grouped over many records."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from csm_tui.domain.dates import (
    DAY_FIRST,
    MONTH_FIRST,
    AmbiguousDate,
    check_date_format,
    day_parser,
    parse_iso_day,
    slash_dates,
)
from csm_tui.domain.import_columns import ImportKind
from csm_tui.domain.mapping_file import (
    ImportMapping,
    MappingError,
    MappingText,
    parse_map_option,
    parse_mapping,
)
from csm_tui.mappings import (
    MappingFileError,
    UnknownMapping,
    load_mapping,
    preset_text,
    presets,
)
from csm_tui.services.csv_import import (
    ImportFailed,
    ImportIssue,
    grouped,
    likely_column,
    parse_file,
)
from csm_tui.store.imports import AccountIn, TouchpointIn

DATA = Path(__file__).parent / "data" / "csv"
ACCOUNTS = ImportKind.ACCOUNTS
TOUCHPOINTS = ImportKind.TOUCHPOINTS


def mapping(text: str, *, over: str | None = None) -> ImportMapping:
    layers = [preset_text(over)] if over else []
    return parse_mapping(*layers, MappingText(text, "mine.toml"), name="mine")


def problems(text: str, *, over: str | None = None) -> list[str]:
    with pytest.raises(MappingError) as caught:
        mapping(text, over=over)
    return [str(problem) for problem in caught.value.problems]


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


# -- dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2024-09-15", date(2024, 9, 15)),
        ("2024-09-15T10:04:25.000+0000", date(2024, 9, 15)),
        ("2024-09-15T10:04:25Z", date(2024, 9, 15)),
        ("2024-09-15T23:30:00-07:00", date(2024, 9, 15)),  # the day in its own offset
        ("2024-09-15T10:04:25+02:00", date(2024, 9, 15)),
        ("2024-09-15 10:04", date(2024, 9, 15)),  # HubSpot
    ],
)
def test_iso_dates_and_datetimes(text: str, day: date) -> None:
    assert parse_iso_day(text) == day


@pytest.mark.parametrize("text", ["20240915", "2024-W37-1", "2024-9-15", "2024-02-30", "soon"])
def test_what_is_not_iso(text: str) -> None:
    with pytest.raises(ValueError, match="a date as YYYY-MM-DD"):
        parse_iso_day(text)


def test_a_day_past_12_proves_the_order() -> None:
    us = slash_dates(["03/04/2024", "10/16/2024", "2024-01-01", "1/2/2025 2:03 PM"])
    assert (us.count, us.format, us.month_first) == (3, MONTH_FIRST, "10/16/2024")
    europe = slash_dates(["03/04/2024", "16/10/2024"])
    assert (europe.format, europe.day_first) == (DAY_FIRST, "16/10/2024")
    ambiguous = slash_dates(["03/04/2024", "12/11/2024"])
    assert (ambiguous.count, ambiguous.format, ambiguous.contradictory) == (2, None, False)
    both = slash_dates(["10/16/2024", "16/10/2024"])
    assert (both.format, both.contradictory) == (None, True)


def test_day_parser() -> None:
    us = day_parser(MONTH_FIRST)
    assert us("10/16/2024") == us("10/16/2024 2:03 PM") == date(2024, 10, 16)
    assert us("2024-10-16T08:00:00Z") == date(2024, 10, 16)  # ISO is always read
    with pytest.raises(ValueError, match=r"a date like 11/23/2026 \(%m/%d/%Y\) or YYYY-MM-DD"):
        us("16/10/2024")
    assert day_parser("%d.%m.%Y")("16.10.2024") == date(2024, 10, 16)
    with pytest.raises(AmbiguousDate):
        day_parser(None)("03/04/2024")


@pytest.mark.parametrize(
    ("fmt", "problem"),
    [
        ("%m/%d/%Y", None),
        ("%d %b %Y", None),
        ("%Y", "must name the day (%d), the month (%m or %b) and the year (%Y)"),
        ("%m/%d/%Y%Q", "cannot read back the dates it writes"),
    ],
)
def test_date_formats(fmt: str, problem: str | None) -> None:
    found = check_date_format(fmt)
    assert (found is None) if problem is None else (problem in (found or ""))


# -- mapping files ------------------------------------------------------------------------------


def test_the_presets_are_valid_and_read_what_their_crm_exports() -> None:
    assert presets() == ["hubspot", "salesforce"]
    salesforce = parse_mapping(preset_text("salesforce"), name="salesforce")
    accounts = salesforce.kind(ACCOUNTS)
    assert accounts.columns["external_id"] == ("Id", "Account ID")
    assert accounts.values["priority"] == {"high": "pr1", "medium": "pr2", "low": "pr3"}
    assert accounts.defaults == {"segment": "commercial"}
    assert salesforce.kind(TOUCHPOINTS).values["kind"]["call"] == "cadence-call"
    hubspot = parse_mapping(preset_text("hubspot"), name="hubspot")
    assert hubspot.kind(ACCOUNTS).columns["lifecycle_stage"] == ()


def test_a_mapping_laid_over_a_preset() -> None:
    mine = mapping(
        """
        [owners]
        "0055g00000AbCdEAAW" = "maya.patel@example.com"
        "Jonas Weber" = "jonas.weber@example.com"

        [accounts.columns]
        segment = "Tier__c"

        [accounts.values.priority]
        Critical = "pr1"
        """,
        over="salesforce",
    )
    accounts = mine.kind(ACCOUNTS)
    assert accounts.columns["segment"] == ("Tier__c",)  # a list of columns is replaced
    assert accounts.columns["external_id"] == ("Id", "Account ID")  # the rest is the preset's
    assert accounts.values["priority"] == {
        "high": "pr1",
        "medium": "pr2",
        "low": "pr3",
        "critical": "pr1",
    }
    assert mine.owner_email("0055g00000AbCdEAAW") == "maya.patel@example.com"
    assert mine.owner_email("0055G00000ABCDEAAW") == "maya.patel@example.com"
    assert mine.owner_email("jonas weber") == "jonas.weber@example.com"
    assert mine.owner_email("0055g00000XyZ12AAC") is None


def test_every_problem_of_a_mapping_file_names_its_line_and_the_fix() -> None:
    found = problems(
        """description = "ours"
date_fromat = "%m/%d/%Y"

[accounts.columns]
externl_id = "account_id"
name = 3

[accounts.values.segment]
Basic = "smbb"

[accounts.defaults]
external_id = "A-1"
health_score = 101

[owners]
"0055g00000AbCdEAAW" = "maya"

[acounts.columns]
"""
    )
    assert found == [
        "mine.toml:2: date_fromat: unknown key 'date_fromat'; did you mean 'date_format'?",
        "mine.toml:18: acounts: unknown key 'acounts'; did you mean 'accounts'?",
        "mine.toml:16: owners.0055g00000AbCdEAAW: must be the e-mail of that CRM user, like "
        "'0055g00000AbCdEAAW' = \"ada@example.com\", not 'maya'",
        "mine.toml:5: accounts.columns.externl_id: accounts have no column 'externl_id'; "
        "did you mean 'external_id'?",
        "mine.toml:6: accounts.columns.name: must name the export's column, like name = "
        '"Account ID", or the first of several it may have: name = ["Id", "Account ID"] '
        "([] reads none); not 3",
        "mine.toml:9: accounts.values.segment.Basic: must be one of enterprise, commercial, "
        "mid-market, smb, scale, not 'smbb'; did you mean 'smb'?",
        "mine.toml:12: accounts.defaults.external_id: cannot have a default: each record must "
        "give its own external_id",
        "mine.toml:13: accounts.defaults.health_score: must be a whole number from 0 to 100, "
        "not 101",
    ]


def test_a_mapping_that_is_not_toml() -> None:
    assert problems('[accounts.columns]\nname = "x\n') == [
        "mine.toml:2: not valid TOML: Illegal character '\\n'; fix the syntax"
    ]


def test_a_mapping_nested_a_thousand_deep_is_one_problem() -> None:
    deep = "[accounts]\nx = " + "{a = " * 1000 + "1" + "}" * 1000 + "\n"
    assert problems(deep) == [
        "mine.toml: arrays or tables are nested too deeply to read; write them out flat"
    ]


def test_map_option() -> None:
    assert parse_map_option(ACCOUNTS, "external_id=account_id, Name = Account Name") == {
        "external_id": "account_id",
        "name": "Account Name",
    }
    with pytest.raises(ValueError, match="accounts have no column 'externl_id'; did you mean"):
        parse_map_option(ACCOUNTS, "externl_id=account_id")
    with pytest.raises(ValueError, match="'external_id' is not COLUMN=HEADER"):
        parse_map_option(ACCOUNTS, "external_id")


def test_load_mapping_by_name_path_and_extends(tmp_path: Path) -> None:
    config = tmp_path / "config"
    folder = config / "mappings"
    folder.mkdir(parents=True)
    # A file named like a preset is laid over it.
    (folder / "salesforce.toml").write_text('[owners]\n"0055g00000AbCdEAAW" = "maya@x.com"\n')
    loaded = load_mapping("salesforce", config)
    assert loaded.kind(ACCOUNTS).columns["name"] == ("Name", "Account Name")
    assert loaded.owners == {"0055g00000AbCdEAAW": "maya@x.com"}
    assert loaded.owners_file == str(folder / "salesforce.toml")
    # The preset alone says where the user's file would go.
    assert load_mapping("hubspot", config).owners_file == str(folder / "hubspot.toml")
    # A file of another name stands alone, or over the preset it extends.
    (folder / "crm.toml").write_text('extends = "hubspot"\n[accounts.columns]\nname = "Label"\n')
    crm = load_mapping("crm", config)
    assert crm.kind(ACCOUNTS).columns["name"] == ("Label",)
    assert crm.kind(ACCOUNTS).columns["external_id"][0] == "Record ID"
    path = write(tmp_path, "elsewhere.toml", '[accounts.columns]\nname = "Label"\n')
    assert load_mapping(str(path), config).kind(ACCOUNTS).columns == {"name": ("Label",)}


def test_load_mapping_failures(tmp_path: Path) -> None:
    config = tmp_path / "config"
    with pytest.raises(UnknownMapping, match=r"no such mapping \(did you mean 'salesforce'\?\)"):
        load_mapping("salesfroce", config)
    with pytest.raises(UnknownMapping, match="no such file"):
        load_mapping(str(tmp_path / "missing.toml"), config)
    path = write(tmp_path, "bad.toml", 'extends = "salesfroce"\n')
    with pytest.raises(MappingFileError) as caught:
        load_mapping(str(path), config)
    assert str(caught.value).splitlines() == [
        "the mapping cannot be used, nothing was imported:",
        f"  {path}:1: extends: no preset 'salesfroce'; did you mean 'salesforce'?",
    ]


# -- reading a file through a mapping ----------------------------------------------------------


def test_a_salesforce_export_reads_through_the_preset_alone() -> None:
    preset = parse_mapping(preset_text("salesforce"), name="salesforce")
    parsed = parse_file(ACCOUNTS, DATA / "salesforce_accounts.csv", mapping=preset)
    assert len(parsed.rows) == 30
    first = parsed.rows[0]
    assert isinstance(first, AccountIn)
    assert (first.external_id, first.values["name"]) == (
        "0015g00000QCvpmAAE",
        "Northwind Traders, Inc.",
    )
    assert first.defaults == {"segment": "commercial"}
    assert first.sets_owner is False  # OwnerId is a user id the preset cannot name
    priorities = {row.values.get("priority") for row in parsed.rows}
    assert priorities == {"pr1", "pr2", "pr3", None}
    assert parsed.notes[0].startswith("ignored 60 columns: 'IsDeleted', 'MasterRecordId', 'Type'")
    assert parsed.notes[0].endswith("and 48 more")
    [owners] = parsed.warnings
    assert owners.startswith(
        "owner: 30 records name CRM users the mapping has no e-mail for: "
        "0055g00000AbCdEAAW (10), 0055g00000XyZ12AAC (10), 0055g00000QrStUAA3 (9), "
        "0055g00000Adm1nAAA (1); "
    )


def test_us_dates_are_recognised_and_said(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "accounts.csv",
        "external_id,name,segment,contract_start,renewal_date\n"
        "A-1,Acme,smb,03/04/2024,03/04/2025\nA-2,Beta,smb,10/16/2024,2025-10-16T00:00:00Z\n",
    )
    parsed = parse_file(ACCOUNTS, path)
    assert [row.values["contract_start"] for row in parsed.rows] == [
        date(2024, 3, 4),
        date(2024, 10, 16),
    ]
    assert parsed.notes == [
        "dates read as M/D/YYYY (month first), as values like '10/16/2024' show"
    ]


def test_ambiguous_dates_ask_for_a_format_once_for_the_column(tmp_path: Path) -> None:
    rows = "".join(f"A-{n},Acme {n},smb,0{n % 9 + 1}/0{n % 7 + 1}/2024\n" for n in range(500))
    path = write(tmp_path, "accounts.csv", "external_id,name,segment,contract_start\n" + rows)
    with pytest.raises(ImportFailed) as caught:
        parse_file(ACCOUNTS, path)
    assert str(caught.value).splitlines() == [
        "500 problems found, nothing was imported:",
        "  accounts.csv, column contract_start: 500 values like '01/01/2024', '02/02/2024', "
        "'03/03/2024' are not valid (records 1, 2, 3 and 497 more; first at line 2); expected a "
        "date in a known order: no day in this file is past 12, so M/D/YYYY and D/M/YYYY both "
        "fit; pass --date-format %m/%d/%Y (or %d/%m/%Y)",
    ]
    day_first = parse_file(ACCOUNTS, path, date_format=DAY_FIRST).rows[0]
    assert day_first.values["contract_start"] == date(2024, 1, 1)


def test_contradictory_dates_are_one_problem(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "accounts.csv",
        "external_id,name,segment,contract_start\nA-1,Acme,smb,10/16/2024\nA-2,B,smb,16/10/2024\n",
    )
    with pytest.raises(ImportFailed) as caught:
        parse_file(ACCOUNTS, path)
    assert [str(issue) for issue in caught.value.issues] == [
        "accounts.csv: expected dates in one order: '10/16/2024' can only be M/D/YYYY and "
        "'16/10/2024' only D/M/YYYY; correct them, or pass --date-format %m/%d/%Y (or %d/%m/%Y) "
        "to read the whole file one way"
    ]


def test_a_missing_column_suggests_the_likely_one(tmp_path: Path) -> None:
    path = write(tmp_path, "accounts.csv", "account_id,account_name,plan_tier\nA-1,Acme,Pro\n")
    with pytest.raises(ImportFailed) as caught:
        parse_file(ACCOUNTS, path)
    lines = str(caught.value).splitlines()
    assert lines[1] == (
        "  accounts.csv, line 1, column external_id: expected a column named external_id in "
        "the header (found: 'account_id', 'account_name', 'plan_tier'); did you mean "
        "'account_id'? (--map external_id=account_id)"
    )
    assert lines[2].endswith("did you mean 'account_name'? (--map name=account_name)")
    assert lines[3].endswith("(found: 'account_id', 'account_name', 'plan_tier')")
    assert likely_column(["owner_email"], ["Account Owner", "Region"]) == "Account Owner"
    assert likely_column(["segment"], ["Region", "City"]) is None


def test_map_and_values_and_defaults(tmp_path: Path) -> None:
    mine = mapping(
        """
        [accounts.columns]
        external_id = "account_id"
        name = "account_name"
        segment = "plan_tier"
        [accounts.values.segment]
        Basic = "smb"
        "Pro Plus" = "mid-market"
        [accounts.defaults]
        owner_email = "maya.patel@example.com"
        priority = "pr3"
        """
    )
    path = write(
        tmp_path,
        "accounts.csv",
        "account_id,account_name,plan_tier,notes,notes\nA-1,Acme,basic,,\nA-2,Beta,PRO  plus,,\n",
    )
    parsed = parse_file(ACCOUNTS, path, mapping=mine)
    segments = [row.values["segment"] for row in parsed.rows]
    assert segments == ["smb", "mid-market"]
    first = parsed.rows[0]
    assert isinstance(first, AccountIn)
    assert (first.defaults, first.default_owner_email, first.sets_owner) == (
        {"priority": "pr3"},
        "maya.patel@example.com",
        False,
    )
    assert parsed.notes == [  # a column twice in the header is fine when nothing reads it
        "ignored 2 columns: 'notes', 'notes'",
        "owner_email: not in the file; the accounts it creates get 'maya.patel@example.com' "
        "(the mapping's default)",
        "priority: not in the file; the accounts it creates get 'pr3' (the mapping's default)",
    ]
    # --map over the mapping: the file must have that column.
    strict = mine.with_columns(ACCOUNTS, {"renewal_date": "renews_on"})
    with pytest.raises(ImportFailed, match=r"expected a column named 'renews_on' in the header"):
        parse_file(ACCOUNTS, path, mapping=strict)


def test_touch_kinds_map_and_touch_defaults_apply_to_every_record(tmp_path: Path) -> None:
    mine = mapping(
        """
        [touchpoints.columns]
        account_external_id = "account_id"
        occurred_on = "created_at"
        kind = "channel"
        summary = "subject"
        [touchpoints.values.kind]
        "Support Ticket" = "note"
        "Phone Call" = "cadence-call"
        [touchpoints.defaults]
        kind = "email"
        summary = "(no subject)"
        """
    )
    path = write(
        tmp_path,
        "tickets.csv",
        "account_id,created_at,subject,channel\n"
        "A-1,10/16/2024 2:03 PM,SSO broken,Support ticket\n"
        "A-1,10/17/2024 9:00 AM,,Phone Call\n"
        "A-2,10/18/2024 9:00 AM,Invoice,\n",
    )
    rows = parse_file(TOUCHPOINTS, path, mapping=mine).rows
    assert [(r.kind, r.summary, r.occurred_on) for r in rows if isinstance(r, TouchpointIn)] == [
        ("note", "SSO broken", date(2024, 10, 16)),
        ("cadence-call", "(no subject)", date(2024, 10, 17)),
        ("email", "Invoice", date(2024, 10, 18)),
    ]


def test_unknown_values_are_grouped_with_a_hint(tmp_path: Path) -> None:
    rows = "".join(f"A-{n},Acme {n},{['Basic', 'Pro'][n % 2]}\n" for n in range(40))
    path = write(tmp_path, "accounts.csv", "external_id,name,segment\n" + rows)
    with pytest.raises(ImportFailed) as caught:
        parse_file(ACCOUNTS, path)
    assert str(caught.value).splitlines()[1] == (
        "  accounts.csv, column segment: 40 values like 'Basic', 'Pro' are not valid "
        "(records 1, 2, 3 and 37 more; first at line 2); expected one of enterprise, commercial, "
        "mid-market, smb, scale (a mapping's [accounts.values.segment] can translate the file's "
        "values)"
    )


def test_problem_lines_are_capped() -> None:
    issues = [
        ImportIssue("a.csv", n, n + 1, f"column{n}", "x", "something else") for n in range(1, 31)
    ]
    text = str(ImportFailed(issues)).splitlines()
    assert text[0] == "30 problems found, nothing was imported:"
    assert len(text) == 22
    assert text[-1] == "  and 10 more"
    assert grouped(issues[:1]) == [
        "a.csv, record 1 (line 2), column column1: 'x' is not valid; expected something else"
    ]


def test_an_empty_file_has_no_records(tmp_path: Path) -> None:
    parsed = parse_file(ACCOUNTS, write(tmp_path, "a.csv", "external_id,name,segment\n\n"))
    assert (parsed.records, parsed.rows) == (0, [])


def test_the_readmes_mapping_example_is_valid() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    section = readme[readme.index("### Mapping files and presets") :]
    example = section[section.index("```toml\n") + 8 : section.index("```\n", 10)]
    parsed = parse_mapping(MappingText(example, "README.md"), name="saas")
    assert parsed.kind(ACCOUNTS).values["segment"]["pro"] == "mid-market"
    assert parsed.kind(TOUCHPOINTS).values["kind"]["support ticket"] == "note"
    assert parsed.owner_email("Jonas Weber") == "jonas.weber@example.com"
    assert parsed.date_format == "%m/%d/%Y"
