"""The triage queue as the screen paints it, assembled from whatever reads the stored schedule.

Two readers answer `QueueReader`: the store's session (`services.triage`, every read after
the first) and the glance at a SQLite book (`store.glance`), which reads the first queue before
the ORM is imported. Both go through `read_view`, so the first paint and every later one rank,
count and raise alerts alike. This module imports no database code: it is on the start-up path.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from csm_tui.domain.health import BandThresholds
from csm_tui.domain.queue import QueueItem
from csm_tui.domain.triage import (
    Counts,
    HealthChange,
    Outlook,
    alert_item,
    counts,
    outlook,
    rank_key,
    ranked,
)
from csm_tui.services.triage_pages import TeamQueue

#: Account ids per `QueueReader.queue` call: well under SQLite's and PostgreSQL's parameter limits.
IDS_PER_READ = 500


@dataclass(frozen=True, slots=True)
class TriageView:
    today: date
    since: date  # health changes count from this day (the last triage before today)
    team: bool
    items: list[QueueItem]  # ranked: today's touches and the health alerts
    changes: dict[str, HealthChange]  # every band change since `since`, by account id
    counts: Counts
    outlook: Outlook | None  # what comes next, when nothing is due today
    rescheduled: int = 0  # accounts recomputed first because the day or the rules changed
    stale: bool = False  # read from a schedule computed for another day or rules file
    #: The team's queue read a page at a time (`items` is then empty).
    pages: TeamQueue | None = None
    #: Read without its health changes and counts, which a second read adds.
    partial: bool = False


class QueueReader(Protocol):
    """Reads of the stored schedule for one `today`, inside one read transaction."""

    def queue(
        self,
        *,
        owner_email: str | None,
        ahead_days: int | None = 0,
        include_snoozed: bool = False,
        account_ids: Sequence[str] | None = None,
    ) -> list[QueueItem]:
        """As `store.queue.queue`, ranked; `account_ids` (canonical text) at most
        `IDS_PER_READ`."""
        ...

    def health_changes(
        self, *, since: date, owner_email: str | None, bands: BandThresholds
    ) -> dict[str, HealthChange]:
        """As `store.triage.health_changes`."""
        ...

    def reviewed_since(self, since: date, account_ids: Sequence[str]) -> set[str]:
        """As `store.triage.reviewed_since`."""
        ...


def read_view(
    reader: QueueReader,
    *,
    today: date,
    since: date,
    owner_email: str | None,
    bands: BandThresholds,
    include_snoozed: bool = False,
    ahead_days: int = 0,
    rescheduled: int = 0,
    stale: bool = False,
) -> TriageView:
    """Today's touches (`owner_email`'s, or the team's for None) and an alert for each health
    drop since `since` that nobody marked reviewed; what comes next when that is nothing."""
    items = reader.queue(
        owner_email=owner_email, include_snoozed=include_snoozed, ahead_days=ahead_days
    )
    changes, alerts = health_alerts(reader, since=since, owner_email=owner_email, bands=bands)
    # The touches come ranked (`QueueReader.queue`): the few alerts are merged into them.
    rows = list(heapq.merge(items, alerts, key=rank_key))
    ahead = [] if rows else reader.queue(owner_email=owner_email, ahead_days=7)
    return TriageView(
        today=today,
        since=since,
        team=owner_email is None,
        items=rows,
        changes=changes,
        counts=counts(rows, today),
        outlook=None if rows else outlook(ahead, today),
        rescheduled=rescheduled,
        stale=stale,
    )


def health_alerts(
    reader: QueueReader, *, since: date, owner_email: str | None, bands: BandThresholds
) -> tuple[dict[str, HealthChange], list[QueueItem]]:
    """Every band change since `since` (by account id), and an alert row, ranked, for each
    drop that nobody marked reviewed."""
    changes = reader.health_changes(since=since, owner_email=owner_email, bands=bands)
    drops = [key for key, change in changes.items() if change.is_drop]
    reviewed = reader.reviewed_since(since, drops)
    pending = [key for key in drops if key not in reviewed]
    return changes, ranked(alerts_for(reader, pending, changes, since))


def alerts_for(
    reader: QueueReader, account_ids: Sequence[str], changes: dict[str, HealthChange], since: date
) -> list[QueueItem]:
    """One row per unreviewed drop, with the urgency of the account's most urgent touch."""
    alerts: list[QueueItem] = []
    for start in range(0, len(account_ids), IDS_PER_READ):
        best: dict[str, QueueItem] = {}
        for item in reader.queue(
            owner_email=None,
            ahead_days=None,
            include_snoozed=True,
            account_ids=account_ids[start : start + IDS_PER_READ],
        ):
            current = best.get(item.account_id)
            if current is None or item.urgency > current.urgency:
                best[item.account_id] = item
        alerts += [alert_item(item, changes[key], since) for key, item in best.items()]
    return alerts
