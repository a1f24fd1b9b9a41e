"""What the escalation ladder shows: one open (or closed) escalation per row, and one in full.

Plain values read by `store.escalations`; what they mean on a day (the SLA's countdown, days
at the level, breached) is `domain.ladder`'s, worked out for the `now` they are shown at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class LadderRow:
    """One escalation on the ladder, with what a CSM weighs it by."""

    id: str
    account_id: str
    external_id: str | None
    account_name: str
    owner_name: str | None  # the escalation's owner (the CSM who opened it)
    owner_email: str | None
    arr_cents: int
    renewal_date: date | None
    level: int
    status: str  # `domain.enums.EscalationStatus` value
    reason: str
    risk_category: str
    opened_at: datetime  # UTC
    level_since: datetime  # UTC: the last step that moved the level (the SLA clock's start)
    last_follow_up: date | None  # the last escalation call since then
    closed_at: datetime | None = None
    resolved_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class EventLine:
    """One step of an escalation's history, with who took it."""

    id: str
    kind: str  # `domain.ladder.EventKind` value
    from_level: int | None
    to_level: int
    occurred_at: datetime  # UTC
    actor_name: str | None
    why: str


@dataclass(frozen=True, slots=True)
class PersonLine:
    """Someone of the account's side: a contact, with the role that matters here."""

    name: str
    title: str | None
    role: str | None
    email: str | None


@dataclass(frozen=True, slots=True)
class RecoveryPlanLine:
    id: str
    escalation_id: str | None
    objectives: str
    quick_wins: str
    stakeholder_plan: str
    success_metrics: str
    started_on: date
    ended_on: date | None
    check_ins: tuple[date, ...]  # the days a touch was logged on the account since it started


@dataclass(frozen=True, slots=True)
class EscalationView:
    """One escalation in full: the row, its history, the people, the recovery plans."""

    row: LadderRow
    resolution: str | None
    lessons_learned: str | None
    process_changed: bool | None
    events: tuple[EventLine, ...]
    contacts: tuple[PersonLine, ...]
    plans: tuple[RecoveryPlanLine, ...]
    legacy_plan: str | None = None  # a recovery plan written as notes (older books)
