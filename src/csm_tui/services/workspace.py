"""What the screens and the CLI ask of the database, for one user on one day.

The UI calls these methods from thread workers; each is one short transaction and returns
plain domain values.

A workspace knows its day, its user and its rules from the start. Its database and services
may come later: the app starts from a glance at a SQLite book (`services.first_view`) and
connects on the first use, in a worker after the first paint, so that importing SQLAlchemy and
the models is not paid before the queue is on screen (the benchmarks' `start_to_paint_s`
measures the time to that screen). This module therefore imports no database code until it
connects.
"""

from __future__ import annotations

import shlex
import threading
from datetime import date
from typing import TYPE_CHECKING

from csm_tui.domain.enums import Role
from csm_tui.domain.team import Member
from csm_tui.errors import CsmError
from csm_tui.rules import LoadedRules, rules_for
from csm_tui.settings import Settings

if TYPE_CHECKING:
    from types import TracebackType

    from csm_tui.domain.account import AccountName
    from csm_tui.domain.book import AccountRow
    from csm_tui.services.account import Accounts
    from csm_tui.services.conflicts import Conflicts
    from csm_tui.services.escalations import Escalations
    from csm_tui.services.outbox import Outbox
    from csm_tui.services.plans import Plans
    from csm_tui.services.triage import Triage
    from csm_tui.services.wrapup import Wrapup
    from csm_tui.services.wrapup_notes import WeeklyNotes
    from csm_tui.store.database import Database
    from csm_tui.store.migrate import UpgradeReport


class UnknownUser(CsmError):
    """`--as` names nobody in the team."""


class WorkspaceClosed(CsmError):
    """The app is closing: nothing more is read or written."""


class _Connected:
    """The database and the services over it."""

    def __init__(
        self,
        db: Database,
        rules: LoadedRules,
        today: date,
        me: Member | None,
        system_today: date | None,
    ) -> None:
        from csm_tui.services.account import Accounts
        from csm_tui.services.conflicts import Conflicts
        from csm_tui.services.escalations import Escalations
        from csm_tui.services.outbox import Outbox
        from csm_tui.services.plans import Plans
        from csm_tui.services.triage import Triage
        from csm_tui.services.wrapup import Wrapup
        from csm_tui.services.wrapup_notes import WeeklyNotes

        self.db = db
        self.outbox = Outbox(db, actor=None if me is None else me.id, day=today)
        self.outbox.attach()  # a laptop that syncs keeps its writes for the team's server
        self.triage = Triage(db, rules, today, me, system_today)
        self.accounts = Accounts(db, rules, today)
        self.escalations = Escalations(db, rules, today, me)
        self.plans = Plans(db, rules, today, me)
        self.weekly_notes = WeeklyNotes(db, today)
        self.conflicts = Conflicts(db, today, me)
        self.wrapup = Wrapup(db, rules, today, me)


class Workspace:
    def __init__(
        self,
        *,
        database: str,
        today: date,
        me: Member | None,
        rules: LoadedRules,
        system_today: date | None = None,
        db: Database | None = None,
        upgrade: UpgradeReport | None = None,
        csm: str = "csm",
        busy_timeout_ms: int | None = None,
    ) -> None:
        self.database = database
        #: How long a write waits for another csm's (None: a command's patience; the terminal
        #: UI waits less: `store.raw`).
        self.busy_timeout_ms = busy_timeout_ms
        self.csm = csm  # how a command for this book starts (`Settings.csm`), for hints
        self.today = today
        self.system_today = system_today  # the real date: see Triage.records_visits
        self.me = me
        self.rules = rules
        self.upgrade = upgrade
        self._lock = threading.Lock()
        self._closed = False
        self._connected = None
        if db is not None:
            self._connected = _Connected(db, rules, today, me, system_today)

    @classmethod
    def open(
        cls,
        settings: Settings,
        rules: LoadedRules | None = None,
        *,
        busy_timeout_ms: int | None = None,
    ) -> Workspace:
        """Open (and if needed upgrade) the database, resolve who the user is, read the rules
        (a bad user rules file falls back to the shipped one: `rules.problems` says why)."""
        from csm_tui.store.database import Database

        db = Database.open(settings.database, busy_timeout_ms=busy_timeout_ms)
        try:
            upgrade = _upgrade(db)
            me = resolve_member(db, settings.user_email, csm=settings.csm)
        except Exception:
            db.dispose()
            raise
        return cls(
            database=settings.database,
            today=settings.today,
            me=me,
            rules=rules or rules_for(settings),
            system_today=settings.system_today,
            db=db,
            upgrade=upgrade,
            csm=settings.csm,
            busy_timeout_ms=busy_timeout_ms,
        )

    @classmethod
    def connect_later(
        cls,
        settings: Settings,
        *,
        me: Member | None,
        rules: LoadedRules,
        busy_timeout_ms: int | None = None,
    ) -> Workspace:
        """A workspace that connects on first use: for a caller that already knows who the
        user is and that the schema is current (a glance at the book told it)."""
        return cls(
            database=settings.database,
            today=settings.today,
            me=me,
            rules=rules,
            system_today=settings.system_today,
            csm=settings.csm,
            busy_timeout_ms=busy_timeout_ms,
        )

    # -- the database and the services over it, connected on first use ---------------------

    def _services(self) -> _Connected:
        with self._lock:
            if self._closed:
                raise WorkspaceClosed("the workspace is closed")
            if self._connected is None:
                from csm_tui.store.database import Database

                db = Database.open(self.database, busy_timeout_ms=self.busy_timeout_ms)
                try:
                    self.upgrade = _upgrade(db)  # in case another process changed it since
                    self._connected = _Connected(
                        db, self.rules, self.today, self.me, self.system_today
                    )
                except Exception:
                    db.dispose()
                    raise
            return self._connected

    def connect(self) -> None:
        """Connect now (a worker calls it after the first paint); the first use would anyway."""
        self._services()

    def check_writable(self) -> None:
        """Raise `DatabaseDamaged` (how to restore, in words) if the book is damaged: csm then
        writes nothing to it. Every write checks, once; the terminal UI asks at start-up, to
        say so before anything is typed."""
        self.db.refuse_if_damaged()

    @property
    def db(self) -> Database:
        return self._services().db

    @property
    def triage(self) -> Triage:
        return self._services().triage

    @property
    def accounts(self) -> Accounts:
        return self._services().accounts

    @property
    def escalations(self) -> Escalations:
        return self._services().escalations

    @property
    def plans(self) -> Plans:
        return self._services().plans

    @property
    def weekly_notes(self) -> WeeklyNotes:
        return self._services().weekly_notes

    @property
    def conflicts(self) -> Conflicts:
        return self._services().conflicts

    @property
    def wrapup(self) -> Wrapup:
        return self._services().wrapup

    @property
    def outbox(self) -> Outbox:
        """The writes kept for the team's server, when this book syncs (issue 23)."""
        return self._services().outbox

    def book(self, *, team: bool) -> list[AccountRow]:
        """Every account of the user's book, or the team's."""
        return self._book(team=team, plans=False)

    def book_plans(self, *, team: bool) -> list[AccountRow]:
        """The book as `book` reads it, each account with where it stands with its success
        plans today (`domain.plan_book`), read in the same transaction."""
        return self._book(team=team, plans=True)

    def _book(self, *, team: bool, plans: bool) -> list[AccountRow]:
        from dataclasses import replace

        from csm_tui.domain.plan_book import plan_standing
        from csm_tui.store import queries
        from csm_tui.store.memory import gc_paused
        from csm_tui.store.plan_book import book_plans

        owner = None if team or self.me is None else self.me.email
        every = self.rules.rulebook.success_plan.review_every
        with gc_paused():  # a row per account, without cycles
            with self.db.reading() as session:
                rows = queries.book_of_business(session, owner)
                if not plans:
                    return rows
                found = book_plans(session, owner)
            return [
                replace(
                    row, plan=plan_standing(row.segment, found.get(row.id, ()), self.today, every)
                )
                for row in rows
            ]

    def has_accounts(self, *, team: bool) -> bool:
        """Whether the book (the user's, or the team's) holds any account: an empty one is
        shown with what to do next rather than as a quiet day."""
        from csm_tui.store import queries

        owner = None if team or self.me is None else self.me.email
        with self.db.reading() as session:
            return queries.has_accounts(session, owner)

    def account_names(self) -> list[AccountName]:
        from csm_tui.store import queries

        with self.db.reading() as session:
            return queries.account_names(session)

    def close(self) -> None:
        """Release the database; a connection still being made is released when it is made."""
        with self._lock:
            self._closed = True
            connected, self._connected = self._connected, None
        if connected is not None:
            connected.db.dispose()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _error: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        """A command's `with Workspace.open(...)` releases the database however it ends."""
        self.close()


def _upgrade(db: Database) -> UpgradeReport | None:
    from csm_tui.store.migrate import ensure_current

    return ensure_current(db)


def resolve_member(db: Database, email: str | None, *, csm: str = "csm") -> Member | None:
    """The team member behind `email`; None when no identity was given. Nobody: an error
    that says how to add them (`csm`: how the command to type starts)."""
    if email is None:
        return None
    from csm_tui.store import queries

    with db.reading() as session:
        member = queries.find_member(session, email)
        if member is None:
            known = [m.email for m in queries.team(session)]
            hint = f"; known: {', '.join(known[:8])}" if known else "; the team is empty"
            more = f" (and {len(known) - 8} more)" if len(known) > 8 else ""
            raise UnknownUser(
                f"nobody in the team has the e-mail {email}{hint}{more}; "
                f"to add it: {add_member_command(csm, email)}"
            )
        return Member(
            id=str(member.id), name=member.name, email=member.email, role=Role(member.role)
        )


def add_member_command(csm: str, email: str) -> str:
    """The command that adds `email` to the team, as it is typed."""
    return f"{csm} team add {shlex.quote(email)} [--name NAME]"
