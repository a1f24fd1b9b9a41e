"""The team: who can own accounts and open csm as themselves (`--as`), their roles, segments and
managers."""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from csm_tui.domain.enums import Role
from csm_tui.domain.team import Member, TeamRow
from csm_tui.models import Account, TeamMember, utc_now


def team_rows(session: Session) -> list[TeamRow]:
    """Every live member by name, with their live manager and the live accounts each owns, by
    segment (two queries, whatever the size of the team)."""
    manager = aliased(TeamMember)
    statement = (
        select(
            col(TeamMember.id),
            col(TeamMember.name),
            col(TeamMember.email),
            col(TeamMember.role),
            col(TeamMember.segment),
            col(manager.name),
            col(manager.email),
        )
        .outerjoin(
            manager,
            (col(manager.id) == col(TeamMember.manager_id)) & col(manager.deleted_at).is_(None),
        )
        .where(col(TeamMember.deleted_at).is_(None))
        .order_by(func.lower(TeamMember.name), col(TeamMember.email))
    )
    books = _books(session)
    rows = []
    for member_id, name, email, role, segment, manager_name, manager_email in session.execute(
        statement
    ):
        book = books.get(member_id, {})
        rows.append(
            TeamRow(
                name=name,
                email=email,
                role=Role(role),
                accounts=sum(book.values()),
                segment=segment,
                manager_name=manager_name,
                manager_email=manager_email,
                book=book,
            )
        )
    return rows


def _books(session: Session) -> dict[uuid.UUID, dict[str, int]]:
    """The live accounts of each owner, counted by segment."""
    statement = (
        select(col(Account.owner_id), col(Account.segment), func.count())
        .where(col(Account.owner_id).is_not(None), col(Account.deleted_at).is_(None))
        .group_by(col(Account.owner_id), col(Account.segment))
    )
    books: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    for owner_id, segment, count in session.execute(statement):
        books[owner_id][segment] = count
    return dict(books)


def add_member(session: Session, *, email: str, name: str, role: Role) -> tuple[Member, bool]:
    """A new member, or one deleted earlier brought back with this name and role (an e-mail is
    unique even among deleted rows); True when brought back. The caller has checked that no
    live member has the e-mail."""
    statement = select(TeamMember).where(func.lower(TeamMember.email) == email.strip().lower())
    member = session.scalars(statement).first()
    restored = member is not None
    if member is None:
        member = TeamMember(name=name, email=email.strip(), role=role.value)
        session.add(member)
    else:
        member.name, member.role = name, role.value
        member.deleted_at = None
        member.updated_at = utc_now()
    session.flush()
    return Member(id=str(member.id), name=member.name, email=member.email, role=role), restored


def managers_of(session: Session) -> dict[str, str | None]:
    """Whom each live member reports to (ids as text; None: nobody, or a deleted member)."""
    live = {
        str(member_id): manager_id
        for member_id, manager_id in session.execute(
            select(col(TeamMember.id), col(TeamMember.manager_id)).where(
                col(TeamMember.deleted_at).is_(None)
            )
        )
    }
    return {
        member: (str(manager) if manager is not None and str(manager) in live else None)
        for member, manager in live.items()
    }


def live_member(session: Session, member_id: str) -> Member | None:
    """The live member with this id (as text), or None."""
    found = session.execute(
        select(col(TeamMember.name), col(TeamMember.email), col(TeamMember.role)).where(
            col(TeamMember.id) == uuid.UUID(member_id), col(TeamMember.deleted_at).is_(None)
        )
    ).first()
    if found is None:
        return None
    name, email, role = found
    return Member(id=member_id, name=name, email=email, role=Role(role))


def reports_of(session: Session, manager_id: uuid.UUID) -> list[str]:
    """The e-mails of the live members who report to `manager_id`, in order."""
    statement = (
        select(col(TeamMember.email))
        .where(col(TeamMember.manager_id) == manager_id, col(TeamMember.deleted_at).is_(None))
        .order_by(func.lower(TeamMember.email))
    )
    return list(session.scalars(statement))


def update_member(
    session: Session,
    member_id: uuid.UUID,
    *,
    name: str,
    role: Role,
    segment: str | None,
    manager_id: uuid.UUID | None,
) -> None:
    """Write a member's name, role, segment and manager as the caller checked them."""
    member = session.get(TeamMember, member_id)
    assert member is not None, "the caller read the member in this transaction"
    member.name, member.role, member.segment = name, role.value, segment
    member.manager_id = manager_id
    member.updated_at = utc_now()
    session.flush()
