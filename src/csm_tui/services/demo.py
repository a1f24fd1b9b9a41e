"""A realistic, deterministic demo book of business.

Everything is derived from `seed` and `today` (one `random.Random` for content, a second one for
UUIDs, timestamps as offsets from `today`), so the same arguments always give the same database:
screenshots, snapshot tests and benchmarks stay stable. Rows are generated as plain dicts a
chunk of accounts at a time and written with Core bulk inserts (`store.bulk`), never as ORM
objects. Books above 10,000 accounts exist for benchmarks; they get a thinner history per
account (`_Density`) so that 100,000 accounts still build in about a minute on a slow machine.

What must be there for the product to have something to show (every segment and band, open
escalations at all five levels, milestones in every status, health drops since yesterday,
accounts of the demo user among them) is planned up front rather than left to chance.
"""

from __future__ import annotations

import random
import time as clock
import unicodedata
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Table

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
)
from csm_tui.store.bulk import bulk_session, gc_paused, insert_rows
from csm_tui.store.database import Database

T = TypeVar("T")
Row = dict[str, Any]

#: Enum members to their stored strings: `.value` is a slow descriptor in the hot loops.
_VALUE: dict[Any, str] = {
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

_UUID_MASK = ~((0xF << 76) | (0x3 << 62)) & ((1 << 128) - 1)  # version and variant bits
_UUID_V4 = (0x4 << 76) | (0x2 << 62)

DEMO_DOMAIN = "demo.csm-tui.dev"
DEMO_USER_EMAIL = f"maya.patel@{DEMO_DOMAIN}"
DEMO_MANAGER_EMAIL = f"jordan.reyes@{DEMO_DOMAIN}"

#: Accounts generated (and written) together; bounds memory for benchmark-sized books.
CHUNK_ACCOUNTS = 1_000
#: Books up to this size get a full year of history per account (see `_Density`).
FULL_HISTORY_ACCOUNTS = 10_000

#: Tables in foreign-key order: parents are written before their children.
_TABLES: tuple[Table, ...] = tuple(
    model.__table__  # type: ignore[union-attr]
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


@dataclass(frozen=True)
class DemoSummary:
    accounts: int
    team_members: int
    contacts: int
    touchpoints: int
    health_snapshots: int
    escalations: int
    milestones: int
    seconds: float


def build_demo(db: Database, *, accounts: int = 300, seed: int = 7, today: date) -> DemoSummary:
    """Fill an empty, migrated database with a demo book, in one transaction."""
    started = clock.perf_counter()
    counts: Counter[str] = Counter()
    with gc_paused(), db.writing() as session:
        connection = session.connection()
        with bulk_session(connection):
            for batch in generate(accounts=accounts, seed=seed, today=today):
                for table in _TABLES:
                    rows = batch.get(table.name)
                    if rows:
                        counts[table.name] += insert_rows(connection, table, rows)
    return DemoSummary(
        accounts=counts["account"],
        team_members=counts["team_member"],
        contacts=counts["contact"],
        touchpoints=counts["touchpoint"],
        health_snapshots=counts["health_snapshot"],
        escalations=counts["escalation"],
        milestones=counts["milestone"],
        seconds=clock.perf_counter() - started,
    )


def generate(
    *, accounts: int, seed: int, today: date, chunk: int = CHUNK_ACCOUNTS
) -> Iterator[dict[str, list[Row]]]:
    """The demo book as batches of rows per table name: the team first, then accounts in chunks.

    Pure: no clock, no global random state, no database.
    """
    book = _BookGenerator(accounts=accounts, seed=seed, today=today)
    yield book.team_batch()
    for start in range(0, accounts, chunk):
        yield book.account_batch(range(start, min(accounts, start + chunk)))


# -- word lists ----------------------------------------------------------------------------------

_COMPANY_PREFIXES = (
    "Northwind",
    "Bluepeak",
    "Ironclad",
    "Silverline",
    "Redwood",
    "Brightwater",
    "Summit",
    "Crescent",
    "Harbor",
    "Granite",
    "Evergreen",
    "Lakeshore",
    "Cobalt",
    "Meridian",
    "Pinnacle",
    "Sterling",
    "Horizon",
    "Keystone",
    "Riverbend",
    "Oakridge",
    "Falcon",
    "Beacon",
    "Copperfield",
    "Driftwood",
    "Ember",
    "Foxglove",
    "Glacier",
    "Highland",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Maple",
    "Nimbus",
    "Orchard",
    "Paragon",
    "Quarry",
    "Rainier",
    "Sable",
    "Tidewater",
    "Vantage",
    "Willow",
    "Zephyr",
    "Anchor",
    "Birchwood",
    "Cascade",
    "Frontier",
    "Hawthorne",
    "Indigo",
    "Jasper",
    "Larkspur",
    "Mosaic",
    "Northstar",
    "Obsidian",
    "Prairie",
    "Ridgeline",
    "Sequoia",
    "Trailhead",
    "Vertex",
    "Westbrook",
    "Aspen",
    "Bayview",
    "Clearwater",
    "Everest",
    "Fairview",
    "Greystone",
    "Halcyon",
    "Ironwood",
    "Lighthouse",
    "Marlow",
    "Oakmont",
    "Pioneer",
    "Redstone",
    "Stonebridge",
    "Thornbury",
    "Windmere",
    "Alder",
    "Bramble",
    "Corvid",
    "Dunmore",
    "Elmstead",
)
_COMPANY_SUFFIXES = (
    "Logistics",
    "Analytics",
    "Health",
    "Foods",
    "Energy",
    "Robotics",
    "Capital",
    "Insurance",
    "Manufacturing",
    "Software",
    "Systems",
    "Labs",
    "Retail",
    "Media",
    "Biotech",
    "Pharma",
    "Telecom",
    "Networks",
    "Dynamics",
    "Freight",
    "Financial",
    "Partners",
    "Consulting",
    "Education",
    "Hospitality",
    "Motors",
    "Aerospace",
    "Materials",
    "Outfitters",
    "Apparel",
    "Security",
    "Cloud",
    "Payments",
    "Realty",
    "Utilities",
    "Farms",
    "Marine",
    "Medical",
    "Semiconductors",
    "Learning",
    "Studios",
    "Brewing",
    "Transit",
    "Water",
    "Data",
    "Mobility",
    "Textiles",
    "Clinics",
    "Travel",
    "Games",
)
_REGIONS = (
    "EMEA",
    "APAC",
    "Americas",
    "Nordics",
    "DACH",
    "UK",
    "Canada",
    "Iberia",
    "Benelux",
    "LATAM",
    "ANZ",
    "Japan",
)
_TLDS = (".com", ".com", ".com", ".io", ".co", ".net")
_FIRST_NAMES = (
    "Aisha",
    "Alejandro",
    "Amara",
    "Anders",
    "Ananya",
    "Arjun",
    "Beatriz",
    "Ben",
    "Camille",
    "Carlos",
    "Chen",
    "Chloe",
    "Dario",
    "David",
    "Diana",
    "Elena",
    "Emeka",
    "Emily",
    "Farah",
    "Felix",
    "Fiona",
    "Gabriel",
    "Grace",
    "Hana",
    "Hassan",
    "Ines",
    "Isaac",
    "Ivy",
    "Jamal",
    "Jana",
    "Javier",
    "Jin",
    "Julia",
    "Kai",
    "Kamala",
    "Kenji",
    "Laila",
    "Lars",
    "Leah",
    "Liam",
    "Lucia",
    "Malik",
    "Marta",
    "Mateo",
    "Mei",
    "Mira",
    "Nadia",
    "Naomi",
    "Nikhil",
    "Noah",
    "Olga",
    "Omar",
    "Paulo",
    "Rachel",
    "Rafael",
    "Rina",
    "Rohan",
    "Ruth",
    "Samir",
    "Sara",
    "Sean",
    "Selin",
    "Sipho",
    "Sven",
    "Tara",
    "Theo",
    "Tomasz",
    "Uma",
    "Valentina",
    "Victor",
    "Wei",
    "Yara",
    "Yusuf",
    "Zoe",
    "Hiroshi",
    "Ingrid",
    "Kwame",
    "Lena",
    "Nora",
    "Pedro",
)
_LAST_NAMES = (
    "Abara",
    "Andersson",
    "Baker",
    "Banerjee",
    "Becker",
    "Bianchi",
    "Brooks",
    "Castillo",
    "Chang",
    "Costa",
    "Dubois",
    "Eze",
    "Fischer",
    "Fitzgerald",
    "Garcia",
    "Gupta",
    "Haddad",
    "Hansen",
    "Hoffmann",
    "Ibrahim",
    "Ito",
    "Jensen",
    "Johansson",
    "Kaur",
    "Kim",
    "Kowalski",
    "Larsen",
    "Lee",
    "Lopez",
    "Mahlangu",
    "Martin",
    "Mendes",
    "Mensah",
    "Meyer",
    "Moreno",
    "Murphy",
    "Nakamura",
    "Nguyen",
    "Novak",
    "O'Brien",
    "Okonkwo",
    "Olsen",
    "Park",
    "Pereira",
    "Petrov",
    "Quinn",
    "Rahman",
    "Rossi",
    "Sato",
    "Schmidt",
    "Silva",
    "Singh",
    "Sokolova",
    "Suzuki",
    "Tanaka",
    "Torres",
    "Tran",
    "Varga",
    "Wagner",
    "Walsh",
    "Watanabe",
    "Weber",
    "Wong",
    "Yilmaz",
    "Zhang",
    "Zimmermann",
    "Alvarez",
    "Byrne",
    "Cohen",
    "Dlamini",
    "Ekström",
    "Fernandes",
    "Gallo",
    "Horvat",
    "Iyer",
    "Janssen",
    "Khan",
    "Lindgren",
    "Moretti",
    "Nilsson",
)
_AE_NAMES = (
    "Olivia Brandt",
    "Ethan Moreau",
    "Hannah Ocampo",
    "Lucas Whitfield",
    "Priyanka Desai",
    "Ryan Kowalczyk",
    "Sophie Laurent",
    "Adrian Castell",
    "Megan Foley",
    "Kofi Asante",
    "Elise Vogel",
    "Nathan Bell",
)
_AREA_CODES = ("212", "415", "312", "617", "206", "512", "303", "404", "646", "720", "617", "858")

_TITLES = {
    Persona.ECONOMIC_BUYER: ("CFO", "COO", "VP Finance", "SVP Operations", "Chief Digital Officer"),
    Persona.EXECUTIVE_SPONSOR: ("CIO", "CTO", "VP Engineering", "VP Operations", "Head of IT"),
    Persona.CHAMPION: (
        "Director of Platform",
        "Head of DevOps",
        "Engineering Manager",
        "Operations Manager",
        "Director of Customer Operations",
    ),
    Persona.TECHNICAL_LEAD: (
        "Staff Engineer",
        "Lead Architect",
        "Platform Lead",
        "Principal Engineer",
        "IT Manager",
        "Solutions Architect",
    ),
    Persona.END_USER: (
        "Software Engineer",
        "Analyst",
        "Support Specialist",
        "Operations Analyst",
        "Developer",
        "Data Engineer",
        "Project Coordinator",
        "QA Engineer",
    ),
}
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

_FEATURES = (
    "SSO",
    "the reporting dashboards",
    "CI pipelines",
    "the REST API",
    "workflow automation",
    "audit logs",
    "role-based access",
    "the Slack integration",
    "usage analytics",
    "the Salesforce connector",
    "alerting rules",
    "data exports",
    "the mobile app",
    "custom fields",
    "approval workflows",
    "the warehouse sync",
)
_GOALS = (
    "cutting onboarding time for new hires",
    "consolidating tooling across regions",
    "a single view of customer data",
    "faster month-end reporting",
    "less manual ticket triage",
    "audit readiness",
    "shipping releases weekly",
)
_TEAMS = ("EMEA support", "platform", "finance", "data", "field operations", "security", "mobile")
_TOPICS = {
    Sentiment.POSITIVE: (
        "interest in rolling out to another business unit",
        "a possible case study",
        "adding seats next quarter",
        "strong feedback on the new dashboards",
        "a reference call for sales",
        "a faster release cadence since go-live",
    ),
    Sentiment.NEUTRAL: (
        "questions about the roadmap",
        "the upcoming SSO migration",
        "a new admin on their side",
        "license true-up timing",
        "data retention settings",
        "API rate limits",
    ),
    Sentiment.NEGATIVE: (
        "slow responses on P2 support tickets",
        "budget pressure for next year",
        "a reorg in their IT department",
        "performance of large exports",
        "missing SAML group sync",
        "a competitor evaluation in one team",
        "low usage in the EMEA team",
        "frustration with last week's outage",
    ),
}
_RENEWAL_SIGNALS = {
    Sentiment.POSITIVE: ("expects to renew as is", "wants to add seats at renewal"),
    Sentiment.NEUTRAL: ("needs a procurement review first", "asked about multi-year pricing"),
    Sentiment.NEGATIVE: ("budget not confirmed yet", "is evaluating alternatives"),
}
_NEXT_STEPS = (
    "send the adoption report",
    "schedule training for new admins",
    "loop in support on the open ticket",
    "book the EBR",
    "share the roadmap deck",
    "confirm the renewal timeline with procurement",
    "update the success plan",
)
_CADENCE_SUMMARIES = (
    "Cadence call: reviewed adoption of {feature}; {contact} raised {topic}",
    "Cadence call with {contact}: {feature} rollout on track, {topic} came up",
    "Cadence call: usage trends for {feature}; {contact} asked about {topic}",
    "Cadence call: {contact} shared next-quarter priorities, mainly {goal}",
)
_EMAIL_SUMMARIES = (
    "Sent {contact} a recap and next steps after the session on {feature}",
    "Shared the best-practice guide for {feature} with {contact}",
    "Followed up with {contact} on {topic}",
)
_MEETING_SUMMARIES = (
    "Working session with {contact}'s team on {feature}",
    "Met {contact} and the AE about {goal}",
)
_TRAINING_SUMMARIES = (
    "Admin training on {feature} for {count} users",
    "Enablement workshop on {feature} for the {team} team",
)
_NOTE_SUMMARIES = (
    "Internal note: {topic} (heard from {contact})",
    "Usage check: adoption of {feature} {trend}",
)
_ACTION_TITLES = (
    "Send the {feature} best-practice guide",
    "Schedule admin training for the {team} team",
    "Share the usage report with {contact}",
    "Open a support ticket about {topic}",
    "Book the EBR with {contact}",
    "Confirm the renewal timeline with procurement",
    "Update the success plan",
    "Introduce {contact} to the product manager for {feature}",
)
_QUANTITATIVE = (
    # outcome, metric, baseline range, target range, unit
    ("Increase weekly active users", "Weekly active users", (28, 45), (75, 90), "%"),
    ("Reduce release cycle time", "Median cycle time", (8, 14), (2, 4), " days"),
    ("Resolve support tickets faster", "Mean time to resolution", (30, 48), (8, 16), " h"),
    ("Automate month-end reporting", "Reports automated", (5, 20), (70, 90), "%"),
    ("Ship more often", "Deployments per week", (2, 5), (10, 20), ""),
    ("Onboard new hires faster", "Days to first productive use", (15, 30), (5, 8), " days"),
    ("Raise license utilization", "Seats in use", (45, 60), (85, 95), "%"),
    ("Shrink the security findings backlog", "Open critical findings", (80, 200), (10, 25), ""),
)
_QUALITATIVE = (
    "Show ROI to the board at the annual review",
    "Standardize on one platform across business units",
    "Retire the legacy ticketing tool",
    "Pass the SOC 2 audit with the new audit trail",
    "Give leadership a single view of customer health",
)
_MILESTONES = (
    "Enable {feature} for all teams",
    "Migrate the remaining projects",
    "Train admins on {feature}",
    "Pilot {feature} with the {team} team",
    "Agree baseline metrics with {contact}",
    "Executive readout to {contact}",
    "Retire the legacy tool in the {team} team",
    "Security review sign-off",
    "Roll out to the second business unit",
    "Go live with {feature}",
)
_ESCALATION_REASONS = {
    RiskCategory.IMPLEMENTATION: (
        "Go-live slipped twice; the {feature} integration is blocked",
        "Data migration stalled at 40%",
    ),
    RiskCategory.SENTIMENT: (
        "Executive sponsor doubts the value delivered; downgrade discussed",
        "Champion left; the new lead is skeptical",
    ),
    RiskCategory.SUPPORT: (
        "Three P1 tickets in two weeks and slow responses",
        "Recurring failures of {feature}",
    ),
    RiskCategory.PRODUCT: (
        "Missing {feature} capability blocks the rollout",
        "Large exports too slow for month-end close",
    ),
    RiskCategory.COMPANY: (
        "Acquisition announced; the new parent uses a competitor",
        "Layoffs halved their admin team",
    ),
    RiskCategory.RENEWAL: (
        "Procurement asks for a 30% discount at renewal",
        "Renewal budget not approved for next year",
    ),
}
_RAISE_WHY = {
    2: "No fix within 48 h; support engineer engaged",
    3: "Customer unhappy with the pace; CSM manager involved",
    4: "Customer's executive escalated; VP Customer Success engaged",
    5: "Strategic account at risk; CEO/COO engaged",
}
_RESOLUTIONS = (
    (
        "Hotfix shipped and weekly check-ins restored confidence",
        "Bring support in at level 1 as soon as P1 tickets cluster",
    ),
    (
        "Executive sync agreed a revised rollout plan; go-live achieved",
        "Confirm the customer's resourcing before committing to dates",
    ),
    (
        "Renewal signed with a smaller discount and a training credit",
        "Raise renewal risk earlier than 90 days out",
    ),
    (
        "New champion onboarded and trained; usage back to baseline",
        "Keep at least two engaged contacts in every account",
    ),
)

#: Interval in days between routine touches, by segment group and priority (seeds 000:
#: enterprise PR1 bi-weekly, PR2 monthly; commercial PR1 bi-weekly to monthly; scale quarterly).
_INTERVALS = {
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
_GROUP = {
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
_PLAN_CHANCE = {
    Segment.ENTERPRISE: 1.0,
    Segment.COMMERCIAL: 0.85,
    Segment.MID_MARKET: 0.8,
    Segment.SMB: 0.6,
    Segment.SCALE: 0.1,
}
_SENTIMENT_ODDS = {  # chance of positive, and of positive-or-neutral, by band at the time
    HealthBand.GREEN: (0.55, 0.95),
    HealthBand.YELLOW: (0.25, 0.75),
    HealthBand.RED: (0.08, 0.5),
}
_NO_ACTIONS = (TouchKind.EMAIL, TouchKind.NOTE, TouchKind.NPS_SURVEY)
_ROUTINE = (  # routine touch kinds and cumulative weights
    (
        TouchKind.CADENCE_CALL,
        TouchKind.EMAIL,
        TouchKind.MEETING,
        TouchKind.TRAINING,
        TouchKind.NOTE,
    ),
    (55, 75, 85, 92, 100),
)
_ROUTINE_SCALE = (
    (
        TouchKind.CADENCE_CALL,
        TouchKind.EMAIL,
        TouchKind.TRAINING,
        TouchKind.NOTE,
        TouchKind.MEETING,
    ),
    (35, 75, 85, 95, 100),
)
_MILESTONE_ODDS = {  # planned, in-progress, done, slipped, blocked
    HealthBand.GREEN: (30, 25, 35, 5, 5),
    HealthBand.YELLOW: (25, 25, 25, 15, 10),
    HealthBand.RED: (20, 20, 20, 20, 20),
}
_ROMAN = ("II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


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
_TARGETS = {"enterprise": 12, "commercial": 20, "scale": 35}
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
                shift = serial // len(_FIRST_NAMES)
                first = _FIRST_NAMES[(serial * 7 + 3) % len(_FIRST_NAMES)]
                last = _LAST_NAMES[(serial * 13 + 5 + shift) % len(_LAST_NAMES)]
                serial += 1
                email = f"{_slug(first)}.{_slug(last)}@{DEMO_DOMAIN}"
                if email not in emails:
                    break
            emails.add(email)
            members.append(DemoMember(f"{first} {last}", email, group, _TARGETS[group]))
    return tuple(members)


# -- planning ------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Plan:
    """What one account must be, decided before any row is generated."""

    segment: Segment
    owner: int  # index into the team
    band: HealthBand
    trend: str = "steady"  # steady | slide | recover
    dropped: bool = False  # score on `today` lower than on the day before
    escalation: int | None = None  # level of an open escalation
    past_escalation: bool = False
    onboarding: bool = False


@dataclass(slots=True)
class _Person:
    id: uuid.UUID
    name: str
    persona: Persona


@dataclass(frozen=True)
class _Density:
    """How much history each account gets.

    A real team's book (up to 10,000 accounts) gets a year of it: weekly health snapshots,
    a year of touches, up to eight contacts. Bigger books exist for benchmarks, where the number
    of accounts is the point and the build has to stay within a minute: they get two weeks of
    weekly snapshots (plus yesterday's), 45 days of touches, at most three contacts and a fifth
    of the success plans.
    """

    snapshot_weeks: int
    history_days: int
    max_contacts: int
    plan_share: float

    @classmethod
    def for_book(cls, accounts: int) -> _Density:
        if accounts <= FULL_HISTORY_ACCOUNTS:
            return cls(snapshot_weeks=52, history_days=365, max_contacts=8, plan_share=1.0)
        return cls(snapshot_weeks=2, history_days=45, max_contacts=3, plan_share=0.2)


def _allot(rng: random.Random, count: int, mix: dict[T, float]) -> list[T]:
    """Exactly `count` values in the proportions of `mix` (largest remainder), shuffled."""
    exact = {key: count * share for key, share in mix.items()}
    sizes = {key: int(value) for key, value in exact.items()}
    by_remainder = sorted(mix, key=lambda key: exact[key] - sizes[key], reverse=True)
    for key in by_remainder[: count - sum(sizes.values())]:
        sizes[key] += 1
    values = [key for key in mix for _ in range(sizes[key])]
    rng.shuffle(values)
    return values


@lru_cache(maxsize=4096)
def _slug(text: str) -> str:
    """Lower-case ASCII letters and digits only, as in an e-mail address or a domain."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_text.lower() if ch.isalnum())


def _clamp(value: float) -> int:
    return 0 if value < 0 else 100 if value > 100 else int(value)


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


# -- the generator ---------------------------------------------------------------------------------


@dataclass
class _BookGenerator:
    accounts: int
    seed: int
    today: date
    rng: random.Random = field(init=False)
    ids: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.ids = random.Random(f"csm-tui demo ids {self.seed}")
        self.density = _Density.for_book(self.accounts)
        self.now = self.at(self.today, 9)
        self.team = team_for(self.accounts)
        self.team_ids = [self.uid() for _ in self.team]
        self.used_names: set[str] = set()
        self.milestone_serial = 0
        self.forced_escalations: set[int] = set()
        self.plans = self._plan()
        days = [
            self.today - timedelta(days=7 * week) for week in range(self.density.snapshot_weeks + 1)
        ]
        self.week_days = [(day, self.at(day, 6)) for day in days]  # taken at 06:00 each Monday

    # small helpers

    def uid(self) -> uuid.UUID:
        """A version-4 UUID from the id stream: the same as `UUID(int=..., version=4)`, faster."""
        return uuid.UUID(int=(self.ids.getrandbits(128) & _UUID_MASK) | _UUID_V4)

    @staticmethod
    def at(day: date, hour: int = 9) -> datetime:
        return _at(day, hour)

    def pick(self, items: Sequence[T]) -> T:
        return items[int(self.rng.random() * len(items))]

    def between(self, low: int, high: int) -> int:
        return low + int(self.rng.random() * (high - low + 1))

    def stamps(self, created: datetime, updated: datetime | None = None) -> Row:
        return {"id": self.uid(), "created_at": created, "updated_at": updated or created}

    # planning

    def _plan(self) -> list[_Plan]:
        rng, count = self.rng, self.accounts
        segments = _allot(rng, count, _SEGMENT_MIX)
        bands = _allot(rng, count, _BAND_MIX)
        if count >= 3:  # tiny books still show every band
            for band in (HealthBand.RED, HealthBand.YELLOW):
                if band not in bands:
                    bands[bands.index(HealthBand.GREEN)] = band
        members = {
            group: [i for i, m in enumerate(self.team) if m.group == group] for group in _TARGETS
        }
        turns: Counter[str] = Counter()
        plans = []
        for segment, band in zip(segments, bands, strict=True):
            group = _GROUP[segment]
            owner = members[group][turns[group] % len(members[group])]
            turns[group] += 1
            plans.append(_Plan(segment=segment, owner=owner, band=band))
        # Give the person the demo opens as (Maya) something to triage.
        demo_user = next(i for i, m in enumerate(self.team) if m.email == DEMO_USER_EMAIL)
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
        self._plan_drops(plans, mine)
        self._plan_escalations(plans, mine)
        return plans

    def _plan_drops(self, plans: list[_Plan], mine: list[int]) -> None:
        """A few accounts whose health fell overnight: half into a worse band, some of Maya's."""
        wanted = min(len(plans), max(3, len(plans) // 40))
        order = list(range(len(plans)))
        self.rng.shuffle(order)
        worse = [i for i in order if plans[i].band != HealthBand.GREEN]
        chosen = [i for i in mine if plans[i].band != HealthBand.GREEN][:1] + mine[:1]
        dropped = 0
        for i in chosen + worse[: wanted // 2] + order:
            if dropped == wanted:
                break
            if not plans[i].dropped:
                plans[i].dropped = True
                dropped += 1

    def _plan_escalations(self, plans: list[_Plan], mine: list[int]) -> None:
        """Open escalations on red (then yellow) accounts, every level present, highest levels on
        enterprise accounts; and a few resolved ones in the past."""
        rng = self.rng
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
        self.forced_escalations = set(chosen[:5])
        calm = [i for i, p in enumerate(plans) if p.escalation is None]
        for i in rng.sample(calm, min(len(calm), max(3, len(plans) // 50))):
            plans[i].past_escalation = True

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
                    "role": _VALUE[Role.MANAGER] if is_manager else _VALUE[Role.CSM],
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
        batch: dict[str, list[Row]] = {table.name: [] for table in _TABLES}
        for index in indexes:
            _AccountWriter(self, index, self.plans[index], batch).write()
        return batch

    def company_name(self) -> tuple[str, str]:
        """A unique company name and its e-mail domain."""
        prefix, suffix = self.pick(_COMPANY_PREFIXES), self.pick(_COMPANY_SUFFIXES)
        base = f"{prefix} {suffix}"
        domain = _slug(prefix + suffix) + self.pick(_TLDS)
        name = base
        if name in self.used_names:
            name = f"{base} {self.pick(_REGIONS)}"
        serial = 0
        while name in self.used_names:
            name = f"{base} {_ROMAN[serial]}" if serial < len(_ROMAN) else f"{base} {serial + 2}"
            serial += 1
        self.used_names.add(name)
        return name, domain

    def person_name(self) -> tuple[str, str]:
        return self.pick(_FIRST_NAMES), self.pick(_LAST_NAMES)


class _AccountWriter:
    """Generates every row of one account into the batch, in foreign-key order."""

    def __init__(self, book: _BookGenerator, index: int, plan: _Plan, batch: dict[str, list[Row]]):
        self.book, self.plan, self.batch, self.index = book, plan, batch, index
        self.rng = book.rng
        self.today = book.today
        self.group = _GROUP[plan.segment]
        self.owner = book.team[plan.owner]
        self.owner_id = book.team_ids[plan.owner]
        self.people: list[_Person] = []
        self.risks: set[RiskCategory] = set()

    def write(self) -> None:
        self.account_row()
        self.contacts()
        self.health_history()
        self.touches()
        self.success_plan()
        self.escalations()
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
            "segment": _VALUE[plan.segment],
            "priority": _VALUE[self.priority],
            "arr_cents": self.arr_cents,
            "owner_id": self.owner_id,
            "ae": book.pick(_AE_NAMES),
            "contract_start": start,
            "renewal_date": renewal,
            "go_live_date": self.go_live,
            "lifecycle_stage": _VALUE[self.stage],
            "health_score": self.score,
            "health_engagement": self.components[0],
            "health_success": self.components[1],
            "health_satisfaction": self.components[2],
            "health_financial": self.components[3],
            "snoozed_until": None,
            "snooze_reason": None,
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

    def current_components(self) -> tuple[int, int, int, int]:
        low, high = _BAND_RANGE[self.plan.band]
        target = self.book.between(low, high)
        for _ in range(8):
            parts = tuple(_clamp(target + self.book.between(-14, 14)) for _ in range(4))
            if low <= DEFAULT_WEIGHTS.score(*parts) <= high:
                return parts  # type: ignore[return-value]
        return (target, target, target, target)

    def choose_priority(self) -> Priority:
        if self.plan.band == HealthBand.RED or self.plan.escalation is not None:
            return Priority.PR1  # seeds 000: once red, a customer becomes PR1
        roll = self.rng.random()
        if roll < 0.13:
            return Priority.PR1
        if self.group == "scale" and roll > 0.65:
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
            local = f"{_slug(first)}.{_slug(last)}"
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
                "title": book.pick(_TITLES[persona]),
                "email": email,
                "phone": self.phone(),
                "persona": _VALUE[persona],
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
        return f"+1 {self.book.pick(_AREA_CODES)}-555-01{self.book.between(0, 99):02d}"

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
                parts = tuple(_clamp(part + self.overnight_drop()) for part in parts)  # type: ignore[assignment]
            elif rng.random() < 0.03:
                parts = tuple(_clamp(part - 4) for part in parts)  # type: ignore[assignment]
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
        interval = _INTERVALS[(self.group, self.priority)]
        kinds, weights = _ROUTINE_SCALE if self.group == "scale" else _ROUTINE
        planned: list[tuple[date, TouchKind]] = []
        day = today - timedelta(days=1 + int(rng.random() * interval * 1.3))
        while day >= first:
            planned.append((day, rng.choices(kinds, cum_weights=weights)[0]))
            day -= timedelta(days=max(3, int(interval * (0.7 + 0.6 * rng.random()))))
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
            notes = f"Next step: {book.pick(_NEXT_STEPS)}."
        stamp = book.at(day, 17)
        row = {
            **book.stamps(stamp),
            "external_id": None,
            "account_id": self.account_id,
            "owner_id": self.owner_id,
            "occurred_on": day,
            "kind": _VALUE[kind],
            "summary": summary,
            "notes": notes,
            "sentiment": _VALUE[sentiment],
        }
        self.batch["touchpoint"].append(row)
        for person in attendees:
            self.batch["touchpoint_attendee"].append(
                {"touchpoint_id": row["id"], "contact_id": person.id}
            )
        if kind not in _NO_ACTIONS and rng.random() < 0.35:
            self.action_item(row["id"], day, contact)
        return row["id"]

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
            "feature": book.pick(_FEATURES),
            "goal": book.pick(_GOALS),
            "topic": book.pick(_TOPICS[sentiment]),
            "team": book.pick(_TEAMS),
            "count": book.between(6, 60),
            "trend": {"positive": "is climbing", "neutral": "is flat", "negative": "is falling"}[
                _VALUE[sentiment]
            ],
        }
        match kind:
            case TouchKind.CADENCE_CALL:
                template = book.pick(_CADENCE_SUMMARIES)
            case TouchKind.EMAIL:
                template = book.pick(_EMAIL_SUMMARIES)
            case TouchKind.MEETING:
                template = book.pick(_MEETING_SUMMARIES)
            case TouchKind.TRAINING:
                template = book.pick(_TRAINING_SUMMARIES)
            case TouchKind.NOTE:
                template = book.pick(_NOTE_SUMMARIES)
            case TouchKind.EBR:
                template = (
                    "EBR with {contact}: progress on {goal} reviewed; priorities agreed "
                    "for the next two quarters"
                )
            case TouchKind.RENEWAL_CALL:
                template = "Renewal call with {contact}: soft renewal question asked; {signal}"
                values["signal"] = book.pick(_RENEWAL_SIGNALS[sentiment])
            case TouchKind.ONBOARDING_REVIEW:
                template = "Onboarding review: {feature} live for {pct}% of users; {topic}"
                values["pct"] = book.between(20, 95)
            case TouchKind.NPS_SURVEY:
                low, high = {"positive": (9, 10), "neutral": (7, 8), "negative": (2, 6)}[
                    _VALUE[sentiment]
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
        title = book.pick(_ACTION_TITLES).format(
            feature=book.pick(_FEATURES),
            team=book.pick(_TEAMS),
            contact=contact,
            topic=book.pick(_TOPICS[Sentiment.NEGATIVE]),
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
        book, rng, today, plan = self.book, self.rng, self.today, self.plan
        if rng.random() >= _PLAN_CHANCE[plan.segment] * book.density.plan_share:
            return
        created = book.at(max(self.start + timedelta(days=14), today - timedelta(days=400)), 10)
        if created > book.now:
            created = book.at(today - timedelta(days=1), 10)
        reviewed = today - timedelta(days=book.between(3, 110))
        reviewed = max(reviewed, created.date())
        draft = plan.onboarding and (today - self.start).days < 30
        plan_row = {
            **book.stamps(created, book.at(reviewed, 16)),
            "account_id": self.account_id,
            "title": f"FY{(today.year + 1) % 100:02d} success plan"
            if rng.random() < 0.5
            else f"Success plan: {book.pick(_GOALS)}",
            "status": "draft" if draft else "active",
            "reviewed_on": None if draft else reviewed,
        }
        self.batch["success_plan"].append(plan_row)
        count = book.between(2, 3) if plan.segment == Segment.ENTERPRISE else book.between(1, 2)
        progress_range = {
            HealthBand.GREEN: (0.4, 1.0),
            HealthBand.YELLOW: (0.15, 0.6),
            HealthBand.RED: (0.0, 0.35),
        }[plan.band]
        if plan.onboarding:
            progress_range = (0.0, 0.2)
        for number in range(count):
            objective = {**book.stamps(created, book.at(reviewed, 16)), "plan_id": plan_row["id"]}
            if number == 0 or rng.random() < 0.7:
                outcome, metric, (b_low, b_high), (t_low, t_high), unit = book.pick(_QUANTITATIVE)
                baseline, target = book.between(b_low, b_high), book.between(t_low, t_high)
                low, high = progress_range
                progress = low + (high - low) * rng.random()
                current = round(baseline + (target - baseline) * progress)
                objective.update(
                    outcome=outcome,
                    metric=metric,
                    kind=_VALUE[ObjectiveKind.QUANTITATIVE],
                    baseline=f"{baseline}{unit}",
                    target=f"{target}{unit}",
                    current=f"{current}{unit}",
                )
            else:
                objective.update(
                    outcome=book.pick(_QUALITATIVE),
                    metric=None,
                    kind=_VALUE[ObjectiveKind.QUALITATIVE],
                    baseline=None,
                    target=None,
                    current=None,
                )
            self.batch["objective"].append(objective)
            for _ in range(book.between(2, 3)):
                self.milestone(objective["id"], created)

    def milestone(self, objective_id: uuid.UUID, created: datetime) -> None:
        """One milestone; the first five of the book cover every status, two due this week."""
        book, today = self.book, self.today
        serial = book.milestone_serial
        book.milestone_serial += 1
        forced = (
            MilestoneStatus.PLANNED,
            MilestoneStatus.IN_PROGRESS,
            MilestoneStatus.DONE,
            MilestoneStatus.SLIPPED,
            MilestoneStatus.BLOCKED,
        )
        if serial < len(forced):
            status = forced[serial]
        else:
            status = self.rng.choices(tuple(MilestoneStatus), _MILESTONE_ODDS[self.plan.band])[0]
        completed = None
        planned_on = created.date()
        match status:
            case MilestoneStatus.DONE:
                age = max(1, min(150, (today - planned_on).days))
                due = today - timedelta(days=book.between(1, age))
                finished = due + timedelta(days=book.between(-6, 3))
                finished = max(planned_on, min(finished, today - timedelta(days=1)))
                completed = book.at(finished, 15)
            case MilestoneStatus.IN_PROGRESS:
                due = today + timedelta(days=book.between(-3, 30))
            case MilestoneStatus.PLANNED:
                due = today + timedelta(days=book.between(0, 120))
            case MilestoneStatus.SLIPPED:
                due = today - timedelta(days=book.between(1, 30))
            case _:
                due = today + timedelta(days=book.between(-10, 20))
        if serial < 2:
            due = today + timedelta(days=2 + 2 * serial)  # due this week (today is the Monday)
        who = self.rng.random()
        dri = (
            self.person(Persona.CHAMPION, Persona.TECHNICAL_LEAD).name
            if who < 0.5
            else self.owner.name
            if who < 0.9
            else self.account["ae"]
        )
        title = book.pick(_MILESTONES).format(
            feature=book.pick(_FEATURES),
            team=book.pick(_TEAMS),
            contact=self.person(Persona.EXECUTIVE_SPONSOR).name,
        )
        self.batch["milestone"].append(
            {
                **book.stamps(created, completed or book.at(today - timedelta(days=1), 16)),
                "objective_id": objective_id,
                "title": title,
                "due_on": due,
                "dri": dri,
                "status": _VALUE[status],
                "completed_at": completed,
            }
        )

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
        reason = self.book.pick(_ESCALATION_REASONS[category])
        return reason.format(feature=self.book.pick(_FEATURES))

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
            outcome=book.pick(_RESOLUTIONS),
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
            "status": _VALUE[status],
            "reason": reason,
            "risk_category": _VALUE[category],
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
            "closed_at": closed,
        }
        self.batch["escalation"].append(row)
        previous: int | None = None
        for step, moment in zip(steps, times, strict=True):
            why = f"Opened: {reason}" if previous is None else _RAISE_WHY.get(step, "Raised")
            self.batch["escalation_event"].append(
                {
                    **book.stamps(moment),
                    "escalation_id": row["id"],
                    "from_level": previous,
                    "to_level": step,
                    "actor_id": self.owner_id if step <= 2 else manager_id,
                    "occurred_at": moment,
                    "why": why,
                }
            )
            previous = step
