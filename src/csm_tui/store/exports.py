"""The reads behind `csm export`: every live row of a book, with the keys the import matches on.

Rows are sorted here in Python, not by the database, so that the same book exported from
SQLite and from PostgreSQL (whose collations differ) gives the same file. Only what can be
imported back is written: a row that needs an account's external_id, and has none to name, is
counted in `Table.left_out` instead.
"""

from __future__ import annotations

from typing import TypeVarTuple

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from csm_tui.domain.exchange import COLUMNS, Amount, Cell, ExportKind, Table
from csm_tui.models import Account, Contact, TeamMember, Touchpoint
from csm_tui.store.queries import member_ids

_Columns = TypeVarTuple("_Columns")


def _owned(statement: Select[*_Columns], owner_email: str | None) -> Select[*_Columns]:
    """The live accounts of `owner_email`'s book (None: the whole team's)."""
    statement = statement.where(col(Account.deleted_at).is_(None))
    if owner_email is not None:
        statement = statement.where(col(Account.owner_id).in_(member_ids(owner_email)))
    return statement


def _split(rows: list[tuple[Cell, ...]]) -> tuple[list[tuple[Cell, ...]], int]:
    """The rows that name their account (first column), sorted; and how many do not."""
    kept = [row for row in rows if row[0] is not None]
    kept.sort(key=lambda row: tuple("" if cell is None else str(cell) for cell in row))
    return kept, len(rows) - len(kept)


def accounts(session: Session, owner_email: str | None) -> Table:
    statement = _owned(
        select(
            col(Account.external_id),
            col(Account.name),
            col(Account.segment),
            col(Account.priority),
            col(Account.arr_cents),
            col(TeamMember.email),
            col(Account.ae),
            col(Account.contract_start),
            col(Account.renewal_date),
            col(Account.go_live_date),
            col(Account.health_score),
            col(Account.lifecycle_stage),
        ).outerjoin(TeamMember, col(TeamMember.id) == col(Account.owner_id)),
        owner_email,
    )
    rows: list[tuple[Cell, ...]] = [
        (*row[:4], Amount(row[4]), *row[5:]) for row in session.execute(statement)
    ]
    kept, left_out = _split(rows)
    return Table(ExportKind.ACCOUNTS, COLUMNS[ExportKind.ACCOUNTS], kept, left_out)


def contacts(session: Session, owner_email: str | None) -> Table:
    """Reports-to is written as the manager's e-mail, the key the import links it by; a
    manager without one (or gone) leaves the cell blank."""
    manager = aliased(Contact)
    statement = _owned(
        select(
            col(Account.external_id),
            col(Contact.name),
            col(Contact.title),
            col(Contact.email),
            col(Contact.phone),
            col(Contact.persona),
            col(manager.email),
            col(Contact.is_primary),
        )
        .select_from(Contact)
        .join(Account, col(Account.id) == col(Contact.account_id))
        .outerjoin(
            manager,
            (col(manager.id) == col(Contact.reports_to_id)) & col(manager.deleted_at).is_(None),
        )
        .where(col(Contact.deleted_at).is_(None)),
        owner_email,
    )
    kept, left_out = _split([tuple(row) for row in session.execute(statement)])
    return Table(ExportKind.CONTACTS, COLUMNS[ExportKind.CONTACTS], kept, left_out)


def touchpoints(session: Session, owner_email: str | None) -> Table:
    """The touches of the accounts of the book (whoever logged them), oldest first per
    account; the owner is who logged the touch."""
    statement = _owned(
        select(
            col(Account.external_id),
            col(Touchpoint.occurred_on),
            col(Touchpoint.kind),
            col(Touchpoint.summary),
            col(Touchpoint.sentiment),
            col(TeamMember.email),
            col(Touchpoint.external_id),
        )
        .select_from(Touchpoint)
        .join(Account, col(Account.id) == col(Touchpoint.account_id))
        .outerjoin(TeamMember, col(TeamMember.id) == col(Touchpoint.owner_id))
        .where(col(Touchpoint.deleted_at).is_(None)),
        owner_email,
    )
    kept, left_out = _split([tuple(row) for row in session.execute(statement)])
    return Table(ExportKind.TOUCHPOINTS, COLUMNS[ExportKind.TOUCHPOINTS], kept, left_out)


READERS = {
    ExportKind.ACCOUNTS: accounts,
    ExportKind.CONTACTS: contacts,
    ExportKind.TOUCHPOINTS: touchpoints,
}
