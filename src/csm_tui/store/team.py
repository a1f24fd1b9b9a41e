"""The team: who can own accounts and open csm as themselves (`--as`)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session, col

from csm_tui.domain.enums import Role
from csm_tui.domain.team import Member, TeamRow
from csm_tui.models import Account, TeamMember, utc_now


def team_rows(session: Session) -> list[TeamRow]:
    """Every live member by name, with the number of live accounts each owns."""
    owned = (
        select(func.count())
        .where(col(Account.owner_id) == col(TeamMember.id), col(Account.deleted_at).is_(None))
        .correlate(TeamMember)
        .scalar_subquery()
    )
    statement = (
        select(col(TeamMember.name), col(TeamMember.email), col(TeamMember.role), owned)
        .where(col(TeamMember.deleted_at).is_(None))
        .order_by(func.lower(TeamMember.name), col(TeamMember.email))
    )
    return [
        TeamRow(name=name, email=email, role=Role(role), accounts=accounts or 0)
        for name, email, role, accounts in session.execute(statement)
    ]


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
