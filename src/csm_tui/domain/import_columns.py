"""The columns csm reads from a CRM export, per kind of file, and how each cell is parsed.

Pure: the CSV reader (`services.csv_import`) and the mapping files (`domain.mapping_file`) both
check names and values against this one table, so a mapping's value map or default is refused
with the very message a bad cell would get.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from csm_tui.domain.enums import (
    Choice,
    LifecycleStage,
    Persona,
    Priority,
    Segment,
    Sentiment,
    TouchKind,
)
from csm_tui.domain.fields import (
    parse_amount_cents,
    parse_date,
    parse_email,
    parse_flag,
    parse_score,
)


class ImportKind(StrEnum):
    ACCOUNTS = "accounts"
    CONTACTS = "contacts"
    TOUCHPOINTS = "touchpoints"


def _text(text: str) -> str:
    return text


def choice_parser(choice: type[Choice]) -> Callable[[str], str]:
    """The stored value of a loosely typed member ("Mid Market" -> "mid-market")."""

    # Cached: a column repeats a handful of values, and Choice.parse re-normalises every member.
    @functools.lru_cache(maxsize=512)
    def parse(text: str) -> str:
        try:
            return choice.parse(text).value
        except ValueError:
            raise ValueError(f"one of {choice.expected()}") from None

    return parse


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[str], object] = _text
    required: bool = False
    attr: str | None = None  # the model attribute it sets directly, if any
    keep_when_blank: bool = False  # NOT NULL: a blank cell keeps the stored value (or default)
    is_date: bool = False  # read with the file's date format (ISO, or the one detected or given)
    is_owner: bool = False  # a team member: a mapping may name CRM users instead of e-mails
    can_default: bool = True  # False for keys: a default would give every record the same one
    choices: tuple[str, ...] = ()  # the values of an enumerated column
    multiline: bool = False  # free text that may hold line breaks and tabs (a touch's summary)


def _choice(
    name: str,
    choice: type[Choice],
    *,
    attr: str | None,
    required: bool = False,
    keep_when_blank: bool = False,
) -> Column:
    return Column(
        name,
        choice_parser(choice),
        required=required,
        attr=attr,
        keep_when_blank=keep_when_blank,
        choices=tuple(member.value for member in choice),
    )


COLUMNS: dict[ImportKind, tuple[Column, ...]] = {
    ImportKind.ACCOUNTS: (
        Column("external_id", required=True, can_default=False),
        Column("name", required=True, attr="name", can_default=False),
        _choice("segment", Segment, attr="segment", required=True),
        _choice("priority", Priority, attr="priority", keep_when_blank=True),
        Column("arr", parse_amount_cents, attr="arr_cents", keep_when_blank=True),
        Column("owner_email", parse_email, is_owner=True),
        Column("ae", attr="ae"),
        Column("contract_start", parse_date, attr="contract_start", is_date=True),
        Column("renewal_date", parse_date, attr="renewal_date", is_date=True),
        Column("go_live_date", parse_date, attr="go_live_date", is_date=True),
        Column("health_score", parse_score, attr="health_score"),
        _choice("lifecycle_stage", LifecycleStage, attr="lifecycle_stage"),
    ),
    ImportKind.CONTACTS: (
        Column("account_external_id", required=True, can_default=False),
        Column("name", required=True, attr="name", can_default=False),
        Column("title", attr="title"),
        Column("email", parse_email, attr="email", can_default=False),
        Column("phone", attr="phone"),
        _choice("persona", Persona, attr="persona"),
        Column("reports_to_email", parse_email, can_default=False),
        Column("is_primary", parse_flag, attr="is_primary", keep_when_blank=True),
    ),
    ImportKind.TOUCHPOINTS: (
        Column("account_external_id", required=True, can_default=False),
        Column("occurred_on", parse_date, required=True, is_date=True),
        _choice("kind", TouchKind, attr=None, required=True),
        Column("summary", required=True, multiline=True),
        _choice("sentiment", Sentiment, attr="sentiment"),
        Column("owner_email", parse_email, is_owner=True),
        Column("external_id", can_default=False),
    ),
}


def column_names(kind: ImportKind) -> list[str]:
    return [column.name for column in COLUMNS[kind]]


def column_key(name: str) -> str:
    """A header as csm compares it: 'Account Name ' and 'account-name' are 'account_name'."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def value_key(text: str) -> str:
    """A cell as a value map compares it: case and runs of spaces do not matter."""
    return " ".join(text.split()).casefold()
