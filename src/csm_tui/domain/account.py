"""Everything the account screen shows about one customer, as plain values.

The store reads an `AccountDetail` in one transaction; the screen derives its lines (the last
health change, the success-plan progress, the open escalation) from it with the functions here,
so that what they say is tested without a terminal.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from operator import itemgetter

from csm_tui.domain.calendar import Duration
from csm_tui.domain.enums import (
    EscalationStatus,
    LifecycleStage,
    MilestoneStatus,
    Persona,
    Priority,
    RiskCategory,
    Segment,
    Sentiment,
    TouchKind,
)
from csm_tui.domain.health import BandThresholds, HealthBand, HealthWeights
from csm_tui.domain.success_plan import PlanLine, PlanStatus, effective_status, risks
from csm_tui.domain.wording import relative_day


@dataclass(frozen=True, slots=True)
class AccountName:
    """What the command palette matches an account by."""

    id: str
    name: str
    external_id: str | None
    owner_name: str | None
    owner_email: str | None = None


@dataclass(frozen=True, slots=True)
class Profile:
    id: str
    external_id: str | None
    name: str
    segment: Segment
    priority: Priority
    arr_cents: int
    owner_name: str | None
    ae: str | None
    lifecycle_stage: LifecycleStage | None
    contract_start: date | None
    renewal_date: date | None
    go_live_date: date | None

    def days_to_renewal(self, today: date) -> int | None:
        return None if self.renewal_date is None else (self.renewal_date - today).days


COMPONENTS = ("engagement", "success", "satisfaction", "financial")


@dataclass(frozen=True, slots=True)
class Components:
    """The four parts of the health score (seeds 004), each 0-100; None where never measured."""

    engagement: int | None = None
    success: int | None = None
    satisfaction: int | None = None
    financial: int | None = None

    def items(self) -> tuple[tuple[str, int | None], ...]:
        return tuple((name, getattr(self, name)) for name in COMPONENTS)

    @property
    def complete(self) -> bool:
        return all(value is not None for _, value in self.items())

    def score(self, weights: HealthWeights) -> int | None:
        """The weighted score, when all four are known."""
        engagement, success, satisfaction, financial = (
            self.engagement,
            self.success,
            self.satisfaction,
            self.financial,
        )
        if engagement is None or success is None or satisfaction is None or financial is None:
            return None
        return weights.score(engagement, success, satisfaction, financial)


@dataclass(frozen=True, slots=True)
class ScoreChange:
    """The last time the score moved: on which day, from what to what."""

    on: date
    before: int
    after: int

    def words(self, bands: BandThresholds) -> str:
        """'2026-11-20: 72 → 55 (yellow → red)', the band part only when it changed."""
        line = f"{self.on}: {self.before} → {self.after}"
        old, new = bands.band(self.before), bands.band(self.after)
        return line + (f" ({old.value} → {new.value})" if old is not new else "")


@dataclass(frozen=True, slots=True)
class Health:
    score: int | None
    components: Components
    history: tuple[tuple[date, int], ...]  # the snapshots of the trend window, oldest first
    risks: frozenset[RiskCategory]

    def band(self, bands: BandThresholds) -> HealthBand:
        return bands.band(self.score)

    def last_change(self, today: date) -> ScoreChange | None:
        """The latest move of the score on record; a current score that differs from the last
        snapshot (set without one, by an import) counts as a move today."""
        points = list(self.history)
        if self.score is not None and points and points[-1][1] != self.score:
            return ScoreChange(today, points[-1][1], self.score)
        for index in range(len(points) - 1, 0, -1):
            if points[index][1] != points[index - 1][1]:
                return ScoreChange(points[index][0], points[index - 1][1], points[index][1])
        return None


# Who counts as a "primary customer contact, like a customer decision-maker or
# adoption-champion" (seeds 001, company risk) when they leave.
KEY_PERSONAS = frozenset({Persona.CHAMPION, Persona.ECONOMIC_BUYER, Persona.EXECUTIVE_SPONSOR})
DECIDES = 5  # the top of the 1-5 influence scale


@dataclass(frozen=True, slots=True)
class ContactLine:
    id: str
    name: str
    title: str | None = None
    email: str | None = None
    phone: str | None = None
    persona: Persona | None = None
    influence: int | None = None  # 1 (low) to 5 (decides)
    reports_to_id: str | None = None
    is_primary: bool = False
    left_company: bool = False

    @property
    def is_key(self) -> bool:
        """A departure of this person is a company risk (seeds 001)."""
        return self.is_primary or self.persona in KEY_PERSONAS or (self.influence or 0) >= DECIDES


@dataclass(frozen=True, slots=True)
class ActionItemLine:
    id: str
    title: str
    owner: str | None
    due_on: date | None
    done_on: date | None

    @property
    def done(self) -> bool:
        return self.done_on is not None


@dataclass(frozen=True, slots=True)
class TouchLine:
    id: str
    occurred_on: date
    kind: TouchKind
    summary: str
    notes: str | None = None
    sentiment: Sentiment | None = None
    owner_name: str | None = None
    attendees: tuple[str, ...] = ()  # their names
    action_items: tuple[ActionItemLine, ...] = ()
    attendee_ids: tuple[str, ...] = ()  # the same people, for the form that edits the touch

    @property
    def open_items(self) -> int:
        return sum(not item.done for item in self.action_items)


@dataclass(frozen=True, slots=True)
class TimelineFilter:
    """The timeline's two filters; None lets everything through."""

    kind: TouchKind | None = None
    sentiment: Sentiment | None = None

    def matches(self, touch: TouchLine) -> bool:
        return (self.kind is None or touch.kind is self.kind) and (
            self.sentiment is None or touch.sentiment is self.sentiment
        )


@dataclass(frozen=True, slots=True)
class EscalationLine:
    id: str
    level: int
    status: EscalationStatus
    reason: str
    risk_category: RiskCategory
    opened_on: date
    sla_due_on: date | None = None
    closed_on: date | None = None
    recovery_plan: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status is EscalationStatus.OPEN


@dataclass(frozen=True, slots=True)
class AccountDetail:
    profile: Profile
    health: Health
    contacts: tuple[ContactLine, ...] = ()
    touches: tuple[TouchLine, ...] = ()  # newest first
    escalations: tuple[EscalationLine, ...] = ()  # open ones first, highest level first
    plans: tuple[PlanLine, ...] = ()  # the newest first

    @property
    def open_escalation(self) -> EscalationLine | None:
        return next((e for e in self.escalations if e.is_open), None)

    @property
    def last_touch(self) -> TouchLine | None:
        return self.touches[0] if self.touches else None


def escalation_line(escalation: EscalationLine | None, today: date) -> str:
    """The overview's one line on the open escalation."""
    if escalation is None:
        return "none open"
    line = f"L{escalation.level} {escalation.risk_category.label.lower()}: {escalation.reason}"
    if escalation.sla_due_on is not None:
        days = (escalation.sla_due_on - today).days
        when = f"breached {-days}d ago" if days < 0 else relative_day(days)
        line += f" · SLA {escalation.sla_due_on} ({when})"
    return line


def plan_progress(plans: tuple[PlanLine, ...], today: date) -> str:
    """The overview's one line on the success plan: milestones done, in trouble, and next."""
    active = [plan for plan in plans if plan.status is PlanStatus.ACTIVE] or list(plans)
    if not active:
        return "no success plan yet"
    milestones = [m for plan in active for m in plan.milestones]
    title = active[0].title if len(active) == 1 else f"{len(active)} plans"
    if not milestones:
        return f"{title}: no milestones yet"
    by_status = Counter(effective_status(m, today) for m in milestones)
    parts = [f"{by_status[MilestoneStatus.DONE]} of {len(milestones)} milestones done"]
    parts += [
        f"{by_status[status]} {status.label.lower()}"
        for status in (MilestoneStatus.SLIPPED, MilestoneStatus.BLOCKED)
        if by_status[status]
    ]
    upcoming = [
        (m.due_on, m.title)
        for m in milestones
        if m.status is not MilestoneStatus.DONE and m.due_on is not None
    ]
    line = f"{title}: {', '.join(parts)}"
    if upcoming:
        due, name = min(upcoming, key=itemgetter(0))  # the first listed of the earliest
        days = (due - today).days
        late = f"{-days}d late" if days < 0 else relative_day(days)
        line += f" · next: {name} {due} ({late})"
    return line


def plan_risk(plans: tuple[PlanLine, ...], today: date, every: Duration) -> str | None:
    """The account's success risk flag in words (None: lowered): what puts its active plans
    at risk, as the rules engine reads it (`domain.success_plan.risks`)."""
    reasons = [
        f"{plan.title}: {reason}" if len(plans) > 1 else reason
        for plan in plans
        for reason in risks(plan, today, every)
    ]
    return "; ".join(reasons) if reasons else None
