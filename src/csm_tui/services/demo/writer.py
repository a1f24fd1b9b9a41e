"""The rows of the demo book: each account's contacts, health history, touches, success plan
and escalations, generated as plain dicts from its `plan.Plan`, in foreign-key order.

One `random.Random` for content and a second one for UUIDs, timestamps as offsets from `today`:
the same seed and day always give the same rows. The success plans have two streams of their
own, so that the rest of the book does not change with them; so do the cadence calls that
keep each CSM at their pace (`_AccountWriter.hold_calls`, `extra_calls`). A plan is made from
its segment's shipped template by the service's own `plan_rows` (as
`Plans.create_from_template` makes it), then worked as its story says (`_PlanWriter`). The
loops over snapshots and touches are the hot ones of a benchmark-sized book.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from typing import Any, TypeVar

from sqlalchemy import Table

from csm_tui.domain.calendar import WorkCalendar
from csm_tui.domain.enums import (
    EscalationStatus,
    LifecycleStage,
    MilestoneStatus,
    ObjectiveKind,
    Persona,
    Priority,
    RiskCategory,
    Role,
    Segment,
    Sentiment,
    TouchKind,
)
from csm_tui.domain.health import DEFAULT_BANDS, DEFAULT_WEIGHTS, HealthBand
from csm_tui.domain.ladder import EventKind
from csm_tui.domain.plan_template import PlanDraft, PlanTemplate, instantiate, parse_template
from csm_tui.domain.success_plan import PlanStatus, parse_value
from csm_tui.models import (
    Account,
    ActionItem,
    AppMeta,
    Contact,
    Escalation,
    EscalationEvent,
    HealthSnapshot,
    Milestone,
    Objective,
    SuccessPlan,
    TeamMember,
    Touchpoint,
    TouchpointAttendee,
    table_of,
)
from csm_tui.plan_templates import shipped_text
from csm_tui.rules import default_rules
from csm_tui.services.demo.plan import (
    BLOCKED,
    DRAFT,
    GROUP,
    INTERVALS,
    MOST_EXTRA_CALLS,
    ON_TRACK,
    PR1_BELOW,
    PR3_ABOVE,
    REVIEW,
    ROUTINE,
    ROUTINE_SCALE,
    SLIPPED,
    UNMEASURED,
    Density,
    Plan,
    plan_book,
    plan_calls,
    plan_success_plans,
    routine_calls,
    team_for,
)
from csm_tui.services.demo.words import (
    ACTION_TITLES,
    AE_NAMES,
    AREA_CODES,
    BLOCKED_REASONS,
    CADENCE_SUMMARIES,
    COMPANY_PREFIXES,
    COMPANY_SUFFIXES,
    EMAIL_SUMMARIES,
    ESCALATION_REASONS,
    FEATURES,
    FIRST_NAMES,
    GOALS,
    LAST_NAMES,
    MEETING_SUMMARIES,
    MILESTONES,
    NEXT_STEPS,
    NOTE_SUMMARIES,
    QUANTITATIVE,
    RAISE_WHY,
    REGIONS,
    RENEWAL_SIGNALS,
    RESOLUTIONS,
    ROMAN,
    TEAMS,
    TEMPLATE_MEASURES,
    TITLES,
    TLDS,
    TOPICS,
    TRAINING_SUMMARIES,
    VIEWS,
    slug,
)
from csm_tui.services.plans import NewPlan, Values, plan_rows

T = TypeVar("T")
#: One row to insert, by column name.
Row = dict[str, Any]
#: The four health components: engagement, success, satisfaction, financial.
Parts = tuple[int, int, int, int]

#: Enum members to their stored strings: `.value` is a slow descriptor in the hot loops.
VALUE: dict[Any, str] = {
    member: member.value
    for enum in (
        Segment,
        Priority,
        LifecycleStage,
        Persona,
        TouchKind,
        Sentiment,
        MilestoneStatus,
        ObjectiveKind,
        RiskCategory,
        EscalationStatus,
        Role,
    )
    for member in enum
}
_RISKS = tuple(RiskCategory)
_RISK_KEYS = tuple((category, f"risk_{category.value}") for category in RiskCategory)

#: The recent weeks whose cadence calls come out at each CSM's pace (`BookWriter.owed`): the
#: twelve weeks of the wrap-up's trends.
RECENT_DAYS = 84

_UUID_MASK = ~((0xF << 76) | (0x3 << 62)) & ((1 << 128) - 1)  # version and variant bits
_UUID_V4 = (0x4 << 76) | (0x2 << 62)


#: Tables in foreign-key order: parents are written before their children.
TABLES: tuple[Table, ...] = tuple(
    table_of(model)
    for model in (
        AppMeta,
        TeamMember,
        Account,
        Contact,
        Touchpoint,
        TouchpointAttendee,
        ActionItem,
        HealthSnapshot,
        SuccessPlan,
        Objective,
        Milestone,
        Escalation,
        EscalationEvent,
    )
)


_INFLUENCE = {
    Persona.ECONOMIC_BUYER: (5, 5),
    Persona.EXECUTIVE_SPONSOR: (4, 5),
    Persona.CHAMPION: (3, 4),
    Persona.TECHNICAL_LEAD: (3, 3),
    Persona.END_USER: (1, 2),
}
#: The first n personas of an account with n contacts: a small customer has a buyer, a champion
#: and a technical lead; larger ones add a sponsor and end users.
_PERSONAS = (
    Persona.ECONOMIC_BUYER,
    Persona.CHAMPION,
    Persona.TECHNICAL_LEAD,
    Persona.EXECUTIVE_SPONSOR,
    Persona.END_USER,
    Persona.END_USER,
    Persona.END_USER,
    Persona.END_USER,
)
#: Creation order: managers before the people who report to them (foreign keys are immediate).
_RANK = {
    Persona.ECONOMIC_BUYER: 0,
    Persona.EXECUTIVE_SPONSOR: 1,
    Persona.CHAMPION: 2,
    Persona.TECHNICAL_LEAD: 3,
    Persona.END_USER: 4,
}

_BAND_RANGE = {HealthBand.GREEN: (80, 97), HealthBand.YELLOW: (60, 79), HealthBand.RED: (28, 59)}
_ARR_DOLLARS = {
    "enterprise": (250_000, 2_500_000),
    "commercial": (40_000, 300_000),
    "scale": (5_000, 50_000),
}
_CONTACTS = {
    Segment.ENTERPRISE: (6, 8),
    Segment.COMMERCIAL: (4, 6),
    Segment.MID_MARKET: (4, 6),
    Segment.SMB: (3, 5),
    Segment.SCALE: (3, 4),
}
_SENTIMENT_ODDS = {  # chance of positive, and of positive-or-neutral, by band at the time
    HealthBand.GREEN: (0.55, 0.95),
    HealthBand.YELLOW: (0.25, 0.75),
    HealthBand.RED: (0.08, 0.5),
}
_NO_ACTIONS = (TouchKind.EMAIL, TouchKind.NOTE, TouchKind.NPS_SURVEY)
#: How far an objective has come from its baseline to its target, by the account's band.
_PROGRESS = {
    HealthBand.GREEN: (0.4, 1.0),
    HealthBand.YELLOW: (0.15, 0.6),
    HealthBand.RED: (0.0, 0.35),
}


@cache
def _template(name: str) -> PlanTemplate:
    """A shipped template as it ships (never the user's own: the same book on every machine)."""
    return parse_template(shipped_text(name), name=name)


@lru_cache(maxsize=1)
def _calendar() -> WorkCalendar:
    """The shipped rules' working calendar: the service dates a template's milestones on the
    calendar of the rules in force, the demo on the shipped one (the same book everywhere)."""
    return default_rules().calendar


@lru_cache(maxsize=4096)
def _draft(name: str, go_live: date | None, today: date) -> PlanDraft:
    return instantiate(_template(name), go_live, today, _calendar())


@dataclass(slots=True)
class _Person:
    id: uuid.UUID
    name: str
    persona: Persona


def _clamp(value: float) -> int:
    return 0 if value < 0 else 100 if value > 100 else int(value)


def _four(parts: Iterable[int]) -> Parts:
    """Four health components, taken in order from `parts`."""
    engagement, success, satisfaction, financial = parts
    return engagement, success, satisfaction, financial


@lru_cache(maxsize=8192)
def _at(day: date, hour: int) -> datetime:
    """A moment on `day` in UTC; cached, as the same few hundred days recur millions of times."""
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _add_business_days(moment: datetime, days: int) -> datetime:
    while days > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            days -= 1
    return moment


def _sla_due(level: int, reached_at: datetime) -> datetime:
    """When an escalation at `level` must be resolved (seeds 004: the five-level ladder)."""
    if level == 1:
        return reached_at + timedelta(hours=48)
    if level == 2:
        return reached_at + timedelta(hours=72)
    if level == 3:
        return _add_business_days(reached_at, 5)
    if level == 4:
        return _add_business_days(reached_at, 7)
    return reached_at + timedelta(hours=4)  # level 5: immediate attention


# -- the writers ----------------------------------------------------------------------------------


@dataclass
class BookWriter:
    """The book's rows: the team's, then each account's (`_AccountWriter`) from its plan. Holds
    what the accounts share: the two random streams, the team, the names taken so far."""

    accounts: int
    seed: int
    today: date
    rng: random.Random = field(init=False)
    ids: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.ids = random.Random(f"csm-tui demo ids {self.seed}")
        self.density = Density.for_book(self.accounts)
        self.now = self.at(self.today, 9)
        self.team = team_for(self.accounts)
        self.team_ids = [self.uid() for _ in self.team]
        self.used_names: set[str] = set()
        self.plans, self.forced_escalations = plan_book(self.rng, self.team, self.accounts)
        # The success plans draw from streams of their own: the rest of the book is the same
        # whatever they are.
        self.plan_rng = random.Random(f"csm-tui demo plans {self.seed}")
        self.plan_ids = random.Random(f"csm-tui demo plan ids {self.seed}")
        self.due_this_week = 0  # on-track plans given a milestone due this week, so far
        plan_success_plans(self.plan_rng, self.team, self.plans, self.density.plan_share)
        # So do the cadence calls that bring each CSM to their pace (`plan.plan_calls`): the
        # rest of the book is the same as without them, and a small book only gains rows.
        self.call_rng = random.Random(f"csm-tui demo calls {self.seed}")
        self.call_ids = random.Random(f"csm-tui demo call ids {self.seed}")
        targets = default_rules().wrapup.cadence_calls_per_week
        plan_calls(self.call_rng, self.team, self.plans, targets)
        #: The recent weeks, in days, whose calls each owner's balance counts: the wrap-up's
        #: twelve weeks of trends (all of a thinner book's history).
        self.recent = min(RECENT_DAYS, self.density.history_days)
        #: Calls a week each owner (by team index) still owes over the recent weeks.
        self.owed: defaultdict[int, float] = defaultdict(float)
        days = [
            self.today - timedelta(days=7 * week) for week in range(self.density.snapshot_weeks + 1)
        ]
        self.week_days = [(day, self.at(day, 6)) for day in days]  # taken at 06:00 each Monday

    # small helpers

    def uid(self) -> uuid.UUID:
        """A version-4 UUID from the id stream: the same as `UUID(int=..., version=4)`, faster."""
        return uuid.UUID(int=(self.ids.getrandbits(128) & _UUID_MASK) | _UUID_V4)

    def plan_uid(self) -> uuid.UUID:
        """A version-4 UUID from the success plans' own id stream."""
        return uuid.UUID(int=(self.plan_ids.getrandbits(128) & _UUID_MASK) | _UUID_V4)

    @staticmethod
    def at(day: date, hour: int = 9) -> datetime:
        return _at(day, hour)

    def pick(self, items: Sequence[T]) -> T:
        return items[int(self.rng.random() * len(items))]

    def between(self, low: int, high: int) -> int:
        return low + int(self.rng.random() * (high - low + 1))

    def stamps(self, created: datetime, updated: datetime | None = None) -> Row:
        return {"id": self.uid(), "created_at": created, "updated_at": updated or created}

    # batches

    def team_batch(self) -> dict[str, list[Row]]:
        joined = self.at(self.today - timedelta(days=540))
        members = []
        for member, member_id in zip(self.team, self.team_ids, strict=True):
            is_manager = member.group is None
            members.append(
                {
                    "id": member_id,
                    "created_at": joined,
                    "updated_at": joined,
                    "name": member.name,
                    "email": member.email,
                    "role": VALUE[Role.MANAGER] if is_manager else VALUE[Role.CSM],
                    "segment": None if is_manager else member.group,
                    "weekly_touch_target": member.target,
                    "manager_id": None if is_manager else self.team_ids[0],
                }
            )
        meta = [
            {"key": "demo_seed", "value": str(self.seed)},
            {"key": "demo_today", "value": self.today.isoformat()},
            {"key": "demo_accounts", "value": str(self.accounts)},
        ]
        return {"app_meta": meta, "team_member": members}

    def account_batch(self, indexes: range) -> dict[str, list[Row]]:
        batch: dict[str, list[Row]] = {table.name: [] for table in TABLES}
        for index in indexes:
            _AccountWriter(self, index, self.plans[index], batch).write()
        return batch

    def company_name(self) -> tuple[str, str]:
        """A unique company name and its e-mail domain."""
        prefix, suffix = self.pick(COMPANY_PREFIXES), self.pick(COMPANY_SUFFIXES)
        base = f"{prefix} {suffix}"
        domain = slug(prefix + suffix) + self.pick(TLDS)
        name = base
        if name in self.used_names:
            name = f"{base} {self.pick(REGIONS)}"
        serial = 0
        while name in self.used_names:
            name = f"{base} {ROMAN[serial]}" if serial < len(ROMAN) else f"{base} {serial + 2}"
            serial += 1
        self.used_names.add(name)
        return name, domain

    def person_name(self) -> tuple[str, str]:
        return self.pick(FIRST_NAMES), self.pick(LAST_NAMES)


class _AccountWriter:
    """Generates every row of one account into the batch, in foreign-key order."""

    def __init__(self, book: BookWriter, index: int, plan: Plan, batch: dict[str, list[Row]]):
        self.book, self.plan, self.batch, self.index = book, plan, batch, index
        self.rng = book.rng
        self.today = book.today
        self.group = GROUP[plan.segment]
        self.owner = book.team[plan.owner]
        self.owner_id = book.team_ids[plan.owner]
        self.people: list[_Person] = []
        self.risks: set[RiskCategory] = set()
        self.touched: set[date] = set()  # the days of the account's touches

    def write(self) -> None:
        self.account_row()
        self.contacts()
        self.health_history()
        self.touches()
        self.success_plan()
        self.escalations()
        self.extra_calls()
        self.batch["account"].append(self.account)

    # the account itself

    def account_row(self) -> None:
        book, rng, plan, today = self.book, self.rng, self.plan, self.today
        self.name, self.domain = book.company_name()
        # Renewals fall on contract anniversaries: annual terms renew within a year, multi-year
        # terms (2-3 years) account for the renewals 12 to 18 months out.
        if plan.onboarding:
            term = 1
            start = today - timedelta(days=book.between(5, 90))
            renewal = _add_years(start, term)
        else:
            renewal = today + timedelta(days=book.between(1, 540))
            if renewal <= _add_years(today, 1):
                term, start = 1, _add_years(renewal, -book.between(1, 4))
            else:
                term = book.between(2, 3)
                start = _add_years(renewal, -term)
        self.start, self.renewal, self.term = start, renewal, term
        self.go_live = start + timedelta(days=book.between(30, 120))
        self.stage = self.lifecycle()
        low, high = _ARR_DOLLARS[self.group]
        dollars = low * (high / low) ** rng.random()
        step = 1_000 if dollars >= 100_000 else 100
        self.arr_cents = int(round(dollars / step) * step) * 100
        self.components = self.current_components()
        self.score = DEFAULT_WEIGHTS.score(*self.components)
        self.priority = self.choose_priority()
        self.choose_risks()
        self.account_id = book.uid()
        self.account: Row = {
            "id": self.account_id,
            "created_at": book.at(start - timedelta(days=7), 10),
            "updated_at": book.at(today, 6),
            "external_id": f"ACC-{self.index + 1:06d}",
            "name": self.name,
            "segment": VALUE[plan.segment],
            "priority": VALUE[self.priority],
            "arr_cents": self.arr_cents,
            "owner_id": self.owner_id,
            "ae": book.pick(AE_NAMES),
            "contract_start": start,
            "renewal_date": renewal,
            "go_live_date": self.go_live,
            "lifecycle_stage": VALUE[self.stage],
            "health_score": self.score,
            "health_engagement": self.components[0],
            "health_success": self.components[1],
            "health_satisfaction": self.components[2],
            "health_financial": self.components[3],
            "snoozed_until": None,
            "snooze_reason": None,
            "entered_on": start - timedelta(days=7),
            "first_call_by": None,
        }
        # The risk_* flags are set by `escalations`, which may add the category of a new one.

    def lifecycle(self) -> LifecycleStage:
        if (self.renewal - self.today).days <= 120:
            return LifecycleStage.OPTIMIZE_RENEW
        if self.plan.onboarding or self.go_live > self.today:
            return LifecycleStage.ONBOARD
        if (self.today - self.go_live).days < 270:
            return LifecycleStage.ENABLE
        return LifecycleStage.EXPAND

    def current_components(self) -> Parts:
        low, high = _BAND_RANGE[self.plan.band]
        target = self.book.between(low, high)
        for _ in range(8):
            parts = _four(_clamp(target + self.book.between(-14, 14)) for _ in range(4))
            if low <= DEFAULT_WEIGHTS.score(*parts) <= high:
                return parts
        return (target, target, target, target)

    def choose_priority(self) -> Priority:
        if self.plan.band == HealthBand.RED or self.plan.escalation is not None:
            return Priority.PR1  # seeds 000: once red, a customer becomes PR1
        roll = self.rng.random()
        if roll < PR1_BELOW:
            return Priority.PR1
        if self.group == "scale" and roll > PR3_ABOVE:
            return Priority.PR3
        return Priority.PR2

    def choose_risks(self) -> None:
        """Flags that match the weak components: at least one for red, often one for yellow."""
        engagement, success, satisfaction, financial = self.components
        weak = []
        if engagement < 65 or success < 65:
            weak.append(
                RiskCategory.IMPLEMENTATION if self.plan.onboarding else RiskCategory.SENTIMENT
            )
        if satisfaction < 65:
            weak.append(self.book.pick((RiskCategory.SUPPORT, RiskCategory.PRODUCT)))
        if financial < 65:
            weak.append(
                RiskCategory.RENEWAL
                if (self.renewal - self.today).days < 200
                else RiskCategory.COMPANY
            )
        band = self.plan.band
        if band == HealthBand.RED:
            self.risks.update(weak or [self.book.pick(_RISKS)])
        elif band == HealthBand.YELLOW and self.rng.random() < 0.7:
            self.risks.add(weak[0] if weak else self.book.pick(_RISKS))
        elif band == HealthBand.GREEN and self.rng.random() < 0.03:
            self.risks.add(self.book.pick((RiskCategory.COMPANY, RiskCategory.PRODUCT)))

    # contacts

    def contacts(self) -> None:
        book, rng = self.book, self.rng
        low, high = _CONTACTS[self.plan.segment]
        count = min(book.between(low, high), book.density.max_contacts)
        by_persona: dict[Persona, uuid.UUID] = {}
        emails: set[str] = set()
        created = book.at(self.start, 11)
        primary_persona = Persona.CHAMPION if count >= 2 else Persona.ECONOMIC_BUYER
        for persona in sorted(_PERSONAS[:count], key=_RANK.__getitem__):
            first, last = book.person_name()
            local = f"{slug(first)}.{slug(last)}"
            email = f"{local}@{self.domain}"
            serial = 2
            while email in emails:
                email = f"{local}{serial}@{self.domain}"
                serial += 1
            emails.add(email)
            # End users report to the technical lead or the champion, who report to the sponsor,
            # who reports to the economic buyer (or straight to the buyer when there is none).
            if persona == Persona.END_USER:
                lead = Persona.TECHNICAL_LEAD if rng.random() < 0.6 else Persona.CHAMPION
                boss = by_persona.get(lead) or by_persona.get(Persona.CHAMPION)
            elif persona in (Persona.CHAMPION, Persona.TECHNICAL_LEAD):
                boss = by_persona.get(Persona.EXECUTIVE_SPONSOR) or by_persona.get(
                    Persona.ECONOMIC_BUYER
                )
            else:
                boss = by_persona.get(Persona.ECONOMIC_BUYER)
            low_i, high_i = _INFLUENCE[persona]
            row = {
                **book.stamps(created),
                "account_id": self.account_id,
                "name": f"{first} {last}",
                "title": book.pick(TITLES[persona]),
                "email": email,
                "phone": self.phone(),
                "persona": VALUE[persona],
                "influence": book.between(low_i, high_i),
                "reports_to_id": boss,
                "is_primary": persona == primary_persona,
                "left_company": persona in (Persona.END_USER, Persona.TECHNICAL_LEAD)
                and rng.random() < 0.05,
            }
            by_persona.setdefault(persona, row["id"])
            self.batch["contact"].append(row)
            self.people.append(_Person(row["id"], row["name"], persona))

    def phone(self) -> str:
        if self.rng.random() < 0.15:  # Ofcom's range for drama: never a real number
            return f"+44 20 7946 0{self.book.between(0, 999):03d}"
        return f"+1 {self.book.pick(AREA_CODES)}-555-01{self.book.between(0, 99):02d}"

    def person(self, *personas: Persona) -> _Person:
        for persona in personas:
            for person in self.people:
                if person.persona == persona:
                    return person
        return self.people[0]

    # health

    def health_history(self) -> None:
        """Weekly snapshots ending with today's (the account's current score) and yesterday's."""
        book, rng, plan = self.book, self.rng, self.plan
        e0, s0, sat0, f0 = self.components
        weekly: list[int] = []
        rows = self.batch["health_snapshot"]
        score = DEFAULT_WEIGHTS.score
        if plan.trend == "slide":
            turn, gap = book.between(3, 10), max(0, book.between(82, 92) - self.score)
        elif plan.trend == "recover":
            turn, gap = book.between(6, 20), min(0, book.between(62, 76) - self.score)
        else:
            turn, gap = 1, 0
        wobble = 0.0
        uid, account_id, start = book.uid, self.account_id, self.start
        for week, (taken_on, stamp) in enumerate(book.week_days):  # the hot loop of big books
            if taken_on < start:
                break
            if week == 0:
                offset = 0
            else:
                wobble = 0.6 * wobble + (rng.random() - 0.5) * 6
                offset = int(gap * min(1.0, week / turn) + wobble)
            e, s, sat, f = (
                _clamp(e0 + offset),
                _clamp(s0 + offset),
                _clamp(sat0 + offset),
                _clamp(f0 + offset),
            )
            value = score(e, s, sat, f)
            weekly.append(value)
            rows.append(
                {
                    "id": uid(),
                    "created_at": stamp,
                    "updated_at": stamp,
                    "account_id": account_id,
                    "taken_on": taken_on,
                    "score": value,
                    "engagement": e,
                    "success": s,
                    "satisfaction": sat,
                    "financial": f,
                }
            )
        yesterday = self.today - timedelta(days=1)
        if yesterday >= self.start:
            parts = self.components
            if plan.dropped:
                parts = _four(_clamp(part + self.overnight_drop()) for part in parts)
            elif rng.random() < 0.03:
                parts = _four(_clamp(part - 4) for part in parts)
            rows.append(self.snapshot(yesterday, book.at(yesterday, 6), parts))
        self.weekly_scores = weekly or [self.score]

    def overnight_drop(self) -> int:
        """How far the score fell since yesterday: out of the better band when that is plausible
        (green to yellow, yellow to red), a few points otherwise."""
        book, score = self.book, self.score
        if self.plan.band == HealthBand.YELLOW:
            return max(3, book.between(80, 84) - score)
        if self.plan.band == HealthBand.RED and score >= 45:
            return max(3, book.between(60, 64) - score)
        return book.between(4, 12)

    def snapshot(self, taken_on: date, stamp: datetime, parts: Sequence[int]) -> Row:
        return {
            "id": self.book.uid(),
            "created_at": stamp,
            "updated_at": stamp,
            "account_id": self.account_id,
            "taken_on": taken_on,
            "score": DEFAULT_WEIGHTS.score(*parts),
            "engagement": parts[0],
            "success": parts[1],
            "satisfaction": parts[2],
            "financial": parts[3],
        }

    def band_on(self, day: date) -> HealthBand:
        week = min((self.today - day).days // 7, len(self.weekly_scores) - 1)
        return DEFAULT_BANDS.band(self.weekly_scores[max(0, week)])

    # touches

    def touches(self) -> None:
        """Routine touches at the cadence of the segment and priority, plus the moments of the
        contract: kickoff, 30/60/90-day reviews, EBRs at month 6, the soft renewal question
        ~100 days before each renewal, and NPS surveys every six months."""
        book, rng, today, start = self.book, self.rng, self.today, self.start
        first = max(start, today - timedelta(days=book.density.history_days))
        interval = INTERVALS[(self.group, self.priority)]
        kinds, weights = ROUTINE_SCALE if self.group == "scale" else ROUTINE
        planned: list[tuple[date, TouchKind]] = []
        day = today - timedelta(days=1 + int(rng.random() * interval * 1.3))
        while day >= first:
            planned.append((day, rng.choices(kinds, cum_weights=weights)[0]))
            day -= timedelta(days=max(3, int(interval * (0.7 + 0.6 * rng.random()))))
        self.hold_calls(planned)
        events: list[tuple[date, TouchKind]] = []
        if start + timedelta(days=90) >= first:
            events.append((start + timedelta(days=book.between(2, 10)), TouchKind.MEETING))
            for days in (30, 60, 90):
                events.append((start + timedelta(days=days), TouchKind.ONBOARDING_REVIEW))
        if self.group == "enterprise" or self.priority == Priority.PR1:
            elapsed = (today - start).days // 365
            for years in range(max(0, elapsed - 1), elapsed + 1):
                events.append((_add_years(start, years) + timedelta(days=182), TouchKind.EBR))
        renewal = self.renewal
        while renewal > start and renewal - timedelta(days=90) >= first:
            if rng.random() < 0.85:
                asked = renewal - timedelta(days=book.between(90, 115))
                events.append((asked, TouchKind.RENEWAL_CALL))
            renewal = _add_years(renewal, -self.term)
        phase = book.between(1, 182)
        events.append((today - timedelta(days=phase), TouchKind.NPS_SURVEY))
        events.append((today - timedelta(days=phase + 182), TouchKind.NPS_SURVEY))
        planned.extend(event for event in events if first <= event[0] < today)
        for day, kind in sorted(set(planned)):
            self.touch(day, kind)

    def touch(
        self,
        day: date,
        kind: TouchKind,
        summary: str | None = None,
        sentiment: Sentiment | None = None,
    ) -> uuid.UUID:
        book, rng = self.book, self.rng
        self.touched.add(day)
        if sentiment is None:
            positive, not_negative = _SENTIMENT_ODDS[self.band_on(day)]
            roll = rng.random()
            sentiment = (
                Sentiment.POSITIVE
                if roll < positive
                else Sentiment.NEUTRAL
                if roll < not_negative
                else Sentiment.NEGATIVE
            )
        attendees = self.attendees(kind)
        contact = attendees[0].name if attendees else self.person(Persona.CHAMPION).name
        if summary is None:
            summary = self.summary(kind, contact, sentiment)
        notes = None
        if rng.random() < 0.3:
            notes = f"Next step: {book.pick(NEXT_STEPS)}."
        stamp = book.at(day, 17)
        row = {
            **book.stamps(stamp),
            "external_id": None,
            "account_id": self.account_id,
            "owner_id": self.owner_id,
            "occurred_on": day,
            "kind": VALUE[kind],
            "summary": summary,
            "notes": notes,
            "sentiment": VALUE[sentiment],
        }
        self.batch["touchpoint"].append(row)
        for person in attendees:
            self.batch["touchpoint_attendee"].append(
                {"touchpoint_id": row["id"], "contact_id": person.id}
            )
        if kind not in _NO_ACTIONS and rng.random() < 0.35:
            self.action_item(row["id"], day, contact)
        return row["id"]

    # The owner's pace (`plan.plan_calls`). Each CSM has a running balance of the calls a week
    # they still owe over the last weeks (`BookWriter.owed`): each account adds its share and
    # takes off the calls it was given there, so that what one account's draws gave too many
    # or too few, the next ones of the same owner make up. The recent weeks' figures come out
    # at the pace; the rest of the year at the same rates.

    def hold_calls(self, routine: list[tuple[date, TouchKind]]) -> None:
        """The account's share of its owner's calls added to their balance, and the routine
        cadence calls of the recent weeks taken off it; for an owner whose book alone would put
        them above their pace (`Plan.keep_calls` < 1), first only as many of them held as calls
        as the balance asks for, the others turned into e-mails and meetings."""
        book, plan = self.book, self.plan
        calls = [n for n, (_day, kind) in enumerate(routine) if kind == TouchKind.CADENCE_CALL]
        owed = book.owed[plan.owner] + plan.keep_calls * routine_calls(plan) + plan.extra_calls
        held = self.weekly(routine[n][0] for n in calls)
        if plan.keep_calls < 1 and held > max(0.0, owed):
            keep, rng = max(0.0, owed) / held, book.call_rng
            for n in calls:
                if rng.random() >= keep:
                    other = TouchKind.EMAIL if rng.random() < 0.7 else TouchKind.MEETING
                    routine[n] = (routine[n][0], other)
            held = self.weekly(day for day, kind in routine if kind == TouchKind.CADENCE_CALL)
        book.owed[plan.owner] = owed - held

    def weekly(self, days: Iterable[date]) -> float:
        """Calls a week: those of `days` in the recent weeks (`BookWriter.recent`)."""
        since = self.today - timedelta(days=self.book.recent)
        return sum(1 for day in days if day >= since) * 7 / self.book.recent

    def extra_calls(self) -> None:
        """The cadence calls the owner makes on top of the routine touches, on an account
        planned to have some (`Plan.extra_calls`; any account of an owner whose routine calls
        were to be more than enough, `Plan.keep_calls` < 1, but were not): as many a week as
        the owner still owes (at most `MOST_EXTRA_CALLS`), one every 7 / rate days or so (0.7
        to 1.3 times it, from a random phase) through the account's history, from two weeks
        after the contract start; each on a working day of the shipped calendar with no other
        touch of the account the day before, on the day or the day after (moved a day or two
        when there is one, left out when no day near is free).

        After every other touch of the account, so the days it took are known; drawn from the
        calls' own streams (`BookWriter.call_rng`, `call_ids`), so the rest of the book is the
        same with them or without."""
        book, plan, today = self.book, self.plan, self.today
        owed = book.owed[plan.owner]
        quiet = plan.extra_calls <= 0 and plan.keep_calls >= 1  # left out by `plan_calls`
        if quiet or owed * book.density.history_days < 7:
            return  # less than one call in the whole history: left to the next accounts
        rng, calendar = book.call_rng, _calendar()
        history = today - timedelta(days=book.density.history_days)
        first = max(self.start + timedelta(days=14), history)
        interval = 7 / min(MOST_EXTRA_CALLS, owed)
        back = 1 + rng.random() * interval
        days: list[date] = []
        while (day := today - timedelta(days=round(back))) >= first:
            back += interval * (0.7 + 0.6 * rng.random())
            for shift in (0, -1, 1, -2, 2):
                near = day + timedelta(days=shift)
                if (
                    first <= near < today
                    and calendar.is_workday(near)
                    and not self.touched.intersection(
                        (near - timedelta(days=1), near, near + timedelta(days=1))
                    )
                ):
                    self.touched.add(near)
                    days.append(near)
                    break
        book.owed[plan.owner] = owed - self.weekly(days)
        saved = book.rng, book.ids
        book.rng, book.ids = rng, book.call_ids
        self.rng = rng
        try:
            for day in sorted(days):
                self.touch(day, TouchKind.CADENCE_CALL)
        finally:
            book.rng, book.ids = saved
            self.rng = book.rng

    def attendees(self, kind: TouchKind) -> list[_Person]:
        if kind == TouchKind.NOTE:
            return []
        if kind in (TouchKind.EMAIL, TouchKind.NPS_SURVEY):
            return [self.book.pick(self.people)]
        if kind in (TouchKind.EBR, TouchKind.RENEWAL_CALL):
            wanted = (Persona.ECONOMIC_BUYER, Persona.EXECUTIVE_SPONSOR, Persona.CHAMPION)
            return [person for person in self.people if person.persona in wanted]
        size = min(len(self.people), 1 + int(self.rng.random() * 3))
        return self.rng.sample(self.people, size)

    def summary(self, kind: TouchKind, contact: str, sentiment: Sentiment) -> str:
        book = self.book
        values = {
            "contact": contact,
            "feature": book.pick(FEATURES),
            "goal": book.pick(GOALS),
            "topic": book.pick(TOPICS[sentiment]),
            "team": book.pick(TEAMS),
            "count": book.between(6, 60),
            "trend": {"positive": "is climbing", "neutral": "is flat", "negative": "is falling"}[
                VALUE[sentiment]
            ],
        }
        match kind:
            case TouchKind.CADENCE_CALL:
                template = book.pick(CADENCE_SUMMARIES)
            case TouchKind.EMAIL:
                template = book.pick(EMAIL_SUMMARIES)
            case TouchKind.MEETING:
                template = book.pick(MEETING_SUMMARIES)
            case TouchKind.TRAINING:
                template = book.pick(TRAINING_SUMMARIES)
            case TouchKind.NOTE:
                template = book.pick(NOTE_SUMMARIES)
            case TouchKind.EBR:
                template = (
                    "EBR with {contact}: progress on {goal} reviewed; priorities agreed "
                    "for the next two quarters"
                )
            case TouchKind.RENEWAL_CALL:
                template = "Renewal call with {contact}: soft renewal question asked; {signal}"
                values["signal"] = book.pick(RENEWAL_SIGNALS[sentiment])
            case TouchKind.ONBOARDING_REVIEW:
                template = "Onboarding review: {feature} live for {pct}% of users; {topic}"
                values["pct"] = book.between(20, 95)
            case TouchKind.NPS_SURVEY:
                low, high = {"positive": (9, 10), "neutral": (7, 8), "negative": (2, 6)}[
                    VALUE[sentiment]
                ]
                template = "NPS survey: {contact} gave {nps}/10"
                values["nps"] = book.between(low, high)
            case _:
                template = "Call with {contact} about {topic}"
        return template.format(**values)

    def action_item(self, touchpoint_id: uuid.UUID, day: date, contact: str) -> None:
        book, rng, today = self.book, self.rng, self.today
        due = day + timedelta(days=book.between(5, 21))
        age = (today - day).days
        done = rng.random() < (0.97 if age > 30 else 0.5)
        done_on = min(due + timedelta(days=book.between(-4, 3)), today - timedelta(days=1))
        done_on = max(done_on, day)
        done_at = book.at(done_on, 18 if done_on == day else 15)  # after the call was logged
        title = book.pick(ACTION_TITLES).format(
            feature=book.pick(FEATURES),
            team=book.pick(TEAMS),
            contact=contact,
            topic=book.pick(TOPICS[Sentiment.NEGATIVE]),
        )
        created = book.at(day, 17)
        self.batch["action_item"].append(
            {
                **book.stamps(created, done_at if done else created),
                "touchpoint_id": touchpoint_id,
                "account_id": self.account_id,
                "title": title,
                "owner": self.owner.name if rng.random() < 0.6 else contact,
                "due_on": due,
                "done_at": done_at if done else None,
            }
        )

    # success plan

    def success_plan(self) -> None:
        if self.plan.success is not None:
            _PlanWriter(self, self.plan.success).write()

    # escalations

    def escalations(self) -> None:
        plan = self.plan
        if plan.escalation is not None:
            self.open_escalation(plan.escalation)
        if plan.past_escalation:
            self.past_escalation()
        for category, key in _RISK_KEYS:
            self.account[key] = category in self.risks

    def category(self) -> RiskCategory:
        """The risk behind an open escalation: one the account is flagged with, or a new flag."""
        if self.risks:
            return self.book.pick(sorted(self.risks))
        category = self.book.pick(_RISKS)
        self.risks.add(category)
        return category

    def reason(self, category: RiskCategory) -> str:
        reason = self.book.pick(ESCALATION_REASONS[category])
        return reason.format(feature=self.book.pick(FEATURES))

    def open_escalation(self, level: int) -> None:
        """An open escalation raised step by step to `level`, with one event per level change.

        The five planned first (one per level) have fixed timelines so that the demo always
        shows both breached SLAs (levels 2 and 4) and ones still running (levels 1, 3 and 5).
        """
        book, rng, now, today = self.book, self.rng, self.book.now, self.today
        category = self.category()
        reason = self.reason(category)
        if self.index in book.forced_escalations:
            since = {
                5: timedelta(hours=2),
                4: timedelta(days=12),
                3: timedelta(days=2),
                2: timedelta(days=4),
                1: timedelta(hours=6),
            }[level]
        else:
            since = timedelta(hours=book.between(2, 140))
        reached = now - since
        start_level = 1 if level <= 2 or rng.random() < 0.6 else book.between(2, level)
        steps = list(range(start_level, level + 1))
        gap = book.between(18, 40)
        times = [reached - timedelta(hours=gap * (len(steps) - 1 - n)) for n in range(len(steps))]
        opened = times[0]
        self.escalation_rows(
            level=level,
            status=EscalationStatus.OPEN,
            category=category,
            reason=reason,
            opened=opened,
            steps=steps,
            times=times,
            sla=_sla_due(level, reached),
            closed=None,
            outcome=None,
        )
        if opened.date() < today:
            champion = self.person(Persona.CHAMPION).name
            self.touch(
                opened.date(),
                TouchKind.ESCALATION_CALL,
                summary=f"Escalation call with {champion}: {reason}",
                sentiment=Sentiment.NEGATIVE,
            )
        if level >= 3 and opened.date() < reached.date() < today:
            sponsor = self.person(Persona.EXECUTIVE_SPONSOR).name
            self.touch(
                reached.date(),
                TouchKind.ESCALATION_CALL,
                summary=f"Escalation call with {sponsor} and {book.team[0].name}: "
                "recovery plan agreed",
                sentiment=Sentiment.NEUTRAL,
            )

    def past_escalation(self) -> None:
        book = self.book
        category = book.pick(_RISKS)
        opened = book.at(self.today - timedelta(days=book.between(40, 330)), book.between(9, 16))
        if opened.date() < self.start:
            opened = book.at(self.start + timedelta(days=book.between(1, 20)), 10)
        if opened >= book.now - timedelta(days=10):
            return
        level = book.between(1, 3)
        steps = list(range(1, level + 1))
        times = [opened + timedelta(hours=30 * n) for n in range(len(steps))]
        closed = times[-1] + timedelta(days=book.between(2, 25))
        closed = min(closed, book.now - timedelta(days=1))
        self.escalation_rows(
            level=level,
            status=(
                EscalationStatus.CLOSED if self.rng.random() < 0.6 else EscalationStatus.RESOLVED
            ),
            category=category,
            reason=self.reason(category),
            opened=opened,
            steps=steps,
            times=times,
            sla=_sla_due(level, times[-1]),
            closed=closed,
            outcome=book.pick(RESOLUTIONS),
        )

    def escalation_rows(
        self,
        *,
        level: int,
        status: EscalationStatus,
        category: RiskCategory,
        reason: str,
        opened: datetime,
        steps: list[int],
        times: list[datetime],
        sla: datetime,
        closed: datetime | None,
        outcome: tuple[str, str] | None,
    ) -> None:
        book = self.book
        manager_id = book.team_ids[0]
        updated = closed or times[-1]
        row = {
            **book.stamps(opened, updated),
            "account_id": self.account_id,
            "level": level,
            "status": VALUE[status],
            "reason": reason,
            "risk_category": VALUE[category],
            "owner_id": self.owner_id,
            "opened_at": opened,
            "sla_due_at": sla,
            "recovery_plan": None
            if level < 2
            else (
                f"Daily check-ins with {self.person(Persona.CHAMPION).name}; support engineer "
                f"assigned; executive sync with {book.team[0].name} every Friday"
            ),
            "resolution": outcome[0] if outcome else None,
            "lessons_learned": outcome[1] if outcome else None,
            "closed_at": closed if status is EscalationStatus.CLOSED else None,
            "resolved_at": _resolved_at(status, closed),
            "process_changed": None,
        }
        self.batch["escalation"].append(row)
        previous: int | None = None
        for step, moment in zip(steps, times, strict=True):
            why = f"Opened: {reason}" if previous is None else RAISE_WHY.get(step, "Raised")
            self.batch["escalation_event"].append(
                {
                    **book.stamps(moment),
                    "escalation_id": row["id"],
                    "from_level": previous,
                    "to_level": step,
                    "actor_id": self.owner_id if step <= 2 else manager_id,
                    "occurred_at": moment,
                    "why": why,
                    "kind": "opened" if previous is None else "raised",
                    "touch_id": None,
                }
            )
            previous = step
        if closed is not None:
            self.ending_events(row, status, level, closed, outcome)

    def ending_events(
        self,
        row: Row,
        status: EscalationStatus,
        level: int,
        closed: datetime,
        outcome: tuple[str, str] | None,
    ) -> None:
        """Resolved, and closed with its review, in the history as the service records them
        (the wrap-up counts the steps of a week from it). Their ids are derived from the
        escalation's, so that no random stream moves and the rest of the book stays as it was."""
        resolution, lessons = outcome or ("Resolved", "")
        ending = [(EventKind.RESOLVED, _resolved_at(status, closed), resolution)]
        if status is EscalationStatus.CLOSED:
            ending.append((EventKind.CLOSED, closed, lessons or "Closed"))
        for kind, moment, why in ending:
            assert moment is not None
            self.batch["escalation_event"].append(
                {
                    "id": uuid.uuid5(row["id"], kind.value),
                    "created_at": moment,
                    "updated_at": moment,
                    "escalation_id": row["id"],
                    "from_level": level,
                    "to_level": level,
                    "actor_id": self.owner_id,
                    "occurred_at": moment,
                    "why": why,
                    "kind": kind.value,
                    "touch_id": None,
                }
            )


def _resolved_at(status: EscalationStatus, closed: datetime | None) -> datetime | None:
    """When an escalation that ended was resolved: a closed one two hours before its review."""
    if closed is None or status is EscalationStatus.OPEN:
        return None
    return closed - timedelta(hours=2) if status is EscalationStatus.CLOSED else closed


class _PlanWriter:
    """One account's success plan, as a CSM made and worked it: made from the shipped template
    of its segment by the service's own `plan_rows` (objectives in the template's words,
    milestones dated from go-live), then the story (`plan.Plan.success`) sets what working it
    did: the DRIs named, the customer's measures and values, the reviews, the milestones done,
    in progress, slipped or blocked, and the CSM's own milestones on a plan older than its
    template. The plans' own random streams (`BookWriter.plan_rng`, `plan_uid`)."""

    def __init__(self, account: _AccountWriter, story: str) -> None:
        self.account, self.story = account, story
        self.book = account.book
        self.rng = account.book.plan_rng
        self.today = account.today
        self.yesterday = account.today - timedelta(days=1)

    def pick(self, items: Sequence[T]) -> T:
        return items[int(self.rng.random() * len(items))]

    def between(self, low: int, high: int) -> int:
        return low + int(self.rng.random() * (high - low + 1))

    def days_ago(self, low: int, high: int) -> date:
        return self.today - timedelta(days=self.between(low, high))

    def write(self) -> None:
        account, book, today = self.account, self.book, self.today
        name = "enterprise" if account.plan.segment == Segment.ENTERPRISE else "commercial"
        story = self.story
        if account.plan.onboarding and (today - account.start).days < 30:
            story = DRAFT  # still being agreed with the new customer
        if story == DRAFT:
            created = min(self.yesterday, max(account.start, self.days_ago(2, 12)))
            draft = _draft(name, account.go_live, today)
            if any(m.due_on < today for o in draft.objectives for m in o.milestones):
                draft = _draft(name, None, today)  # re-dated from today: none born slipped
        else:
            created = min(account.start + timedelta(days=self.between(1, 10)), self.yesterday)
            # Dated from go-live, whichever day it was made (`today` keeps the cache small).
            draft = _draft(name, account.go_live, today)
        new = plan_rows(draft, account.account_id, name, book.plan_uid)
        made = book.at(created, 10)
        plan = new.plan
        plan.update(created_at=made, updated_at=made, reviewed_on=None, next_review_on=None)
        for objective, milestones in new.objectives:
            objective.update(created_at=made, updated_at=made, current=None, measured_on=None)
            for milestone in milestones:
                milestone.update(
                    created_at=made,
                    updated_at=made,
                    status=VALUE[MilestoneStatus.PLANNED],
                    completed_at=None,
                    blocked_reason=None,
                    blocked_on=None,
                )
        if story != DRAFT:
            reviewed = self.review(plan, story, created)
            self.measure(new, story, reviewed)
            self.work(new, story, created, reviewed)
        self.store(new)

    def store(self, new: NewPlan) -> None:
        """Into the batch: `write` gave every row of a table the same columns."""
        batch = self.account.batch
        batch["success_plan"].append(new.plan)
        for objective, _milestones in new.objectives:
            batch["objective"].append(objective)
        for _objective, milestones in new.objectives:
            batch["milestone"].extend(milestones)

    def review(self, plan: Values, story: str, created: date) -> date:
        """Active, renamed by some CSMs, reviewed with the customer in the last month (a review
        overdue: not since, or the one agreed not held); the next review agreed by some."""
        today, book = self.today, self.book
        roll = self.rng.random()
        if roll < 0.3:
            plan["title"] = f"FY{(today.year + 1) % 100:02d} success plan"
        elif roll < 0.6:
            plan["title"] = f"Success plan: {self.pick(GOALS)}"
        agreed = None
        if story != REVIEW:
            reviewed = self.days_ago(1, 27)
            if self.rng.random() < 0.35:
                agreed = reviewed + timedelta(days=28)
        elif self.rng.random() < 0.5:
            reviewed = self.days_ago(33, 80)
        else:
            reviewed = self.days_ago(18, 27)
            agreed = reviewed + timedelta(days=14)
        reviewed = max(reviewed, created)
        plan.update(
            status=PlanStatus.ACTIVE.value,
            reviewed_on=reviewed,
            next_review_on=agreed,
            updated_at=book.at(reviewed, 16),
        )
        return reviewed

    def measure(self, new: NewPlan, story: str, reviewed: date) -> None:
        """The customer's measures in place of the template's placeholders, each measured at
        the last review (a qualitative one in words); one left unmeasured for that story."""
        account = self.account
        low, high = _PROGRESS[account.plan.band]
        if account.plan.onboarding:
            low, high = 0.0, 0.2
        live = account.go_live <= self.today
        unmeasured = story == UNMEASURED
        for objective, _milestones in new.objectives:
            if objective["kind"] == VALUE[ObjectiveKind.QUALITATIVE]:
                current = self.pick(VIEWS)
            else:
                measure = TEMPLATE_MEASURES.get(objective["metric"])
                if measure is None and unmeasured:  # the KPI: not measured before go-live
                    unmeasured = False
                    continue
                if measure is None:
                    outcome, metric, b_range, t_range, unit = self.pick(QUANTITATIVE)
                    objective.update(outcome=outcome, metric=metric, baseline=None, target=None)
                else:
                    b_range, t_range, unit = measure
                baseline = self.number(objective["baseline"], b_range, unit)
                target = self.number(objective["target"], t_range, unit)
                progress = low + (high - low) * self.rng.random() if live else 0.0
                value = round(baseline[0] + (target[0] - baseline[0]) * progress)
                objective.update(baseline=baseline[1], target=target[1])
                current = f"{value}{unit}"
            objective.update(
                current=current, measured_on=reviewed, updated_at=self.book.at(reviewed, 16)
            )

    def number(self, given: str | None, span: tuple[int, int], unit: str) -> tuple[float, str]:
        """The template's value if it is a number ("70%"), else one the customer agreed."""
        parsed = parse_value(given)
        if given is not None and parsed is not None:
            return parsed[0], given
        value = self.between(*span)
        return value, f"{value}{unit}"

    def work(self, new: NewPlan, story: str, created: date, reviewed: date) -> None:
        """The DRIs named; the CSM's own milestones on a plan past its template; the past ones
        done and the next ones in progress or planned, unless the story slips or blocks some."""
        book, today, account = self.book, self.today, self.account
        for _objective, milestones in new.objectives:
            for milestone in milestones:
                milestone["dri"] = self.named(milestone["dri"])
        every = [m for _objective, milestones in new.objectives for m in milestones]
        ahead = sum(m["due_on"] >= today for m in every)
        recent = sum(today - timedelta(days=40) <= m["due_on"] < today for m in every)
        slips = self.between(1, 2) if story == SLIPPED else 0  # of the latest past ones
        added: list[date] = []
        if ahead < 2:  # the template is behind it: this year's milestones, the CSM's own
            added += [today + timedelta(days=self.between(3, 120)) for _ in range(3 - ahead)]
        wanted = max(slips, 1 if ahead < 2 else 0)  # and one done lately
        added += [self.days_ago(3, 30) for _ in range(wanted - recent)]
        if story == ON_TRACK and book.due_this_week < 2:  # the first two: due this week
            added.append(today + timedelta(days=2 + 2 * book.due_this_week))
            book.due_this_week += 1
        for number, due in enumerate(sorted(added)):
            every.append(self.added(new, number, due, created))
        every.sort(key=lambda m: m["due_on"])
        past = [m for m in every if m["due_on"] < today]
        slipped = {id(m) for m in past[len(past) - slips :]}
        blocked = next((m for m in every if m["due_on"] >= today), None)
        for milestone in every:
            due = milestone["due_on"]
            if story == BLOCKED and milestone is blocked:
                since = max(self.days_ago(1, 14), milestone["created_at"].date())
                contact = account.person(Persona.EXECUTIVE_SPONSOR, Persona.CHAMPION).name
                reason = self.pick(BLOCKED_REASONS).format(contact=contact, team=self.pick(TEAMS))
                milestone.update(
                    status=VALUE[MilestoneStatus.BLOCKED],
                    blocked_reason=reason,
                    blocked_on=since,
                    updated_at=book.at(since, 11),
                )
            elif id(milestone) in slipped:  # in progress when its day passed: slipped
                milestone.update(status=VALUE[MilestoneStatus.IN_PROGRESS])
            elif due < today:
                finished = due + timedelta(days=self.between(-5, 2))
                finished = max(milestone["created_at"].date(), min(finished, self.yesterday))
                done = book.at(finished, 15)
                milestone.update(
                    status=VALUE[MilestoneStatus.DONE], completed_at=done, updated_at=done
                )
            elif (due - today).days <= 21 and self.rng.random() < 0.7:
                milestone.update(
                    status=VALUE[MilestoneStatus.IN_PROGRESS],
                    updated_at=max(milestone["created_at"], book.at(reviewed, 16)),
                )

    def added(self, new: NewPlan, number: int, due: date, created: date) -> Values:
        """A milestone the CSM added to the plan (on its adoption or value objective)."""
        book, account = self.book, self.account
        objective, milestones = new.objectives[min(len(new.objectives) - 1, 1 + number % 2)]
        taken = {m["title"] for _objective, ms in new.objectives for m in ms}
        for _ in range(5):  # one of each in a plan
            title = self.pick(MILESTONES).format(
                feature=self.pick(FEATURES),
                team=self.pick(TEAMS),
                contact=account.person(Persona.EXECUTIVE_SPONSOR).name,
            )
            if title not in taken:
                break
        who = self.rng.random()
        dri = (
            account.person(Persona.CHAMPION, Persona.TECHNICAL_LEAD).name
            if who < 0.5
            else account.owner.name
            if who < 0.9
            else account.account["ae"]
        )
        since = min(due, self.yesterday) - timedelta(days=self.between(14, 45))
        made = book.at(min(self.yesterday, max(created, since)), 11)
        milestone: Values = {
            "id": book.plan_uid(),
            "created_at": made,
            "updated_at": made,
            "objective_id": objective["id"],
            "title": title,
            "due_on": due,
            "dri": dri,
            "status": VALUE[MilestoneStatus.PLANNED],
            "completed_at": None,
            "note": None,
            "blocked_reason": None,
            "blocked_on": None,
            "position": len(milestones),
        }
        milestones.append(milestone)
        return milestone

    def named(self, role: str | None) -> str | None:
        """The person a template's role stands for, named by the CSM (a role without a person
        in the demo, like SA, stays a role)."""
        account = self.account
        match role:
            case "CSM":
                return account.owner.name
            case "customer champion":
                return account.person(Persona.CHAMPION).name
            case "customer technical lead":
                return account.person(Persona.TECHNICAL_LEAD, Persona.CHAMPION).name
            case "AE":
                return str(account.account["ae"])
        return role
