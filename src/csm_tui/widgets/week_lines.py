"""A CSM's week as the wrap-up screen lists it: a line per figure, the accounts behind it under
it, then the notes for the manager; the cursor moves over the accounts (enter opens one) and
the notes (enter writes them), the figures' lines are headings it skips.

The lines say what `csm wrapup` says, in the same words where the domain has them (`Calls.words`,
`Coverage.words`, `HealthMove.path`, `EscalationLine.words`), so that the screen, the CLI and the
export agree. They are built in the screen's worker (`week_rows`), as plain values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from csm_tui.domain.book import format_arr
from csm_tui.domain.weekly_notes import WeekNotes
from csm_tui.domain.wrapup import CsmWeek, touch_words
from csm_tui.domain.wrapup_history import MilestoneChange
from csm_tui.domain.wrapup_inputs import weekday_name
from csm_tui.services.wrapup_view import ShownWeek

#: Cells of the figures' labels, so that their values line up.
LABEL = 14

_HEAD = "bold $text-primary"
_WARN = "$text-warning"
_DIM = "$text-muted"


@dataclass(frozen=True, slots=True)
class WeekRow:
    """A line of the list: a figure (a heading), an account behind one, or a part of the notes."""

    text: Content
    account_id: str | None = None  # enter opens the account
    notes: bool = False  # enter writes the notes (the reader's own week)

    @property
    def heading(self) -> bool:
        return self.account_id is None and not self.notes


def week_rows(shown: ShownWeek) -> list[WeekRow]:
    """Every line of the week, in the order of `csm wrapup`'s text; the notes last on the
    reader's own week (written once the week is looked over), first on a CSM's week opened by
    their manager (what the manager reads first)."""
    csm = shown.csm
    notes = notes_rows(shown.notes, own=shown.own, hidden=shown.notes_hidden)
    rows = [] if shown.own else [*notes[1:], WeekRow(Content(""))]
    rows += [*_touches(csm), *_calls(csm), _figure("Coverage", csm.coverage.words)]
    rows += _overdue(csm)
    rows += _movers(csm)
    rows += _escalations(csm)
    rows += _milestones(csm)
    rows += _renewals(csm)
    rows += _red(csm)
    return rows + notes if shown.own else rows


def _figure(label: str, value: str, *, warn: bool = False) -> WeekRow:
    return WeekRow(Content.assemble((f"{label:<{LABEL}}", _HEAD), (value, _WARN if warn else "")))


def _account(account_id: str, name: str, *rest: str | tuple[str, str]) -> WeekRow:
    return WeekRow(Content.assemble("  ", (name, "bold"), "  ", *rest), account_id=account_id)


def _touches(csm: CsmWeek) -> list[WeekRow]:
    days = []
    for day, count in csm.touches.by_day:
        counted = day in csm.counted_days
        days.append((f"{weekday_name(day)} {count if counted else '–'}", "" if counted else _DIM))
    by_day = Content.assemble(" " * LABEL, *_joined(days, "  "))
    return [_figure("Touches", touch_words(csm.touches)), WeekRow(by_day)]


def _calls(csm: CsmWeek) -> list[WeekRow]:
    calls = csm.calls
    if not calls.weekly_target:
        return [_figure("Calls", f"{calls.done} (no weekly target for this book's segment)")]
    words = calls.words + (" · behind" if calls.behind else "")
    return [_figure("Calls", words, warn=calls.behind)]


def _overdue(csm: CsmWeek) -> list[WeekRow]:
    rows = [
        _figure(
            "Went overdue",
            f"{len(csm.overdue)} still open ({csm.overdue_open} overdue in all)",
            warn=bool(csm.overdue),
        )
    ]
    for item in csm.overdue:
        snoozed = f" · snoozed until {_day(item.snoozed_until)}" if item.snoozed_until else ""
        rows.append(
            _account(item.account_id, item.account_name, f"{item.label}, due {_day(item.due_on)}")
        )
        if snoozed:
            rows[-1] = WeekRow(
                Content.assemble(rows[-1].text, (snoozed, _DIM)), account_id=item.account_id
            )
    return rows


def _movers(csm: CsmWeek) -> list[WeekRow]:
    figures = csm.figures
    rows = [
        _figure(
            "Health",
            f"{figures.health_down} down, {figures.health_up} up, {figures.health_back} back",
            warn=bool(figures.health_down),
        )
    ]
    for move in csm.movers:
        part = f" · {move.component.words}" if move.component is not None else ""
        rows.append(
            _account(
                move.account_id,
                move.account_name,
                f"{move.path}, {move.from_score} → {move.to_score}",
                (part, _DIM),
            )
        )
    return rows


def _escalations(csm: CsmWeek) -> list[WeekRow]:
    figures = csm.figures
    words = (
        f"{figures.escalations_opened} opened, {figures.escalations_raised} raised, "
        f"{figures.escalations_resolved} resolved, {figures.escalations_closed} closed · "
        f"{figures.escalations_open} open, {figures.escalations_breached} past their SLA"
    )
    rows = [_figure("Escalations", words, warn=bool(figures.escalations_breached))]
    for line in csm.escalations.lines:
        style = _WARN if line.breached else ""
        rows.append(_account(line.account_id, line.account_name, (line.words, style)))
        if line.lessons_learned:
            lessons = Content.assemble("    ", ("lessons: ", _DIM), line.lessons_learned)
            rows.append(WeekRow(lessons, account_id=line.account_id))
    return rows


def _milestones(csm: CsmWeek) -> list[WeekRow]:
    milestones = csm.milestones
    words = (
        f"{len(milestones.done)} done, {len(milestones.slipped)} slipped, "
        f"{len(milestones.moved)} moved"
    )
    rows = [_figure("Milestones", words, warn=bool(milestones.slipped))]
    rows += [_change(change, "done") for change in milestones.done]
    rows += [
        _change(change, "slipped", f" (due {_day(change.due_on)})") for change in milestones.slipped
    ]
    rows += [
        _change(change, "moved", f": {_day(change.due_on)} → {_day(change.to_on)}")
        for change in milestones.moved
    ]
    return rows


def _change(change: MilestoneChange, what: str, after: str = "") -> WeekRow:
    style = _WARN if what == "slipped" else ""
    return _account(
        change.account_id,
        change.account_name,
        (f"{what} {weekday_name(change.on)}", style),
        f" · {change.title}{after}",
    )


def _renewals(csm: CsmWeek) -> list[WeekRow]:
    figures = csm.figures
    words = (
        f"{figures.renewals} ahead, {figures.renewals_asked} asked, "
        f"{figures.renewals_at_risk} at risk"
    )
    rows = [_figure("Renewals", words, warn=bool(figures.renewals_at_risk))]
    for line in csm.renewals:
        asked = f"asked {_day(line.asked_on)}" if line.asked_on else "not asked"
        risk = (" · at risk", _WARN) if line.at_risk else ""
        rows.append(
            _account(
                line.account_id,
                line.account_name,
                f"{format_arr(line.arr_cents)} · {line.renewal_date} in {line.days_left} days · "
                f"{line.band.value} · {asked}",
                risk,
            )
        )
    return rows


def _red(csm: CsmWeek) -> list[WeekRow]:
    red = csm.red_without_plan
    rows = [_figure("Red, no plan", f"{len(red)} without a recovery plan", warn=bool(red))]
    rows += [
        _account(account.account_id, account.account_name, format_arr(account.arr_cents))
        for account in red
    ]
    return rows


def notes_rows(notes: WeekNotes | None, *, own: bool, hidden: bool = False) -> list[WeekRow]:
    """The notes for the manager: a heading that says where they stand, then each part. The
    reader's own notes are lines the cursor stops on (enter writes them); anyone else's show
    only once submitted, and a peer's not at all (`hidden`: they are the manager's)."""
    if own:
        status = "not written" if notes is None else notes.status_words
        hint = "" if notes is not None and notes.submitted else "  n writes them, S submits"
        head = Content.assemble(("Notes for your manager", _HEAD), f"  {status}", (hint, _DIM))
    else:
        status = notes.status_words if notes is not None else "none submitted for this week"
        if hidden:
            status = "theirs go to your manager"
        head = Content.assemble(("Notes", _HEAD), f"  {status}")
    rows = [WeekRow(Content("")), WeekRow(head, notes=own)]
    if notes is None:
        return rows
    for label, text in zip(("Wins", "Risks", "Asks"), notes.texts(), strict=True):
        shown = text or "–"
        line = Content.assemble(
            (f"  {label:<{LABEL - 2}}", "bold"), shown if text else (shown, _DIM)
        )
        rows.append(WeekRow(line, notes=own))
    return rows


def _joined(parts: Sequence[tuple[str, str]], between: str) -> list[tuple[str, str] | str]:
    joined: list[tuple[str, str] | str] = []
    for n, part in enumerate(parts):
        if n:
            joined.append(between)
        joined.append(part)
    return joined


def _day(day: date | None) -> str:
    return "–" if day is None else f"{weekday_name(day)} {day:%d %b}"


class WeekLines(OptionList):
    """The week's lines; j/k move as the arrows do, over the accounts and the notes."""

    DEFAULT_CSS = """
    WeekLines {
        height: 1fr;
        border: none;
        padding: 0 1;
        &:focus {
            border: none;
            background-tint: $foreground 5%;
        }
        & > .option-list--option-disabled {
            color: $foreground;
        }
    }
    """

    BINDINGS: ClassVar = [
        ("j", "cursor_down"),
        ("k", "cursor_up"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[WeekRow] = []

    def show(self, rows: list[WeekRow], keep: int | None = None) -> None:
        """The lines; the cursor on line `keep` if it can stop there, else the first it can."""
        self.rows = rows
        self.clear_options()
        self.add_options(
            Option(row.text, id=f"line-{n}", disabled=row.heading) for n, row in enumerate(rows)
        )
        stops = [n for n, row in enumerate(rows) if not row.heading]
        if stops:
            self.highlighted = keep if keep in stops else stops[0]

    @property
    def current(self) -> WeekRow | None:
        index = self.highlighted
        return self.rows[index] if index is not None and 0 <= index < len(self.rows) else None
