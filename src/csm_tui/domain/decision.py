"""What the rules engine decides for one account, with everything needed to explain it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from csm_tui.domain.facts import AccountFacts
from csm_tui.domain.rulebook import UrgencyCoefficients
from csm_tui.domain.urgency import Term, Urgency, shared_terms


class Status(StrEnum):
    OVERDUE = "overdue"
    DUE = "due"  # due today
    UPCOMING = "upcoming"
    SATISFIED = "satisfied"
    SKIPPED = "skipped"

    @property
    def is_open(self) -> bool:
        return self in OPEN


#: The statuses of an item still owed (a plain set: the engine asks this of every candidate).
OPEN = frozenset({Status.OVERDUE, Status.DUE, Status.UPCOMING})


@dataclass(frozen=True, slots=True)
class Derivation:
    rule_id: str
    fact: str
    before: str
    after: str
    why: str


@dataclass(frozen=True, slots=True)
class Candidate:
    """One touch a rule asks for, open or not, and how the rule got there."""

    rule_id: str
    kind: str  # the touch kind that satisfies it (or "milestone")
    label: str  # what a person calls it: "Cadence call", "Renewal question"
    status: Status
    reason: str  # one readable line: why it is due when it is, or why it is not open
    due: date | None = None
    latest: date | None = None  # the outer bound, past which it is late
    overdue_days: int = 0
    inputs: dict[str, str] = field(default_factory=dict)
    steps: tuple[str, ...] = ()
    snoozed_until: date | None = None
    snooze_reason: str | None = None
    #: The day of a meeting booked for it (`facts.Booking`): it waits for that day.
    booked_for: date | None = None
    #: Its own urgency terms (how late it is, snoozed); `Decision.urgency` adds the account's.
    terms: tuple[Term, ...] = ()
    #: An open item's reason up to its due date, without the words that change with the day
    #: (`engine.reason_stem`): what the stored schedule keeps.
    stem: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


@dataclass(frozen=True, slots=True)
class Decision:
    account_id: str
    today: date
    band: str  # health band after the bands of the rules file
    priority: str  # effective priority, after derive rules
    derived: tuple[Derivation, ...]
    candidates: tuple[Candidate, ...]  # every rule that applied, open or not, in file order
    next: Candidate | None
    #: (rule id, why) when that rule's items are pinned on top: an L5 or a breached escalation.
    pin: tuple[str, str] | None = None
    #: What the urgency reads that stays the same from day to day, kept so that a stored
    #: schedule can rank its items as of a later day (`domain.queue.PlannedTouch.on`): the last
    #: touch, the highest open escalation level, the first day past an escalation's SLA
    #: (breached after it), whether an open escalation's level pins its follow-ups (L5) and
    #: the rule whose items a pin puts on top.
    last_touch: date | None = None
    escalation_level: int | None = None
    breach_at: date | None = None
    pin_always: bool = False
    pin_rule_id: str | None = None
    #: The first later day on which deciding again on the same facts may give another plan
    #: (a window opens, a snooze ends, an SLA is breached, an item due now moves); None when
    #: only a change of the facts or of the rules can. The bulk recompute of a new day decides
    #: again only the accounts whose plan has run out.
    valid_until: date | None = None
    #: What it was decided from, and the rules file's urgency coefficients: the terms the
    #: account's open items share (`shared`) are worked out from them when asked for (a bulk
    #: recompute keeps only the plan, and never asks). None: a decision made by hand.
    facts: AccountFacts | None = field(default=None, repr=False)
    coefficients: UrgencyCoefficients | None = field(default=None, repr=False)

    def urgency(self, candidate: Candidate) -> Urgency:
        """How urgent an open item is: its own terms, then the account's; nothing if not open.

        Kept apart from the candidate so that equal candidates of different accounts (a book
        has thousands of accounts due on the same day for the same reason) are one object.
        """
        if not candidate.is_open:
            return Urgency()
        why = self.pin[1] if self.pin is not None and self.pin[0] == candidate.rule_id else None
        return Urgency((*candidate.terms, *self.shared), why is not None, why)

    @property
    def shared(self) -> tuple[Term, ...]:
        """The urgency terms every open item of the account shares (health, priority,
        renewal...), as `domain.queue.PlannedTouch.on` works them out from the stored plan."""
        facts, breach_at = self.facts, self.breach_at
        if facts is None or self.coefficients is None:
            return ()
        return shared_terms(
            self.coefficients,
            self.today,
            band=self.band,
            priority=self.priority,
            assigned=facts.priority,
            score=facts.health_score,
            renewal_date=facts.renewal_date,
            arr_cents=facts.arr_cents,
            escalation_level=self.escalation_level,
            breached_since=breach_at if breach_at is not None and self.today > breach_at else None,
            last_touch=self.last_touch,
        )

    @property
    def open(self) -> tuple[Candidate, ...]:
        return tuple(candidate for candidate in self.candidates if candidate.is_open)

    def per_kind(self) -> dict[str, Candidate]:
        """The earliest open candidate of each kind: what `scheduled_touch` stores."""
        chosen: dict[str, Candidate] = {}
        today = self.today
        for candidate in self.candidates:  # every account's, in a bulk recompute: one pass
            if candidate.status in OPEN:
                current = chosen.get(candidate.kind)
                if current is None or (candidate.due or today) < (current.due or today):
                    chosen[candidate.kind] = candidate
        return chosen
