"""The files csm writes for other tools: the CSV files `csm import` reads, and their JSON twin.

An export is only worth having if it imports back unchanged, so the columns here are the
import's own (same names, same order as its help), and each value is written as the import's
parsers read it (`domain.fields`): ISO dates, amounts like `120000.50`, flags as yes/no.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from csm_tui.domain.fields import amount_text


class ExportKind(StrEnum):
    ACCOUNTS = "accounts"
    CONTACTS = "contacts"
    TOUCHPOINTS = "touchpoints"
    QUEUE = "queue"


#: The columns of each file `csm import` reads, in the order its help lists them.
COLUMNS: dict[ExportKind, tuple[str, ...]] = {
    ExportKind.ACCOUNTS: (
        "external_id",
        "name",
        "segment",
        "priority",
        "arr",
        "owner_email",
        "ae",
        "contract_start",
        "renewal_date",
        "go_live_date",
        "health_score",
        "lifecycle_stage",
    ),
    ExportKind.CONTACTS: (
        "account_external_id",
        "name",
        "title",
        "email",
        "phone",
        "persona",
        "reports_to_email",
        "is_primary",
    ),
    ExportKind.TOUCHPOINTS: (
        "account_external_id",
        "occurred_on",
        "kind",
        "summary",
        "sentiment",
        "owner_email",
        "external_id",
    ),
}


class Amount(int):
    """Money in cents that writes itself as an amount (`120000.50`): the column is `arr`,
    and the import reads an amount, not cents."""


#: What a cell may hold before it is written.
Cell = str | int | float | bool | date | None


@dataclass(frozen=True, slots=True)
class Table:
    """Rows to write, one tuple per row in the order of `columns`. `left_out`: rows that
    could not be written so as to import back (an account without an external_id, the
    contacts and touches of such an account)."""

    kind: ExportKind
    columns: tuple[str, ...]
    rows: list[tuple[Cell, ...]]
    left_out: int = 0


def cell_text(value: Cell) -> str:
    """A value as the import reads it back; nothing at all for a missing value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Amount):
        return amount_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def json_value(value: Cell) -> str | int | float | bool | None:
    """A value in a JSON record: dates as ISO text, amounts as numbers (`612000`, `1250.5`)."""
    if isinstance(value, Amount):
        whole, part = divmod(int(value), 100)
        return whole if part == 0 else value / 100
    if isinstance(value, date):
        return value.isoformat()
    return value


def records(table: Table) -> list[dict[str, str | int | float | bool | None]]:
    """The rows as JSON records keyed by column name."""
    return [
        {column: json_value(value) for column, value in zip(table.columns, row, strict=True)}
        for row in table.rows
    ]
