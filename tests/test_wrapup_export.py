"""The weekly wrap-up as a file: the Markdown of the worked week of `test_domain_wrapup` compared
with a reviewed file byte for byte, the team's Markdown with each CSM's submitted notes only,
user text that cannot break the document, and the CSV rows read back with `csv.reader`."""

from __future__ import annotations

import csv
import dataclasses
import io
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path

from csm_tui.domain.enums import Role
from csm_tui.domain.team import Member
from csm_tui.domain.weekly_notes import WeekNotes
from csm_tui.domain.wrapup import CsmWeek, Figures, my_week
from csm_tui.domain.wrapup_export import (
    ACCOUNT_COLUMNS,
    CSM_COLUMNS,
    team_csv_rows,
    team_markdown,
    week_csv_rows,
    week_markdown,
)
from csm_tui.domain.wrapup_team import TeamWeek, team_week
from tests.test_domain_wrapup import (
    ACME,
    BIRCH,
    CEDAR,
    DUNE,
    ELM,
    FRIDAY,
    MAYA,
    NOAH,
    OLIVIA,
    PRIYA,
    W49,
    WRAP,
)

EXPECTED = Path(__file__).parent / "data" / "wrapup_expected.md"
ACME_BETA = dataclasses.replace(ACME, name="Acme *Beta* | Co")
BOOK = dataclasses.replace(MAYA, accounts=(ACME_BETA, BIRCH, CEDAR, DUNE, ELM))
SAVED = datetime(2026, 12, 3, 17, 30, tzinfo=UTC)
SENT = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
NOTES = WeekNotes(
    "maya",
    W49,
    wins="Acme *Beta* | Co asked for the renewal quote\n- Dune's kickoff done on time",
    risks="# Cedar: the sponsor left, pricing still open",
    saved_at=SAVED,
    submitted_at=SENT,
)


def week() -> CsmWeek:
    return my_week(BOOK, W49, FRIDAY, WRAP)


def team() -> TeamWeek:
    return team_week((PRIYA, NOAH, BOOK, OLIVIA), W49, FRIDAY, WRAP)


def parsed(rows: list[list[str]]) -> list[list[str]]:
    """The rows written with `csv.writer` and read back with `csv.reader`."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return list(csv.reader(io.StringIO(buffer.getvalue())))


def test_the_week_matches_the_reviewed_file() -> None:
    assert week_markdown(week(), NOTES) == EXPECTED.read_text(encoding="utf-8")


def test_notes_say_draft_or_not_written() -> None:
    draft = dataclasses.replace(NOTES, submitted_at=None)
    assert "## Notes for the manager (draft, saved 2026-12-03)\n" in week_markdown(week(), draft)
    text = week_markdown(week(), WeekNotes("maya", W49))
    assert "## Notes for the manager (not written)\n\n### Wins\n\nNone.\n" in text
    assert "## Notes" not in week_markdown(week())


def test_the_team_with_submitted_notes_only() -> None:
    draft = WeekNotes("olivia", W49, wins="Secret draft", saved_at=SAVED)
    text = team_markdown(team(), {"maya": NOTES, "olivia": draft})
    lines = text.splitlines()
    assert lines[0] == (
        "# Weekly wrap-up: The team, 2026-W49 (Mon 2026-11-30 to Sun 2026-12-06), "
        "as of Fri 2026-12-04"
    )
    assert lines[2] == "4 CSMs, 3 needing you, 2 under their call target."
    table = lines[lines.index("| CSM | Touches | Calls | Coverage | Went overdue | Needs you |") :]
    assert table[1:6] == [
        "| --- | --- | --- | --- | --- | --- |",
        "| Olivia Chen | 12 | 12 of 12 calls | 3 of 3 accounts (100%) | 0 | "
        "1 escalation past its SLA; 2 red accounts without a recovery plan |",
        "| Maya Patel | 6 | 3 of 4 calls | 4 of 5 accounts (80%) | 2 | "
        "1 escalation past its SLA; 1 red account without a recovery plan; "
        "2 renewals at risk (red or yellow, renewal question not asked); "
        "under call target: 3 of 4 calls |",
        "| Noah Kim | 0 | 0 of 8 calls | 0 of 1 account (0%) | 0 | "
        "under call target: 0 of 8 calls |",
        "| Priya Shah | 1 | 0 of 0 calls | 1 of 1 account (100%) | 0 | nothing needs you |",
    ]
    totals = lines[lines.index("## Totals") :]
    assert totals[2:5] == [
        "- Touches: 19 (cadence call 15, email 2, escalation call 1, note 1)",
        "- Calls: 15 of 24 calls",
        "- Coverage: 8 of 10 accounts (80%)",
    ]
    notes = "\n".join(lines[lines.index("## Notes") :])
    assert "Secret draft" not in text
    assert notes.count("Not submitted yet.") == 3
    assert (
        "### Maya Patel\n\n_Submitted on 2026-12-04._\n\n#### Wins\n\n"
        "- Acme \\*Beta\\* | Co asked for the renewal quote\n"
        "- Dune's kickoff done on time\n\n#### Risks\n\n"
        "- \\# Cedar: the sponsor left, pricing still open\n\n#### Asks\n\nNone.\n"
    ) in notes
    assert "## Notes" not in team_markdown(team())


def test_a_managers_team_says_whose_and_leaves_out_the_notes_not_the_readers() -> None:
    lead = Member("li", "Li *Wei*", "li@example.com", Role.MANAGER)
    draft = WeekNotes("olivia", W49, wins="Secret draft", saved_at=SAVED)
    read = dataclasses.replace(
        team(), whose=lead, notes={"maya": NOTES, "olivia": draft}, notes_hidden=frozenset()
    )
    text = team_markdown(read)  # the notes the team's week carries
    assert text.startswith("# Weekly wrap-up: Li \\*Wei\\*'s team, 2026-W49 (Mon 2026-11-30")
    assert text == team_markdown(read, {"maya": NOTES, "olivia": draft})
    assert "### Maya Patel\n\n_Submitted on 2026-12-04._\n" in text
    assert "Secret draft" not in text and text.count("Not submitted yet.") == 3
    peers = dataclasses.replace(read, notes_hidden=frozenset({"maya", "noah", "priya"}))
    notes = team_markdown(peers).split("## Notes\n")[1]  # as a CSM (Olivia) reads it
    assert notes == "\n### Olivia Chen\n\nNot submitted yet.\n"


def test_user_text_cannot_break_a_table_or_a_heading() -> None:
    hostile = dataclasses.replace(
        BOOK, name="# Maya | *Ops*", accounts=(dataclasses.replace(CEDAR, name="Ce|dar _x_"),)
    )
    mine = my_week(hostile, W49, FRIDAY, WRAP)
    text = week_markdown(mine)
    assert text.startswith("# Weekly wrap-up: \\# Maya | \\*Ops\\*, 2026-W49")
    assert "| Ce\\|dar \\_x\\_ | green → red (Wed) | 85 → 58 | success 85 → 30 |" in text
    cells = 0
    for line in text.splitlines():  # every row of a table has as many cells as its head
        if not line.startswith("|"):
            cells = 0
        elif cells == 0:
            cells = line.count("|")
        else:
            assert line.replace("\\|", "").count("|") == cells, line
    teams = team_markdown(team_week((hostile,), W49, FRIDAY, WRAP))
    assert "| \\# Maya \\| \\*Ops\\* | " in teams


def test_the_week_as_csv_a_row_per_account() -> None:
    rows = parsed(week_csv_rows(week()))
    assert rows[0] == list(ACCOUNT_COLUMNS)
    by_name = {row[2]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert list(by_name) == ["Acme *Beta* | Co", "Birch", "Cedar", "Dune", "Elm"]
    acme, birch, cedar, elm = (by_name[n] for n in ("Acme *Beta* | Co", "Birch", "Cedar", "Elm"))
    assert (acme["week"], acme["arr_cents"], acme["touches"]) == ("2026-W49", "50000000", "2")
    assert (acme["health_score"], acme["health_band"], acme["health_moved"]) == (
        "65",
        "yellow",
        "dipped",
    )
    assert acme["health_path"] == "yellow → red (Tue) → yellow (Thu)"
    assert (acme["renewal_ahead"], acme["renewal_question_asked_on"]) == ("yes", "2026-10-01")
    assert (birch["renewal_question_asked_on"], birch["renewal_at_risk"]) == ("", "yes")
    assert (birch["went_overdue"], elm["went_overdue"], cedar["went_overdue"]) == ("1", "1", "0")
    assert (cedar["escalations"], cedar["escalations_past_sla"]) == ("1", "1")
    assert (cedar["red_without_plan"], elm["red_without_plan"]) == ("yes", "no")
    assert (cedar["renewal_date"], cedar["renewal_ahead"]) == ("2027-06-01", "no")
    assert sum(int(row["touches"]) for row in by_name.values()) == week().touches.total


def test_the_team_as_csv_a_row_per_csm_with_every_count() -> None:
    found = team()
    rows = parsed(team_csv_rows(found))
    assert rows[0] == list(CSM_COLUMNS)
    assert rows[0][3:-1] == [field.name for field in fields(Figures)]
    assert [row[2] for row in rows[1:]] == [row.week.name for row in found.rows]
    summed = Figures(*(sum(int(row[i]) for row in rows[1:]) for i in range(3, len(rows[0]) - 1)))
    assert summed == found.totals
    assert rows[1][-1] == found.rows[0].why
    assert parsed(team_csv_rows(team_week((), W49, FRIDAY, WRAP))) == [list(CSM_COLUMNS)]
