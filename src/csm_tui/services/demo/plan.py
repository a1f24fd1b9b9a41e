"""Who the demo team is and what each account of the book must be, decided before any row is
written: the segment and health band mixes, who owns which account, whose health dropped
overnight, which accounts have an open escalation (every level present, some of the demo user's
among them), what each success plan's story is (`plan_success_plans`), and how much history a
book of this size gets."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from csm_tui.domain.enums import Segment
from csm_tui.domain.health import HealthBand
from csm_tui.services.demo.words import FIRST_NAMES, LAST_NAMES, slug

T = TypeVar("T")

DEMO_DOMAIN = "demo.csm-tui.dev"
DEMO_USER_EMAIL = f"maya.patel@{DEMO_DOMAIN}"
DEMO_MANAGER_EMAIL = f"jordan.reyes@{DEMO_DOMAIN}"

#: Books up to this size get a full year of history per account (see `Density`).
FULL_HISTORY_ACCOUNTS = 10_000

GROUP = {
    Segment.ENTERPRISE: "enterprise",
    Segment.COMMERCIAL: "commercial",
    Segment.MID_MARKET: "commercial",
    Segment.SMB: "scale",
    Segment.SCALE: "scale",
}
_SEGMENT_MIX = {
    Segment.ENTERPRISE: 0.15,
    Segment.COMMERCIAL: 0.30,
    Segment.MID_MARKET: 0.10,
    Segment.SMB: 0.15,
    Segment.SCALE: 0.30,
}
_BAND_MIX = {HealthBand.GREEN: 0.70, HealthBand.YELLOW: 0.20, HealthBand.RED: 0.10}

# The stories of a success plan (`Plan.success`): how it stands on `today`. An active plan is on
# track (reviewed in the last month, every objective measured, past milestones done), or at risk
# for one reason: milestones slipped, one blocked, the review overdue, an objective unmeasured.
# A draft is not agreed with the customer yet (the onboarding ones, a few Enterprise ones).
ON_TRACK = "on-track"
SLIPPED = "slipped"
BLOCKED = "blocked"
REVIEW = "review"
UNMEASURED = "unmeasured"
DRAFT = "draft"
#: Chance that an account of the segment has a success plan (seeds: every Enterprise customer).
_PLAN_CHANCE = {
    Segment.ENTERPRISE: 1.0,
    Segment.COMMERCIAL: 0.85,
    Segment.MID_MARKET: 0.8,
    Segment.SMB: 0.6,
    Segment.SCALE: 0.1,
}
#: The share of active plans at risk, by story (the rest are on track).
_AT_RISK = {SLIPPED: 0.15, BLOCKED: 0.05, REVIEW: 0.10, UNMEASURED: 0.03}
#: Trouble shows in the plan: slipped and blocked milestones are likelier on red and yellow
#: accounts (weights).
_TROUBLE = {HealthBand.GREEN: 1.0, HealthBand.YELLOW: 3.0, HealthBand.RED: 5.0}
#: The share of Enterprise accounts without an active plan, though the seeds want one for each:
#: the gaps the book of plans shows (a draft not yet agreed, or no plan at all).
_ENTERPRISE_GAPS = 0.06


# -- the fixed team --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoMember:
    """One person of the demo team (fixed names: the demo user is the same whatever the seed)."""

    name: str
    email: str
    group: str | None  # enterprise / commercial / scale; None for the manager
    target: int


_MANAGER = DemoMember("Jordan Reyes", DEMO_MANAGER_EMAIL, None, 5)
_CORE_CSMS = (
    DemoMember("Maya Patel", DEMO_USER_EMAIL, "enterprise", 12),
    DemoMember("Daniel Okafor", f"daniel.okafor@{DEMO_DOMAIN}", "enterprise", 12),
    DemoMember("Sofia Lindqvist", f"sofia.lindqvist@{DEMO_DOMAIN}", "commercial", 20),
    DemoMember("Marcus Chen", f"marcus.chen@{DEMO_DOMAIN}", "commercial", 20),
    DemoMember("Priya Raman", f"priya.raman@{DEMO_DOMAIN}", "scale", 35),
    DemoMember("Tom Gallagher", f"tom.gallagher@{DEMO_DOMAIN}", "scale", 35),
)
TARGETS = {"enterprise": 12, "commercial": 20, "scale": 35}
_GROUP_SHARE = {"enterprise": 0.3, "commercial": 0.4, "scale": 0.3}


def team_for(accounts: int) -> tuple[DemoMember, ...]:
    """The manager and the CSMs: six for a normal book, one per ~400 accounts beyond that.

    Names do not depend on the seed, so the demo user is always the same person.
    """
    total = max(len(_CORE_CSMS), accounts // 400)
    wanted = {group: max(2, round(total * share)) for group, share in _GROUP_SHARE.items()}
    members = [_MANAGER, *_CORE_CSMS]
    emails = {member.email for member in members}
    serial = 0
    for group in ("enterprise", "commercial", "scale"):
        for _ in range(wanted[group] - 2):
            while True:  # walks through every first/last pair before repeating one
                shift = serial // len(FIRST_NAMES)
                first = FIRST_NAMES[(serial * 7 + 3) % len(FIRST_NAMES)]
                last = LAST_NAMES[(serial * 13 + 5 + shift) % len(LAST_NAMES)]
                serial += 1
                email = f"{slug(first)}.{slug(last)}@{DEMO_DOMAIN}"
                if email not in emails:
                    break
            emails.add(email)
            members.append(DemoMember(f"{first} {last}", email, group, TARGETS[group]))
    return tuple(members)


# -- planning ------------------------------------------------------------------------------------


@dataclass(slots=True)
class Plan:
    """What one account must be, decided before any row is generated."""

    segment: Segment
    owner: int  # index into the team
    band: HealthBand
    trend: str = "steady"  # steady | slide | recover
    dropped: bool = False  # score on `today` lower than on the day before
    escalation: int | None = None  # level of an open escalation
    past_escalation: bool = False
    onboarding: bool = False
    success: str | None = None  # the success plan's story (ON_TRACK ...); None: no plan


@dataclass(frozen=True)
class Density:
    """How much history each account gets.

    A real team's book (up to 10,000 accounts) gets a year of it: weekly health snapshots,
    a year of touches, up to eight contacts. Bigger books exist for benchmarks, where the number
    of accounts is the point and the build has to stay short (benchmarks: build): they get two
    weeks of weekly snapshots (plus yesterday's), 45 days of touches, at most three contacts and
    a fifth of the success plans.
    """

    snapshot_weeks: int
    history_days: int
    max_contacts: int
    plan_share: float

    @classmethod
    def for_book(cls, accounts: int) -> Density:
        if accounts <= FULL_HISTORY_ACCOUNTS:
            return cls(snapshot_weeks=52, history_days=365, max_contacts=8, plan_share=1.0)
        return cls(snapshot_weeks=2, history_days=45, max_contacts=3, plan_share=0.2)


def allot(rng: random.Random, count: int, mix: dict[T, float]) -> list[T]:
    """Exactly `count` values in the proportions of `mix` (largest remainder), shuffled."""
    exact = {key: count * share for key, share in mix.items()}
    sizes = {key: int(value) for key, value in exact.items()}
    by_remainder = sorted(mix, key=lambda key: exact[key] - sizes[key], reverse=True)
    for key in by_remainder[: count - sum(sizes.values())]:
        sizes[key] += 1
    values = [key for key in mix for _ in range(sizes[key])]
    rng.shuffle(values)
    return values


def plan_book(
    rng: random.Random, team: Sequence[DemoMember], count: int
) -> tuple[list[Plan], set[int]]:
    """What each of `count` accounts must be, and the accounts whose open escalation has a
    fixed timeline (`writer` gives those five known ages)."""
    segments = allot(rng, count, _SEGMENT_MIX)
    bands = allot(rng, count, _BAND_MIX)
    if count >= 3:  # tiny books still show every band
        for band in (HealthBand.RED, HealthBand.YELLOW):
            if band not in bands:
                bands[bands.index(HealthBand.GREEN)] = band
    members = {group: [i for i, m in enumerate(team) if m.group == group] for group in TARGETS}
    turns: Counter[str] = Counter()
    plans = []
    for segment, band in zip(segments, bands, strict=True):
        group = GROUP[segment]
        owner = members[group][turns[group] % len(members[group])]
        turns[group] += 1
        plans.append(Plan(segment=segment, owner=owner, band=band))
    # Give the person the demo opens as (Maya) something to triage.
    demo_user = next(i for i, m in enumerate(team) if m.email == DEMO_USER_EMAIL)
    mine = [i for i, plan in enumerate(plans) if plan.owner == demo_user]
    for band in (HealthBand.RED, HealthBand.YELLOW):
        if len(mine) >= 4 and all(plans[i].band != band for i in mine):
            other = next((i for i, p in enumerate(plans) if p.band == band), None)
            greens = [i for i in mine if plans[i].band == HealthBand.GREEN]
            if other is not None and greens:
                plans[other].band, plans[greens[0]].band = HealthBand.GREEN, band
    for plan in plans:
        plan.onboarding = rng.random() < 0.08
        if plan.band == HealthBand.GREEN:
            plan.trend = "recover" if rng.random() < 0.12 else "steady"
        else:
            plan.trend = "slide" if rng.random() < 0.5 else "steady"
    _plan_drops(rng, plans, mine)
    forced = _plan_escalations(rng, plans, mine)
    return plans, forced


def _plan_drops(rng: random.Random, plans: list[Plan], mine: list[int]) -> None:
    """A few accounts whose health fell overnight: half into a worse band, some of Maya's."""
    wanted = min(len(plans), max(3, len(plans) // 40))
    order = list(range(len(plans)))
    rng.shuffle(order)
    worse = [i for i in order if plans[i].band != HealthBand.GREEN]
    chosen = [i for i in mine if plans[i].band != HealthBand.GREEN][:1] + mine[:1]
    dropped = 0
    for i in chosen + worse[: wanted // 2] + order:
        if dropped == wanted:
            break
        if not plans[i].dropped:
            plans[i].dropped = True
            dropped += 1


def _plan_escalations(rng: random.Random, plans: list[Plan], mine: list[int]) -> set[int]:
    """Open escalations on red (then yellow) accounts, every level present, highest levels on
    enterprise accounts, and a few resolved ones in the past; the first one of each level."""
    reds = [i for i, p in enumerate(plans) if p.band == HealthBand.RED]
    yellows = [i for i, p in enumerate(plans) if p.band == HealthBand.YELLOW]
    rng.shuffle(reds)
    rng.shuffle(yellows)
    mine_set = set(mine)
    my_reds = [i for i in reds if i in mine_set][:1]
    wanted = max(5, round(len(plans) * 0.04))
    candidates = my_reds + [i for i in reds if i not in my_reds] + yellows
    chosen = candidates[:wanted]
    rank = {Segment.ENTERPRISE: 0, Segment.COMMERCIAL: 1, Segment.MID_MARKET: 1}
    chosen.sort(key=lambda i: rank.get(plans[i].segment, 2))
    levels = [5, 4, 3, 2, 1][: len(chosen)]
    while len(levels) < len(chosen):
        levels.append(rng.choices((1, 2, 3, 4, 5), weights=(35, 30, 20, 10, 5))[0])
    for i, level in zip(chosen, levels, strict=True):
        plans[i].escalation = level
    calm = [i for i, p in enumerate(plans) if p.escalation is None]
    for i in rng.sample(calm, min(len(calm), max(3, len(plans) // 50))):
        plans[i].past_escalation = True
    return set(chosen[:5])


def plan_success_plans(
    rng: random.Random, team: Sequence[DemoMember], plans: list[Plan], share: float
) -> None:
    """Which accounts have a success plan (a `share` of the usual ones in a thinner book) and
    each plan's story (`Plan.success`): most on track, the `_AT_RISK` shares at risk (the
    trouble on red and yellow accounts first), a few Enterprise accounts without an active
    plan. The demo user's accounts show every case: one without a plan, one slipped, one
    blocked, one review overdue, the rest on track.

    Onboarding accounts are on track (the writer makes the newest ones drafts): their plan has
    only just started."""
    for plan in plans:
        if rng.random() < _PLAN_CHANCE[plan.segment] * share:
            plan.success = ON_TRACK
    demo_user = next(i for i, m in enumerate(team) if m.email == DEMO_USER_EMAIL)
    enterprise = [i for i, p in enumerate(plans) if p.segment == Segment.ENTERPRISE and p.success]
    rng.shuffle(enterprise)
    gaps = round(len(enterprise) * _ENTERPRISE_GAPS)
    if gaps:
        # One of the demo user's with no plan at all; the others on the rest of the team: a
        # draft on an onboarding account first (a plan still being agreed), then no plan.
        mine = [
            i
            for i in enterprise
            if plans[i].owner == demo_user
            and not plans[i].onboarding
            and plans[i].band == HealthBand.GREEN
            and plans[i].escalation is None  # a quiet account, where a plan is simply missing
        ]
        others = sorted(
            (i for i in enterprise if plans[i].owner != demo_user),
            key=lambda i: not plans[i].onboarding,
        )
        drafts = others[: max(1, gaps // 2)]
        nones = mine[:1] + [i for i in others if i not in drafts]
        for i in drafts:
            plans[i].success = DRAFT
        for i in nones[: max(1, gaps - len(drafts))]:
            plans[i].success = None
    active = [i for i, p in enumerate(plans) if p.success == ON_TRACK]
    eligible = [i for i in active if not plans[i].onboarding]

    def pick(story: str, among: list[int], count: int) -> None:
        """The `count` accounts of `among` given the story: weighted draws without replacement
        (a larger u ** (1 / weight) first), trouble on red and yellow accounts first."""
        free = [i for i in among if plans[i].success == ON_TRACK]
        trouble = story in (SLIPPED, BLOCKED)
        keys = {
            i: rng.random() ** (1 / (_TROUBLE[plans[i].band] if trouble else 1.0)) for i in free
        }
        for i in sorted(free, key=lambda i: -keys[i])[:count]:
            plans[i].success = story

    mine = [i for i in eligible if plans[i].owner == demo_user]
    if len(mine) >= 4:
        for story in (SLIPPED, BLOCKED, REVIEW):
            pick(story, mine, 1)
    for story, part in _AT_RISK.items():
        wanted = round(len(active) * part)
        if story != UNMEASURED and len(active) >= 4:
            wanted = max(1, wanted)  # every case shows, even in a small book
        already = sum(plans[i].success == story for i in active)
        pick(story, [i for i in eligible if plans[i].owner != demo_user], wanted - already)
