"""The escalation ladder as a table: one escalation per row, breached ones said in words and
in the theme's error colour. The service sorts the rows (breached first, then level high to
low, then oldest); the table only draws the rows in view."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text

from csm_tui.domain.book import format_arr
from csm_tui.domain.enums import RiskCategory
from csm_tui.domain.ladder import level_words
from csm_tui.services.escalations import LadderLine
from csm_tui.widgets.account_table import AccountTable
from csm_tui.widgets.line_table import Column, FittedTable

#: (label, column key) of the columns; "owner" only in the team view; "reason" takes the rest.
#: The SLA comes right after the account, so that 80 cells still show it.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("Level", "level"),
    ("Account", "account"),
    ("SLA", "sla"),
    ("At level", "at_level"),
    ("Owner", "owner"),
    ("Risk", "risk"),
    ("ARR", "arr"),
    ("Renewal", "renewal"),
    ("Reason", "reason"),
)

#: The reason column never gets narrower than this, however narrow the terminal.
MIN_REASON = 12
#: Narrow terminals (under this many cells, as the triage queue's) get fewer, shorter columns:
#: no ARR, renewal or days at the level (the escalation in full has them), short words.
NARROW_BELOW = 110
#: Longest account name shown in a narrow terminal (longer ones end in "…").
NARROW_TEXT = 16
_NARROW_HIDDEN = frozenset({"arr", "renewal", "at_level"})


def risk_words(value: str) -> str:
    try:
        return RiskCategory(value).label
    except ValueError:
        return value


def sla_words(line: LadderLine, *, narrow: bool = False) -> str:
    """The countdown, and "BREACHED" in words beside it (not only in colour); in a narrow
    terminal "in 4bd", "BREACHED 1bd" (business days; "overdue" goes without saying)."""
    countdown = line.countdown
    if narrow:
        countdown = countdown.replace(" business days", "bd").replace(" business day", "bd")
        if line.breached:
            countdown = countdown.removesuffix(" overdue")
    return f"BREACHED {countdown}" if line.breached else countdown


def _short(text: str) -> str:
    return text if len(text) <= NARROW_TEXT else text[: NARROW_TEXT - 1] + "…"


def _owner(name: str | None, narrow: bool) -> str:
    """'Sofia Lindqvist', or 'Sofia L.' in a narrow terminal."""
    if not name:
        return "-"
    first, _, rest = name.partition(" ")
    return f"{first} {rest[0]}." if narrow and rest else name


def plain_cells(line: LadderLine, *, narrow: bool = False) -> dict[str, str]:
    """What each column says of the line, without colours."""
    row = line.row
    return {
        "level": level_words(row.level),
        "account": _short(row.account_name) if narrow else row.account_name,
        "owner": _owner(row.owner_name, narrow),
        "risk": risk_words(row.risk_category),
        "arr": format_arr(row.arr_cents),
        "renewal": row.renewal_date.isoformat() if row.renewal_date else "-",
        "at_level": f"{line.days_at_level}d",
        "sla": sla_words(line, narrow=narrow),
        "reason": row.reason,
    }


def measure(lines: Sequence[LadderLine], team: bool, *, narrow: bool = False) -> tuple[Column, ...]:
    """The columns' widths on every line's plain values (run in a worker, with the read), so
    that filtering never makes the columns jump; a narrow terminal's are fewer and shorter."""
    shown = [
        ("Lvl" if narrow and key == "level" else label, key)
        for label, key in COLUMNS
        if (team or key != "owner") and not (narrow and key in _NARROW_HIDDEN)
    ]
    widths = {key: cell_len(label) for label, key in shown}
    for line in lines:
        plain = plain_cells(line, narrow=narrow)
        for _, key in shown:
            widths[key] = max(widths[key], cell_len(plain[key]))
    return tuple(Column(key, label, widths[key]) for label, key in shown)


class LadderTable(AccountTable[LadderLine], FittedTable[LadderLine]):
    """The ladder's rows; the reason column takes the width the others leave."""

    DEFAULT_CSS = """
    LadderTable {
        & > .ladder-table--breached { color: $text-error; text-style: bold; }
        & > .ladder-table--high { text-style: bold; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"ladder-table--breached", "ladder-table--high"}
    MIN_LAST = MIN_REASON

    def row_key(self, row: LadderLine) -> str:
        return row.row.id

    def row_cells(self, row: LadderLine) -> tuple[Text, ...]:
        """Text throughout, so that a reason like "[EU] outage" is never markup."""
        plain = plain_cells(row, narrow=self.narrow)
        cells = {key: Text(value) for key, value in plain.items()}
        cells["arr"].justify = "right"
        cells["at_level"].justify = "right"
        cells["reason"].overflow = "ellipsis"
        if row.breached:
            cells["sla"].stylize(
                self.get_component_rich_style("ladder-table--breached", partial=True)
            )
        if row.row.level >= 4:
            cells["level"].stylize(
                self.get_component_rich_style("ladder-table--high", partial=True)
            )
        return tuple(cells[column.key] for column in self.columns)
