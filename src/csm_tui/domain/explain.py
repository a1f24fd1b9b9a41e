"""A decision in words (for `csm rules explain` and the screens) and as JSON-ready dicts."""

from __future__ import annotations

from datetime import date
from typing import Any

from csm_tui.domain.decision import Candidate, Decision, Status
from csm_tui.domain.urgency import Urgency
from csm_tui.domain.wording import days_from, due_note

_MARK = {
    Status.OVERDUE: "OVERDUE",
    Status.DUE: "DUE",
    Status.UPCOMING: "later",
    Status.SATISFIED: "done",
    Status.SKIPPED: "skip",
}


def due_words(candidate: Candidate, today: date) -> str:
    """'3d overdue', 'today', 'in 5d', as the triage queue shows it."""
    if candidate.due is None:
        return ""
    return due_note(days_from(today, candidate.due))


def in_sentence(label: str) -> str:
    """A label as it reads inside a sentence: 'Cadence call' -> 'cadence call', while 'EBR',
    'NPS survey' and 'Escalation follow-up (L1)' keep their capitals where they matter."""
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


def next_words(decision: Decision | None, today: date) -> str:
    """'Next: cadence call due 2026-11-30 (in 7d).', as a message after a change says it."""
    chosen = None if decision is None else decision.next
    if chosen is None or chosen.due is None:
        return "Nothing else is scheduled."
    return f"Next: {in_sentence(chosen.label)} due {chosen.due} ({due_words(chosen, today)})."


def urgency_lines(urgency: Urgency) -> list[str]:
    """`task info` style: one line per term, then the total."""
    lines = [
        f"{term.name:<22} {term.value:5.3f} x {term.coefficient:5.1f} = {term.points:6.2f}"
        f"   {term.note}"
        for term in urgency.terms
    ]
    lines.append(
        f"{'urgency':<22} {'':>21}{urgency.total:6.2f}"
        + (f"   pinned: {urgency.pin_reason}" if urgency.pinned else "")
    )
    return lines


def explain_text(
    decision: Decision, *, name: str, external_id: str | None, rules_version: str, rules_source: str
) -> str:
    today = decision.today
    header = f"{name} ({external_id})" if external_id else name
    lines = [f"{header} as of {today:%a %Y-%m-%d}, rules {rules_version} ({rules_source})"]
    lines.append(f"  health band {decision.band}, priority {decision.priority.upper()}")
    for derivation in decision.derived:
        lines.append(
            f"  {derivation.fact} {derivation.before.upper()} -> {derivation.after.upper()} "
            f"[{derivation.rule_id}]: {derivation.why}"
        )
    if decision.next is not None:
        lines += ["", f"NEXT  {decision.next.reason}  [{decision.next.rule_id}]"]
        lines += [f"      {line}" for line in urgency_lines(decision.urgency(decision.next))]
    lines += ["", "Every rule that applied:"]
    for candidate in decision.candidates:
        lines.append(f"  {_MARK[candidate.status]:<8} {candidate.rule_id:<30} {candidate.reason}")
        lines += [f"  {'':<8} {'':<30}   {step}" for step in candidate.steps]
    return "\n".join(lines)


def candidate_dict(candidate: Candidate, decision: Decision) -> dict[str, Any]:
    urgency = decision.urgency(candidate)
    return {
        "rule_id": candidate.rule_id,
        "kind": candidate.kind,
        "label": candidate.label,
        "status": candidate.status.value,
        "due_date": candidate.due.isoformat() if candidate.due else None,
        "latest_date": candidate.latest.isoformat() if candidate.latest else None,
        "overdue_days": candidate.overdue_days,
        "due": due_words(candidate, decision.today),
        "explanation": candidate.reason,
        "inputs": dict(candidate.inputs),
        "steps": list(candidate.steps),
        "snoozed_until": candidate.snoozed_until.isoformat() if candidate.snoozed_until else None,
        "snooze_reason": candidate.snooze_reason,
        "urgency": urgency.total,
        "pinned": urgency.pinned,
        "pin_reason": urgency.pin_reason,
        "urgency_terms": [
            {
                "name": t.name,
                "value": t.value,
                "coefficient": t.coefficient,
                "points": round(t.points, 3),
                "note": t.note,
            }
            for t in urgency.terms
        ],
    }


def decision_dict(
    decision: Decision, *, name: str, external_id: str | None, rules_version: str, rules_sha256: str
) -> dict[str, Any]:
    return {
        "account_external_id": external_id,
        "account_name": name,
        "today": decision.today.isoformat(),
        "rules_version": rules_version,
        "rules_sha256": rules_sha256,
        "health_band": decision.band,
        "priority": decision.priority,
        "derived": [
            {
                "rule_id": d.rule_id,
                "fact": d.fact,
                "before": d.before,
                "after": d.after,
                "why": d.why,
            }
            for d in decision.derived
        ],
        "next": candidate_dict(decision.next, decision) if decision.next else None,
        "candidates": [candidate_dict(c, decision) for c in decision.candidates],
    }
