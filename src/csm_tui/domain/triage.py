"""The morning triage: what changed since the last one, what is due, and the counts on top.

The queue itself is the stored schedule (`domain.queue.QueueItem`); this module adds the
alerts a CSM reviews rather than performs (a health band that got worse since the last
triage), the header counts, and the words the screen and the CLI share.
"""

from __future__ import annotations

import heapq
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from csm_tui.domain.calendar import shift
from csm_tui.domain.enums import TouchKind
from csm_tui.domain.health import BandThresholds, HealthBand
from csm_tui.domain.queue import QueueItem
from csm_tui.domain.rulebook import Rulebook
from csm_tui.domain.wording import days_from, due_words

#: The kind of an alert row: a health band that got worse since the last triage.
HEALTH_DROP = "health-drop"
#: Kinds the header counts by name (the touch kinds of the shipped rules file).
RENEWAL_KIND = "renewal-call"
ESCALATION_KIND = "escalation-call"
MILESTONE_KIND = "milestone"

_BAND_RANK = {HealthBand.GREEN: 3, HealthBand.YELLOW: 2, HealthBand.RED: 1, HealthBand.UNKNOWN: 0}


@dataclass(frozen=True, slots=True)
class HealthChange:
    """An account's health then (at the last triage) and now."""

    before: int | None
    after: int | None
    before_band: HealthBand
    after_band: HealthBand

    @property
    def is_drop(self) -> bool:
        """Into a worse band; a first score, or a score gone, is no drop."""
        return (
            HealthBand.UNKNOWN not in (self.before_band, self.after_band)
            and _BAND_RANK[self.after_band] < _BAND_RANK[self.before_band]
        )

    @property
    def is_rise(self) -> bool:
        return (
            HealthBand.UNKNOWN not in (self.before_band, self.after_band)
            and _BAND_RANK[self.after_band] > _BAND_RANK[self.before_band]
        )

    def words(self) -> str:
        """'yellow <- green': where it is now, from where it was."""
        return f"{self.after_band.value} ← {self.before_band.value}"


def snooze_limit(rules: Rulebook, today: date) -> date:
    """The latest day a snooze made today may run to (the rules file's maximum)."""
    return shift(today, rules.snooze.max, rules.calendar, roll=False).day


def can_snooze(rules: Rulebook, kind: str) -> bool:
    return kind in rules.snooze.applies_to


def changes_since(last_on: date | None, previous_on: date | None, today: date) -> date:
    """The day health changes count from, given the member's last two visits to the queue: the
    last day before `today` they opened it (yesterday for a first visit, or when `today` lies
    before the last visit: planning with `--today`)."""
    if last_on is None or last_on > today:
        return today - timedelta(days=1)
    if last_on < today:
        return last_on
    return previous_on or today - timedelta(days=1)


def can_book(kind: str) -> bool:
    """A meeting can be booked for an item a touch completes (not a milestone, which the
    success plan marks done, nor a health alert, which is reviewed)."""
    return kind in {touch.value for touch in TouchKind}


def booking_limit(item: QueueItem, rules: Rulebook, today: date) -> date:
    """The latest day a meeting may be booked for `item`: as long after the later of its due
    day and today as the rules file lets a snooze run (`[snooze] max`)."""
    return max(item.due_on, today) + (snooze_limit(rules, today) - today)


def booking_problem(
    item: QueueItem | None, kind: str, on: date, limit: date, today: date
) -> str | None:
    """What is wrong with booking a meeting for `on` for the account's open `item` of `kind`
    (None: it has none), in words; None if nothing. A booking may not take an item off the
    queue for longer than a snooze could (`limit`), nor an item pinned on top (an L5
    escalation, a breached SLA): those are worked now."""
    words = kind.replace("-", " ")
    if item is None:
        return f"nothing of kind {words} is open on this account: log it if it took place"
    if on < today:
        return f"{on} has passed: log the meeting instead"
    if item.pinned:
        return f"{item.label} is pinned on top (an L5 escalation or a breached SLA): log it now"
    if on > limit:
        return (
            f"{item.label}: book it by {limit} at the latest (as long after its due day as "
            "the rules file's [snooze] max)"
        )
    return None


def preset_kind(kind: str) -> str:
    """The touch kind the log modal starts from for an item of `kind`: that kind when it is a
    touch kind (not a milestone or a health alert), else a note."""
    try:
        return TouchKind(kind).value
    except ValueError:
        return TouchKind.NOTE.value


def health_change(
    before: int | None, after: int | None, bands: BandThresholds
) -> HealthChange | None:
    """The change between two scores when it crosses a band, else None."""
    change = HealthChange(before, after, bands.band(before), bands.band(after))
    return change if change.before_band is not change.after_band else None


def band_changes(
    scores: Iterable[tuple[str, int | None, int | None]], bands: BandThresholds
) -> dict[str, HealthChange]:
    """The band changes among (account id, score then, score now); an account with no score
    then has nothing to compare with."""
    changes: dict[str, HealthChange] = {}
    for account_id, before, after in scores:
        if before is None:
            continue
        change = health_change(before, after, bands)
        if change is not None:
            changes[account_id] = change
    return changes


def alert_item(item: QueueItem, change: HealthChange, since: date) -> QueueItem:
    """The queue row of a health drop, on the queue until someone marks it reviewed (`x`): the
    columns and urgency of the account's most urgent stored touch (`item`), never its pin."""
    return QueueItem(
        account_id=item.account_id,
        external_id=item.external_id,
        account_name=item.account_name,
        owner_name=item.owner_name,
        owner_email=item.owner_email,
        segment=item.segment,
        priority=item.priority,
        arr_cents=item.arr_cents,
        health_score=item.health_score,
        renewal_date=item.renewal_date,
        kind=HEALTH_DROP,
        label="Health drop",
        due_on=since + timedelta(days=1),
        latest_on=None,
        overdue_days=0,
        rule_id=HEALTH_DROP,
        urgency=item.urgency,
        pinned=False,
        status="due",
        explanation=(
            f"Health dropped from {change.before} ({change.before_band.value}) to "
            f"{change.after} ({change.after_band.value}) since the last triage on "
            f"{since.isoformat()}: review it, then mark it reviewed (x)"
        ),
        snoozed_until=None,
        snooze_reason=None,
        assigned_priority=item.assigned_priority,
    )


def by_account(items: Iterable[QueueItem]) -> list[QueueItem]:
    """One row per account, in the queue's order: its most urgent item, with the others due
    beside it (`QueueItem.others`), so that an account with a cadence call, a survey and an EBR
    due is one row of work, not three. A health alert keeps a row of its own: it is reviewed
    (`x`), not logged."""
    rows: list[QueueItem] = []
    first: dict[str, int] = {}
    others: dict[int, list[QueueItem]] = {}
    for item in items:
        if item.kind == HEALTH_DROP:
            rows.append(item)
            continue
        index = first.get(item.account_id)
        if index is None:
            first[item.account_id] = len(rows)
            rows.append(item)
        else:
            others.setdefault(index, []).append(item)
    for index, group in others.items():
        rows[index] = replace(rows[index], others=tuple(group))
    return rows


def aside_words(item: QueueItem, today: date) -> str:
    """' (booked for Tue 15 Dec)', ' (booked today: log it)' or ' (snoozed to 24 Nov)'."""
    booked, until = item.booked_for, item.snoozed_until
    if booked is not None and booked >= today:
        return " (booked today: log it)" if booked == today else f" (booked for {booked:%a %d %b})"
    return f" (snoozed to {until:%d %b})" if until is not None and until > today else ""


def others_words(item: QueueItem, *, short: bool = False) -> str:
    """' + NPS survey, Yearly EBR' (' +2' when `short`): what else is due on the account's
    row ('' if nothing)."""
    if not item.others:
        return ""
    return f" +{len(item.others)}" if short else f" + {', '.join(o.label for o in item.others)}"


#: Lines sorted at a time: a long queue is sorted in pieces this long, then merged.
RANK_CHUNK = 5_000


def rank_key(item: QueueItem) -> tuple[bool, float, date, int, str, str, str]:
    """The queue's order: pinned, urgency, due, ARR (largest first), name, kind, account."""
    return (
        not item.pinned,
        -item.urgency,
        item.due_on,
        -item.arr_cents,
        item.account_name,
        item.kind,
        item.account_id,
    )


#: The first byte of a pinned item's `rank_bytes`, and of any other's.
_PINNED, _UNPINNED = b"\x00", b"\x01"
_END = b"\x00"  # ends a name or a kind: a shorter one sorts first, as in Python
_ARR_TOP = 2**63 - 1


def rank_bytes(item: QueueItem) -> bytes:
    """`rank_key` as bytes that sort (bytewise, as SQLite's BLOBs and PostgreSQL's bytea do)
    exactly as the key does: what the store keeps to read the team's queue a page at a time
    in rank order (`store.ranks`)."""
    return b"".join(
        (
            _PINNED if item.pinned else _UNPINNED,
            _float_order(-item.urgency),
            item.due_on.toordinal().to_bytes(4, "big"),
            (_ARR_TOP - item.arr_cents).to_bytes(8, "big"),
            item.account_name.encode(),
            _END,
            item.kind.encode(),
            _END,
            item.account_id.encode(),
        )
    )


def _float_order(value: float) -> bytes:
    """Eight bytes that sort as the floats do (IEEE 754 bits, the sign bit flipped and, for a
    negative number, every bit); -0.0 is 0.0, as Python compares them."""
    bits: int = struct.unpack(">Q", struct.pack(">d", value + 0.0))[0]
    bits = bits ^ 0xFFFF_FFFF_FFFF_FFFF if bits >> 63 else bits | 1 << 63
    return bits.to_bytes(8, "big")


def ranked(items: Iterable[QueueItem]) -> list[QueueItem]:
    """The queue's order (as `store.queue.queue` sorts it).

    A long queue (a team's has a hundred thousand lines) is sorted in pieces, then merged:
    one sort of it all holds the interpreter lock from start to end, and the screen, whose
    worker reads it, stops for as long (benchmarks: team toggle, stalls); the pieces' keys
    are also made and dropped a piece at a time. The order is the same."""
    rows = list(items)
    if len(rows) <= RANK_CHUNK:
        return sorted(rows, key=rank_key)
    pieces = [
        sorted(rows[start : start + RANK_CHUNK], key=rank_key)
        for start in range(0, len(rows), RANK_CHUNK)
    ]
    return list(heapq.merge(*pieces, key=rank_key))


@dataclass(frozen=True, slots=True)
class Counts:
    """The header line of the triage screen."""

    overdue: int = 0
    due_today: int = 0
    health_drops: int = 0
    escalations: int = 0  # follow-ups due today or late: at or past their SLA
    renewals: int = 0  # renewal questions due: the account entered the 120-day window
    milestones: int = 0

    def parts(self, *, short: bool = False) -> list[tuple[int, str]]:
        """(count, words) in the order shown; `short` words fit an 80-column terminal."""
        if short:
            return [
                (self.overdue, "overdue"),
                (self.due_today, "today"),
                (self.health_drops, _plural(self.health_drops, "drop")),
                (self.escalations, "at SLA"),
                (self.renewals, _plural(self.renewals, "renewal")),
                (self.milestones, _plural(self.milestones, "milestone")),
            ]
        return [
            (self.overdue, "overdue"),
            (self.due_today, "due today"),
            (self.health_drops, "health drop" if self.health_drops == 1 else "health drops"),
            (
                self.escalations,
                "escalation at SLA" if self.escalations == 1 else "escalations at SLA",
            ),
            (self.renewals, "renewal in window" if self.renewals == 1 else "renewals in window"),
            (self.milestones, "milestone due" if self.milestones == 1 else "milestones due"),
        ]


def _plural(count: int, word: str) -> str:
    return word if count == 1 else f"{word}s"


def counts(items: Sequence[QueueItem], today: date) -> Counts:
    """Counted over today's rows (touches due by today, and alerts)."""
    due = [item for item in items if item.kind != HEALTH_DROP and item.due_on <= today]
    return Counts(
        overdue=sum(1 for item in due if item.due_on < today),
        due_today=sum(1 for item in due if item.due_on == today),
        health_drops=sum(1 for item in items if item.kind == HEALTH_DROP),
        escalations=sum(1 for item in due if item.kind == ESCALATION_KIND),
        renewals=sum(1 for item in due if item.kind == RENEWAL_KIND),
        milestones=sum(1 for item in due if item.kind == MILESTONE_KIND),
    )


def when_words(item: QueueItem, today: date) -> str:
    """'3d overdue', 'due today', 'tomorrow', 'in 2d', or 'to review' (a health alert)."""
    if item.kind == HEALTH_DROP:
        return "to review"
    return due_words(days_from(today, item.due_on))


def matches(item: QueueItem, band: HealthBand, query: str) -> bool:
    """Every word of the filter is in the account's name, CRM id, owner, what is due, segment
    or health band (case-insensitive)."""
    haystack = " ".join(
        part
        for part in (
            item.account_name,
            item.external_id or "",
            item.owner_name or "",
            item.kind,
            item.label,
            *(other.label for other in item.others),
            item.segment,
            band.value,
            item.priority,
        )
    ).lower()
    return all(word in haystack for word in query.lower().split())


@dataclass(frozen=True, slots=True)
class Outlook:
    """What comes next when today's queue is empty."""

    tomorrow: int
    this_week: int  # after tomorrow, up to the end of the week (Sunday)
    next_item: QueueItem | None


def outlook(upcoming: Sequence[QueueItem], today: date) -> Outlook:
    """From the items due after today (ranked), what tomorrow and the rest of the week hold."""
    tomorrow = today + timedelta(days=1)
    week_end = today + timedelta(days=6 - today.weekday())
    future = [item for item in upcoming if item.due_on > today]
    return Outlook(
        tomorrow=sum(1 for item in future if item.due_on == tomorrow),
        this_week=sum(1 for item in future if tomorrow < item.due_on <= week_end),
        next_item=min(
            future, key=lambda item: (item.due_on, not item.pinned, -item.urgency), default=None
        ),
    )
