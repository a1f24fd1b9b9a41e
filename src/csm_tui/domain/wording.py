"""How far a day is from today, in the same words on every screen and in every command.

Two registers: short for columns and parentheses ("3d overdue", "in 2d", "5d ago"), long for
the sentences of an explanation ("3 days overdue", "in 2 days"). Every function takes the
number of days from today to the day it speaks of (negative: in the past), so that the caller
says which day it measures and these stay pure.
"""

from __future__ import annotations

from datetime import date


def days_from(today: date, day: date) -> int:
    """Days from `today` to `day`: 2 for the day after tomorrow, -3 for three days ago."""
    return (day - today).days


def due_words(days: int) -> str:
    """Something to do, in a column of its own: '3d overdue', 'due today', 'tomorrow',
    'in 2d'."""
    if days < 0:
        return f"{-days}d overdue"
    if days == 0:
        return "due today"
    return "tomorrow" if days == 1 else f"in {days}d"


def due_note(days: int) -> str:
    """After a due date already written out ('due 2026-11-30 (in 7d)'): '3d overdue',
    'today', 'in 1d'."""
    return "today" if days == 0 else f"{-days}d overdue" if days < 0 else f"in {days}d"


def due_sentence(days: int) -> str:
    """The end of an explanation's sentence: '3 days overdue', '1 day overdue', 'due today',
    'tomorrow', 'in 2 days'."""
    if days == 0:
        return "due today"
    if days < 0:
        return f"{-days} day{'s' if days != -1 else ''} overdue"
    return "tomorrow" if days == 1 else f"in {days} days"


def relative_day(days: int) -> str:
    """A day that is not due but near (a renewal, the last touch): 'today', 'in 5d',
    '3d ago'."""
    return "today" if days == 0 else f"in {days}d" if days > 0 else f"{-days}d ago"


def countdown(days: int | None) -> str:
    """Under a column headed 'In': '53d', 'today' is '0d', '3d ago'; '-' for no date."""
    if days is None:
        return "-"
    return f"{-days}d ago" if days < 0 else f"{days}d"
