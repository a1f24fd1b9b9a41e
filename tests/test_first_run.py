"""The first day: a mistyped database folder is said, not silently made into a new empty book;
an address not in the team says how to add it (and the terminal UI offers to); `csm team`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from csm_tui import cli, paths
from csm_tui.services.demo import DEMO_USER_EMAIL
from csm_tui.settings import Settings
from tests.test_cli import TODAY, csm

# --- a database in a folder that does not exist ------------------------------------------------


def test_a_db_in_a_missing_folder_is_one_line_naming_the_folder(tmp_path: Path) -> None:
    target = tmp_path / "typo" / "book.db"
    result = csm("--db", str(target), "accounts", "--team")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: --db {target}: the folder {target.parent} does not exist; create it first "
        f"(mkdir -p {target.parent}) or name another path\n"
    )
    assert not target.parent.exists()


def test_the_tui_on_a_missing_folder_stops_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[Settings] = []
    monkeypatch.setattr(cli, "run_tui", opened.append)
    result = csm("--db", str(tmp_path / "typo" / "book.db"))
    assert result.exit_code == 1 and "does not exist" in result.output
    assert opened == []


def test_the_folder_named_by_the_environment_or_the_config_file_is_checked(
    tmp_path: Path,
) -> None:
    target = tmp_path / "typo" / "book.db"
    by_env = csm("accounts", "--team", env={"CSM_TUI_DATABASE_URL": str(target)})
    assert by_env.exit_code == 1
    assert by_env.output.startswith(f"Error: CSM_TUI_DATABASE_URL={target}: the folder ")
    config = tmp_path / "config.toml"
    config.write_text(f'database = "{target}"\n')
    by_config = csm("--config", str(config), "accounts", "--team")
    assert by_config.exit_code == 1
    assert by_config.output.startswith(f"Error: {config}: database = '{target}': the folder ")


def test_a_db_that_is_a_folder_is_one_clear_line(tmp_path: Path) -> None:
    result = csm("--db", str(tmp_path), "accounts", "--team")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: --db {tmp_path} is a folder: name the database file in it, "
        f"e.g. {tmp_path / 'csm.db'}\n"
    )


def test_a_new_file_in_a_folder_that_exists_is_a_new_book(tmp_path: Path) -> None:
    result = csm("--db", str(tmp_path / "book.db"), "accounts", "--team")
    assert result.exit_code == 0
    assert result.output.startswith("No accounts. Import some")


def test_the_default_database_gets_its_folder_on_the_first_run() -> None:
    assert not paths.default_database().parent.exists()
    assert csm("accounts", "--team").exit_code == 0
    assert paths.default_database().exists()


# --- csm team ----------------------------------------------------------------------------------


def test_team_add_then_list(tmp_path: Path) -> None:
    db = ["--db", str(tmp_path / "book.db")]
    empty = csm(*db, "team", "list")
    assert empty.output == (
        f"Nobody in the team yet. Add yourself: csm --db {tmp_path / 'book.db'} team add "
        "EMAIL [--name NAME]\n"
    )
    added = csm(*db, "team", "add", "maya.patel@example.com")
    assert added.exit_code == 0
    assert added.output.startswith(
        "Added Maya Patel <maya.patel@example.com> to the team as CSM: the accounts imported "
        "with owner_email maya.patel@example.com are theirs. Open that book with: csm --db "
    )
    assert added.output.endswith(" --as maya.patel@example.com\n")
    manager = csm(*db, "team", "add", "li@example.com", "--name", "Li Wei", "--role", "Manager")
    assert manager.exit_code == 0 and "Li Wei <li@example.com>" in manager.output
    listed = csm(*db, "team", "list")
    assert listed.output.splitlines() == [
        "Name        E-mail                  Role     Segment  Manager  Accounts  Calls/wk",
        "----------  ----------------------  -------  -------  -------  --------  --------",
        "Li Wei      li@example.com          Manager                           0",
        "Maya Patel  maya.patel@example.com  CSM                               0",
    ]
    records = json.loads(csm(*db, "team", "list", "--format", "json").output)
    assert records[1] == {
        "name": "Maya Patel",
        "email": "maya.patel@example.com",
        "role": "csm",
        "segment": None,
        "manager": None,
        "accounts": 0,
        "book": {},
        "weekly_call_target": None,
    }


def test_team_list_counts_the_accounts_each_owns() -> None:
    assert csm("--today", TODAY, "demo", "--accounts", "30", "--no-open").exit_code == 0
    rows = json.loads(
        csm("--db", str(paths.demo_database()), "team", "list", "--format", "json").output
    )
    assert sum(row["accounts"] for row in rows) == 30
    assert DEMO_USER_EMAIL in {row["email"] for row in rows}


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["maya@example.com"],
            1,
            "Error: maya@example.com is in the team already (Maya Patel, CSM)",
        ),
        (
            ["MAYA@example.com", "--name", "Other"],
            1,
            "Error: maya@example.com is in the team already (Maya Patel, CSM)",
        ),
        (
            ["maya"],
            1,
            "Error: 'maya' is not an e-mail address: expected an e-mail address like "
            "ada@example.com",
        ),
        (
            ["li@example.com", "--role", "boss"],
            2,
            "Error: Invalid value for '--role': 'boss' is not one of csm, manager",
        ),
    ],
    ids=["twice", "twice-in-another-case", "not-an-address", "unknown-role"],
)
def test_team_add_refuses_in_one_clear_line(
    tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    db = ["--db", str(tmp_path / "book.db")]
    assert csm(*db, "team", "add", "maya@example.com", "--name", "Maya Patel").exit_code == 0
    result = csm(*db, "team", "add", *args)
    assert result.exit_code == code
    assert result.output.splitlines()[-1] == message


def test_team_list_in_an_unknown_format_is_a_usage_error(tmp_path: Path) -> None:
    result = csm("--db", str(tmp_path / "book.db"), "team", "list", "--format", "csv")
    assert result.exit_code == 2
    assert "'csv' is not one of 'table', 'json'" in result.output


@pytest.mark.parametrize("command", [["team"], ["team", "add"], ["team", "list"], ["team", "set"]])
def test_team_has_useful_help(command: list[str]) -> None:
    result = csm(*command, "--help")
    assert result.exit_code == 0 and "Usage: csm team" in result.output


# --- --as an address that is not in the team ---------------------------------------------------


def test_an_unknown_as_says_the_command_that_adds_it(tmp_path: Path) -> None:
    book = tmp_path / "book.db"
    assert csm("--db", str(book), "team", "add", "ada@example.com").exit_code == 0
    result = csm("--db", str(book), "--as", "maya@example.com", "accounts")
    assert result.exit_code == 1
    assert result.output == (
        "Error: nobody in the team has the e-mail maya@example.com; known: ada@example.com; "
        f"to add it: csm --db {book} team add maya@example.com [--name NAME]\n"
    )
    by_env = csm("--as", "maya@example.com", "accounts", env={"CSM_TUI_DATABASE_URL": str(book)})
    assert by_env.output.endswith("to add it: csm team add maya@example.com [--name NAME]\n")


def test_an_unknown_as_in_an_empty_book_says_so(tmp_path: Path) -> None:
    result = csm("--db", str(tmp_path / "new.db"), "--as", "maya@example.com")
    assert result.exit_code == 1
    assert "; the team is empty; to add it: csm --db " in result.output
    assert len(result.output.splitlines()) == 1


def answering(*args: str, input: str) -> Result:
    """`csm` with a person typing `input` at its questions."""
    result = CliRunner().invoke(cli.main, list(args), input=input, prog_name="csm")
    assert "Traceback" not in result.output, result.output
    return result


def test_the_tui_offers_to_add_an_unknown_as(tmp_path: Path, tui_started: list[Any]) -> None:
    book = ["--db", str(tmp_path / "book.db"), "--today", TODAY]
    result = answering(*book, "--as", "maya.patel@example.com", input="y\n\n")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(
        "maya.patel@example.com is nobody in the team of this book yet.\n"
        "Add them to the team now? [Y/n]: y\nName [Maya Patel]: \n"
        "Added Maya Patel <maya.patel@example.com> to the team as CSM"
    )
    [app] = tui_started
    assert app.workspace.me.email == "maya.patel@example.com"
    listed = csm(*book, "team", "list", "--format", "json")
    assert [row["name"] for row in json.loads(listed.output)] == ["Maya Patel"]


def test_the_tui_takes_a_name_typed_for_the_new_member(
    tmp_path: Path, tui_started: list[Any]
) -> None:
    book = ["--db", str(tmp_path / "book.db"), "--today", TODAY]
    result = answering(*book, "--as", "mp@example.com", input="\nMaya Patel\n")
    assert result.exit_code == 0, result.output
    [app] = tui_started
    assert app.workspace.me.name == "Maya Patel"


def test_saying_no_ends_with_the_same_words_as_the_commands(
    tmp_path: Path, tui_started: list[Any]
) -> None:
    result = answering("--db", str(tmp_path / "book.db"), "--as", "maya@example.com", input="n\n")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        "Error: nobody in the team has the e-mail maya@example.com; the team is empty; to add "
        f"it: csm --db {tmp_path / 'book.db'} team add maya@example.com [--name NAME]"
    )
    assert tui_started == []


def test_without_a_person_at_the_terminal_nothing_is_asked(
    tmp_path: Path, tui_started: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "_interactive", lambda: False)
    result = csm("--db", str(tmp_path / "book.db"), "--as", "maya@example.com")
    assert result.exit_code == 1
    assert "Add them" not in result.output and "to add it: csm --db" in result.output
