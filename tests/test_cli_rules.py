"""`csm queue` and `csm rules ...` as a user types them, on a demo book at a fixed --today."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result

from csm_tui import paths
from csm_tui.services.demo import DEMO_MANAGER_EMAIL, DEMO_USER_EMAIL
from csm_tui.store.database import Database
from tests.test_cli import TODAY, csm

QUEUE_KEYS = {
    "account_external_id",
    "account_name",
    "kind",
    "due_date",
    "overdue_days",
    "rule_id",
    "urgency",
    "explanation",
}


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("book") / "demo.db"
    result = csm("--db", str(target), "--today", TODAY, "demo", "--accounts", "60", "--no-open")
    assert result.exit_code == 0, result.output
    return target


def on(book: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return csm("--db", str(book), "--today", TODAY, *args, env=env)


def queue_json(book: Path, *args: str) -> list[dict]:
    result = on(book, "--as", DEMO_USER_EMAIL, "queue", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _rank(item: dict) -> tuple:
    return (not item["pinned"], -item["urgency"], item["due_date"])


def test_the_queue_is_ranked_pinned_first_then_by_urgency(book: Path) -> None:
    items = queue_json(book)
    assert items, "the demo book has work due today"
    assert all(item.keys() >= QUEUE_KEYS for item in items)
    assert [_rank(item) for item in items] == sorted(_rank(item) for item in items)
    assert all(item["due_date"] <= TODAY for item in items)
    assert all(item["owner_email"] == DEMO_USER_EMAIL for item in items)
    overdue = next(item for item in items if item["overdue_days"] > 0)
    assert overdue["explanation"].endswith(f"{overdue['overdue_days']} days overdue") or overdue[
        "explanation"
    ].endswith("1 day overdue")


def test_the_table_lists_the_same_items_in_the_same_order(book: Path) -> None:
    items = queue_json(book)
    table = on(book, "--as", DEMO_USER_EMAIL, "queue").output.splitlines()
    assert table[0].split()[:4] == ["#", "Account", "What", "Due"]
    names = [line.split("  ")[1].strip().removeprefix("! ") for line in table[2:]]
    assert names == [item["account_name"] for item in items]


def test_ahead_adds_what_falls_due_in_the_coming_days(book: Path) -> None:
    today_only = queue_json(book)
    week = queue_json(book, "--ahead", "7")
    assert len(week) > len(today_only)
    assert max(item["due_date"] for item in week) <= "2026-11-30"


def test_the_team_queue_covers_every_owner(book: Path) -> None:
    result = on(book, "--as", DEMO_MANAGER_EMAIL, "queue", "--team", "--format", "json")
    owners = {item["owner_email"] for item in json.loads(result.output)}
    assert len(owners) > 2


def test_whose_queue_must_be_said(book: Path) -> None:
    result = on(book, "queue")
    assert result.exit_code == 2
    assert "whose queue? Pass --as EMAIL" in result.output


def test_explain_shows_every_rule_and_the_steps(book: Path) -> None:
    item = queue_json(book)[0]
    result = on(book, "rules", "explain", item["account_external_id"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith(
        f"{item['account_name']} ({item['account_external_id']}) as of Mon 2026-11-23"
    )
    assert "NEXT  " in text and "Every rule that applied:" in text
    assert "urgency" in text


def test_explain_as_json_matches_the_queue(book: Path) -> None:
    item = queue_json(book)[0]
    result = on(book, "rules", "explain", item["account_external_id"], "--format", "json")
    decision = json.loads(result.output)
    assert decision["account_external_id"] == item["account_external_id"]
    open_items = {
        (c["rule_id"], c["due_date"])
        for c in decision["candidates"]
        if c["status"] in ("overdue", "due", "upcoming")
    }
    assert (item["rule_id"], item["due_date"]) in open_items
    assert decision["next"]["urgency_terms"]


def test_explain_an_unknown_account_is_one_clear_line(book: Path) -> None:
    result = on(book, "rules", "explain", "NOPE-1")
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: no account has the external id 'NOPE-1'; `csm accounts --team` lists them"
    )


def test_rules_check_passes_the_shipped_rules() -> None:
    result = csm("rules", "check")
    assert result.exit_code == 0
    assert result.output.startswith("default rules: ok (rules version 2026.11.1, 11 cadence rows")


def test_rules_check_lists_every_problem_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "rules.toml"
    bad.write_text(
        '[[cadence.rules]]\nid = "x"\nwhen = { segmnt = "enterprise" }\nevery = "2 weeks"\n'
    )
    result = csm("rules", "check", str(bad))
    assert result.exit_code == 1
    lines = result.output.strip().removeprefix("Error: ").splitlines()
    # every problem, in file order, each with file, line, where, and what to write
    assert [line.split(": ", 2)[:2] for line in lines] == [
        [f"{bad}:1", "cadence.rules"],
        [f"{bad}:3", "cadence.rules[1].when.segmnt"],
        [f"{bad}:4", "cadence.rules[1].every"],
    ]
    assert lines[1].endswith("unknown fact 'segmnt'; did you mean 'segment'?")
    assert "no catch-all: end it with a row that has `when = {}`" in lines[0]


def test_a_bad_user_rules_file_warns_and_runs_on_the_shipped_rules(book: Path) -> None:
    user_file = paths.config_dir() / "rules.toml"
    user_file.parent.mkdir(parents=True, exist_ok=True)
    user_file.write_text('[urgency.overdue]\ncoefficient = "lots"\n')
    try:
        result = on(book, "--as", DEMO_USER_EMAIL, "queue", "--format", "json")
    finally:
        user_file.unlink()
    assert result.exit_code == 0
    assert f"warning: {user_file} cannot be used, running on the shipped rules:" in result.output
    assert "urgency.overdue.coefficient: must be a number, not 'lots'" in result.output


def test_preview_shows_what_would_move_and_writes_nothing(book: Path, tmp_path: Path) -> None:
    candidate = tmp_path / "weekly.toml"
    candidate.write_text(
        '[[cadence.rules]]\nid = "cadence.everyone-weekly"\nlabel = "Weekly"\n'
        'when = {}\nevery = "1w"\n'
    )
    before = queue_json(book, "--ahead", "30")
    result = on(book, "rules", "preview", str(candidate))
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert first.startswith(f"{candidate} against the shipped rules, as of 2026-11-23: ")
    assert "accounts' next touch would move." in first
    assert "cadence.everyone-weekly" in result.output
    moves = json.loads(on(book, "rules", "preview", str(candidate), "--format", "json").output)
    assert moves["accounts"] == 60 and 0 < moves["moved"] <= 60
    assert queue_json(book, "--ahead", "30") == before  # nothing was written


def test_the_schedule_is_recomputed_when_the_rules_change(book: Path, tmp_path: Path) -> None:
    weekly = tmp_path / "weekly.toml"
    weekly.write_text('[[cadence.rules]]\nid = "cadence.weekly"\nwhen = {}\nevery = "1w"\n')
    result = on(
        book,
        "--rules",
        str(weekly),
        "--as",
        DEMO_USER_EMAIL,
        "queue",
        "--format",
        "json",
        "--ahead",
        "7",
    )
    rules = {item["rule_id"] for item in json.loads(result.output)}
    assert "cadence.weekly" in rules
    # and back: the shipped rules again, by hash
    assert "cadence.weekly" not in {item["rule_id"] for item in queue_json(book, "--ahead", "7")}


def test_the_schedule_is_stored_for_the_day_it_was_computed(book: Path) -> None:
    from csm_tui.store.meta import schedule_state

    queue_json(book)
    database = Database.open(book)
    try:
        with database.reading() as session:
            computed_for, sha = schedule_state(session)
    finally:
        database.dispose()
    assert computed_for is not None and computed_for.isoformat() == TODAY
    assert sha


# ---------- the rules files of issue 19: one line from `rules check`, never a reschedule -----

RECURRING = '[[recurring]]\nid = "r.x"\nkind = "ebr"\n'
ANCHORED = '[[anchored]]\nid = "a.x"\nkind = "ebr"\nanchor = "renewal_date"\n'
TRIGGER = '[[trigger]]\nid = "t.x"\nkind = "health-assessment"\nentered = "red"\n'
TOO_LONG = "is too long: at most 10 years"
ISSUE_19 = {
    "every-99999y": (RECURRING + 'every = "99999y"', 4, "recurring[1].every", TOO_LONG),
    "every-22-digit-days": (
        RECURRING + 'every = "9999999999999999999999d"',
        4,
        "recurring[1].every",
        TOO_LONG,
    ),
    "every-3000000bd": (RECURRING + 'every = "3000000bd"', 4, "recurring[1].every", TOO_LONG),
    "offset-9000y": (ANCHORED + 'offsets = ["9000y"]', 5, "anchored[1].offsets[1]", TOO_LONG),
    "offset-minus-99999y": (
        ANCHORED + 'offsets = ["-99999y"]',
        5,
        "anchored[1].offsets[1]",
        f"{TOO_LONG} back",
    ),
    "within-99999999h": (TRIGGER + 'within = "99999999h"', 5, "trigger[1].within", TOO_LONG),
    "coefficient-nan": (
        "[urgency.overdue]\ncoefficient = nan",
        2,
        "urgency.overdue.coefficient",
        "must be a finite number, not nan",
    ),
    "coefficient-inf": (
        "[urgency.arr]\ncoefficient = inf",
        2,
        "urgency.arr.coefficient",
        "must be a finite number, not inf",
    ),
    "weight-minus-inf": (
        "[urgency.kind]\nebr = -inf",
        2,
        "urgency.kind.ebr",
        "must be a finite number, not -inf",
    ),
}


@pytest.mark.parametrize(("text", "line", "where", "message"), ISSUE_19.values(), ids=ISSUE_19)
def test_rules_check_refuses_each_file_of_issue_19_in_one_line(
    tmp_path: Path, text: str, line: int, where: str, message: str
) -> None:
    bad = tmp_path / "rules.toml"
    bad.write_text(text)
    result = csm("rules", "check", str(bad))
    assert result.exit_code == 1
    [only] = result.output.splitlines()
    assert only.startswith(f"Error: {bad}:{line}: {where}: "), only
    assert message in only


@pytest.mark.parametrize(("text", "line", "where", "message"), ISSUE_19.values(), ids=ISSUE_19)
def test_a_file_of_issue_19_never_reaches_the_reschedule(
    book: Path, tmp_path: Path, text: str, line: int, where: str, message: str
) -> None:
    """The queue runs on the shipped rules, says why, and prints JSON (no NaN): the schedule
    is the shipped rules' one (as the TUI's, which reads the rules the same way)."""
    from csm_tui.rules import default_rules
    from csm_tui.store.meta import schedule_state
    from csm_tui.store.versions import schedule_stamp

    bad = tmp_path / "rules.toml"
    bad.write_text(text)
    result = on(book, "--rules", str(bad), "--as", DEMO_USER_EMAIL, "queue", "--format", "json")
    assert result.exit_code == 0
    warning, problem = result.stderr.splitlines()
    assert warning == f"warning: {bad} cannot be used, running on the shipped rules:"
    assert problem.startswith(f"  {bad}:{line}: {where}: ") and message in problem
    assert json.loads(result.stdout, parse_constant=pytest.fail)
    database = Database.open(book)
    try:
        with database.reading() as session:
            _, sha = schedule_state(session)
    finally:
        database.dispose()
    assert sha == schedule_stamp(default_rules().sha256)


@pytest.mark.parametrize(
    "command",
    [
        ["queue"],
        ["rules"],
        ["rules", "check"],
        ["rules", "explain"],
        ["rules", "preview"],
        ["rules", "default"],
        ["rules", "path"],
    ],
)
def test_every_new_command_has_useful_help(command: list[str]) -> None:
    result = csm(*command, "--help")
    assert result.exit_code == 0
    assert "Usage: csm" in result.output
