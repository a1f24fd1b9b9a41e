"""A CSM's weekly notes for their manager (wins, risks, asks), saved per ISO week: a draft
while it may change, then submitted, after which it stays as it was sent. Each call is one
transaction; a save can be taken back (`undo`) as long as nothing changed the notes since.

The wrap-up screen and `csm wrapup notes` call these same methods."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session

from csm_tui.domain.iso_week import IsoWeek, week_meant
from csm_tui.domain.team import Member
from csm_tui.domain.weekly_notes import (
    PARTS,
    WeekNotes,
    note_text,
    save_refusal,
    submit_refusal,
)
from csm_tui.errors import CsmError
from csm_tui.models import TeamMember, WeeklyReport, now_on
from csm_tui.services.outbox import records
from csm_tui.store import wrapup_notes as store
from csm_tui.store.database import Database
from csm_tui.store.undo import Change, changed, restore, states

#: A week as the caller has it: parsed, or as typed ("2026-W49").
Week = IsoWeek | str


class NotesError(CsmError):
    """Notes that cannot be saved or submitted, said so that the user can see why."""


@dataclass(frozen=True, slots=True)
class NotesUndo:
    """How to take a save back: the row as it was before and as the save left it."""

    description: str  # "the notes of 2026-W49 saved"
    change: Change


@dataclass(frozen=True, slots=True)
class NotesDone:
    notes: WeekNotes
    message: str
    undo: NotesUndo | None = None  # None: nothing was written (or it cannot be taken back)


@dataclass
class WeeklyNotes:
    db: Database
    today: date
    now: Callable[[], datetime] = field(init=False)

    def __post_init__(self) -> None:
        self.now = lambda: now_on(self.today)

    def week(self, week: Week | None = None) -> IsoWeek:
        """The week meant: `week` checked, or this one (of `today`)."""
        try:
            return week_meant(week, self.today)
        except ValueError as error:
            raise NotesError(str(error)) from None

    def notes(self, member: Member, week: Week | None = None) -> WeekNotes:
        """The member's notes of the week (empty when none were saved)."""
        wanted = self.week(week)
        with self.db.reading() as session:
            return store.notes_of(session, uuid.UUID(member.id), wanted)

    def submitted(
        self, member_ids: Iterable[str], week: Week | None = None
    ) -> dict[str, WeekNotes]:
        """The submitted notes of the week of each of `member_ids` that submitted them, by member
        id, in one transaction: what the manager reads (a draft is not theirs to read)."""
        wanted = self.week(week)
        with self.db.reading() as session:
            return store.submitted_notes(session, member_ids, wanted)

    @records("weekly_notes.save")
    def save(
        self,
        member: Member,
        week: Week | None,
        wins: str | None = None,
        risks: str | None = None,
        asks: str | None = None,
    ) -> NotesDone:
        """Save the notes as a draft; a part given as None keeps what is saved. Refused once
        the week's notes were submitted."""
        wanted = self.week(week)
        given = dict(zip(PARTS, (wins, risks, asks), strict=True))
        try:
            texts = {
                part: note_text(part, text) for part, text in given.items() if text is not None
            }
        except ValueError as error:
            raise NotesError(str(error)) from None
        with self.db.writing() as session:
            key = self._lock(session, member).id
            current = store.notes_of(session, key, wanted)
            if (refusal := save_refusal(current)) is not None:
                raise NotesError(refusal)
            new = (
                texts.get("wins", current.wins),
                texts.get("risks", current.risks),
                texts.get("asks", current.asks),
            )
            if new == current.texts():
                said = "nothing was written" if current.saved_at is None else "they stay as saved"
                return NotesDone(current, f"No change to the notes of {wanted}: {said}.")
            row = store.report_row(session, key, wanted)
            rows = [] if row is None else [(WeeklyReport, row.id)]
            before = states(session, rows)
            report_id = store.save_draft(session, key, wanted, new, self.now())
            after = changed(session, before, [(WeeklyReport, report_id)])
            notes = store.notes_of(session, key, wanted)
        undo = NotesUndo(f"the notes of {wanted} saved", after)
        return NotesDone(
            notes,
            f"Saved the notes of {wanted} (a draft: submit them when the week is done).",
            undo,
        )

    @records("weekly_notes.submit")
    def submit(self, member: Member, week: Week | None = None) -> NotesDone:
        """Send the week's notes to the manager: from then on they stay as they are. Refused
        when there is nothing to send, when they were sent already, and for a week that has
        not begun."""
        wanted = self.week(week)
        with self.db.writing() as session:
            locked = self._lock(session, member)
            key = locked.id
            current = store.notes_of(session, key, wanted)
            if (refusal := submit_refusal(current, self.today)) is not None:
                raise NotesError(refusal)
            row = store.report_row(session, key, wanted)
            assert row is not None, "notes that are not empty were saved"
            store.submit(session, row.id, self.now())
            notes = store.notes_of(session, key, wanted)
            manager = store.manager_name(session, locked)
        sent = f"{manager} reads them in the team's week" if manager else "nobody manages you yet"
        return NotesDone(
            notes, f"Submitted the notes of {wanted}: they stay as they were sent ({sent})."
        )

    @records("weekly_notes.undo")
    def undo(self, undo: NotesUndo) -> str:
        """Put the notes back as they were before the save, in one transaction; nothing is
        written when they changed since (saved again, or submitted)."""
        with self.db.writing() as session:
            if not restore(session, undo.change):
                return f"Not undone: since {undo.description}, they were changed again."
        return f"Undone: {undo.description}."

    def _lock(self, session: Session, member: Member) -> TeamMember:
        locked = store.lock_member(session, uuid.UUID(member.id))
        if locked is None:
            raise NotesError(f"{member.email} is no longer in the team: their notes are closed")
        return locked
