"""`csm calendar`: the scheduled touches as an iCalendar file, for the CSM's own calendar.

A calendar only stays useful if importing a newer file updates the events it already holds
rather than adding copies. So each event's UID is the account and the kind of touch
(`<account-uuid>-cadence-call@csm-tui`), which the schedule holds one of per account (a
logged touch or a snooze moves the same event), and SEQUENCE and DTSTAMP grow with the moment
the file is written, which calendars read as "this version is newer".

Events are all-day, on the day the touch is due; one already overdue sits on today (an event
in the past is one nobody sees), and a snoozed one on the day it comes back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event

from csm_tui.domain.queue import QueueItem
from csm_tui.domain.rulebook import UrgencyCoefficients
from csm_tui.store import queue
from csm_tui.store.database import Database

PRODID = "-//csm-tui//csm calendar//EN"
#: SEQUENCE counts minutes from here: a later file always carries a higher one.
_SEQUENCE_FROM = datetime(2020, 1, 1, tzinfo=UTC)


def event_uid(item: QueueItem) -> str:
    return f"{item.account_id}-{item.kind}@csm-tui"


def event_day(item: QueueItem, today: date) -> date:
    """The day the touch is on the calendar: its due date, today if that has passed, or the
    day a snooze ends."""
    day = max(item.due_on, today)
    if item.snoozed_until is not None and item.snoozed_until > day:
        day = item.snoozed_until
    return day


def scheduled_touches(
    db: Database,
    *,
    today: date,
    coefficients: UrgencyCoefficients,
    owner_email: str | None,
    ahead_days: int,
) -> list[QueueItem]:
    """The touches of `owner_email`'s book (None: the team's) that fall on the calendar from
    today to `ahead_days` later, overdue ones included; by day, then as the queue ranks them."""
    with db.reading() as session:
        items = queue.queue(
            session,
            today=today,
            coefficients=coefficients,
            owner_email=owner_email,
            ahead_days=ahead_days,
            include_snoozed=True,  # a snooze ending within the horizon puts its touch back
        )
    last = today + timedelta(days=ahead_days)
    order = {id(item): rank for rank, item in enumerate(items)}
    shown = [item for item in items if event_day(item, today) <= last]
    shown.sort(key=lambda item: (event_day(item, today), order[id(item)]))
    return shown


def description(item: QueueItem, today: date) -> str:
    """Why the touch is due, and what the CSM needs before the call."""
    lines = [item.explanation]  # says how overdue, for an event moved to today
    if item.snoozed_until is not None and item.snoozed_until > today:
        reason = f": {item.snooze_reason}" if item.snooze_reason else ""
        lines.append(f"Snoozed until {item.snoozed_until:%a %d %b %Y}{reason}.")
    facts = [item.account_name]
    if item.external_id:
        facts[0] += f" ({item.external_id})"
    if item.owner_name:
        facts.append(f"owner {item.owner_name}")
    facts.append(f"priority {item.priority.upper()}")
    if item.health_score is not None:
        facts.append(f"health {item.health_score}")
    lines.append(" · ".join(facts))
    if item.external_id:
        lines.append(f"In full: csm rules explain {item.external_id}")
    return "\n".join(lines)


def touches_calendar(items: Sequence[QueueItem], *, today: date, now: datetime, name: str) -> bytes:
    """The iCalendar file (RFC 5545) of `items`, written at `now` (UTC)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    stamp = now.astimezone(UTC).replace(microsecond=0)
    sequence = max(int((stamp - _SEQUENCE_FROM).total_seconds() // 60), 0)
    for item in items:
        day = event_day(item, today)
        event = Event()
        event.add("uid", event_uid(item))
        event.add("dtstamp", stamp)
        event.add("sequence", sequence)
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        booked = " (booked)" if item.booked_for is not None else ""
        event.add("summary", f"{item.label} — {item.account_name}{booked}")
        event.add("description", description(item, today))
        event.add("categories", ["csm", item.label])
        # A reminder to call, not time taken; a booked meeting is already in the calendar.
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
