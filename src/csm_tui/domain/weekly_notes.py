"""A CSM's notes for their manager for one week: wins, risks and asks. A draft may change until
it is submitted; a submitted report stays as it was sent (the manager read that one). The
checks here are the sentences the service refuses with."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from csm_tui.domain.iso_week import IsoWeek

#: The three parts of the notes, in the order a report shows them.
PARTS = ("wins", "risks", "asks")
#: Control characters no note may hold (a terminal may act on them; PostgreSQL refuses NUL):
#: C0 but tab and line ends, DEL, C1.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class WeekNotes:
    """The notes of one member for one week; `saved_at` None: nothing written yet."""

    member_id: str
    week: IsoWeek
    wins: str = ""
    risks: str = ""
    asks: str = ""
    saved_at: datetime | None = None
    submitted_at: datetime | None = None

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def empty(self) -> bool:
        return not (self.wins.strip() or self.risks.strip() or self.asks.strip())

    def texts(self) -> tuple[str, str, str]:
        return self.wins, self.risks, self.asks

    @property
    def status(self) -> str:
        """'submitted', 'draft' or 'not written'."""
        if self.submitted_at is not None:
            return "submitted"
        return "not written" if self.saved_at is None else "draft"

    @property
    def status_words(self) -> str:
        """'submitted on 2026-12-04', 'draft, saved 2026-12-03' or 'not written'."""
        if self.submitted_at is not None:
            return f"submitted on {self.submitted_at.date()}"
        if self.saved_at is not None:
            return f"draft, saved {self.saved_at.date()}"
        return self.status


def note_text(part: str, text: str) -> str:
    """A part of the notes as it is stored (the ends of the text trimmed), or ValueError."""
    if (control := _CONTROL.search(text)) is not None:
        raise ValueError(
            f"{part}: holds the control character {control[0]!r}, which a terminal may take as "
            "a command: type the text again without it"
        )
    return text.strip()


def save_refusal(notes: WeekNotes) -> str | None:
    """Why these notes cannot change, or None."""
    if notes.submitted_at is not None:
        return (
            f"the notes of {notes.week} were submitted on {_day(notes.submitted_at.date())} and "
            "stay as they were sent: nothing was changed"
        )
    return None


def submit_refusal(notes: WeekNotes, today: date) -> str | None:
    """Why these notes cannot be submitted today, or None: submitted already, nothing written,
    or a week that has not begun."""
    if notes.submitted_at is not None:
        return (
            f"the notes of {notes.week} were submitted already, on "
            f"{_day(notes.submitted_at.date())}: a submitted report stays as it was sent"
        )
    if notes.empty:
        return (
            f"nothing to submit for {notes.week}: write your wins, risks or asks first "
            "(a report says at least one of them)"
        )
    if today < notes.week.monday:
        return (
            f"{notes.week} has not begun (it starts on {_day(notes.week.monday)}): "
            "submit its notes once the week is under way"
        )
    return None


def _day(day: date) -> str:
    return day.strftime("%a %Y-%m-%d")
