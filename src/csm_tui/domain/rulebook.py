"""The rules file once read and validated: plain frozen values the engine can trust.

`domain.rules_file` builds a `Rulebook` from TOML text; nothing here parses or reads files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from csm_tui.domain.calendar import Duration, WorkCalendar
from csm_tui.domain.enums import LifecycleStage, Priority, Segment, TouchKind
from csm_tui.domain.health import BandThresholds, HealthWeights, ScoreRange

#: A scheduled item that is not a touch: a success-plan milestone coming due.
MILESTONE_KIND = "milestone"
#: Nor is this one: an active success plan at risk, to review with the customer.
PLAN_KIND = "success-plan"
#: Items done in the success plan, not by logging a touch.
PLAN_ITEM_KINDS = (MILESTONE_KIND, PLAN_KIND)

#: What a scheduled item can be: any touch kind, a milestone, or a plan at risk.
SCHEDULED_KINDS: tuple[str, ...] = (*(kind.value for kind in TouchKind), *PLAN_ITEM_KINDS)

#: The urgency each kind of item adds (`[urgency.kind]`); a kind not named adds nothing.
KIND_WEIGHTS: Mapping[str, float] = {
    "escalation-call": 6.0,
    "health-assessment": 6.0,
    "recovery-plan": 5.0,
    "renewal-call": 5.0,
    "onboarding-review": 3.0,
    "milestone": 2.0,
    "success-plan": 2.0,
    "cadence-call": 1.0,
    "ebr": 1.0,
    "nps-survey": 0.0,
}

BANDS = ("green", "yellow", "red", "unknown")


@dataclass(frozen=True, slots=True)
class FactSpec:
    """A fact a `when` table may test: its type and, for a closed set, the allowed values."""

    name: str
    numeric: bool = False
    values: tuple[str, ...] = ()
    parse: Any = None  # str -> canonical value, raising ValueError (Choice.parse)


FACTS: Mapping[str, FactSpec] = {
    spec.name: spec
    for spec in (
        FactSpec("segment", values=tuple(m.value for m in Segment), parse=Segment.parse),
        FactSpec("priority", values=tuple(m.value for m in Priority), parse=Priority.parse),
        FactSpec("health_band", values=BANDS),
        FactSpec(
            "lifecycle_stage",
            values=tuple(m.value for m in LifecycleStage),
            parse=LifecycleStage.parse,
        ),
        FactSpec("arr", numeric=True),
        FactSpec("health_score", numeric=True),
    )
}

OPERATORS = {
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
}


@dataclass(frozen=True, slots=True)
class Condition:
    """One constraint of a `when` table: membership in a set of values, or a comparison."""

    fact: str
    allowed: frozenset[str] | None = None
    operator: str | None = None
    number: float | None = None

    def holds(self, value: Any) -> bool:
        if self.allowed is not None:
            return value in self.allowed
        if value is None or self.operator is None or self.number is None:
            return False
        return bool(OPERATORS[self.operator](value, self.number))

    def covers(self, other: Condition) -> bool:
        """Whether every value `other` accepts is accepted here (only decidable for sets)."""
        return (
            self.fact == other.fact
            and self.allowed is not None
            and other.allowed is not None
            and other.allowed <= self.allowed
        )

    def describe(self) -> str:
        if self.allowed is not None:
            values = sorted(self.allowed)
            return (
                f"{self.fact} = {values[0]}"
                if len(values) == 1
                else (f"{self.fact} in {', '.join(values)}")
            )
        return f"{self.fact} {self.operator} {self.number:g}"


@dataclass(frozen=True, slots=True)
class When:
    """All conditions must hold; an empty `when` matches every account."""

    conditions: tuple[Condition, ...] = ()

    def matches(self, facts: Mapping[str, Any]) -> bool:
        # A loop, not all(...): the engine's hottest test (benchmarks: reschedule, engine).
        for condition in self.conditions:  # noqa: SIM110
            if not condition.holds(facts.get(condition.fact)):
                return False
        return True

    def covers(self, other: When) -> bool:
        """Whether this row matches every account `other` matches (`other` is hidden by it)."""
        return all(
            any(mine.covers(theirs) for theirs in other.conditions) for mine in self.conditions
        )

    @property
    def is_catch_all(self) -> bool:
        return not self.conditions

    def describe(self) -> str:
        return " and ".join(c.describe() for c in self.conditions) or "every account"


@dataclass(frozen=True, slots=True)
class DeriveRule:
    id: str
    when: When
    priority: str  # the priority it sets
    note: str = ""


@dataclass(frozen=True, slots=True)
class CadenceRow:
    id: str
    when: When
    every: Duration
    latest: Duration | None = None
    label: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Cadence:
    """The routine call: a first-match table, chained from the last touch that resets it."""

    kind: str
    label: str
    satisfied_by: frozenset[str]
    fallback_anchor: str | None
    rows: tuple[CadenceRow, ...]
    #: The facts the rows test: which row matches depends on these alone.
    facts_read: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "facts_read",
            tuple(
                sorted({condition.fact for row in self.rows for condition in row.when.conditions})
            ),
        )


@dataclass(frozen=True, slots=True)
class AnchoredRule:
    """Touches at fixed offsets from a date of the contract; each computed from the anchor."""

    id: str
    kind: str
    label: str
    anchor: str  # an account date field: contract_start, renewal_date, go_live_date
    offsets: tuple[Duration, ...]
    when: When = When()
    latest: Duration | None = None
    done_window: Duration | None = None
    expire_after: Duration | None = None
    satisfied_by: frozenset[str] = frozenset()
    note: str = ""


@dataclass(frozen=True, slots=True)
class RecurringRule:
    """A touch of one kind every so often, chained from the last one."""

    id: str
    kind: str
    label: str
    every: Duration
    when: When = When()
    fallback_anchor: str | None = None
    satisfied_by: frozenset[str] = frozenset()
    note: str = ""


@dataclass(frozen=True, slots=True)
class TriggerRule:
    """A touch owed because the health band changed: due within an SLA of the change."""

    id: str
    kind: str
    label: str
    entered: str  # the band whose entry fires it
    within: Duration
    when: When = When()
    expire_after: Duration | None = None
    satisfied_by: frozenset[str] = frozenset()
    note: str = ""


@dataclass(frozen=True, slots=True)
class EscalationSla:
    level: int
    within: Duration
    latest: Duration | None = None
    pin: bool = False


@dataclass(frozen=True, slots=True)
class EscalationRules:
    id: str
    kind: str
    label: str
    levels: Mapping[int, EscalationSla]
    satisfied_by: frozenset[str]


@dataclass(frozen=True, slots=True)
class MilestoneRules:
    """Open success-plan milestones are due on their own due date; done in the success plan."""

    id: str
    label: str


@dataclass(frozen=True, slots=True)
class SuccessPlanRules:
    """An active success plan at risk asks for a review with the customer: due the day the
    risk began (a milestone slipped or was blocked, a review fell due, an objective went
    unmeasured), satisfied by reviewing the plan. `review_every` is how often a plan is
    reviewed when no date was agreed (the seeds' monthly success-plan update)."""

    id: str
    label: str
    review_every: Duration


#: The seeds' minimum cadence calls a week by the segment of a CSM's book (000: Enterprise 5,
#: Commercial 10, Scale 15). The seeds name no others: a Mid-Market book is run as a Commercial
#: one (PR1/PR2 customers on a monthly-or-so cadence), an SMB book as a Scale one (many small
#: accounts, short calls).
CADENCE_CALLS_PER_WEEK: Mapping[str, int] = {
    "enterprise": 5,
    "commercial": 10,
    "mid-market": 10,
    "smb": 15,
    "scale": 15,
}


@dataclass(frozen=True, slots=True)
class WrapupRules:
    """What the weekly wrap-up measures a week against: the cadence calls a CSM is expected to
    hold in a week by the segment of their book, and how far ahead it lists renewals (the
    seeds' renewal question is asked 3-4 months before: 120 days)."""

    cadence_calls_per_week: Mapping[str, int]
    renewals_within: Duration

    def calls_target(self, segment: str | None) -> int | None:
        """The weekly cadence-call target of a book in `segment`; None for no segment."""
        return None if segment is None else self.cadence_calls_per_week.get(segment)


@dataclass(frozen=True, slots=True)
class SnoozePolicy:
    max: Duration
    applies_to: frozenset[str]
    require_reason: bool = True


@dataclass(frozen=True, slots=True)
class UrgencyCoefficients:
    overdue: float = 12.0
    overdue_ramp_start_days: int = -7
    overdue_ramp_full_days: int = 14
    health_band: Mapping[str, float] = field(
        default_factory=lambda: {"red": 8.0, "yellow": 3.0, "green": 0.0, "unknown": 1.0}
    )
    priority: Mapping[str, float] = field(
        default_factory=lambda: {"pr1": 6.0, "pr2": 3.9, "pr3": 1.8}
    )
    renewal: float = 6.0
    renewal_far_days: int = 180
    renewal_near_days: int = 30
    arr: float = 4.0
    arr_floor: float = 10_000
    arr_cap: float = 1_000_000
    escalation: float = 10.0
    escalation_levels: Mapping[int, float] = field(
        default_factory=lambda: {1: 0.2, 2: 0.4, 3: 0.6, 4: 0.8, 5: 1.0}
    )
    sla_breach: float = 5.0
    staleness: float = 2.0
    staleness_max_days: int = 90
    snoozed: float = -5.0
    #: What kind of item it is: time-critical kinds (an escalation follow-up, a red account's
    #: assessment, the renewal question) outrank routine ones (an NPS survey) at like lateness.
    kind: Mapping[str, float] = field(default_factory=lambda: dict(KIND_WEIGHTS))


@dataclass(frozen=True, slots=True)
class Rulebook:
    source: str  # where it came from, for messages: a path, or "default rules"
    sha256: str  # of the bytes read, so a change of file triggers a recompute
    version: str
    calendar: WorkCalendar
    bands: BandThresholds
    weights: HealthWeights
    derive: tuple[DeriveRule, ...]
    cadence: Cadence
    anchored: tuple[AnchoredRule, ...]
    recurring: tuple[RecurringRule, ...]
    triggers: tuple[TriggerRule, ...]
    escalation: EscalationRules
    milestones: MilestoneRules
    success_plan: SuccessPlanRules
    wrapup: WrapupRules
    snooze: SnoozePolicy
    rank: tuple[str, ...]  # kinds, most important first: breaks ties between equal due dates
    urgency: UrgencyCoefficients
    #: `rank` by kind (the engine asks it of every open item of every account).
    _rank_of: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "_rank_of", {kind: n for n, kind in reversed(list(enumerate(self.rank)))}
        )

    def rank_of(self, kind: str) -> int:
        return self._rank_of.get(kind, len(self.rank))

    @property
    def history_scores(self) -> tuple[ScoreRange | None, ...]:
        """The current scores (None: no score) of the accounts whose health history a decision
        reads: those in a band a trigger fires on entering. Any other account is decided the
        same without its snapshots, so a bulk read leaves theirs out."""
        return tuple(dict.fromkeys(self.bands.scores(rule.entered) for rule in self.triggers))

    def rule_ids(self) -> list[str]:
        ids = [rule.id for rule in self.derive] + [row.id for row in self.cadence.rows]
        ids += [rule.id for rule in self.anchored]
        ids += [rule.id for rule in self.recurring]
        ids += [rule.id for rule in self.triggers]
        return [*ids, self.escalation.id, self.milestones.id, self.success_plan.id]
