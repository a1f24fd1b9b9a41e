"""The weekly wrap-up as a file (issue 22): Markdown a manager pastes into an e-mail or a document,
and rows for Python's `csv` module (one per account of a CSM's week, one per CSM of the team's).

The figures and their words are the domain's, as `csm wrapup` prints them (`week_head`,
`touch_words`, `Calls.words`, `Coverage.words`, `HealthMove.path`, `EscalationLine.words`,
`CsmRow.why`), so that the screen, the CLI and the export say the same thing. User text (names,
reasons, lessons, notes) is escaped as the success plan's export escapes it (`plan_export.escape`):
a `|` cannot break a table, a `*` cannot turn a name into emphasis.

Notes: a CSM's own week shows their notes whatever their state ("draft, saved ..." or
"submitted on ..."); the team's shows only submitted ones (a draft is not the manager's to read).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import fields

from csm_tui.domain.book import format_arr
from csm_tui.domain.plan_export import escape
from csm_tui.domain.weekly_notes import WeekNotes
from csm_tui.domain.wrapup import CsmWeek, Figures, touch_words, week_head
from csm_tui.domain.wrapup_history import MilestoneChange
from csm_tui.domain.wrapup_inputs import weekday_name
from csm_tui.domain.wrapup_team import TeamWeek

#: A list marker the CSM typed at the start of a line of their notes: each line is a list item.
_BULLET = re.compile(r"^\s*[-*+•]\s+")

# ---------- Markdown ---------------------------------------------------------------------------


def week_markdown(csm: CsmWeek, notes: WeekNotes | None = None) -> str:
    """A CSM's week, then their notes when given; the whole document, ending in one newline."""
    lines = [f"# Weekly wrap-up: {week_head(escape(csm.name), csm.week, csm.today, csm.as_of)}"]
    calls = csm.calls.words + (" · behind" if csm.calls.behind else "")
    lines += [
        "",
        f"- Touches: {touch_words(csm.touches)}",
        f"- Calls: {calls}",
        *_figure_lines(csm.figures),
    ]
    lines += _overdue(csm)
    lines += _movers(csm)
    lines += _escalations(csm)
    lines += _milestones(csm)
    lines += _renewals(csm)
    lines += _red(csm)
    if notes is not None:
        lines += ["", f"## Notes for the manager ({notes.status_words})", *_notes(notes, "###")]
    return "\n".join(lines) + "\n"


def team_markdown(team: TeamWeek, notes_by_member: Mapping[str, WeekNotes] | None = None) -> str:
    """The team's week: a row per CSM with what needs the manager, the totals, then each CSM's
    submitted notes (`notes_by_member` by member id, else the team's own `TeamWeek.notes`; none
    when neither was read), but for the members whose notes are not the reader's
    (`TeamWeek.notes_hidden`); ending in one newline."""
    csms = len(team.rows)
    head = week_head(escape(team.title), team.week, team.today, team.as_of)
    lines = [
        f"# Weekly wrap-up: {head}",
        "",
        f"{csms} CSM{'' if csms == 1 else 's'}, {len(team.needing)} needing you, "
        f"{team.behind} under their call target.",
    ]
    if team.rows:
        lines += [
            "",
            "| CSM | Touches | Calls | Coverage | Went overdue | Needs you |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
    for row in team.rows:
        figures = row.figures
        lines.append(
            _row(
                escape(row.week.name, cell=True),
                str(figures.touches),
                row.week.calls.words,
                figures.coverage.words,
                str(figures.went_overdue),
                row.why,
            )
        )
    totals = team.totals
    lines += [
        "",
        "## Totals",
        "",
        f"- Touches: {touch_words(team.touches)}",
        f"- Calls: {totals.calls} of {totals.call_target} calls",
        *_figure_lines(totals),
    ]
    if notes_by_member is None:
        notes_by_member = team.notes
    shown = [row for row in team.rows if row.week.member_id not in team.notes_hidden]
    if notes_by_member is not None and shown:
        lines += ["", "## Notes"]
        for row in shown:
            notes = notes_by_member.get(row.week.member_id)
            lines += ["", f"### {escape(row.week.name)}", ""]
            if notes is None or not notes.submitted:
                lines.append("Not submitted yet.")
            else:
                lines += [f"_{notes.status_words.capitalize()}._", *_notes(notes, "####")]
    return "\n".join(lines) + "\n"


def _figure_lines(figures: Figures) -> list[str]:
    """The figures after the touches and calls, as a list (a CSM's, or the team's totals)."""
    return [
        f"- Coverage: {figures.coverage.words}",
        f"- Went overdue: {figures.went_overdue} still open "
        f"({figures.overdue_open} overdue in all)",
        f"- Health movers: {figures.health_down} down, {figures.health_up} up, "
        f"{figures.health_back} back",
        f"- Escalations: {figures.escalations_opened} opened, {figures.escalations_raised} raised, "
        f"{figures.escalations_resolved} resolved, {figures.escalations_closed} closed; "
        f"{figures.escalations_open} open, {figures.escalations_breached} past their SLA",
        f"- Milestones: {figures.milestones_done} done, {figures.milestones_slipped} slipped, "
        f"{figures.milestones_moved} moved",
        f"- Renewals ahead: {figures.renewals}, {figures.renewals_asked} asked, "
        f"{figures.renewals_at_risk} at risk",
        f"- Red without a recovery plan: {figures.red_without_plan}",
    ]


def _table(title: str, head: tuple[str, ...], rows: list[str]) -> list[str]:
    if not rows:
        return []
    return ["", f"## {title}", "", _row(*head), _row(*("---" for _ in head)), *rows]


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _cell(text: str | None) -> str:
    return escape(text, cell=True) if text and text.strip() else "-"


def _overdue(csm: CsmWeek) -> list[str]:
    rows = [
        _row(
            _cell(item.account_name),
            _cell(item.label),
            str(item.due_on),
            str(item.snoozed_until) if item.snoozed_until else "-",
        )
        for item in csm.overdue
    ]
    return _table("Went overdue", ("Account", "Item", "Due", "Snoozed until"), rows)


def _movers(csm: CsmWeek) -> list[str]:
    rows = [
        _row(
            _cell(move.account_name),
            move.path,
            f"{move.from_score} → {move.to_score}",
            move.component.words if move.component is not None else "-",
        )
        for move in csm.movers
    ]
    return _table("Health movers", ("Account", "Bands", "Score", "What moved most"), rows)


def _escalations(csm: CsmWeek) -> list[str]:
    rows = [
        _row(
            _cell(line.account_name),
            _cell(line.reason),
            line.words,
            _cell(line.lessons_learned),
        )
        for line in csm.escalations.lines
    ]
    return _table("Escalations", ("Account", "Reason", "This week", "Lessons"), rows)


def _milestones(csm: CsmWeek) -> list[str]:
    milestones = csm.milestones
    changes: list[tuple[MilestoneChange, str]] = [(c, "done") for c in milestones.done]
    changes += [(c, f"slipped (due {c.due_on})") for c in milestones.slipped]
    changes += [(c, f"moved {c.due_on or '-'} → {c.to_on}") for c in milestones.moved]
    changes.sort(key=lambda pair: pair[0].on)  # stable: done, slipped, moved on the same day
    rows = [
        _row(
            f"{weekday_name(change.on)} {change.on}",
            _cell(change.account_name),
            _cell(change.title),
            what,
        )
        for change, what in changes
    ]
    return _table("Milestones", ("Day", "Account", "Milestone", "What"), rows)


def _renewals(csm: CsmWeek) -> list[str]:
    rows = [
        _row(
            str(line.renewal_date),
            _cell(line.account_name),
            format_arr(line.arr_cents),
            f"in {line.days_left} days",
            line.band.value if line.score is None else f"{line.band.value} {line.score}",
            (f"asked {line.asked_on}" if line.asked_on else "not asked")
            + (" · at risk" if line.at_risk else ""),
        )
        for line in csm.renewals
    ]
    head = ("Renewal", "Account", "ARR", "When", "Health", "Renewal question")
    return _table("Renewals ahead", head, rows)


def _red(csm: CsmWeek) -> list[str]:
    rows = [
        _row(_cell(red.account_name), format_arr(red.arr_cents), _score(red.score))
        for red in csm.red_without_plan
    ]
    return _table("Red without a recovery plan", ("Account", "ARR", "Score"), rows)


def _score(score: int | None) -> str:
    return "-" if score is None else str(score)


def _notes(notes: WeekNotes, level: str) -> list[str]:
    """Wins, risks and asks, each line of the CSM's text a list item."""
    lines: list[str] = []
    for label, text in zip(("Wins", "Risks", "Asks"), notes.texts(), strict=True):
        items = [_BULLET.sub("", line) for line in text.splitlines() if line.strip()]
        lines += ["", f"{level} {label}", ""]
        lines += [f"- {escape(item)}" for item in items] or ["None."]
    return lines


# ---------- CSV --------------------------------------------------------------------------------

#: The per-account columns of a CSM's week.
ACCOUNT_COLUMNS = (
    "week",
    "account_id",
    "account",
    "arr_cents",
    "touches",
    "health_score",
    "health_band",
    "health_moved",
    "health_path",
    "went_overdue",
    "escalations",
    "escalations_past_sla",
    "renewal_date",
    "renewal_ahead",
    "renewal_question_asked_on",
    "renewal_at_risk",
    "red_without_plan",
)


def week_csv_rows(csm: CsmWeek) -> list[list[str]]:
    """A row per account of the book (by name), the header first: its touches this week, its
    health at `as_of` and how it moved, items that went overdue, escalations, its renewal (the
    question's date when the renewal is ahead), and whether it is red without a recovery plan."""
    movers = {move.account_id: move for move in csm.movers}
    renewals = {line.account_id: line for line in csm.renewals}
    overdue = Counter(item.account_id for item in csm.overdue)
    escalations = Counter(line.account_id for line in csm.escalations.lines)
    breached = Counter(line.account_id for line in csm.escalations.breached)
    red = {account.account_id for account in csm.red_without_plan}
    rows = [list(ACCOUNT_COLUMNS)]
    for account in csm.accounts:
        move = movers.get(account.account_id)
        renewal = renewals.get(account.account_id)
        rows.append(
            [
                str(csm.week),
                account.account_id,
                account.account_name,
                str(account.arr_cents),
                str(account.touches),
                "" if account.score is None else str(account.score),
                account.band.value,
                "" if move is None else move.movement.value,
                "" if move is None else move.path,
                str(overdue[account.account_id]),
                str(escalations[account.account_id]),
                str(breached[account.account_id]),
                "" if account.renewal_date is None else str(account.renewal_date),
                _yes(renewal is not None),
                "" if renewal is None or renewal.asked_on is None else str(renewal.asked_on),
                _yes(renewal is not None and renewal.at_risk),
                _yes(account.account_id in red),
            ]
        )
    return rows


#: The per-CSM columns of the team's week: every `Figures` count between the CSM and the why.
CSM_COLUMNS = (
    "week",
    "member_id",
    "name",
    *(field.name for field in fields(Figures)),
    "needs_you",
)


def team_csv_rows(team: TeamWeek) -> list[list[str]]:
    """A row per CSM in the table's order (what needs the manager first), the header first:
    every count of `Figures`, then the reasons in words. No totals row: each row is a CSM."""
    rows = [list(CSM_COLUMNS)]
    for row in team.rows:
        figures = row.figures
        counts = [str(getattr(figures, field.name)) for field in fields(Figures)]
        rows.append([str(team.week), row.week.member_id, row.week.name, *counts, row.why])
    return rows


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"
