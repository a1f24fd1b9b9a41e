"""How a typed value becomes a stored one, for CSV cells and form fields alike.

Each parser takes stripped text and returns the value, or raises `ValueError` whose message is
what was expected ("a date as YYYY-MM-DD, like 2026-11-23"): the caller says where.

Numbers are ASCII digits only: a regular expression's digit class, `int()` and `Decimal()` also
take Arabic-Indic and full-width digits, which nobody reading the value back sees as the same.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from csm_tui.domain.dates import in_range

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_AMOUNT = re.compile(r"(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?", re.ASCII)
_NOT_IN_EMAIL = r"[^@\s,;<>\"\x00-\x1f\x7f-\x9f]"  # nor control characters, which \s misses
_EMAIL = re.compile(rf"{_NOT_IN_EMAIL}+@{_NOT_IN_EMAIL}+\.{_NOT_IN_EMAIL}+")
MAX_ARR_CENTS = 10**17  # far below BIGINT, far above any real contract
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


def parse_date(text: str) -> date:
    # date.fromisoformat alone also takes "20261123" and "2026-W48-1" on 3.11.
    if _DATE.fullmatch(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            pass
        else:
            return in_range(day)
    raise ValueError("a date as YYYY-MM-DD, like 2026-11-23")


def parse_amount_cents(text: str) -> int:
    if text.startswith("-") and _AMOUNT.fullmatch(text[1:]):
        raise ValueError("an amount that is not negative")
    if not _AMOUNT.fullmatch(text):
        raise ValueError("an amount like 120000, 120000.50 or 120,000")
    cents = int(Decimal(text.replace(",", "")) * 100)
    if cents > MAX_ARR_CENTS:
        raise ValueError("an amount below 1,000,000,000,000,000")
    return cents


def parse_score(text: str) -> int:
    if text.isascii() and text.isdigit() and int(text) <= 100:
        return int(text)
    raise ValueError("a whole number from 0 to 100")


def parse_email(text: str) -> str:
    if _EMAIL.fullmatch(text):
        return text
    raise ValueError("an e-mail address like ada@example.com")


def parse_flag(text: str) -> bool:
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise ValueError("true or false (also yes/no, 1/0)")


def amount_text(cents: int) -> str:
    """Cents as a form shows them for editing: '120000', '120000.50' (`parse_amount_cents`
    reads them back)."""
    whole, part = divmod(cents, 100)
    return f"{whole}" if part == 0 else f"{whole}.{part:02d}"
