"""Weekly notes (`weekly_report`): a member's wins, risks and asks for one ISO week, read, saved
as a draft and submitted. One row per member and week, even after an undo soft-deleted it (a
later save brings it back), so the unique key never refuses a save."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from csm_tui.domain.iso_week import IsoWeek
from csm_tui.domain.weekly_notes import WeekNotes
from csm_tui.models import TeamMember, WeeklyReport, as_utc


def lock_member(session: Session, member_id: uuid.UUID) -> TeamMember | None:
    """The live member, locked for this transaction (PostgreSQL: `FOR UPDATE`; SQLite's write
    transaction already holds the database): two saves of the same notes at once then follow
    each other, and a check made here stays true until the write."""
    statement = (
        select(TeamMember)
        .where(col(TeamMember.id) == member_id, col(TeamMember.deleted_at).is_(None))
        .with_for_update()
    )
    return session.scalars(statement).first()


def manager_name(session: Session, member: TeamMember) -> str | None:
    """The name of the live manager of `member`, if they have one."""
    if member.manager_id is None:
        return None
    return session.scalar(
        select(col(TeamMember.name)).where(
            col(TeamMember.id) == member.manager_id, col(TeamMember.deleted_at).is_(None)
        )
    )


def report_row(session: Session, member_id: uuid.UUID, week: IsoWeek) -> WeeklyReport | None:
    """The member's row for the week, a soft-deleted one included."""
    statement = select(WeeklyReport).where(
        col(WeeklyReport.member_id) == member_id, col(WeeklyReport.week) == str(week)
    )
    return session.scalars(statement).first()


def notes_of(session: Session, member_id: uuid.UUID, week: IsoWeek) -> WeekNotes:
    """The member's notes of the week; empty (never saved) when there are none."""
    row = report_row(session, member_id, week)
    if row is None or row.deleted_at is not None:
        return WeekNotes(str(member_id), week)
    return WeekNotes(
        member_id=str(member_id),
        week=week,
        wins=row.wins,
        risks=row.risks,
        asks=row.asks,
        saved_at=as_utc(row.updated_at),
        submitted_at=None if row.submitted_at is None else as_utc(row.submitted_at),
    )


def submitted_notes(
    session: Session, member_ids: Iterable[str], week: IsoWeek
) -> dict[str, WeekNotes]:
    """The submitted notes of the week of each of `member_ids` that submitted them, by member id
    (as given), in one query."""
    keys = {uuid.UUID(key): key for key in member_ids}
    if not keys:
        return {}
    statement = select(WeeklyReport).where(
        col(WeeklyReport.member_id).in_(sorted(keys)),
        col(WeeklyReport.week) == str(week),
        col(WeeklyReport.deleted_at).is_(None),
        col(WeeklyReport.submitted_at).is_not(None),
    )
    found = {}
    for row in session.scalars(statement):
        key = keys[row.member_id]
        assert row.submitted_at is not None, "the query reads submitted notes only"
        found[key] = WeekNotes(
            member_id=key,
            week=week,
            wins=row.wins,
            risks=row.risks,
            asks=row.asks,
            saved_at=as_utc(row.updated_at),
            submitted_at=as_utc(row.submitted_at),
        )
    return found


def save_draft(
    session: Session,
    member_id: uuid.UUID,
    week: IsoWeek,
    texts: tuple[str, str, str],
    now: datetime,
) -> uuid.UUID:
    """Write the notes as a draft (a new row, or the week's row brought back); its key. The
    caller checked that they are not submitted."""
    wins, risks, asks = texts
    row = report_row(session, member_id, week)
    if row is None:
        row = WeeklyReport(member_id=member_id, week=str(week), created_at=now)
        session.add(row)
    elif row.deleted_at is not None:
        row.submitted_at = None  # a deleted row was never a report anyone reads
    assert row.submitted_at is None, "the caller checked the notes are a draft"
    row.wins, row.risks, row.asks = wins, risks, asks
    row.deleted_at = None
    row.updated_at = now
    session.flush()
    return row.id


def submit(session: Session, report_id: uuid.UUID, now: datetime) -> None:
    """Mark the notes sent: from now on they stay as they are."""
    row = session.get(WeeklyReport, report_id)
    assert row is not None and row.submitted_at is None, "the caller read a draft"
    row.submitted_at = now
    row.updated_at = now
    session.flush()
