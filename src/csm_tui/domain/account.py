"""The read-only summary of one account, as the book-of-business screen opens it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from csm_tui.domain.book import AccountRow
from csm_tui.domain.enums import Persona, RiskCategory, Sentiment, TouchKind


@dataclass(frozen=True, slots=True)
class AccountName:
    """What the command palette matches an account by."""

    id: str
    name: str
    external_id: str | None
    owner_name: str | None


@dataclass(frozen=True, slots=True)
class ContactLine:
    name: str
    title: str | None
    persona: Persona | None
    email: str | None
    is_primary: bool


@dataclass(frozen=True, slots=True)
class TouchLine:
    occurred_on: date
    kind: TouchKind
    summary: str
    sentiment: Sentiment | None
    owner_name: str | None


@dataclass(frozen=True, slots=True)
class EscalationLine:
    level: int
    reason: str
    risk_category: RiskCategory
    opened_on: date


@dataclass(frozen=True, slots=True)
class AccountSummary:
    row: AccountRow
    ae: str | None
    contract_start: date | None
    go_live_date: date | None
    components: dict[str, int | None]
    risks: tuple[RiskCategory, ...]
    contacts: tuple[ContactLine, ...] = ()
    recent_touches: tuple[TouchLine, ...] = ()
    open_escalations: tuple[EscalationLine, ...] = ()
    health_history: tuple[tuple[date, int], ...] = field(default=())
