"""Read queries behind the screens and the CLI. Each returns plain domain values, never ORM rows,
so that nothing outside the store holds a session or lazy-loads in the UI thread."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Select, func, select
from sqlmodel import Session

from csm_tui.domain.account import AccountName
from csm_tui.domain.book import AccountRow
from csm_tui.domain.enums import (
    LifecycleStage,
    Priority,
    Role,
    Segment,
)
from csm_tui.models import (
    Account,
    TeamMember,
    Touchpoint,
)


def choice_or_none(choice: type, value: str | None):  # type: ignore[no-untyped-def]
    """A stored enumerated value as its `Choice`, or None for NULL."""
    return None if value is None else choice(value)


def find_member(session: Session, email: str) -> TeamMember | None:
    statement = select(TeamMember).where(
        func.lower(TeamMember.email) == email.strip().lower(), TeamMember.deleted_at.is_(None)
    )
    return session.scalars(statement).first()


def team(session: Session) -> list[TeamMember]:
    statement = select(TeamMember).where(TeamMember.deleted_at.is_(None)).order_by(TeamMember.name)
    return list(session.scalars(statement))


def is_manager(member: TeamMember | None) -> bool:
    return member is not None and member.role == Role.MANAGER


def member_ids(email: str) -> Select[tuple[uuid.UUID]]:
    """The id of the team member with this e-mail, whatever its case, as a subquery: how every
    "mine" filter (book, queue, health changes) picks the accounts someone owns."""
    return select(TeamMember.id).where(func.lower(TeamMember.email) == email.strip().lower())


def book_of_business(session: Session, owner_email: str | None = None) -> list[AccountRow]:
    """Every live account, or those owned by `owner_email`, with the date of its last touch.

    One query whose cost follows the rows returned, not the size of the database: the owner
    filter uses the (owner_id, renewal_date) index, the last touch one index probe per account.
    """
    last_touch = (
        select(func.max(Touchpoint.occurred_on))
        .where(Touchpoint.account_id == Account.id, Touchpoint.deleted_at.is_(None))
        .correlate(Account)
        .scalar_subquery()
    )
    statement = (
        select(
            Account.id,
            Account.external_id,
            Account.name,
            Account.segment,
            Account.priority,
            Account.arr_cents,
            TeamMember.name,
            TeamMember.email,
            Account.health_score,
            Account.renewal_date,
            last_touch,
            Account.lifecycle_stage,
        )
        .outerjoin(TeamMember, TeamMember.id == Account.owner_id)
        .where(Account.deleted_at.is_(None))
    )
    if owner_email is not None:
        statement = statement.where(Account.owner_id.in_(member_ids(owner_email)))
    return [
        AccountRow(
            id=str(row[0]),
            external_id=row[1],
            name=row[2],
            segment=Segment(row[3]),
            priority=Priority(row[4]),
            arr_cents=row[5],
            owner_name=row[6],
            owner_email=row[7],
            health_score=row[8],
            renewal_date=row[9],
            last_touch=row[10],
            lifecycle_stage=choice_or_none(LifecycleStage, row[11]),
        )
        for row in session.execute(statement)
    ]


def count_rows(session: Session, tables: Sequence[type]) -> dict[str, int]:
    """Row counts per table, for import summaries and for tests that check nothing changed."""
    return {
        table.__tablename__: session.scalar(select(func.count()).select_from(table)) or 0  # type: ignore[attr-defined]
        for table in tables
    }


def account_names(session: Session) -> list[AccountName]:
    """Every live account's name, CRM id and owner, by name."""
    rows = session.execute(
        select(Account.id, Account.name, Account.external_id, TeamMember.name)
        .outerjoin(TeamMember, TeamMember.id == Account.owner_id)  # type: ignore[arg-type]
        .where(Account.deleted_at.is_(None))  # type: ignore[union-attr]
        .order_by(Account.name)
    ).all()
    return [
        AccountName(str(key), name, external_id, owner) for key, name, external_id, owner in rows
    ]


def account_id_by_external_id(session: Session, external_id: str) -> uuid.UUID | None:
    """The live account with this CRM id (exact match, as imported)."""
    statement = select(Account.id).where(
        Account.external_id == external_id.strip(), Account.deleted_at.is_(None)
    )
    return session.scalars(statement).first()
