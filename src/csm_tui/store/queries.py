"""Read queries behind the screens and the CLI. Each returns plain domain values, never ORM rows,
so that nothing outside the store holds a session or lazy-loads in the UI thread."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import Select, func, select
from sqlmodel import Session, SQLModel, col

from csm_tui.domain.account import AccountName
from csm_tui.domain.book import AccountRow
from csm_tui.domain.enums import (
    Choice,
    LifecycleStage,
    Priority,
    Role,
    Segment,
)
from csm_tui.models import (
    Account,
    AccountPlan,
    TeamMember,
    Touchpoint,
    table_of,
)

_Choice = TypeVar("_Choice", bound=Choice)


def choice_or_none(choice: type[_Choice], value: str | None) -> _Choice | None:
    """A stored enumerated value as its `Choice`, or None for NULL."""
    return None if value is None else choice(value)


def find_member(session: Session, email: str) -> TeamMember | None:
    statement = select(TeamMember).where(
        func.lower(TeamMember.email) == email.strip().lower(), col(TeamMember.deleted_at).is_(None)
    )
    return session.scalars(statement).first()


def team(session: Session) -> list[TeamMember]:
    statement = (
        select(TeamMember).where(col(TeamMember.deleted_at).is_(None)).order_by(TeamMember.name)
    )
    return list(session.scalars(statement))


def is_manager(member: TeamMember | None) -> bool:
    return member is not None and member.role == Role.MANAGER


def member_ids(email: str) -> Select[uuid.UUID]:
    """The id of the team member with this e-mail, whatever its case, as a subquery: how every
    "mine" filter (book, queue, health changes) picks the accounts someone owns."""
    return select(col(TeamMember.id)).where(func.lower(TeamMember.email) == email.strip().lower())


def book_of_business(session: Session, owner_email: str | None = None) -> list[AccountRow]:
    """Every live account, or those owned by `owner_email`, with the date of its last touch and
    the priority the rules derive (the stored one where no schedule was computed yet).

    One query whose cost follows the rows returned, not the size of the database: the owner
    filter uses the (owner_id, renewal_date) index, the last touch one index probe per account.
    """
    last_touch = (
        select(func.max(Touchpoint.occurred_on))
        .where(col(Touchpoint.account_id) == col(Account.id), col(Touchpoint.deleted_at).is_(None))
        .correlate(Account)
        .scalar_subquery()
    )
    statement = (
        select(
            col(Account.id),
            col(Account.external_id),
            col(Account.name),
            col(Account.segment),
            func.coalesce(col(AccountPlan.effective_priority), col(Account.priority)),
            col(Account.arr_cents),
            col(TeamMember.name),
            col(TeamMember.email),
            col(Account.health_score),
            col(Account.renewal_date),
            last_touch,
            col(Account.lifecycle_stage),
            col(Account.priority),
        )
        .outerjoin(TeamMember, col(TeamMember.id) == col(Account.owner_id))
        .outerjoin(AccountPlan, col(AccountPlan.account_id) == col(Account.id))
        .where(col(Account.deleted_at).is_(None))
    )
    if owner_email is not None:
        statement = statement.where(col(Account.owner_id).in_(member_ids(owner_email)))
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
            assigned_priority=None if row[12] == row[4] else Priority(row[12]),
        )
        for row in session.execute(statement)
    ]


def count_rows(session: Session, tables: Sequence[type[SQLModel]]) -> dict[str, int]:
    """Row counts per table, for import summaries and for tests that check nothing changed."""
    return {
        table.name: session.scalar(select(func.count()).select_from(table)) or 0
        for table in map(table_of, tables)
    }


def account_names(session: Session) -> list[AccountName]:
    """Every live account's name, CRM id and owner (name and e-mail), by name."""
    rows = session.execute(
        select(
            col(Account.id),
            col(Account.name),
            col(Account.external_id),
            col(TeamMember.name),
            col(TeamMember.email),
        )
        .outerjoin(TeamMember, col(TeamMember.id) == col(Account.owner_id))
        .where(col(Account.deleted_at).is_(None))
        .order_by(Account.name)
    ).all()
    return [
        AccountName(str(key), name, external_id, owner, email)
        for key, name, external_id, owner, email in rows
    ]


def account_id_by_external_id(session: Session, external_id: str) -> uuid.UUID | None:
    """The live account with this CRM id (exact match, as imported)."""
    statement = select(col(Account.id)).where(
        col(Account.external_id) == external_id.strip(), col(Account.deleted_at).is_(None)
    )
    return session.scalars(statement).first()


def has_accounts(session: Session, owner_email: str | None = None) -> bool:
    """Whether any live account is in the book of `owner_email` (None: the team's)."""
    statement = select(col(Account.id)).where(col(Account.deleted_at).is_(None))
    if owner_email is not None:
        statement = statement.where(col(Account.owner_id).in_(member_ids(owner_email)))
    return session.execute(statement.limit(1)).first() is not None
