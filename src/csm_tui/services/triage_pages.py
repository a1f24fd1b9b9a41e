"""The team's queue as the screen shows it: read a page at a time, in rank order, as rows come
into view (`store.ranks`), with the few health alerts merged in by rank.

`RankedRows` is the sequence the table draws from: a row not read yet is None (the table draws
a placeholder and asks for it), and `load_until`, called in a worker, reads the pages up to a
row. It holds only the rows read so far, so the team's first paint waits on one page, not on
the hundred thousand lines a team's queue has (benchmarks: team toggle).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, overload

from csm_tui.domain.health import BandThresholds
from csm_tui.domain.queue import QueueItem
from csm_tui.domain.triage import matches, rank_bytes

#: Rows read at a time: a few screenfuls.
PAGE_ROWS = 200
#: Rows read at a time on the way to a row far down.
LONGEST_PAGE = 5_000


class PageRead(Protocol):
    """Up to `limit` rows after the row ranked `after` (None: from the top), with their ranks;
    `complete` when no row comes after them (`store.ranks.Page`)."""

    @property
    def items(self) -> Sequence[QueueItem]: ...

    @property
    def ranks(self) -> Sequence[bytes]: ...

    @property
    def complete(self) -> bool: ...


#: Reads one page: (after, limit) -> the rows, from the store, in its own read transaction.
ReadPage = Callable[[bytes | None, int], PageRead]


class RankedRows(Sequence[QueueItem | None]):
    """The rows of the team's queue in rank order, read as far as asked (`load_until`); the
    health alerts (few, in memory) merged in by rank.

    Its length is the whole list's when known (`total`, counted by the caller), else the rows
    read so far and one more while more may come: the table's last row then asks for the next
    page as it comes into view. The list only grows, and only in `load_until`, which a worker
    calls; the screen reads it on the UI thread."""

    def __init__(
        self,
        read: ReadPage,
        alerts: Sequence[QueueItem] = (),
        *,
        total: int | None = None,
        page_rows: int | None = None,
    ) -> None:
        self._read = read
        self._alerts = sorted(((rank_bytes(alert), alert) for alert in alerts), key=_first)
        self._next_alert = 0
        self._total = total
        self._page_rows = page_rows or PAGE_ROWS
        self._rows: list[QueueItem] = []
        self._after: bytes | None = None
        self._complete = False
        self._lock = threading.Lock()

    def __len__(self) -> int:
        if self._complete:
            return len(self._rows)
        if self._total is not None:
            return self._total
        return len(self._rows) + 1

    @overload
    def __getitem__(self, index: int) -> QueueItem | None: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[QueueItem | None]: ...

    def __getitem__(self, index: int | slice) -> QueueItem | None | Sequence[QueueItem | None]:
        if isinstance(index, slice):
            return [self[n] for n in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        rows = self._rows
        return rows[index] if index < len(rows) else None

    @property
    def read(self) -> Sequence[QueueItem]:
        """The rows read so far, top to bottom."""
        return self._rows

    @property
    def complete(self) -> bool:
        return self._complete

    @property
    def known_length(self) -> int | None:
        """How many rows the list has, when known (counted, or read to the end)."""
        return len(self._rows) if self._complete else self._total

    def missing(self, index: int) -> bool:
        return not self._complete and index >= len(self._rows)

    def load_until(self, index: int) -> bool:
        """Read pages until row `index` is read or the list ends (in a worker); whether any
        row was read."""
        with self._lock:
            before = len(self._rows)
            while not self._complete and len(self._rows) <= index:
                # A jump far down (the last row) reads in longer pages: fewer round trips.
                wanted = index + 1 - len(self._rows)
                self._read_page(min(max(self._page_rows, wanted), LONGEST_PAGE))
            return len(self._rows) > before

    def index_of(self, key: Callable[[QueueItem], bool]) -> int | None:
        """The first row read for which `key` holds."""
        return next((n for n, row in enumerate(self._rows) if key(row)), None)

    def _read_page(self, limit: int) -> None:
        page = self._read(self._after, limit)
        alerts, start = self._alerts, self._next_alert
        end = len(alerts) if page.complete else _past(alerts, start, page.ranks[-1])
        merged = _merge(list(zip(page.ranks, page.items, strict=True)), alerts[start:end])
        self._rows.extend(merged)
        self._next_alert = end
        if page.ranks:
            self._after = page.ranks[-1]
        if page.complete:
            self._complete = True


def _first(pair: tuple[bytes, QueueItem]) -> bytes:
    return pair[0]


def _past(alerts: list[tuple[bytes, QueueItem]], start: int, last: bytes) -> int:
    """The index of the first alert from `start` that ranks after `last`."""
    end = start
    while end < len(alerts) and alerts[end][0] < last:
        end += 1
    return end


def _merge(
    rows: list[tuple[bytes, QueueItem]], alerts: list[tuple[bytes, QueueItem]]
) -> list[QueueItem]:
    merged = sorted([*rows, *alerts], key=_first)
    return [item for _, item in merged]


def alerts_through(
    alerts: Sequence[QueueItem], bands: BandThresholds, query: str
) -> list[QueueItem]:
    """The alerts a filter lets through (`domain.triage.matches`, as the rows in the store)."""
    query = query.strip()
    if not query:
        return list(alerts)
    return [alert for alert in alerts if matches(alert, bands.band(alert.health_score), query)]


@dataclass(frozen=True, slots=True)
class TeamQueue:
    """What lists the team's queue a page at a time, whichever way the screen asks for it."""

    #: (every item?, filter) -> a reader of its pages.
    pages: Callable[[bool, str], ReadPage]
    #: (every item?) -> how many rows the store has (accounts, or items).
    count: Callable[[bool], int]
    bands: BandThresholds
    alerts: tuple[QueueItem, ...] = field(default=())

    def rows(self, *, every: bool, query: str) -> RankedRows:
        """The rows for one way of listing (in a worker: it counts them, unless filtered)."""
        alerts = alerts_through(self.alerts, self.bands, query)
        total = None if query.strip() else self.count(every) + len(alerts)
        return RankedRows(self.pages(every, query), alerts, total=total)


class NotRead(LookupError):
    """A page of the team's queue that the reads before the first paint did not make."""


@dataclass(frozen=True, slots=True)
class _Page:
    items: Sequence[QueueItem]
    ranks: Sequence[bytes]
    complete: bool


def read_before_paint(
    items: Sequence[QueueItem], ranks: Sequence[bytes], count: int, bands: BandThresholds
) -> TeamQueue:
    """The team's queue as read before the first paint (`services.first_view`): its first
    page and how many rows it has. The screen lists nothing else from it: it reads the view
    again through the store, with the health changes (`services.triage.Triage.with_health`),
    before it reads further or filters."""

    def pages(every: bool, query: str) -> ReadPage:
        def read(after: bytes | None, limit: int) -> PageRead:
            if every or query.strip() or after is not None or limit < len(items):
                raise NotRead("the team's queue is read further once its health is read")
            return _Page(items, ranks, complete=len(items) < limit)

        return read

    def count_rows(every: bool) -> int:
        if every:
            raise NotRead("every item of the team's queue is read once its health is read")
        return count

    return TeamQueue(pages=pages, count=count_rows, bands=bands)
