"""The triage queue as a table: one row per account (its most urgent item, the others named
beside it) or per item due, keyed by account and kind.

Rows are drawn only when in view (`LineTable`); their widths are measured beforehand on plain
values (`measure`), in the worker that read or filtered the queue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text

from csm_tui.domain.book import format_arr
from csm_tui.domain.health import BandThresholds, HealthBand
from csm_tui.domain.queue import QueueItem
from csm_tui.domain.triage import HEALTH_DROP, HealthChange, aside_words, others_words, when_words
from csm_tui.domain.wording import days_from, due_words, relative_day
from csm_tui.widgets.account_table import AccountTable
from csm_tui.widgets.health import band_words, health_cell, health_plain, score_words
from csm_tui.widgets.line_table import PAD, Column

#: Narrow terminals (under this many cells) get fewer, shorter columns: the panel has the rest.
NARROW_BELOW = 110
#: Longest account (and owner) name shown in a narrow terminal (longer ones end in "…").
NARROW_TEXT = 16
#: The "What" column of a narrow terminal is never narrower than this.
NARROW_WHAT = 12

#: (label, key) of the columns; "owner" only in the team view.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("Account", "account"),
    ("Owner", "owner"),
    ("What", "what"),
    ("When", "when"),
    ("Health", "health"),
    ("Pri", "priority"),
    ("ARR", "arr"),
    ("Renewal", "renewal"),
)


def row_key(item: QueueItem) -> str:
    return f"{item.account_id}:{item.kind}"


@dataclass(frozen=True, slots=True)
class QueueContext:
    """What a row's cells say besides the item: the day, the health changes, the view."""

    today: date
    bands: BandThresholds
    changes: Mapping[str, HealthChange]
    team: bool
    narrow: bool = False


def columns(*, team: bool, narrow: bool = False) -> tuple[tuple[str, str], ...]:
    """The team view adds the owner; a narrow terminal drops ARR and renewal."""
    hidden = {"arr", "renewal"} if narrow else set()
    if not team:
        hidden.add("owner")
    return tuple(column for column in COLUMNS if column[1] not in hidden)


def measure(items: Iterable[QueueItem], context: QueueContext) -> dict[str, int]:
    """The width of each column's widest plain value (and label), for `QueueTable.show`: read
    once per list (in a worker), so that columns never move as the rows do.

    A team's queue repeats a few hundred owners, labels, due dates and scores over its lines,
    so each distinct value is put into words once (benchmarks: team start→paint)."""
    today, narrow, changes = context.today, context.narrow, context.changes
    names: set[str] = set()
    pinned: set[str] = set()
    owners: set[str | None] = set()
    whats: set[tuple[str, str, str]] = set()
    whens: set[tuple[bool, date]] = set()
    scores: set[tuple[int | None, HealthChange | None]] = set()
    arrs: set[int] = set()
    renewals: set[date | None] = set()
    any_derived = False
    for item in items:
        any_derived = any_derived or item.assigned_priority is not None
        names.add(item.account_name)
        if item.pinned:
            pinned.add(item.account_name)
        owners.add(item.owner_name)
        whats.add((item.label, aside_words(item, today), others_words(item, short=narrow)))
        whens.add((item.kind == HEALTH_DROP, item.due_on))
        scores.add((item.health_score, changes.get(item.account_id)))
        arrs.add(item.arr_cents)
        renewals.add(item.renewal_date)
    words: dict[str, Iterable[str]] = {
        "account": (("! " if name in pinned else "") + _short(name, narrow) for name in names),
        "owner": (_owner(name, narrow) for name in owners),
        "what": (label + aside + others for label, aside, others in whats),
        "when": (
            "to review" if alert else due_words(days_from(today, due)) for alert, due in whens
        ),
        "health": (_health_words(score, change, context) for score, change in scores),
        "priority": ("PR1*" if any_derived else "PR1",),
        "arr": (format_arr(cents) for cents in arrs),
        "renewal": (_renewal_words(day, today) for day in renewals),
    }
    shown = columns(team=context.team, narrow=narrow)
    return {key: max([cell_len(label), *map(cell_len, words[key])]) for label, key in shown}


class QueueTable(AccountTable[QueueItem]):
    """The queue's rows for one `QueueContext`; `enter` opens the account."""

    DEFAULT_CSS = """
    QueueTable {
        & > .queue-table--pin { color: $text-error; text-style: bold; }
        & > .queue-table--late { color: $text-error; text-style: bold; }
        & > .queue-table--overdue { text-style: bold; }
        & > .queue-table--alert { text-style: bold; }
        & > .queue-table--muted { text-style: dim; }
        & > .queue-table--drop { color: $text-error; text-style: bold; }
        & > .queue-table--rise { color: $text-success; }
        & > .queue-table--soon { text-style: bold; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "queue-table--pin",
        "queue-table--late",
        "queue-table--overdue",
        "queue-table--alert",
        "queue-table--muted",
        "queue-table--drop",
        "queue-table--rise",
        "queue-table--soon",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.context: QueueContext | None = None
        self._widths: dict[str, int] = {}
        self._looks: dict[str, Style] = {}
        self._band_looks: dict[HealthBand, Style] | None = None

    def show(
        self,
        items: Sequence[QueueItem | None],
        context: QueueContext,
        widths: dict[str, int],
        *,
        cursor: int = 0,
    ) -> None:
        """These items (ranked), drawn for `context`, in columns of these widths; None for a
        row not read yet (a team's queue: `services.triage_pages.RankedRows`)."""
        if context != self.context:
            self.context = context
            self.redraw()
        self._widths = widths
        self._size_columns()
        self.set_rows(items, cursor=cursor)

    def on_resize(self) -> None:
        super().on_resize()
        self._size_columns()  # "What" takes the width there is, or gives up what is missing

    def _size_columns(self) -> None:
        context = self.context
        if context is None:
            return
        shown = columns(team=context.team, narrow=context.narrow)
        widths = dict(self._widths)
        if "what" in widths and self.size.width:
            others = sum(widths[key] + 2 * PAD for _, key in shown if key != "what")
            # The room inside the vertical scrollbar, whether or not it shows yet.
            room = self.size.width - self.styles.gutter.width - self.styles.scrollbar_size_vertical
            free = room - others - 2 * PAD
            # A narrow terminal's "What" takes the free width; a wide one's gives up what is
            # missing (the others due on a row end in "…": the panel lists them).
            fitted = free if context.narrow else min(widths["what"], free)
            widths["what"] = max(NARROW_WHAT, fitted)
        self.set_columns(Column(key, label, widths.get(key, len(label))) for label, key in shown)

    def notify_style_update(self) -> None:
        self._looks, self._band_looks = {}, None
        super().notify_style_update()

    def _look(self, name: str) -> Style:
        look = self._looks.get(name)
        if look is None:
            look = self._looks[name] = self.get_component_rich_style(
                f"queue-table--{name}", partial=True
            )
        return look

    def row_key(self, row: QueueItem) -> str:
        return row_key(row)

    def row_cells(self, row: QueueItem) -> tuple[Text, ...]:
        """One row; Text throughout, so that an account called "Acme [EU]" is never markup."""
        context = self.context
        assert context is not None, "show() sets the context before any row is drawn"
        item, today, narrow = row, context.today, context.narrow
        name = Text(_short(item.account_name, narrow))
        if item.pinned:
            name = Text.assemble(("! ", self._look("pin")), name)
        what = Text(
            item.label,
            style=self._look("alert") if item.kind == HEALTH_DROP else "",
            justify="left",
            overflow="ellipsis",
            no_wrap=True,
        )
        what.append(aside_words(item, today), style=self._look("muted"))
        what.append(others_words(item, short=narrow), style=self._look("muted"))
        when = Text(when_words(item, today), justify="right")
        if item.due_on < today and item.kind != HEALTH_DROP:
            when.stylize(self._look("late" if (today - item.due_on).days > 7 else "overdue"))
        change = context.changes.get(item.account_id)
        health = health_cell(
            item.health_score, self._bands(), context.bands, word=change is None, short=narrow
        )
        if change is not None:
            health.append(
                _change_words(change, narrow),
                style=self._look("drop" if change.is_drop else "rise"),
            )
        days = None if item.renewal_date is None else (item.renewal_date - today).days
        renewal = Text(
            _renewal_words(item.renewal_date, today),
            justify="right",
            style=self._look("soon") if days is not None and 0 <= days <= 120 else "",
        )
        by_key = {
            "account": name,
            "owner": Text(_owner(item.owner_name, narrow)),
            "what": what,
            "when": when,
            "health": health,
            "priority": Text(item.priority_words),
            "arr": Text(format_arr(item.arr_cents), justify="right"),
            "renewal": renewal,
        }
        return tuple(by_key[key] for _, key in columns(team=context.team, narrow=narrow))

    def _bands(self) -> dict[HealthBand, Style]:
        if self._band_looks is None:
            self._band_looks = self.band_looks()
        return self._band_looks


def _short(text: str, narrow: bool) -> str:
    return text if not narrow or len(text) <= NARROW_TEXT else text[: NARROW_TEXT - 1] + "…"


def _health_words(score: int | None, change: HealthChange | None, context: QueueContext) -> str:
    if change is None:
        return health_plain(score, context.bands, short=context.narrow)
    return f"{score_words(score)}{_change_words(change, context.narrow)}"


def _change_words(change: HealthChange, short: bool) -> str:
    """' red ← yellow', or ' R←Y' in a narrow terminal."""
    after = band_words(change.after_band, short=short)
    before = band_words(change.before_band, short=short)
    return f" {after}←{before}" if short else f" {after} ← {before}"


def _owner(name: str | None, narrow: bool) -> str:
    """'Sofia Lindqvist', or 'Sofia L.' in a narrow terminal."""
    if not name:
        return "-"
    first, _, rest = name.partition(" ")
    return f"{first} {rest[0]}." if narrow and rest else name


def _renewal_words(day: date | None, today: date) -> str:
    return "-" if day is None else relative_day(days_from(today, day))
