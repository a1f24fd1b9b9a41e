"""The team's week as a table: a CSM per row in the order of what needs the manager
(`domain.wrapup_team`), their figures in short cells, and why the row is where it is in words
(not only in colour) in the last column, which takes the width the others leave."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.content import Content

from csm_tui.domain.weekly_notes import WeekNotes
from csm_tui.domain.wrapup import Figures
from csm_tui.domain.wrapup_team import Attention, CsmRow
from csm_tui.widgets.line_table import Column, FittedTable

#: (label, column key); "why" takes the rest of the width.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("CSM", "name"),
    ("Calls", "calls"),
    ("Touches", "touches"),
    ("Covered", "coverage"),
    ("Overdue", "overdue"),
    ("Health", "health"),
    ("Escalations", "escalations"),
    ("Milestones", "milestones"),
    ("Renewals", "renewals"),
    ("Red", "red"),
    ("Notes", "notes"),
    ("Needs you", "why"),
)
#: Under this many cells the table keeps the columns it is sorted by, in short, and the words
#: of why (which say "under call target" and "renewals at risk" themselves).
NARROW_BELOW = 120
_NARROW = ("name", "calls", "escalations", "red", "why")
#: Under this many cells (and from `NARROW_BELOW`) the touches and the items gone overdue give
#: their room to the words: both are in the CSM's week, and in the totals.
FULL_FROM = 170
_MEDIUM_HIDDEN = frozenset({"touches", "overdue"})
#: Longest CSM name in a narrow terminal (longer ones end in "…").
NARROW_NAME = 16
#: The last column never gets narrower than this.
MIN_WHY = 14
_RIGHT = frozenset({"touches", "overdue", "red"})
#: Reasons drawn in the error colour: a customer waiting past a promise, a red account unplanned.
_URGENT = frozenset({Attention.BREACHED, Attention.RED_WITHOUT_PLAN})


@dataclass(frozen=True, slots=True)
class TeamLine:
    """A row of the table: a CSM's week and the notes they submitted for it (None: not yet)."""

    row: CsmRow
    notes: WeekNotes | None
    notes_shown: bool = True  # False: a peer's, read by a CSM (the notes are their manager's)

    @property
    def member_id(self) -> str:
        return self.row.week.member_id


def plain_cells(line: TeamLine, *, narrow: bool = False) -> dict[str, str]:
    """What each column says of the CSM's week, without colours; shorter when `narrow`."""
    week = line.row.week
    figures = line.row.figures
    calls = week.calls
    late = figures.escalations_breached
    if narrow:
        name = week.name if len(week.name) <= NARROW_NAME else week.name[: NARROW_NAME - 1] + "…"
        escalations = f"{figures.escalations_open}" + (f", {late} late" if late else "")
    else:
        name = week.name
        escalations = f"{figures.escalations_open} open" + (f", {late} late" if late else "")
    return {
        "name": name,
        "calls": f"{calls.done} of {calls.target}"
        + ("" if narrow or not calls.behind else " behind"),
        "touches": str(figures.touches),
        "coverage": "-" if week.coverage.percent is None else f"{week.coverage.percent}%",
        "overdue": str(figures.went_overdue),
        "health": f"{figures.health_down}↓ {figures.health_up}↑",
        "escalations": escalations,
        "milestones": f"{figures.milestones_done} done"
        + (f", {figures.milestones_slipped} slipped" if figures.milestones_slipped else ""),
        "renewals": f"{figures.renewals}"
        + (f", {figures.renewals_at_risk} at risk" if figures.renewals_at_risk else ""),
        "red": str(figures.red_without_plan),
        "notes": "submitted" if line.notes is not None else "-" if line.notes_shown else "",
        "why": short_why(line.row),
    }


def short_why(row: CsmRow) -> str:
    """Why the row needs the manager, short enough for a cell ('2 past SLA · 9 red, no plan');
    the panel under the table says it in full."""
    words = {
        Attention.BREACHED: "{} past SLA",
        Attention.RED_WITHOUT_PLAN: "{} red, no plan",
        Attention.RENEWALS_AT_RISK: "{} at-risk renewal(s)",
        Attention.UNDER_TARGET: "{} call(s) behind",
    }
    said = [
        words[reason.kind].format(reason.count).replace("(s)", "" if reason.count == 1 else "s")
        for reason in row.reasons
    ]
    return " · ".join(said) or "-"


def column_keys(width: int) -> tuple[str, ...]:
    """The columns a terminal `width` cells wide shows."""
    if width < NARROW_BELOW:
        return _NARROW
    hidden = _MEDIUM_HIDDEN if width < FULL_FROM else frozenset()
    return tuple(key for _, key in COLUMNS if key not in hidden)


def measure(lines: Sequence[TeamLine], width: int) -> tuple[Column, ...]:
    """The columns' widths on every row's plain values (in the worker, with the read), for a
    terminal `width` cells wide."""
    narrow = width < NARROW_BELOW
    keys = column_keys(width)
    shown = [(label, key) for label, key in COLUMNS if key in keys]
    shown = [("Esc." if narrow and key == "escalations" else label, key) for label, key in shown]
    widths = {key: cell_len(label) for label, key in shown}
    for line in lines:
        plain = plain_cells(line, narrow=narrow)
        for _, key in shown:
            widths[key] = max(widths[key], cell_len(plain[key]))
    return tuple(Column(key, label, widths[key]) for label, key in shown)


class TeamWeekTable(FittedTable[TeamLine]):
    """The team's rows; `enter` opens the highlighted CSM's week."""

    DEFAULT_CSS = """
    TeamWeekTable {
        & > .team-week-table--needs { color: $text-warning; }
        & > .team-week-table--urgent { color: $text-error; text-style: bold; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"team-week-table--needs", "team-week-table--urgent"}

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "select_cursor", "Open week")]
    MIN_LAST = MIN_WHY

    def row_key(self, row: TeamLine) -> str:
        return row.member_id

    def row_cells(self, row: TeamLine) -> tuple[Text, ...]:
        """Text throughout, so that a name like "[EU] Ana" is never markup."""
        cells = {key: Text(value) for key, value in plain_cells(row, narrow=self.narrow).items()}
        for key in _RIGHT:
            cells[key].justify = "right"
        cells["why"].overflow = "ellipsis"
        reasons = row.row.reasons
        if reasons:
            urgent = reasons[0].kind in _URGENT
            look = "team-week-table--urgent" if urgent else "team-week-table--needs"
            cells["why"].stylize(self.get_component_rich_style(look, partial=True))
        if row.row.week.calls.behind:
            cells["calls"].stylize(
                self.get_component_rich_style("team-week-table--needs", partial=True)
            )
        return tuple(cells[column.key] for column in self.columns)


def totals_text(totals: Figures, csms: int) -> Content:
    """The team's totals under the table, in two lines of words."""
    calls = f"{totals.calls} of {totals.call_target} calls"
    covered = totals.coverage
    first = (
        f"{totals.touches} touches · {calls} · {covered.words} covered · "
        f"{totals.went_overdue} went overdue"
    )
    second = (
        f"health {totals.health_down} down, {totals.health_up} up · escalations "
        f"{totals.escalations_open} open, {totals.escalations_breached} past their SLA · "
        f"milestones {totals.milestones_done} done, {totals.milestones_slipped} slipped · "
        f"renewals {totals.renewals}, {totals.renewals_at_risk} at risk · "
        f"{totals.red_without_plan} red without a recovery plan"
    )
    who = f"Team ({csms} CSM{'' if csms == 1 else 's'})"
    return Content.assemble((who, "bold $text-primary"), "  ", first, "\n", second)


def detail_text(line: TeamLine | None) -> Content:
    """The highlighted CSM: why they need the manager, and the notes they submitted."""
    if line is None:
        return Content("")
    week = line.row.week
    parts: list[str | tuple[str, str]] = [(week.name, "bold $text-primary"), "\n"]
    reasons = line.row.reasons
    if reasons:
        parts += [f"• {reason.words}\n" for reason in reasons]
    else:
        parts.append(("Nothing needs you this week.\n", "$text-muted"))
    notes = line.notes
    if not line.notes_shown:
        parts += ["\n", ("Notes: theirs go to your manager.", "$text-muted")]
    elif notes is None:
        parts += ["\n", ("Notes: none submitted for this week.", "$text-muted")]
    else:
        parts += ["\n", ("Notes", "bold"), f", {notes.status_words}"]
        for label, text in zip(("Wins", "Risks", "Asks"), notes.texts(), strict=True):
            parts += ["\n", (f"{label}: ", "bold"), text or "–"]
    return Content.assemble(*parts)
