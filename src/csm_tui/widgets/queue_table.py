"""The triage queue as a table: one row per item due, keyed by account and kind."""

from __future__ import annotations

from datetime import date

from rich.text import Text

from csm_tui.domain.book import format_arr
from csm_tui.domain.health import BandThresholds
from csm_tui.domain.queue import QueueItem
from csm_tui.domain.triage import HEALTH_DROP, HealthChange, when_words
from csm_tui.domain.wording import relative_day
from csm_tui.widgets.account_table import AccountTable
from csm_tui.widgets.health import health_cell

#: Narrow terminals (under this many cells) get fewer, shorter columns: the panel has the rest.
NARROW_BELOW = 110
#: Longest account name and "what" shown in a narrow terminal (longer ones end in "…").
NARROW_TEXT = 16

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


#: The queue is a table of accounts' items: row cursor, `j`/`k`, `enter` opens the account.
QueueTable = AccountTable


def cells(
    item: QueueItem,
    today: date,
    change: HealthChange | None,
    bands: BandThresholds,
    *,
    team: bool,
    narrow: bool = False,
) -> tuple[Text, ...]:
    """One row; Text throughout, so that an account called "Acme [EU]" is never markup."""
    name = Text(_short(item.account_name, narrow))
    if item.pinned:
        name = Text.assemble(("! ", "bold red"), name)
    what = Text(_short(item.label, narrow), style="bold" if item.kind == HEALTH_DROP else "")
    if item.snoozed_until is not None and item.snoozed_until > today:
        what.append(f" (snoozed to {item.snoozed_until:%d %b})", style="dim")
    when = Text(when_words(item, today), justify="right")
    if item.due_on < today and item.kind != HEALTH_DROP:
        when.stylize("bold red" if (today - item.due_on).days > 7 else "bold")
    health = health_cell(item.health_score, bands)
    if change is not None:
        health.append(
            f" {change.after_band.value} ← {change.before_band.value}",
            style="bold red" if change.is_drop else "green",
        )
    days = None if item.renewal_date is None else (item.renewal_date - today).days
    renewal = Text(
        "-" if days is None else relative_day(days),
        justify="right",
        style="bold" if days is not None and 0 <= days <= 120 else "",
    )
    by_key = {
        "account": name,
        "owner": Text(item.owner_name or "-"),
        "what": what,
        "when": when,
        "health": health,
        "priority": Text(item.priority.upper()),
        "arr": Text(format_arr(item.arr_cents), justify="right"),
        "renewal": renewal,
    }
    return tuple(by_key[key] for _, key in columns(team=team, narrow=narrow))


def columns(*, team: bool, narrow: bool = False) -> tuple[tuple[str, str], ...]:
    """The team view adds the owner; a narrow terminal drops the owner, ARR and renewal."""
    hidden = {"owner", "arr", "renewal"} if narrow else set() if team else {"owner"}
    return tuple(column for column in COLUMNS if column[1] not in hidden)


def _short(text: str, narrow: bool) -> str:
    return text if not narrow or len(text) <= NARROW_TEXT else text[: NARROW_TEXT - 1] + "…"
