"""Messages that several screens send and the app answers, declared once.

A message that only one widget sends is nested in that widget (`LineTable.Selected`,
`FilterBar.Cleared`); these are the ones whose sender can be any screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message
from textual.worker import Worker


@dataclass
class OpenAccount(Message):
    """Show this account on the account screen, over the screen that sent it."""

    account_id: str


@dataclass
class OpenPlan(Message):
    """Show this account's success plan, over the screen that sent it (the account, triage's
    milestone rows)."""

    account_id: str
    account_name: str = ""


@dataclass
class WorkFailed(Message):
    """A worker that reads or writes the database failed: the app says so, once."""

    worker: Worker[Any]
