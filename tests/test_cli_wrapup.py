"""`csm wrapup` on the demo book (2026-11-23, a Monday): a CSM's week and the team's, in text,
JSON, Markdown and CSV, the same figures every way; `--out` writes the file and never over one
unless `--force`; and one clear line when it cannot show a week."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.test_cli import csm

MAYA = "maya.patel@demo.csm-tui.dev"
DANIEL = "daniel.okafor@demo.csm-tui.dev"


@pytest.fixture
def demo(demo_db: Path) -> list[str]:
    return ["--db", str(demo_db), "--today", "2026-11-23"]


def test_my_last_week_in_text_and_json(demo: list[str]) -> None:
    text = csm(*demo, "--as", MAYA, "wrapup", "--week", "2026-W47")
    assert text.exit_code == 0, text.output
    lines = text.output.splitlines()
    assert lines[0] == "Maya Patel, 2026-W47 (Mon 2026-11-16 to Sun 2026-11-22)"
    heads = [line.split(":")[0] for line in lines[1:] if not line.startswith(" ")]
    assert heads == [
        "Touches",
        "Calls",
        "Coverage",
        "Went overdue",
        "Health movers",
        "Escalations",
        "Milestones",
        "Renewals ahead",
        "Red without a recovery plan",
    ]
    found = csm(*demo, "--as", MAYA, "wrapup", "--week", "2026-W47", "--format", "json")
    assert found.exit_code == 0, found.output
    record = json.loads(found.output)
    assert (record["name"], record["week"], record["as_of"]) == (
        "Maya Patel",
        "2026-W47",
        "2026-11-22",
    )
    figures = record["figures"]
    assert figures["call_target"] == 5  # an Enterprise book
    assert figures["touches"] == record["touches"]["total"] > 0
    assert sum(record["touches"]["by_day"].values()) == figures["touches"]
    assert list(record["touches"]["by_day"]) == [f"2026-11-{day}" for day in range(16, 23)]
    calls = f"Calls: {figures['calls']} of {figures['call_target']} calls"
    assert any(line.startswith(calls) for line in lines)
    assert f"Coverage: {figures['touched']} of {figures['accounts']} accounts" in text.output
    assert len(record["renewals"]) == figures["renewals"]


def test_this_week_by_default(demo: list[str]) -> None:
    found = csm(*demo, "--as", MAYA, "wrapup", "--format", "json")
    record = json.loads(found.output)
    assert (record["week"], record["today"], record["as_of"]) == (
        "2026-W48",
        "2026-11-23",
        "2026-11-23",
    )
    text = csm(*demo, "--as", MAYA, "wrapup")
    assert text.output.splitlines()[0] == (
        "Maya Patel, 2026-W48 (Mon 2026-11-23 to Sun 2026-11-29), as of Mon 2026-11-23"
    )


def test_the_teams_week(demo: list[str]) -> None:
    found = csm(*demo, "wrapup", "--team", "--week", "2026-W47", "--format", "json")
    assert found.exit_code == 0, found.output
    record = json.loads(found.output)
    csms = record["csms"]
    assert len(csms) == 6  # the demo's CSMs; the manager owns no account
    assert "Jordan Reyes" not in {row["name"] for row in csms}
    assert record["totals"]["touches"] == sum(row["figures"]["touches"] for row in csms) > 0
    assert record["totals"]["accounts"] == 120
    text = csm(*demo, "wrapup", "--team", "--week", "2026-W47")
    lines = text.output.splitlines()
    assert lines[0].startswith("The team, 2026-W47 (Mon 2026-11-16 to Sun 2026-11-22): 6 CSMs")
    rows = lines[1 : 1 + len(csms)]
    assert [line.split(":")[0].strip() for line in rows] == [row["name"] for row in csms]
    for line, row in zip(rows, csms, strict=True):
        assert line.endswith(f" · {row['why']}")
    assert lines[1 + len(csms)].startswith(f"Totals: {record['totals']['touches']} touches")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["wrapup"], "Error: whose week? Pass --as EMAIL (or set user_email), or --team"),
        (["wrapup", "--team", "--week", "2026-W60"], "Error: 2026-W60 is not a week"),
        (["wrapup", "--team", "--week", "next"], "Error: "),
        (["wrapup", "--team", "notes"], "Error: --week, --team, --format, --out and --force go"),
        (["wrapup", "--team", "--force"], "Error: --force overwrites the file of --out"),
    ],
)
def test_one_clear_line_when_it_cannot(demo: list[str], args: list[str], said: str) -> None:
    result = csm(*demo, *args)
    assert result.exit_code != 0
    assert said in result.output
    assert result.output.count("Error:") == 1


def test_my_week_in_markdown_to_stdout_with_my_notes(demo: list[str]) -> None:
    saved = csm(*demo, "--as", MAYA, "wrapup", "notes", "--week", "2026-W47", "--wins", "*Big* win")
    assert saved.exit_code == 0, saved.output
    found = csm(*demo, "--as", MAYA, "wrapup", "--week", "2026-W47", "--format", "md")
    assert found.exit_code == 0, found.output
    lines = found.output.splitlines()
    assert lines[0] == ("# Weekly wrap-up: Maya Patel, 2026-W47 (Mon 2026-11-16 to Sun 2026-11-22)")
    record = json.loads(
        csm(*demo, "--as", MAYA, "wrapup", "--week", "2026-W47", "--format", "json").output
    )
    figures = record["figures"]
    assert f"- Coverage: {figures['touched']} of {figures['accounts']} accounts" in found.output
    assert "## Notes for the manager (draft, saved 2026-11-23)" in lines
    assert "- \\*Big\\* win" in lines
    assert found.output.endswith("None.\n")


def test_the_teams_week_as_csv_to_a_file(demo: list[str], tmp_path: Path) -> None:
    out = tmp_path / "team.csv"
    args = [*demo, "wrapup", "--team", "--week", "2026-W47"]
    wrote = csm(*args, "--format", "csv", "--out", str(out))
    assert wrote.exit_code == 0, wrote.output
    assert wrote.output == f"Wrote the team's week 2026-W47 as CSV to {out}.\n"
    with out.open(encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))
    record = json.loads(csm(*args, "--format", "json").output)
    head, body = rows[0], rows[1:]
    assert head[:3] == ["week", "member_id", "name"] and head[-1] == "needs_you"
    assert [row[2] for row in body] == [row["name"] for row in record["csms"]]
    for name, total in record["totals"].items():
        assert sum(int(row[head.index(name)]) for row in body) == total, name
    mine = tmp_path / "mine.csv"
    assert csm(*demo, "--as", MAYA, "wrapup", "--format", "csv", "--out", str(mine)).exit_code == 0
    with mine.open(encoding="utf-8", newline="") as file:
        accounts = list(csv.reader(file))
    assert accounts[0][:3] == ["week", "account_id", "account"]
    maya = json.loads(csm(*demo, "--as", MAYA, "wrapup", "--format", "json").output)
    assert len(accounts) == 1 + maya["figures"]["accounts"]  # a row per account of her book
    touches = accounts[0].index("touches")
    assert sum(int(row[touches]) for row in accounts[1:]) == maya["figures"]["touches"]


def test_out_refuses_to_overwrite_unless_force(demo: list[str], tmp_path: Path) -> None:
    out = tmp_path / "team.md"
    out.write_text("kept\n", encoding="utf-8")
    args = [*demo, "wrapup", "--team", "--week", "2026-W47", "--format", "md", "--out", str(out)]
    refused = csm(*args)
    assert refused.exit_code != 0
    assert refused.output == f"Error: {out} exists already: pass --force to overwrite it\n"
    assert out.read_text(encoding="utf-8") == "kept\n"
    forced = csm(*args, "--force")
    assert forced.exit_code == 0, forced.output
    assert forced.output == f"Wrote the team's week 2026-W47 as Markdown to {out}.\n"
    assert out.read_text(encoding="utf-8").startswith("# Weekly wrap-up: The team, 2026-W47")
    nowhere = csm(*args[:-1], str(tmp_path / "no" / "such" / "dir.md"))
    assert nowhere.exit_code != 0
    assert nowhere.output.startswith("Error: cannot write ") and nowhere.output.count("\n") == 1


def test_the_team_markdown_shows_submitted_notes_only(demo: list[str]) -> None:
    week = ["--week", "2026-W47"]
    sent = csm(*demo, "--as", MAYA, "wrapup", "notes", *week, "--asks", "Intro | CFO", "--submit")
    assert sent.exit_code == 0, sent.output
    draft = csm(*demo, "--as", DANIEL, "wrapup", "notes", *week, "--wins", "A draft only")
    assert draft.exit_code == 0, draft.output
    found = csm(*demo, "wrapup", "--team", *week, "--format", "md")
    assert found.exit_code == 0, found.output
    text = found.output
    assert "| CSM | Touches | Calls | Coverage | Went overdue | Needs you |" in text
    assert "### Maya Patel\n\n_Submitted on 2026-11-23._\n" in text
    assert "- Intro | CFO\n" in text
    assert "A draft only" not in text
    assert "### Daniel Okafor\n\nNot submitted yet.\n" in text


JORDAN = "jordan.reyes@demo.csm-tui.dev"  # the demo's manager: every CSM reports to him


def test_a_managers_team_says_whose_and_carries_the_submitted_notes(demo: list[str]) -> None:
    week = ["--week", "2026-W47"]
    wins = "Acme renewed\n- Birch's pilot live"
    sent = csm(*demo, "--as", MAYA, "wrapup", "notes", *week, "--wins", wins, "--submit")
    assert sent.exit_code == 0, sent.output
    assert "Jordan Reyes reads them in the team's week" in sent.output
    draft = csm(*demo, "--as", DANIEL, "wrapup", "notes", *week, "--wins", "A draft only")
    assert draft.exit_code == 0, draft.output
    team = [*demo, "--as", JORDAN, "wrapup", "--team", *week]
    text = csm(*team)
    assert text.exit_code == 0, text.output
    lines = text.output.splitlines()
    assert lines[0].startswith("Jordan Reyes's team, 2026-W47 (Mon 2026-11-16 to Sun 2026-11-22)")
    assert ": 6 CSMs" in lines[0]  # the same rows as the whole team's: all report to Jordan
    notes = lines[lines.index("Notes:") + 1 :]
    assert len([line for line in notes if not line.startswith("    ")]) == 6  # a line per CSM
    maya = notes.index("  Maya Patel: submitted on 2026-11-23")
    assert notes[maya + 1 : maya + 5] == [
        "    Wins: Acme renewed",
        "      - Birch's pilot live",
        "    Risks: -",
        "    Asks: -",
    ]
    assert "  Daniel Okafor: not submitted yet" in notes
    assert "A draft only" not in text.output
    record = json.loads(csm(*team, "--format", "json").output)
    assert record["team"] == "Jordan Reyes's team"
    assert record["manager"]["email"] == JORDAN
    by_name = {row["name"]: row for row in record["csms"]}
    assert by_name["Maya Patel"]["notes_status"] == "submitted"
    assert by_name["Maya Patel"]["notes"] == {
        "wins": "Acme renewed\n- Birch's pilot live",
        "risks": "",
        "asks": "",
        "submitted_at": by_name["Maya Patel"]["notes"]["submitted_at"],
    }
    assert by_name["Maya Patel"]["notes"]["submitted_at"].startswith("2026-11-23T")
    assert (by_name["Daniel Okafor"]["notes_status"], by_name["Daniel Okafor"]["notes"]) == (
        "not-submitted",
        None,
    )
    markdown = csm(*team, "--format", "md").output
    assert markdown.startswith("# Weekly wrap-up: Jordan Reyes's team, 2026-W47")
    assert "### Maya Patel\n\n_Submitted on 2026-11-23._\n" in markdown
    nobody = json.loads(csm(*demo, "wrapup", "--team", *week, "--format", "json").output)
    assert (nobody["team"], nobody["manager"]) == ("The team", None)
    assert nobody["csms"] == record["csms"]


def test_a_csm_reads_their_managers_team_with_their_own_notes_only(demo: list[str]) -> None:
    week = ["--week", "2026-W47"]
    risk = "Sponsor gone quiet"
    sent = csm(*demo, "--as", MAYA, "wrapup", "notes", *week, "--risks", risk, "--submit")
    assert sent.exit_code == 0, sent.output
    team = [*demo, "--as", DANIEL, "wrapup", "--team", *week]
    record = json.loads(csm(*team, "--format", "json").output)
    assert record["team"] == "Jordan Reyes's team" and len(record["csms"]) == 6
    by_name = {row["name"]: row for row in record["csms"]}
    assert (by_name["Maya Patel"]["notes_status"], by_name["Maya Patel"]["notes"]) == (
        "for-their-manager",
        None,
    )
    assert by_name["Daniel Okafor"]["notes_status"] == "not-submitted"
    text = csm(*team).output
    assert text.splitlines()[0].startswith("Jordan Reyes's team, 2026-W47")
    assert text.splitlines()[-1] == "  Daniel Okafor: not submitted yet"  # his own notes only
    assert risk not in text
    markdown = csm(*team, "--format", "md").output
    assert "### Daniel Okafor\n\nNot submitted yet.\n" in markdown
    assert "### Maya Patel" not in markdown and risk not in markdown
