"""The `csm` command line as a user types it: output, exit codes, and no tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from csm_tui import paths
from csm_tui.cli import main
from csm_tui.rules import default_rules
from csm_tui.services.demo import DEMO_USER_EMAIL
from csm_tui.store import raw
from tests.writers import HOLDER_COMMAND, another_csm_writing, damage_an_index

TODAY = "2026-11-23"


def csm(*args: str, env: dict[str, str] | None = None) -> Result:
    result = CliRunner().invoke(main, list(args), env=env, prog_name="csm", catch_exceptions=True)
    assert "Traceback" not in result.output, result.output
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


@pytest.fixture
def demo_file(tmp_path: Path) -> Path:
    target = tmp_path / "demo.db"
    result = csm("--db", str(target), "--today", TODAY, "demo", "--accounts", "40", "--no-open")
    assert result.exit_code == 0, result.output
    return target


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["demo"],
        ["import"],
        ["accounts"],
        ["db"],
        ["db", "upgrade"],
        ["db", "backup"],
        ["db", "check"],
    ],
)
def test_every_command_has_useful_help(command: list[str]) -> None:
    result = csm(*command, "--help")
    assert result.exit_code == 0
    assert "Usage: csm" in result.output
    assert len(result.output.splitlines()) > 4


def test_import_help_lists_the_csv_columns() -> None:
    output = csm("import", "--help").output
    assert "external_id,name,segment,priority,arr,owner_email" in output
    assert "account_external_id,occurred_on,kind,summary,sentiment,owner_email" in output


def test_demo_builds_its_own_database_by_default() -> None:
    result = csm("--today", TODAY, "demo", "--accounts", "25", "--no-open")
    assert result.exit_code == 0, result.output
    assert paths.demo_database().exists()
    assert not paths.default_database().exists()
    assert "25 accounts" in result.output


def test_the_demo_book_is_built_with_its_schedule_computed(demo_file: Path) -> None:
    from datetime import date

    from csm_tui.store.database import Database
    from csm_tui.store.meta import schedule_state
    from csm_tui.store.versions import schedule_stamp

    db = Database.open(demo_file)
    try:
        with db.reading() as session:
            computed_for, rules_sha256 = schedule_state(session)
    finally:
        db.dispose()
    assert computed_for == date.fromisoformat(TODAY)
    assert rules_sha256 == schedule_stamp(default_rules().sha256)  # no recompute at first start


def test_accounts_lists_my_book_as_a_table_and_as_json(demo_file: Path) -> None:
    table = csm("--db", str(demo_file), "--today", TODAY, "--as", DEMO_USER_EMAIL, "accounts")
    assert table.exit_code == 0
    header, rule, *rows = table.output.splitlines()
    assert header.split()[:3] == ["ID", "Account", "Segment"]
    assert rows and set(rule) <= {"-", " "}
    mine = json.loads(
        csm(
            "--db",
            str(demo_file),
            "--today",
            TODAY,
            "--as",
            DEMO_USER_EMAIL,
            "accounts",
            "--format",
            "json",
        ).output
    )
    team = json.loads(
        csm(
            "--db", str(demo_file), "--today", TODAY, "accounts", "--team", "--format", "json"
        ).output
    )
    assert len(mine) == len(rows)
    assert {item["owner_email"] for item in mine} == {DEMO_USER_EMAIL}
    assert len(team) == 40
    first = team[0]
    assert set(first) >= {
        "external_id",
        "name",
        "segment",
        "priority",
        "arr",
        "health_band",
        "renewal_date",
        "days_to_renewal",
        "last_touch",
    }


def test_as_is_read_from_the_environment(demo_file: Path) -> None:
    result = csm(
        "--db",
        str(demo_file),
        "--today",
        TODAY,
        "accounts",
        "--format",
        "json",
        env={"CSM_TUI_AS": DEMO_USER_EMAIL},
    )
    assert result.exit_code == 0
    assert {item["owner_email"] for item in json.loads(result.output)} == {DEMO_USER_EMAIL}


def test_unknown_user_is_one_clear_line(demo_file: Path) -> None:
    result = csm("--db", str(demo_file), "--as", "nobody@example.com", "accounts")
    assert result.exit_code == 1
    assert "nobody in the team has the e-mail nobody@example.com; known:" in result.output


def test_accounts_without_identity_asks_whose_book(demo_file: Path) -> None:
    result = csm("--db", str(demo_file), "accounts")
    assert result.exit_code == 2
    assert "Pass --as EMAIL" in result.output


def test_bad_today_is_a_usage_error() -> None:
    result = csm("--today", "23/11/2026", "accounts", "--team")
    assert result.exit_code == 2
    assert "'23/11/2026' is not a date: use YYYY-MM-DD" in result.output


def test_unreachable_postgres_is_one_clear_line() -> None:
    result = csm("--db", "postgresql://nobody@127.0.0.1:1/none", "accounts", "--team")
    assert result.exit_code == 1
    assert result.output.startswith(
        "Error: cannot open postgresql+psycopg://nobody@127.0.0.1:1/none"
    )
    assert "Connection refused" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_bad_config_file_is_one_clear_line(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("colour = 'blue'\n")
    result = csm("--config", str(config), "accounts", "--team")
    assert result.exit_code == 1
    assert f"Error: {config}: unknown key 'colour'" in result.output


def test_demo_refuses_to_overwrite_a_real_book(tmp_path: Path) -> None:
    real = tmp_path / "real.db"
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("external_id,name,segment\nA-1,Real Customer,enterprise\n")
    assert csm("--db", str(real), "import", "accounts", str(accounts)).exit_code == 0
    result = csm("--db", str(real), "demo", "--no-open")
    assert result.exit_code == 1
    assert "holds a real book of business" in result.output
    listed = json.loads(csm("--db", str(real), "accounts", "--team", "--format", "json").output)
    assert [item["name"] for item in listed] == ["Real Customer"]


def test_demo_fresh_rebuilds_an_older_demo_in_place(demo_file: Path) -> None:
    again = csm(
        "--db", str(demo_file), "--today", TODAY, "demo", "--fresh", "--accounts", "30", "--no-open"
    )
    assert again.exit_code == 0, again.output
    team = json.loads(csm("--db", str(demo_file), "accounts", "--team", "--format", "json").output)
    assert len(team) == 30


def test_db_upgrade_backup_and_check(tmp_path: Path, demo_file: Path) -> None:
    assert "already at revision" in csm("--db", str(demo_file), "db", "upgrade").output
    fresh = tmp_path / "fresh.db"
    assert "upgraded empty -> " in csm("--db", str(fresh), "db", "upgrade").output
    copy = tmp_path / "copy.db"
    backup = csm("--db", str(demo_file), "db", "backup", str(copy))
    assert backup.exit_code == 0 and copy.exists()
    again = csm("--db", str(demo_file), "db", "backup", str(copy))
    assert again.exit_code == 1 and "already exists" in again.output
    check = csm("--db", str(copy), "db", "check")
    assert check.exit_code == 0 and check.output.startswith("OK")


def test_db_check_on_a_missing_file_does_not_create_it(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    result = csm("--db", str(missing), "db", "check")
    assert result.exit_code == 1
    assert not missing.exists()


def test_a_command_that_waits_in_vain_for_another_csm_names_it_in_one_line(
    tmp_path: Path, demo_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A command waits a minute for another writer; a fifth of a second is as good for the test.
    monkeypatch.setattr(raw, "COMMAND_BUSY_TIMEOUT_MS", 200)
    with another_csm_writing(demo_file, tmp_path) as holder:
        result = csm("--db", str(demo_file), "team", "add", "new.person@example.com")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: Another csm is writing to this book ({HOLDER_COMMAND}, pid {holder}); "
        "save again in a moment\n"
    )
    assert "new.person" not in csm("--db", str(demo_file), "team", "list").output


def test_a_command_refuses_to_write_to_a_damaged_book_and_names_the_backup(
    tmp_path: Path, demo_file: Path
) -> None:
    made = csm("--db", str(demo_file), "db", "backup")
    assert made.exit_code == 0, made.output
    [backup] = (tmp_path / "backups").iterdir()
    damage_an_index(demo_file)  # a page that adding a team member does not touch

    result = csm("--db", str(demo_file), "team", "add", "new.person@example.com")

    assert result.exit_code == 1
    [line] = result.output.splitlines()
    assert line.startswith(f"Error: {demo_file} is damaged (its quick check found: Page "), line
    assert f"restore the newest backup, {backup};" in line
    assert "new.person" not in csm("--db", str(demo_file), "team", "list").output
    check = csm("--db", str(demo_file), "db", "check")
    assert check.exit_code == 1 and backup.name in check.output


def test_a_database_file_of_0_bytes_is_refused_in_one_line(tmp_path: Path) -> None:
    empty = tmp_path / "book.db"
    empty.touch()
    for command in (["accounts", "--team"], ["db", "upgrade"]):
        result = csm("--db", str(empty), *command)
        assert result.exit_code == 1
        assert result.output == (
            f"Error: {empty} is empty (0 bytes): not a csm database; "
            "remove it to start a new book\n"
        )
    assert empty.read_bytes() == b""


def test_import_reports_success_and_failure(tmp_path: Path) -> None:
    db = tmp_path / "book.db"
    good = tmp_path / "accounts.csv"
    good.write_text(
        "external_id,name,segment,owner_email,extra\n"
        "A-1,Northwind Logistics,Enterprise,ada.lovelace@example.com,x\n"
    )
    result = csm("--db", str(db), "import", "accounts", str(good))
    assert result.exit_code == 0, result.output
    assert "1 accounts created, 0 updated" in result.output
    assert "ada.lovelace@example.com" in result.output
    assert "extra" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("external_id,name,segment\nA-2,Bluepeak,Enterprize\n")
    failed = csm("--db", str(db), "import", "accounts", str(bad))
    assert failed.exit_code == 1
    assert "Enterprize" in failed.output and "record 1" in failed.output


@pytest.mark.parametrize(
    "args, usage, hint",
    [
        (["queue", "--today", TODAY], "csm queue [OPTIONS]", f"csm --today {TODAY} queue"),
        (
            ["log", "ACC-1", "--kind", "email", "--as", "ada@example.com"],
            "csm log [OPTIONS] EXTERNAL_ID",
            "csm --as ada@example.com log",
        ),
        (
            ["accounts", "--db=my book.db"],
            "csm accounts [OPTIONS]",
            "csm --db 'my book.db' accounts",
        ),
        (
            ["accounts", "--team", "--config"],
            "csm accounts [OPTIONS]",
            "csm --config PATH accounts",
        ),
        (
            ["rules", "preview", "new.toml", "--rules", "mine.toml"],
            "csm rules preview [OPTIONS] FILE",
            "csm --rules mine.toml rules preview",
        ),
    ],
    ids=["today", "as", "db-with-equals", "config-without-value", "rules-in-a-subgroup"],
)
def test_a_global_option_after_the_command_says_where_it_goes(
    args: list[str], usage: str, hint: str
) -> None:
    result = csm(*args)
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[0] == f"Usage: {usage}"
    option = hint.split()[1]
    assert (
        lines[-1] == f"Error: {option} is a global option: put it before the command, e.g. {hint}"
    )


def test_an_unknown_option_is_still_clicks_own_error() -> None:
    result = csm("queue", "--tomorrow")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == "Error: No such option '--tomorrow'."


def test_the_tui_is_given_the_real_date_beside_a_planned_today(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from datetime import date

    from csm_tui import cli
    from csm_tui.settings import Settings

    opened: list[Settings] = []
    monkeypatch.setattr(cli, "run_tui", lambda settings, open_screen: opened.append(settings))
    assert csm("--today", "2099-01-05").exit_code == 0
    [settings] = opened
    assert settings.today == date(2099, 1, 5)
    assert settings.system_today == date.today()  # read once, by the command line


def test_the_uis_log_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    import logging

    from csm_tui.cli import _log_to_file

    path = tmp_path / "logs" / "csm.log"
    _log_to_file(path)
    logger = logging.getLogger("csm_tui")
    try:
        logging.getLogger("csm_tui.app").error("read the queue failed")
        assert "read the queue failed" in path.read_text()
        assert path.stat().st_mode & 0o777 == 0o600
    finally:
        for handler in [h for h in logger.handlers if getattr(h, "baseFilename", None)]:
            logger.removeHandler(handler)
            handler.close()
