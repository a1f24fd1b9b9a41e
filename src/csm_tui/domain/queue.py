"""One line of the morning triage queue: a scheduled touch with what a CSM needs to rank it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class QueueItem:
    account_id: str  # canonical UUID text
    external_id: str | None
    account_name: str
    owner_name: str | None
    owner_email: str | None
    segment: str  # csm_tui.domain.enums.Segment value
    priority: str  # Priority value, as stored on the account
    arr_cents: int
    health_score: int | None
    renewal_date: date | None
    kind: str  # the touch kind (csm_tui.domain.enums.TouchKind value, or "milestone")
    label: str  # "Cadence call", "Renewal question"
    due_on: date
    latest_on: date | None  # past this day the touch is late
    overdue_days: int
    rule_id: str
    urgency: float
    pinned: bool  # pinned to the top (an SLA breach, a red account...)
    status: str  # csm_tui.domain.decision.Status value: overdue, due, upcoming
    explanation: str  # one readable line: why it is due when it is
    snoozed_until: date | None
    snooze_reason: str | None
    is_next: bool  # the engine's chosen next touch of the account

    @property
    def arr(self) -> float:
        return self.arr_cents / 100
