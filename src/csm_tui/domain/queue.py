"""One line of the morning triage queue: a scheduled touch with what a CSM needs to rank it.

The stored schedule (`PlannedTouch`) holds only what stays the same from one day to the next:
the due date, the reason up to it, and the values its urgency reads. How late an item is, its
urgency and whether it is pinned are worked out for the day the queue is read (`PlannedTouch.on`)
exactly as the engine works them out, so the stored schedule stays true as days pass and is
recomputed only when something it was computed from changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from csm_tui.domain.decision import Candidate, Decision, Status
from csm_tui.domain.engine import reason_on, reason_stem
from csm_tui.domain.rulebook import UrgencyCoefficients
from csm_tui.domain.urgency import Urgency, item_terms, shared_terms


@dataclass(frozen=True, slots=True)
class QueueItem:
    account_id: str  # canonical UUID text
    external_id: str | None
    account_name: str
    owner_name: str | None
    owner_email: str | None
    segment: str  # csm_tui.domain.enums.Segment value
    priority: str  # Priority value the rules derive (a red account is PR1): what lists show
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
    #: The priority stored on the account when the rules derive another; None when they agree.
    assigned_priority: str | None = None
    #: The account's other items due, ranked, when the queue shows one row per account
    #: (`domain.triage.by_account`): "+ NPS survey, Yearly EBR".
    others: tuple[QueueItem, ...] = ()
    #: The day of a meeting booked for it: it waits for that day, then asks to be logged.
    booked_for: date | None = None

    @property
    def arr(self) -> float:
        return self.arr_cents / 100

    @property
    def priority_words(self) -> str:
        """'PR1', or 'PR1*' when the rules derived it (a red account assigned PR2)."""
        return self.priority.upper() + ("*" if self.assigned_priority is not None else "")


#: What the stored schedule keeps of each item, in this order (`Plan.touches`).
TOUCH_FIELDS = (
    "kind",
    "due_on",
    "rule_id",
    "label",
    "latest_on",
    "snoozed_until",
    "snooze_reason",
    "reason",
    "pin_rule",
    "booked_for",
)
#: What it keeps once of the account as a whole, in this order (`Plan.account`).
ACCOUNT_FIELDS = (
    "band",
    "effective_priority",
    "escalation_level",
    "breach_at",
    "pin_always",
    "last_touch_on",
)


class Plan(NamedTuple):
    """What the schedule keeps of a decision (`plan_of`): what stays the same from day to day."""

    account: tuple[Any, ...]  # ACCOUNT_FIELDS: what every item's urgency reads of the account
    touches: frozenset[tuple[Any, ...]]  # TOUCH_FIELDS, one tuple per open item


def stored_candidates(decision: Decision) -> dict[str, Candidate]:
    """The candidates the schedule keeps, one per kind.

    `Decision.per_kind` keeps the earliest open candidate of each kind; should the engine pick
    as next a later one of the same kind, that one is kept instead so that it is shown.
    """
    chosen = decision.per_kind()
    chosen_next = decision.next
    if chosen_next is not None and chosen_next.is_open:
        kept = chosen.get(chosen_next.kind)
        if kept is not chosen_next and kept != chosen_next:
            chosen[chosen_next.kind] = chosen_next
    return chosen


def plan_of(decision: Decision) -> Plan:
    """What the schedule keeps of a decision. Until `decision.valid_until` deciding again gives
    the same."""
    today = decision.today
    pin_rule_id = decision.pin_rule_id
    return Plan(
        account=(
            decision.band,
            decision.priority,
            decision.escalation_level,
            decision.breach_at,
            decision.pin_always,
            decision.last_touch,
        ),
        touches=frozenset(
            (
                kind,
                candidate.due or today,
                candidate.rule_id,
                candidate.label,
                candidate.latest,
                candidate.snoozed_until,
                candidate.snooze_reason,
                reason_stem(candidate, today),
                candidate.rule_id == pin_rule_id,
                candidate.booked_for,
            )
            for kind, candidate in stored_candidates(decision).items()
        ),
    )


@dataclass(frozen=True, slots=True)
class PlannedTouch:
    """One stored item of an account's schedule, beside the account's own columns."""

    account_id: str  # canonical UUID text
    external_id: str | None
    account_name: str
    owner_name: str | None
    owner_email: str | None
    segment: str
    priority: str  # as stored on the account
    arr_cents: int
    health_score: int | None
    renewal_date: date | None
    kind: str
    label: str
    due_on: date
    latest_on: date | None
    rule_id: str
    reason: str  # the engine's reason up to the due date (`engine.reason_stem`)
    snoozed_until: date | None
    snooze_reason: str | None
    band: str  # the account's health band under the rules in force
    effective_priority: str  # after the derive rules (a red account is PR1)
    escalation_level: int | None  # its highest open escalation
    breach_at: date | None  # an open escalation's SLA is breached after this day
    pin_always: bool  # an open escalation's level pins the escalation follow-ups (L5)
    pin_rule: bool  # this item is one a pin puts on top (an escalation follow-up)
    last_touch_on: date | None
    booked_for: date | None = None  # a meeting booked for it: it waits for that day

    def on(
        self, today: date, coefficients: UrgencyCoefficients, memo: dict[Any, Any] | None = None
    ) -> QueueItem:
        """The queue line as of `today`: what `Decision.urgency` and the engine's reason say
        on that day. `memo` shares equal terms, and equal values, between the lines of one
        read: a team's queue repeats a few thousand reasons and urgencies over a hundred
        thousand lines (benchmarks: team peak RSS)."""
        one = memo if memo is not None else {}
        late = (today - self.due_on).days
        breached = self.breach_at is not None and today > self.breach_at
        urgency = Urgency(
            (
                *item_terms(
                    self.kind, self.label, self.due_on, self.snoozed_until, coefficients, today, one
                ),
                *shared_terms(
                    coefficients,
                    today,
                    band=self.band,
                    priority=self.effective_priority,
                    assigned=self.priority,
                    score=self.health_score,
                    renewal_date=self.renewal_date,
                    arr_cents=self.arr_cents,
                    escalation_level=self.escalation_level,
                    breached_since=self.breach_at if breached else None,
                    last_touch=self.last_touch_on,
                    memo=one,
                ),
            )
        )
        total = urgency.total
        reason_key = ("reason", self.reason, self.due_on)
        explanation = one.get(reason_key)
        if explanation is None:
            explanation = one[reason_key] = reason_on(self.reason, self.due_on, today)
        return QueueItem(
            account_id=self.account_id,
            external_id=self.external_id,
            account_name=self.account_name,
            owner_name=self.owner_name,
            owner_email=self.owner_email,
            segment=self.segment,
            priority=self.effective_priority,
            arr_cents=self.arr_cents,
            health_score=self.health_score,
            renewal_date=self.renewal_date,
            kind=self.kind,
            label=self.label,
            due_on=self.due_on,
            latest_on=self.latest_on,
            overdue_days=one.setdefault(("days", late), max(late, 0)),
            rule_id=self.rule_id,
            urgency=one.setdefault(("urgency", total), total),
            pinned=self.pin_rule and (self.pin_always or breached),
            status=(
                Status.OVERDUE if late > 0 else Status.DUE if late == 0 else Status.UPCOMING
            ).value,
            explanation=explanation,
            snoozed_until=self.snoozed_until,
            snooze_reason=self.snooze_reason,
            assigned_priority=None if self.priority == self.effective_priority else self.priority,
            booked_for=self.booked_for,
        )
