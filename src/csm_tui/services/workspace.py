"""What the screens and the CLI ask of the database, for one user on one day.

The UI calls these methods from thread workers; each is one short transaction and returns
plain domain values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from csm_tui.domain.account import AccountName
from csm_tui.domain.book import AccountRow
from csm_tui.domain.enums import Role
from csm_tui.domain.team import Member
from csm_tui.rules import LoadedRules
from csm_tui.services.account import Accounts
from csm_tui.services.scheduling import rules_for
from csm_tui.services.triage import Triage
from csm_tui.settings import Settings
from csm_tui.store import queries
from csm_tui.store.database import Database, DatabaseError
from csm_tui.store.migrate import UpgradeReport, ensure_current


class UnknownUser(DatabaseError):
    """`--as` names nobody in the team."""


@dataclass
class Workspace:
    db: Database
    today: date
    me: Member | None
    rules: LoadedRules
    upgrade: UpgradeReport | None = None
    triage: Triage = field(init=False)
    accounts: Accounts = field(init=False)

    def __post_init__(self) -> None:
        self.triage = Triage(self.db, self.rules, self.today, self.me)
        self.accounts = Accounts(self.db, self.rules, self.today)

    @classmethod
    def open(cls, settings: Settings) -> Workspace:
        """Open (and if needed upgrade) the database, resolve who the user is, read the rules
        (a bad user rules file falls back to the shipped one: `rules.problems` says why)."""
        db = Database.open(settings.database)
        try:
            upgrade = ensure_current(db)
            me = resolve_member(db, settings.user_email)
        except Exception:
            db.dispose()
            raise
        return cls(db=db, today=settings.today, me=me, rules=rules_for(settings), upgrade=upgrade)

    def book(self, *, team: bool) -> list[AccountRow]:
        owner = None if team or self.me is None else self.me.email
        with self.db.reading() as session:
            return queries.book_of_business(session, owner)

    def account_names(self) -> list[AccountName]:
        with self.db.reading() as session:
            return queries.account_names(session)

    def close(self) -> None:
        self.db.dispose()


def resolve_member(db: Database, email: str | None) -> Member | None:
    """The team member behind `email`; None when no identity was given."""
    if email is None:
        return None
    with db.reading() as session:
        member = queries.find_member(session, email)
        if member is None:
            known = [m.email for m in queries.team(session)]
            hint = f"; known: {', '.join(known[:8])}" if known else "; the team is empty"
            more = f" (and {len(known) - 8} more)" if len(known) > 8 else ""
            raise UnknownUser(f"nobody in the team has the e-mail {email}{hint}{more}")
        return Member(
            id=str(member.id), name=member.name, email=member.email, role=Role(member.role)
        )
