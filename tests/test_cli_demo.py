"""`csm demo` (what `make run` runs) opens the demo book already built, as the newcomer left it,
and builds it again only when asked (`--fresh`), saying so."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from csm_tui import paths
from csm_tui.services.demo import DEMO_USER_EMAIL
from tests.test_cli import TODAY, csm


def demo(*args: str) -> Any:
    return csm("--today", TODAY, "demo", *args)


def test_demo_opens_the_book_already_built_and_says_how_to_rebuild_it(
    tui_started: list[Any],
) -> None:
    first = demo("--accounts", "25")
    assert first.exit_code == 0 and "25 accounts" in first.output
    path = paths.demo_database()
    logged = csm(
        "--db",
        str(path),
        "--today",
        TODAY,
        "--as",
        DEMO_USER_EMAIL,
        "log",
        "ACC-000002",
        "--kind",
        "email",
        "--summary",
        "What a newcomer did",
    )
    assert logged.exit_code == 0, logged.output
    again = csm("demo")  # a later day: the real date
    assert again.exit_code == 0
    assert again.output == (
        f"Opening your demo book at {path} (built {TODAY}); csm demo --fresh rebuilds it.\n"
    )
    assert len(tui_started) == 2
    assert tui_started[1].workspace.database == str(path)
    touches = csm("--db", str(path), "export", "touchpoints").output
    assert "What a newcomer did" in touches  # not lost


def test_demo_fresh_builds_it_again(tui_started: list[Any]) -> None:
    assert demo("--accounts", "25", "--no-open").exit_code == 0
    fresh = demo("--fresh", "--accounts", "20", "--no-open")
    assert fresh.exit_code == 0 and "Demo book at" in fresh.output and "20 accounts" in fresh.output
    listed = csm("--db", str(paths.demo_database()), "accounts", "--team", "--format", "json")
    assert len(json.loads(listed.output)) == 20
    assert tui_started == []


def test_demo_no_open_on_a_built_book_says_where_it_is() -> None:
    assert demo("--accounts", "25", "--no-open").exit_code == 0
    again = demo("--no-open", "--accounts", "25")  # the same book: nothing to rebuild
    assert again.output == (
        f"Your demo book is at {paths.demo_database()} (built {TODAY}); "
        "csm demo --fresh rebuilds it.\n"
    )


def test_demo_asked_for_another_book_says_fresh_rebuilds_it(tmp_path: Path) -> None:
    target = tmp_path / "demo.db"
    assert csm("--db", str(target), "--today", TODAY, "demo", "--accounts", "25", "--no-open")
    result = csm("--db", str(target), "demo", "--accounts", "40", "--seed", "3", "--no-open")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {target} already holds a demo book (25 accounts, seed 7); to build it again "
        "with --accounts 40 --seed 3, losing what was done in it: "
        f"csm --db {target} demo --fresh --accounts 40 --seed 3\n"
    )
    listed = csm("--db", str(target), "accounts", "--team", "--format", "json")
    assert len(json.loads(listed.output)) == 25


def test_demo_still_refuses_a_real_book(tmp_path: Path) -> None:
    real = tmp_path / "real.db"
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("external_id,name,segment\nA-1,Real Customer,enterprise\n")
    assert csm("--db", str(real), "import", "accounts", str(accounts)).exit_code == 0
    for args in ([], ["--fresh"]):
        result = csm("--db", str(real), "demo", "--no-open", *args)
        assert result.exit_code == 1
        assert "holds a real book of business" in result.output


def test_the_demo_users_queue_is_not_flooded_by_her_success_plans(tmp_path: Path) -> None:
    """The default demo as its user opens it: her plans show in the queue (a slipped or blocked
    milestone, a review owed) without crowding out the rest of her morning."""
    target = str(tmp_path / "demo.db")
    assert csm("--db", target, "--today", TODAY, "demo", "--no-open").exit_code == 0
    mine = ("--db", target, "--today", TODAY, "--as", DEMO_USER_EMAIL, "queue", "--format", "json")
    for every_item in ((), ("--every-item",)):
        rows = json.loads(csm(*mine, *every_item).output)
        kinds = [row["kind"] for row in rows]
        also = [item["kind"] for row in rows for item in row.get("also", [])]
        of_plans = sum(kind in ("milestone", "success-plan") for kind in kinds)
        assert len(rows) >= 10 and of_plans < len(rows) / 4, kinds
        assert "success-plan" in kinds + also, kinds
