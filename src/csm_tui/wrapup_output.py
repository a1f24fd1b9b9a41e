"""What `csm wrapup` prints: a CSM's week (`domain.wrapup.CsmWeek`) and the team's
(`domain.wrapup_team.TeamWeek`, with each CSM's submitted notes the reader may read) as a
compact text summary, and as plain JSON records (dates ISO).

Plain functions of domain values, as `output` is: the figures are the domain's, the words
mostly too (`Calls.words`, `Coverage.words`, `HealthMove.path`, `EscalationLine.words`), so
that the screen and the export say the same thing.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from csm_tui.domain.book import format_arr
from csm_tui.domain.iso_week import IsoWeek
from csm_tui.domain.weekly_notes import WeekNotes
from csm_tui.domain.wrapup import CsmWeek, TouchTally, touch_words, week_head
from csm_tui.domain.wrapup_history import MilestoneChange
from csm_tui.domain.wrapup_inputs import weekday_name
from csm_tui.domain.wrapup_team import TeamWeek

# ---------- text -------------------------------------------------------------------------------


def week_lines(csm: CsmWeek) -> list[str]:
    """A CSM's week: a line per figure, the accounts behind it indented under it."""
    calls = csm.calls
    figures = csm.figures
    lines = [
        week_head(csm.name, csm.week, csm.today, csm.as_of),
        f"Touches: {touch_words(csm.touches)}",
        f"Calls: {calls.words}" + (" · behind" if calls.behind else ""),
        f"Coverage: {csm.coverage.words}",
        f"Went overdue: {len(csm.overdue)} still open ({csm.overdue_open} overdue in all)",
    ]
    lines += [
        f"  {item.account_name}: {item.label}, due {item.due_on}"
        + (f" (snoozed until {item.snoozed_until})" if item.snoozed_until else "")
        for item in csm.overdue
    ]
    lines.append(
        f"Health movers: {figures.health_down} down, {figures.health_up} up, "
        f"{figures.health_back} back"
    )
    for move in csm.movers:
        part = f" · {move.component.words}" if move.component is not None else ""
        lines.append(
            f"  {move.account_name}: {move.path}, {move.from_score} → {move.to_score}{part}"
        )
    lines.append(
        f"Escalations: {figures.escalations_opened} opened, {figures.escalations_raised} raised, "
        f"{figures.escalations_resolved} resolved, {figures.escalations_closed} closed; "
        f"{figures.escalations_open} open, {figures.escalations_breached} past their SLA"
    )
    for line in csm.escalations.lines:
        lines.append(f"  {line.account_name}: {line.words}")
        if line.lessons_learned:
            lines.append(f"    lessons: {line.lessons_learned}")
    milestones = csm.milestones
    lines.append(
        f"Milestones: {len(milestones.done)} done, {len(milestones.slipped)} slipped, "
        f"{len(milestones.moved)} moved"
    )
    lines += [f"  done {_milestone(c)}" for c in milestones.done]
    lines += [f"  slipped {_milestone(c)} (due {c.due_on})" for c in milestones.slipped]
    lines += [f"  moved {_milestone(c)}: {c.due_on or '-'} → {c.to_on}" for c in milestones.moved]
    lines.append(
        f"Renewals ahead: {figures.renewals}, {figures.renewals_asked} asked, "
        f"{figures.renewals_at_risk} at risk"
    )
    for renewal in csm.renewals:
        asked = f"asked {renewal.asked_on}" if renewal.asked_on else "not asked"
        risk = " · at risk" if renewal.at_risk else ""
        lines.append(
            f"  {renewal.renewal_date} {renewal.account_name} ({format_arr(renewal.arr_cents)}): "
            f"in {renewal.days_left} days, {renewal.band.value}, {asked}{risk}"
        )
    lines.append(f"Red without a recovery plan: {len(csm.red_without_plan)}")
    lines += [f"  {red.account_name} ({format_arr(red.arr_cents)})" for red in csm.red_without_plan]
    return lines


def _milestone(change: MilestoneChange) -> str:
    return f"{weekday_name(change.on)}: {change.account_name} · {change.title}"


def team_lines(team: TeamWeek) -> list[str]:
    """The team's week: a head, a line per CSM (what needs the manager first), the totals."""
    csms = len(team.rows)
    head = week_head(team.title, team.week, team.today, team.as_of)
    lines = [
        f"{head}: {csms} CSM{'' if csms == 1 else 's'}, {len(team.needing)} needing you, "
        f"{team.behind} under their call target"
    ]
    for row in team.rows:
        figures = row.figures
        lines.append(
            f"  {row.week.name}: {figures.touches} touches, {row.week.calls.words}, "
            f"{figures.coverage.words} · {row.why}"
        )
    totals = team.totals
    lines += [
        f"Totals: {totals.touches} touches, {totals.calls} of {totals.call_target} calls, "
        f"{totals.coverage.words}",
        f"  health: {totals.health_down} down, {totals.health_up} up, {totals.health_back} back; "
        f"{totals.red_without_plan} red without a recovery plan",
        f"  escalations: {totals.escalations_opened} opened, {totals.escalations_closed} closed, "
        f"{totals.escalations_open} open, {totals.escalations_breached} past their SLA",
        f"  milestones: {totals.milestones_done} done, {totals.milestones_slipped} slipped, "
        f"{totals.milestones_moved} moved",
        f"  renewals ahead: {totals.renewals}, {totals.renewals_asked} asked, "
        f"{totals.renewals_at_risk} at risk",
        f"Touches: {touch_words(team.touches)}",
    ]
    shown = [row for row in team.rows if team.shows_notes_of(row.week.member_id)]
    if shown:
        lines.append("Notes:")
    for row in shown:
        notes = team.notes_of(row.week.member_id)
        if notes is None:
            lines.append(f"  {row.week.name}: not submitted yet")
            continue
        lines.append(f"  {row.week.name}: {notes.status_words}")
        for label, text in zip(("Wins", "Risks", "Asks"), notes.texts(), strict=True):
            first, *more = text.splitlines() or ["-"]
            lines.append(f"    {label}: {first}")
            lines.extend(f"      {line}" for line in more)
    return lines


# ---------- JSON -------------------------------------------------------------------------------


def week_record(csm: CsmWeek) -> dict[str, Any]:
    """A CSM's week as plain data: the figures, then what is behind them."""
    calls = csm.calls
    return {
        "member_id": csm.member_id,
        "name": csm.name,
        **_week_dates(csm.week, csm.today, csm.as_of),
        "figures": asdict(csm.figures),
        "touches": _tally(csm.touches),
        "calls": {
            "done": calls.done,
            "target": calls.target,
            "weekly_target": calls.weekly_target,
            "expected": calls.expected,
            "behind": calls.behind,
            "workdays": calls.workdays,
            "elapsed": calls.elapsed,
        },
        "coverage": {
            "touched": csm.coverage.touched,
            "book": csm.coverage.book,
            "percent": csm.coverage.percent,
        },
        "overdue": [
            {
                "account_id": item.account_id,
                "account": item.account_name,
                "kind": item.kind,
                "label": item.label,
                "due_on": item.due_on.isoformat(),
                "snoozed_until": _day(item.snoozed_until),
            }
            for item in csm.overdue
        ],
        "movers": [
            {
                "account_id": move.account_id,
                "account": move.account_name,
                "movement": move.movement.value,
                "from_band": move.from_band.value,
                "to_band": move.to_band.value,
                "from_score": move.from_score,
                "to_score": move.to_score,
                "path": move.path,
                "component": None if move.component is None else move.component.words,
            }
            for move in csm.movers
        ],
        "escalations": [
            {
                "id": line.id,
                "account_id": line.account_id,
                "account": line.account_name,
                "reason": line.reason,
                "level": line.level,
                "status": line.status.value,
                "steps": [
                    {
                        "kind": step.kind.value,
                        "at": step.at.isoformat(),
                        "from_level": step.from_level,
                        "to_level": step.to_level,
                    }
                    for step in line.steps
                ],
                "lessons_learned": line.lessons_learned,
                "breached": line.breached,
                "breached_since": _day(line.breached_since),
            }
            for line in csm.escalations.lines
        ],
        "milestones": {
            "done": [_change(c) for c in csm.milestones.done],
            "slipped": [_change(c) for c in csm.milestones.slipped],
            "moved": [_change(c) for c in csm.milestones.moved],
        },
        "renewals": [
            {
                "account_id": line.account_id,
                "account": line.account_name,
                "arr_cents": line.arr_cents,
                "renewal_date": line.renewal_date.isoformat(),
                "days_left": line.days_left,
                "score": line.score,
                "band": line.band.value,
                "asked_on": _day(line.asked_on),
                "at_risk": line.at_risk,
            }
            for line in csm.renewals
        ],
        "red_without_plan": [
            {
                "account_id": red.account_id,
                "account": red.account_name,
                "arr_cents": red.arr_cents,
                "score": red.score,
            }
            for red in csm.red_without_plan
        ],
    }


def team_record(team: TeamWeek) -> dict[str, Any]:
    """The team's week as plain data: a record per CSM in the table's order, and the totals."""
    whose = team.whose
    return {
        "team": team.title,
        "manager": None
        if whose is None
        else {"member_id": whose.id, "name": whose.name, "email": whose.email},
        **_week_dates(team.week, team.today, team.as_of),
        "behind": team.behind,
        "needing": len(team.needing),
        "totals": asdict(team.totals),
        "touches": _tally(team.touches),
        "csms": [
            {
                "member_id": row.week.member_id,
                "name": row.week.name,
                "figures": asdict(row.figures),
                "reasons": [
                    {"kind": reason.kind.value, "count": reason.count, "words": reason.words}
                    for reason in row.reasons
                ],
                "why": row.why,
                "notes_status": _notes_status(team, row.week.member_id),
                "notes": _notes(team.notes_of(row.week.member_id)),
            }
            for row in team.rows
        ],
    }


def _notes_status(team: TeamWeek, member_id: str) -> str | None:
    """'submitted', 'not-submitted', 'for-their-manager' (a peer's, to a CSM), or None (the
    notes were not read)."""
    if team.notes is None:
        return None
    if not team.shows_notes_of(member_id):
        return "for-their-manager"
    return "submitted" if team.notes_of(member_id) is not None else "not-submitted"


def _notes(notes: WeekNotes | None) -> dict[str, Any] | None:
    if notes is None or notes.submitted_at is None:
        return None
    return {
        "wins": notes.wins,
        "risks": notes.risks,
        "asks": notes.asks,
        "submitted_at": notes.submitted_at.isoformat(),
    }


def _week_dates(week: IsoWeek, today: date, as_of: date) -> dict[str, Any]:
    return {
        "week": str(week),
        "monday": week.monday.isoformat(),
        "sunday": week.sunday.isoformat(),
        "today": today.isoformat(),
        "as_of": as_of.isoformat(),
    }


def _tally(touches: TouchTally) -> dict[str, Any]:
    return {
        "total": touches.total,
        "by_kind": {kind.value: n for kind, n in touches.by_kind},
        "by_day": {day.isoformat(): n for day, n in touches.by_day},
    }


def _change(change: MilestoneChange) -> dict[str, Any]:
    return {
        "milestone_id": change.milestone_id,
        "account_id": change.account_id,
        "account": change.account_name,
        "title": change.title,
        "on": change.on.isoformat(),
        "due_on": _day(change.due_on),
        "to_on": _day(change.to_on),
    }


def _day(day: date | None) -> str | None:
    return None if day is None else day.isoformat()
