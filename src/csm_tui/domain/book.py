"""The book of business as the screens and the CLI see it: one plain row per account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from csm_tui.domain.enums import LifecycleStage, Priority, Segment
from csm_tui.domain.health import DEFAULT_BANDS, BandThresholds, HealthBand
from csm_tui.domain.plan_book import PlanStanding


@dataclass(frozen=True, slots=True)
class AccountRow:
    id: str
    external_id: str | None
    name: str
    segment: Segment
    priority: Priority
    arr_cents: int
    owner_name: str | None
    owner_email: str | None
    health_score: int | None
    renewal_date: date | None
    last_touch: date | None
    lifecycle_stage: LifecycleStage | None = None
    #: The priority stored on the account when the rules derive another (`priority`, which
    #: every list shows); None when they agree.
    assigned_priority: Priority | None = None
    #: Where it stands with its success plans, when the book was read for its plans view.
    plan: PlanStanding | None = None

    @property
    def priority_words(self) -> str:
        """'PR1', or 'PR1*' when the rules derived it (a red account assigned PR2)."""
        return self.priority.label + ("*" if self.assigned_priority is not None else "")

    def band(self, bands: BandThresholds = DEFAULT_BANDS) -> HealthBand:
        return bands.band(self.health_score)

    def days_to_renewal(self, today: date) -> int | None:
        return None if self.renewal_date is None else (self.renewal_date - today).days

    def haystack(self) -> str:
        """Everything a `/` filter matches against, lower-cased once."""
        parts = [
            self.name,
            self.external_id or "",
            self.owner_name or "",
            self.owner_email or "",
            self.segment.label,
            self.priority.label,
            self.band().value,
            self.plan.words if self.plan is not None else "",
        ]
        return " ".join(parts).lower()


class SortKey(StrEnum):
    NAME = "name"
    SEGMENT = "segment"
    PRIORITY = "priority"
    ARR = "arr"
    OWNER = "owner"
    HEALTH = "health"
    RENEWAL = "renewal"
    LAST_TOUCH = "last_touch"
    PLAN = "plan"


_SEGMENT_ORDER = {segment: index for index, segment in enumerate(Segment)}
_FAR_FUTURE = date.max
_LONG_AGO = date.min


def sort_rows(rows: list[AccountRow], key: SortKey, *, reverse: bool = False) -> list[AccountRow]:
    """Sort by one column; ties fall back to the account name so the order is stable and readable.

    Missing values (no health score, no renewal date, never touched) sort last whichever way.
    By plan: no active plan first (those whose segment requires one first), then slipped
    milestones, blocked ones, a review due, on track (`domain.plan_book`).
    """

    def primary(row: AccountRow) -> tuple[bool, str | int | date | tuple[int, bool]]:
        match key:
            case SortKey.NAME:
                return (False, row.name.lower())
            case SortKey.SEGMENT:
                return (False, _SEGMENT_ORDER[row.segment])
            case SortKey.PRIORITY:
                return (False, row.priority.value)
            case SortKey.ARR:
                return (False, row.arr_cents)
            case SortKey.OWNER:
                return (row.owner_name is None, (row.owner_name or "").lower())
            case SortKey.HEALTH:
                return (row.health_score is None, row.health_score or 0)
            case SortKey.RENEWAL:
                return (row.renewal_date is None, row.renewal_date or _FAR_FUTURE)
            case SortKey.LAST_TOUCH:
                return (row.last_touch is None, row.last_touch or _LONG_AGO)
            case SortKey.PLAN:
                return (row.plan is None, row.plan.rank if row.plan is not None else (0, False))

    by_name = sorted(rows, key=lambda row: row.name.lower())
    present = [row for row in by_name if not primary(row)[0]]
    missing = [row for row in by_name if primary(row)[0]]
    present.sort(key=lambda row: primary(row)[1], reverse=reverse)
    return present + missing


def filter_rows(rows: list[AccountRow], query: str) -> list[AccountRow]:
    """The rows that contain every word of `query` (in the name, id, owner, segment, priority
    or band)."""
    words = query.lower().split()
    if not words:
        return rows
    return [row for row in rows if all(word in row.haystack() for word in words)]


def format_arr(cents: int) -> str:
    """ARR as a CSM reads it in a table: $1.25M, $87.5k, $900."""
    dollars = cents / 100
    if dollars >= 1_000_000:
        return f"${dollars / 1_000_000:.2f}M"
    if dollars >= 1_000:
        return f"${dollars / 1_000:.1f}k"
    return f"${dollars:,.0f}"


def empty_book_words(csm: str, *, mine: bool) -> str:
    """What to do about an empty book, said the same on every screen that finds one: the
    command to type (`csm`: how it starts for this book, `--db` included), or the demo. `mine`:
    the user's own book is empty, not the team's, whose book `t` shows."""
    if mine:
        return (
            "No accounts in your book yet.\n\n"
            f"Bring them in from a CRM export:  {csm} import accounts FILE.csv\n"
            "or press t to see the whole team's book."
        )
    return (
        "The book is empty.\n\n"
        f"Bring accounts in from a CRM export:  {csm} import accounts FILE.csv\n"
        "or try the demo book:  csm demo"
    )
