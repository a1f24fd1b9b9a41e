"""`csm team`: who is in the team, and adding someone (a new CSM, or yourself on first run)."""

from __future__ import annotations

from csm_tui.domain.enums import Role
from csm_tui.domain.fields import parse_email
from csm_tui.domain.team import Member, TeamRow
from csm_tui.errors import CsmError
from csm_tui.store import queries
from csm_tui.store import team as store
from csm_tui.store.database import Database
from csm_tui.store.imports import member_name


class TeamError(CsmError):
    """A team member that cannot be added as asked."""


def default_name(email: str) -> str:
    """The name a member gets when none is given: read from the address, as an import does."""
    return member_name(email)


def team_rows(db: Database) -> list[TeamRow]:
    with db.reading() as session:
        return store.team_rows(session)


def add_member(
    db: Database, email: str, *, name: str | None = None, role: Role = Role.CSM
) -> tuple[Member, bool]:
    """Add `email` to the team (the name, if not given, is read from the address as an
    import does); True when a member deleted earlier was brought back."""
    address = email.strip()
    try:
        parse_email(address)
    except ValueError as error:
        raise TeamError(f"{address!r} is not an e-mail address: expected {error}") from None
    given = (name or "").strip()
    with db.writing() as session:
        existing = queries.find_member(session, address)
        if existing is not None:
            raise TeamError(
                f"{existing.email} is in the team already ({existing.name}, "
                f"{Role(existing.role).label})"
            )
        return store.add_member(
            session, email=address, name=given or default_name(address), role=role
        )
