"""Who the demo team is and what each account of the book must be, decided before any row is
written: the segment and health band mixes, who owns which account, whose health dropped
overnight, which accounts have an open escalation (every level present, some of the demo user's
among them), what each success plan's story is (`plan_success_plans`), how many cadence calls
each CSM makes a week (`plan_calls`), and how much history a book of this size gets."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from csm_tui.domain.enums import Priority, Segment, TouchKind
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


# The routine touches (`writer`): one every `INTERVALS` days or so (0.7 to 1.3 times it), of a
# kind drawn from `ROUTINE` (`ROUTINE_SCALE` in the scale group), by cumulative weights.
#: Interval in days between routine touches, by segment group and priority (seeds 000:
#: enterprise PR1 bi-weekly, PR2 monthly; commercial PR1 bi-weekly to monthly; scale quarterly).
INTERVALS = {
    ("enterprise", Priority.PR1): 14,
    ("enterprise", Priority.PR2): 30,
    ("enterprise", Priority.PR3): 45,
    ("commercial", Priority.PR1): 21,
    ("commercial", Priority.PR2): 45,
    ("commercial", Priority.PR3): 75,
    ("scale", Priority.PR1): 45,
    ("scale", Priority.PR2): 90,
    ("scale", Priority.PR3): 120,
}
ROUTINE = (  # routine touch kinds and cumulative weights
    (
        TouchKind.CADENCE_CALL,
        TouchKind.EMAIL,
        TouchKind.MEETING,
        TouchKind.TRAINING,
        TouchKind.NOTE,
    ),
    (55, 75, 85, 92, 100),
)
ROUTINE_SCALE = (
    (
        TouchKind.CADENCE_CALL,
        TouchKind.EMAIL,
        TouchKind.TRAINING,
        TouchKind.NOTE,
        TouchKind.MEETING,
    ),
    (35, 75, 85, 95, 100),
)
#: The priority of an account that is neither red nor escalated (`writer` draws it): PR1 below
#: the first roll, and in the scale group PR3 above the second; PR2 otherwise.
PR1_BELOW = 0.13
PR3_ABOVE = 0.65
#: The top-up calls (`plan_calls`): an account's share by band, a fifth of the calm accounts
#: (neither red, escalated nor onboarding) left out, at least one (two of the demo user's): a CSM
#: has accounts they call less than they should, which the queue shows overdue. At most one
#: extra call a week on any one account.
_CALL_WEIGHT = {HealthBand.GREEN: 1.0, HealthBand.YELLOW: 1.25, HealthBand.RED: 1.5}
_LEFT_OUT = 0.2
MOST_EXTRA_CALLS = 1.0


# -- the fixed team --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoMember:
    """One person of the demo team (fixed names: the demo user is the same whatever the seed).

    `pace`: the cadence calls they make in a week, as a share of their segment's weekly target
    (`[wrapup] cadence_calls_per_week`), whatever the size of the book (`plan_calls`); fixed,
    not drawn from the seed, so that the demo user's week always looks the same: a little
    ahead of the target."""

    name: str
    email: str
    group: str | None  # enterprise / commercial / scale; None for the manager
    target: int
    pace: float = 1.0


_MANAGER = DemoMember("Jordan Reyes", DEMO_MANAGER_EMAIL, None, 5)
_CORE_CSMS = (
    DemoMember("Maya Patel", DEMO_USER_EMAIL, "enterprise", 12, 1.2),
    DemoMember("Daniel Okafor", f"daniel.okafor@{DEMO_DOMAIN}", "enterprise", 12, 0.8),
    DemoMember("Sofia Lindqvist", f"sofia.lindqvist@{DEMO_DOMAIN}", "commercial", 20, 1.1),
    DemoMember("Marcus Chen", f"marcus.chen@{DEMO_DOMAIN}", "commercial", 20, 0.7),
    DemoMember("Priya Raman", f"priya.raman@{DEMO_DOMAIN}", "scale", 35, 1.0),
    DemoMember("Tom Gallagher", f"tom.gallagher@{DEMO_DOMAIN}", "scale", 35, 0.6),
)
#: The paces the CSMs beyond the core six take in turn: a bigger team shows the same spread.
_PACES = tuple(member.pace for member in _CORE_CSMS)
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
            pace = _PACES[(len(members) - 1 - len(_CORE_CSMS)) % len(_PACES)]
            members.append(DemoMember(f"{first} {last}", email, group, TARGETS[group], pace))
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
    #: Cadence calls a week on top of the routine touches (`plan_calls`): the owner's top-up.
    extra_calls: float = 0.0
    #: The share of the routine cadence calls held as calls; the rest become e-mails and
    #: meetings (an owner whose book alone would put them far above their pace).
    keep_calls: float = 1.0


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


def routine_calls(plan: Plan) -> float:
    """The routine cadence calls a week the writer gives the account, on average over the
    priorities it may draw (a red or escalated account is PR1)."""
    group = GROUP[plan.segment]
    kinds, weights = ROUTINE_SCALE if group == "scale" else ROUTINE
    calls = weights[kinds.index(TouchKind.CADENCE_CALL)] / weights[-1]
    if plan.band == HealthBand.RED or plan.escalation is not None:
        odds = {Priority.PR1: 1.0}
    elif group == "scale":
        odds = {Priority.PR1: PR1_BELOW, Priority.PR2: PR3_ABOVE - PR1_BELOW}
        odds[Priority.PR3] = 1 - PR3_ABOVE
    else:
        odds = {Priority.PR1: PR1_BELOW, Priority.PR2: 1 - PR1_BELOW}
    # The gap is int(interval * (0.7 to 1.3)): half a day shorter than the interval on average.
    return sum(share * calls * 7 / (INTERVALS[group, p] - 0.5) for p, share in odds.items())


def plan_calls(
    rng: random.Random,
    team: Sequence[DemoMember],
    plans: list[Plan],
    targets: Mapping[str, int],
) -> None:
    """How each CSM comes to make `pace` x their weekly cadence-call target (`targets`, by
    segment group), whatever the size of their book: the routine touches alone would give a
    small book too few calls and a big one far too many.

    A CSM whose routine calls fall short gets extra calls on their accounts
    (`Plan.extra_calls`): the calls missing shared by weight (red accounts first, then
    yellow), none on a fifth of the calm accounts, at most one a week on any account: a book
    too small to take them all (a few dozen accounts) leaves its CSM under their pace. A CSM
    above their pace holds only that share of their routine calls as calls
    (`Plan.keep_calls`). The writer gives the calls out so that the recent weeks come out at
    the pace whatever its draws (`BookWriter.owed`)."""
    books: dict[int, list[int]] = {}
    for index, plan in enumerate(plans):
        books.setdefault(plan.owner, []).append(index)
    for owner, indexes in books.items():
        member = team[owner]
        if member.group is None or member.group not in targets:
            continue
        wanted = member.pace * targets[member.group]
        routine = sum(routine_calls(plans[i]) for i in indexes)
        if routine >= wanted:
            for i in indexes:
                plans[i].keep_calls = wanted / routine
            continue
        calm = [
            i
            for i in indexes
            if plans[i].band != HealthBand.RED
            and plans[i].escalation is None
            and not plans[i].onboarding
        ]
        left_out = max(round(len(calm) * _LEFT_OUT), 2 if member.email == DEMO_USER_EMAIL else 1)
        quiet = set(rng.sample(calm, min(left_out, len(calm))))
        called = [i for i in indexes if i not in quiet]
        _share_out(plans, called, wanted - routine)


def _share_out(plans: list[Plan], among: list[int], calls: float) -> None:
    """`calls` a week shared among the accounts by weight, at most `MOST_EXTRA_CALLS` each."""
    free = {i: _CALL_WEIGHT[plans[i].band] for i in among}
    while free and calls > 1e-9:
        each = calls / sum(free.values())
        full = [i for i, weight in free.items() if weight * each >= MOST_EXTRA_CALLS]
        if not full:
            for i, weight in free.items():
                plans[i].extra_calls = weight * each
            return
        for i in full:
            plans[i].extra_calls = MOST_EXTRA_CALLS
            calls -= MOST_EXTRA_CALLS
            del free[i]
