"""Three laptops and the team's PostgreSQL server, driven by Hypothesis (issue 23).

Two CSMs (Maya, Daniel) and their manager (Jordan) each work on a laptop's copy of the book,
downloaded from a real PostgreSQL server that the test suite started and `csm team init` made
ready (each laptop syncs through its member's role, held by row-level security): touches,
account edits (the same field by a CSM and the manager, too), snoozes, escalations and their
ladder, weekly notes, all made offline; syncs; syncs whose reply is lost after the server
committed; pushes that die partway (before the server has the mutation, inside the server's
transaction, or in the pull that follows; the laptop's app then opens its book again). At the
office, on the server itself, the manager edits accounts and hands them over from one CSM to the
other.

A model follows every mutation each laptop made (its outbox seq and id) and which the server
has: after every step each outbox holds what was not acknowledged, and after every push the
server's log of the laptop is what the model says (a lost reply's mutation is skipped when sent
again, never applied twice). At the end everyone syncs, twice round: (a) every laptop equals the
server for what its user may see; (b) every mutation is in the server's log exactly once,
applied, or rejected with why (only when the account was handed away meanwhile, for the
mutations that cannot otherwise fail), no outbox holds anything, and each appended row (a touch,
a snooze, an escalation's event) is on the server once if its mutation applied, else not at all;
(c) the account edits are modelled field by field, as `accounts.save` with the form as opened
writes only the fields the user changed: the later arrival at the server wins, and every value a
save overwrote without having pulled it is in `sync_conflict`, with the value that lost and the
one that won (checked as each save arrives, and again at the end).

The subprocess test kills a real `csm sync` (SIGKILL) three times while it pushes 30 changes,
then syncs to the end.

A failure prints the steps (and `@reproduce_failure`'s blob) to run it again; the test prints
what the examples did (with -s). CSM_TUI_SYNC_EXAMPLES sets how many examples run.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import partial
from pathlib import Path
from pprint import pformat
from typing import Any
from unittest.mock import patch

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from csm_tui.domain.account_form import AccountForm, form_of
from csm_tui.domain.enums import Priority, Segment, TouchKind
from csm_tui.domain.iso_week import IsoWeek
from csm_tui.domain.mutation import Mutation
from csm_tui.domain.team import Member
from csm_tui.errors import CsmError
from csm_tui.models import (
    Account,
    Escalation,
    EscalationEvent,
    MutationLog,
    Snooze,
    SyncConflict,
    Touchpoint,
    table_of,
)
from csm_tui.services.demo import DEMO_MANAGER_EMAIL, DEMO_USER_EMAIL, build_demo
from csm_tui.services.sync import Sync, download
from csm_tui.services.team_init import init_team
from csm_tui.services.triage import TouchForm
from csm_tui.services.workspace import Workspace, resolve_member
from csm_tui.settings import Settings
from csm_tui.store import pull as pull_store
from csm_tui.store import sync_log
from csm_tui.store.database import Database
from tests.conftest import TODAY, _drop_postgres_db, _fresh_postgres_db
from tests.sync_helpers import differences, visible_rows

pytestmark = pytest.mark.postgres

WEEK = IsoWeek.of(TODAY)
ACCOUNTS = 40
DANIEL_EMAIL = "daniel.okafor@demo.csm-tui.dev"
#: The laptops, by a short name: whose they are.
TEAM = {"maya": DEMO_USER_EMAIL, "daniel": DANIEL_EMAIL, "jordan": DEMO_MANAGER_EMAIL}
DEVICES = tuple(TEAM)
#: How many accounts of the others' books the manager works on besides the two CSMs' books.
MANAGER_EXTRA = 2

#: The account fields edited, each as the form types it and the column that keeps it.
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "priority": ("priority", tuple(p.value for p in Priority)),
    "segment": ("segment", tuple(s.value for s in Segment)),
    "arr": ("arr_cents", ("50000", "120000", "250000", "400000")),
}

#: Mutations the server applies whatever the others did meanwhile (own book, no state).
ALWAYS_APPLIED = frozenset(
    {
        "triage.log_touch",
        "triage.snooze",
        "accounts.save",
        "weekly_notes.save",
        "weekly_notes.submit",
    }
)
#: Where the unique text an appending mutation carries lands on the server, one row each.
LANDS: dict[str, tuple[tuple[Any, str], ...]] = {
    "triage.log_touch": ((Touchpoint, "summary"),),
    "triage.snooze": ((Snooze, "reason"),),
    "escalations.open": ((Escalation, "reason"), (EscalationEvent, "why")),
    "escalations.raise_level": ((EscalationEvent, "why"),),
    "escalations.note": ((EscalationEvent, "why"),),
    "escalations.follow_up": ((Touchpoint, "summary"), (EscalationEvent, "why")),
}

#: Why the server refuses a change to an account handed to another CSM since: the laptop's
#: member's role does not see it any more (row-level security), or sees it in another's book.
HANDED_AWAY = ("in no book of yours on the team's server", "in another CSM's book")

BEFORE_SERVER = "before the server has it"
INSIDE_SERVER = "inside the server's transaction"
REPLY_LOST = "after the server committed"

#: What the examples did, said at the end of the test (pytest -s, or -rP): the model's counts.
SEEN: Counter[str] = Counter()

#: About two seconds an example (a server copied, three laptops, 25 steps, two sync rounds).
#: CSM_TUI_SYNC_EXAMPLES=200 for a longer hunt.
SETTINGS = settings(
    max_examples=int(os.environ.get("CSM_TUI_SYNC_EXAMPLES", "15")),
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)


# --- the team, built once per session --------------------------------------------------------


@dataclass(frozen=True)
class TeamTemplate:
    """A server database made ready by `csm team init` with the demo book (copied for every
    example) and each member's laptop as downloaded from it (copied too: a fresh server copy
    has never seen their devices)."""

    base_url: str
    database: str
    laptops: Path  # <device>.db
    members: dict[str, Member]
    device_ids: dict[str, uuid.UUID]
    may_change: dict[str, tuple[str, ...]]  # accounts each laptop's rules pick from
    fields: dict[tuple[str, str], object]  # (account, column): the value on the server


@pytest.fixture(scope="session")
def team_template(
    postgres_url: str,
    _postgres_admin: Engine,
    _migrated_postgres_template: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> TeamTemplate:
    name = _fresh_postgres_db(_postgres_admin, template=_migrated_postgres_template)
    url = f"{postgres_url}/{name}"
    init_team(url)  # the admin makes the server ready, then the book comes, and its team
    db = Database.open(url)
    laptops = tmp_path_factory.mktemp("laptops")
    try:
        build_demo(db, accounts=ACCOUNTS, seed=7, today=TODAY)
        init_team(url)
        members = {key: _member(db, email) for key, email in TEAM.items()}
        device_ids = {
            key: uuid.UUID(download(db, laptops / f"{key}.db", members[key]).device)
            for key in DEVICES
        }
        account = table_of(Account)
        with db.reading() as session:
            rows = session.execute(
                sa.select(account.c.id, account.c.owner_id, *_columns(account)).order_by(
                    account.c.id
                )
            ).all()
    finally:
        db.dispose()
    with _postgres_admin.connect() as connection:
        connection.execute(sa.text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
    books = {
        key: tuple(str(row.id) for row in rows if str(row.owner_id) == members[key].id)
        for key in ("maya", "daniel")
    }
    others = [str(row.id) for row in rows if str(row.id) not in {*books["maya"], *books["daniel"]}]
    may_change = {**books, "jordan": (*books["maya"], *books["daniel"], *others[:MANAGER_EXTRA])}
    assert all(may_change.values()), "every laptop has accounts to work on"
    fields = {
        (str(row.id), column): getattr(row, column) for row in rows for column, _ in FIELDS.values()
    }
    return TeamTemplate(postgres_url, name, laptops, members, device_ids, may_change, fields)


def _member(db: Database, email: str) -> Member:
    member = resolve_member(db, email)
    assert member is not None
    return member


def _columns(account: sa.Table) -> list[sa.ColumnElement[Any]]:
    return [account.c[column] for column, _ in FIELDS.values()]


def _copy_sqlite(source: Path, target: Path) -> None:
    """SQLite's backup API: never copy a database file as bytes."""
    origin, copy = sqlite3.connect(source), sqlite3.connect(target)
    origin.backup(copy)
    copy.close()
    origin.close()


@dataclass
class Server:
    """One example's server: a copy of the template, dropped at the end. The office (the
    manager, as the admin) works on it directly; each laptop syncs through its member's role."""

    admin: Engine
    template: TeamTemplate
    name: str = ""
    workspace: Workspace | None = None
    _members: dict[str, Workspace] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"{self.template.base_url}/{self.name}"

    def member_url(self, email: str) -> str:
        """The server's URL with the member's role as its user (trust: no password)."""
        return make_url(self.url).set(username=email).render_as_string(hide_password=False)

    def start(self) -> Workspace:
        self.name = _fresh_postgres_db(self.admin, template=self.template.database)
        manager = Settings(database=self.url, today=TODAY, user_email=DEMO_MANAGER_EMAIL)
        self.workspace = Workspace.open(manager)  # the office, where the manager works
        return self.workspace

    def as_member(self, member: Member) -> Workspace:
        """The team's server as the laptop of `member` reaches it: through their role, held
        by the row-level policies of `csm team init`."""
        found = self._members.get(member.email)
        if found is None:
            settings_ = Settings(
                database=self.member_url(member.email), today=TODAY, user_email=member.email
            )
            found = self._members[member.email] = Workspace.open(settings_)
        return found

    def stop(self) -> None:
        for workspace in self._members.values():
            workspace.close()
        self._members.clear()
        if self.workspace is not None:
            self.workspace.close()
            self.workspace = None
        if self.name:
            _drop_postgres_db(self.admin, self.name)
            self.name = ""


# --- the model -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    """An account field set by a save: to `value` (as the column keeps it), by a laptop that had
    pulled the server's first `base` writes (`ThreeLaptops.arrivals`)."""

    account: str
    column: str
    value: object
    base: int


@dataclass
class Made:
    """A mutation a laptop made, as its outbox keeps it, and what the server did with it."""

    device: str
    seq: int
    id: str
    name: str
    token: str | None = None  # the unique text it appends (a touch's summary...)
    edit: Edit | None = None
    account: str | None = None  # the account it changes
    outcome: str | None = None  # "applied" / "rejected" once the server has it
    message: str = ""


@dataclass
class Written:
    """An account field on the server, as the model has it: its value, which laptop's save
    wrote it (None: the demo build; "office": a save made on the server itself), and when (the
    server's writes before it)."""

    value: object
    by: str | None = None
    at: int = 0


@dataclass
class Expected:
    """A conflict the server must keep: the save `won` overwrote `lost`, unseen."""

    won: Made
    account: str
    column: str
    lost: object


@dataclass
class Laptop:
    key: str
    member: Member
    device_id: uuid.UUID
    path: Path
    workspace: Workspace
    may_change: tuple[str, ...]
    made: list[Made] = field(default_factory=list)
    waiting: list[Made] = field(default_factory=list)  # in its outbox, in order
    #: The server's writes the laptop had seen at its last pull (its cursor, as the model
    #: counts): a save made after it overwrites unseen what arrived later.
    pulled: int = 0

    def settings(self) -> Settings:
        return Settings(database=str(self.path), today=TODAY, user_email=self.member.email)

    def restart(self) -> None:
        """The laptop's process died: the app opens the book again."""
        self.workspace.close()
        self.workspace = Workspace.open(self.settings())


def _step(method: Callable[..., None]) -> Callable[..., None]:
    """A step of the machine: while it runs the machine is busy; one that raised leaves it so,
    and the teardown then only cleans up (the failure is the step's, not the final sync's)."""

    @functools.wraps(method)
    def step(self: ThreeLaptops, *args: Any, **kwargs: Any) -> None:
        self.busy = True
        method(self, *args, **kwargs)
        self.busy = False

    return step


class Crash(Exception):
    """The laptop's process died here."""


@dataclass
class CrashingSync(Sync):
    """A push that dies at its `at`-th mutation (counted from 0), `how`."""

    at: int = -1
    how: str = ""
    crashed: bool = False
    _calls: Iterator[int] = field(default_factory=itertools.count)

    def _push_one(
        self, device: uuid.UUID, member: uuid.UUID | None, seq: int, mutation: Mutation
    ) -> str:
        if next(self._calls) != self.at:
            return super()._push_one(device, member, seq, mutation)
        self.crashed = True
        if self.how == BEFORE_SERVER:
            raise Crash(self.how)
        if self.how == INSIDE_SERVER:
            logged = sync_log.log

            def log_then_die(*args: Any, **kwargs: Any) -> int:
                logged(*args, **kwargs)
                raise Crash(self.how)  # the mutation's rows and its log entry are rolled back

            with patch.object(sync_log, "log", log_then_die):
                outcome = super()._push_one(device, member, seq, mutation)
            self.crashed = False  # the server had it already: nothing was logged, nor died
            return outcome
        super()._push_one(device, member, seq, mutation)
        raise Crash(self.how)  # committed on the server; the laptop never hears


class ThreeLaptops(RuleBasedStateMachine):
    #: The session's team and the cluster's admin connection: set by the test's subclass.
    template: TeamTemplate
    admin: Engine

    def __init__(self) -> None:
        super().__init__()
        template = self.template
        self.folder = Path(tempfile.mkdtemp(prefix="csm-sync-stateful-"))
        self.server = Server(self.admin, template)
        self.laptops: dict[str, Laptop] = {}
        self.texts = itertools.count(1)
        #: How many writes the server had (the laptops' mutations it logged, the office's
        #: saves): the model's clock, in the server's order.
        self.arrivals = 0
        self.fields = {key: Written(value) for key, value in template.fields.items()}
        self.expected: list[Expected] = []
        self.notes: dict[str, str] = {}  # member: the wins of their last save the server has
        #: Whose book each of the CSMs' accounts is in, on the server.
        self.owners = {a: csm for csm in ("maya", "daniel") for a in template.may_change[csm]}
        self.busy = False  # a step began and did not end: it failed
        try:
            self.server.start()
            for key in DEVICES:
                path = self.folder / f"{key}.db"
                _copy_sqlite(template.laptops / f"{key}.db", path)
                member = template.members[key]
                settings_ = Settings(database=str(path), today=TODAY, user_email=member.email)
                self.laptops[key] = Laptop(
                    key,
                    member,
                    template.device_ids[key],
                    path,
                    Workspace.open(settings_),
                    template.may_change[key],
                )
        except BaseException:
            self._clean_up()
            raise

    # -- working offline -----------------------------------------------------------------------

    @rule(
        device=st.sampled_from(DEVICES),
        pick=st.integers(0, 7),
        kind=st.sampled_from([TouchKind.EMAIL, TouchKind.CADENCE_CALL, TouchKind.MEETING]),
    )
    @_step
    def log_touch(self, device: str, pick: int, kind: TouchKind) -> None:
        if (found := self._account(device, pick)) is None:
            return
        laptop, account = found
        text = self._text(device, "touch")
        form = TouchForm(account, kind.value, TODAY, text)
        log = partial(laptop.workspace.triage.log_touch, form)
        self._do(laptop, "triage.log_touch", log, text, account=account)

    @rule(
        device=st.sampled_from(DEVICES),
        pick=st.integers(0, 7),
        name=st.sampled_from(sorted(FIELDS)),
        choice=st.integers(0, 5),
    )
    @_step
    def edit_account(self, device: str, pick: int, name: str, choice: int) -> None:
        """Change one field of the edit form (as opened on the laptop) and save."""
        if (found := self._account(device, pick)) is not None:
            self._edit(*found, name, choice)

    @rule(
        csm=st.sampled_from(["maya", "daniel"]),
        pick=st.integers(0, 7),
        name=st.sampled_from(sorted(FIELDS)),
        mine=st.integers(0, 5),
        theirs=st.integers(0, 5),
    )
    @_step
    def edit_the_same_field(self, csm: str, pick: int, name: str, mine: int, theirs: int) -> None:
        """The CSM and the manager each change the same field of an account in the CSM's book,
        each on their laptop: whichever reaches the server second overwrites the other's (and
        keeps it as a conflict, when it had not pulled it)."""
        if (found := self._account(csm, pick)) is None:
            return
        laptop, account = found
        self._edit(laptop, account, name, mine)
        self._edit(self.laptops["jordan"], account, name, theirs)

    @rule(pick=st.integers(0, 7), name=st.sampled_from(sorted(FIELDS)), choice=st.integers(0, 5))
    @_step
    def office_edit(self, pick: int, name: str, choice: int) -> None:
        """The manager changes a field at the office, on the team's server itself: a laptop
        that overwrites it unseen keeps it as a conflict too."""
        team = self._team()
        account = self.template.may_change["jordan"][pick % len(self.template.may_change["jordan"])]
        opened, form, value = _typed(team, account, name, choice)
        team.accounts.save(account, form, opened)
        column = FIELDS[name][0]
        written = self.fields[(account, column)]
        if written.value != value:
            self.fields[(account, column)] = Written(value, "office", self.arrivals)
        self.arrivals += 1

    @rule(pick=st.integers(0, 7))
    @_step
    def office_hands_over(self, pick: int) -> None:
        """At the office, an account moves from one CSM's book to the other's (on the team's
        server itself): the next pull takes it off one laptop and brings it whole to the other;
        a change to it still waiting on the first is refused."""
        accounts = sorted(self.owners)
        account = accounts[pick % len(accounts)]
        taker = "daniel" if self.owners[account] == "maya" else "maya"
        table = table_of(Account)
        with self._team().db.writing() as session:
            session.execute(
                sa.update(table)
                .where(table.c.id == uuid.UUID(account))
                .values(owner_id=uuid.UUID(self.laptops[taker].member.id))
            )
        self.owners[account] = taker
        self.arrivals += 1
        SEEN["an account handed over at the office"] += 1

    @rule(device=st.sampled_from(DEVICES), pick=st.integers(0, 7), days=st.integers(1, 14))
    @_step
    def snooze(self, device: str, pick: int, days: int) -> None:
        if (found := self._account(device, pick)) is None:
            return
        laptop, account = found
        text = self._text(device, "snooze")
        until = TODAY + timedelta(days=days)
        snooze = partial(laptop.workspace.triage.snooze, account, None, until, text)
        self._do(laptop, "triage.snooze", snooze, text, account=account)

    @rule(device=st.sampled_from(DEVICES), pick=st.integers(0, 7), step=st.integers(0, 2))
    @_step
    def escalate(self, device: str, pick: int, step: int) -> None:
        """Open an escalation on the account, or take a step of the one open: raise it, follow
        it up, add a note."""
        if (found := self._account(device, pick)) is None:
            return
        laptop, account = found
        escalations = laptop.workspace.escalations
        current = escalations.open_of(account)
        text = self._text(device, "escalation")
        action: Callable[[], object]
        if current is None:
            name, action = "escalations.open", partial(escalations.open, account, text, "product")
        else:
            steps: list[tuple[str, Callable[..., object]]] = [
                ("escalations.raise_level", escalations.raise_level),
                ("escalations.follow_up", escalations.follow_up),
                ("escalations.note", escalations.note),
            ]
            name, method = steps[step]
            action = partial(method, current, text)
        self._do(laptop, name, action, text, account=account)

    @rule(device=st.sampled_from(DEVICES))
    @_step
    def write_notes(self, device: str) -> None:
        """Save this week's wins (refused on the laptop once the notes were submitted)."""
        laptop = self.laptops[device]
        text = self._text(device, "wins")
        notes = laptop.workspace.weekly_notes
        submitted = notes.notes(laptop.member, WEEK).submitted_at is not None
        save = partial(notes.save, laptop.member, WEEK, wins=text)
        self._do(laptop, "weekly_notes.save", save, text, refused=submitted)

    @rule(device=st.sampled_from(DEVICES))
    @_step
    def submit_notes(self, device: str) -> None:
        """Submit this week's notes (refused on the laptop when empty or sent already)."""
        laptop = self.laptops[device]
        notes = laptop.workspace.weekly_notes
        mine = notes.notes(laptop.member, WEEK)
        refused = mine.submitted_at is not None or mine.empty
        submit = partial(notes.submit, laptop.member, WEEK)
        self._do(laptop, "weekly_notes.submit", submit, refused=refused)

    # -- syncing -------------------------------------------------------------------------------

    @rule(device=st.sampled_from(DEVICES))
    @_step
    def sync(self, device: str) -> None:
        self._sync(self.laptops[device])

    @precondition(lambda self: any(laptop.waiting for laptop in self.laptops.values()))
    @rule(device=st.sampled_from(DEVICES), at=st.integers(0, 20))
    @_step
    def sync_lost_reply(self, device: str, at: int) -> None:
        """The server commits one of the mutations, and the laptop never hears of it (nor of
        the rest of the push): the next push must skip it, not apply it twice."""
        self._crash(self.laptops[device], at, REPLY_LOST)

    @precondition(lambda self: any(laptop.waiting for laptop in self.laptops.values()))
    @rule(
        device=st.sampled_from(DEVICES),
        at=st.integers(0, 20),
        how=st.sampled_from([BEFORE_SERVER, INSIDE_SERVER]),
    )
    @_step
    def crash_mid_push(self, device: str, at: int, how: str) -> None:
        self._crash(self.laptops[device], at, how)

    @rule(device=st.sampled_from(DEVICES))
    @_step
    def crash_mid_pull(self, device: str) -> None:
        """The push completes; the laptop dies while it writes what it pulled (its pull is
        one transaction: none of it stays)."""
        laptop = self.laptops[device]
        self._push(laptop, Sync(laptop.workspace, self._reached_by(laptop)))
        applied = pull_store.apply_patch

        def apply_then_die(*args: Any, **kwargs: Any) -> None:
            applied(*args, **kwargs)
            raise Crash("in the pull")

        with patch.object(pull_store, "apply_patch", apply_then_die), pytest.raises(Crash):
            Sync(laptop.workspace, self._reached_by(laptop)).pull()
        laptop.restart()

    # -- what holds after every step -----------------------------------------------------------

    @invariant()
    @_step
    def outboxes_hold_what_was_not_acknowledged(self) -> None:
        for laptop in self.laptops.values():
            kept = [(seq, m.id) for seq, m in laptop.workspace.outbox.pending()]
            assert kept == [(m.seq, m.id) for m in laptop.waiting], laptop.key

    # -- at the end: everyone syncs, twice round --------------------------------------------

    def teardown(self) -> None:
        try:
            if not self.busy and self.laptops:
                self._everyone_syncs_and_agrees()
        finally:
            self._clean_up()

    def _everyone_syncs_and_agrees(self) -> None:
        for _round in range(2):
            for laptop in self.laptops.values():
                self._sync(laptop)
        team = self._team()
        for laptop in self.laptops.values():  # (a) each laptop is the server, for what it sees
            with team.db.reading() as session:
                scope = pull_store.scope_of(session, laptop.member.id)
            mine, theirs = visible_rows(laptop.workspace, scope), visible_rows(team, scope)
            assert mine == theirs, f"{laptop.key}: {pformat(differences(mine, theirs))}"
        self._every_mutation_once()
        self._every_field_as_modelled()

    def _every_mutation_once(self) -> None:
        """(b) Every mutation made is in the server's log once, applied or rejected with why,
        and none waits; what each appended is on the server once if it applied, else not."""
        team = self._team()
        with team.db.reading() as session:
            log = session.execute(sa.select(table_of(MutationLog))).all()
            counted = {
                made.id: [
                    _count(session, table, column, made.token)
                    for table, column in LANDS.get(made.name, ())
                ]
                for laptop in self.laptops.values()
                for made in laptop.made
                if made.token is not None
            }
        assert len({row.mutation_id for row in log}) == len(log)
        made = [m for laptop in self.laptops.values() for m in laptop.made]
        assert sorted((row.device_id, row.seq, str(row.mutation_id)) for row in log) == sorted(
            (self.laptops[m.device].device_id, m.seq, m.id) for m in made
        )
        for m in made:
            assert m.outcome in {"applied", "rejected"}, m
            assert m.outcome == "applied" or m.message, m
            once = 1 if m.outcome == "applied" else 0
            assert counted.get(m.id, []) == [once] * len(LANDS.get(m.name, ())), m
        for laptop in self.laptops.values():
            assert laptop.workspace.outbox.waiting() == 0 and not laptop.waiting

    def _every_field_as_modelled(self) -> None:
        """(c) The later arrival at the server wins, field by field; every value a save
        overwrote without having pulled it is kept as a conflict; the weekly notes are the
        last ones saved."""
        team = self._team()
        account = table_of(Account)
        with team.db.reading() as session:
            rows = session.execute(sa.select(account.c.id, *_columns(account))).all()
            for row in rows:
                for column, _ in FIELDS.values():
                    written = self.fields[(str(row.id), column)]
                    assert getattr(row, column) == written.value, (str(row.id), column, written)
            for expected in self.expected:
                self._conflict_kept(session, expected)
        for laptop in self.laptops.values():
            if (wins := self.notes.get(laptop.member.id)) is not None:
                assert team.weekly_notes.notes(laptop.member, WEEK).wins == wins, laptop.key

    # -- helpers ------------------------------------------------------------------------------

    def _team(self) -> Workspace:
        """The team's server, as its admin sees it (the office)."""
        assert self.server.workspace is not None
        return self.server.workspace

    def _reached_by(self, laptop: Laptop) -> Workspace:
        return self.server.as_member(laptop.member)

    def _account(self, device: str, pick: int) -> tuple[Laptop, str] | None:
        """An account the laptop's user may change, as the laptop knows: a CSM's own book as
        last pulled (the office may have handed one over since), the manager's pick of the
        team's; None when the CSM has none left."""
        laptop = self.laptops[device]
        accounts = laptop.may_change
        if not laptop.member.is_manager:
            account = table_of(Account)
            with laptop.workspace.db.reading() as session:
                rows = session.execute(
                    sa.select(account.c.id)
                    .where(account.c.owner_id == uuid.UUID(laptop.member.id))
                    .order_by(account.c.id)
                )
                accounts = tuple(str(key) for (key,) in rows)
        return (laptop, accounts[pick % len(accounts)]) if accounts else None

    def _text(self, device: str, what: str) -> str:
        return f"{what} {next(self.texts)} from {device}'s laptop"

    def _edit(self, laptop: Laptop, account: str, name: str, choice: int) -> None:
        """Open the account's edit form on the laptop, type another value in one field, save."""
        opened, form, value = _typed(laptop.workspace, account, name, choice)
        edit = Edit(account, FIELDS[name][0], value, laptop.pulled)
        save = partial(laptop.workspace.accounts.save, account, form, opened)
        self._do(laptop, "accounts.save", save, edit=edit, account=account)

    def _do(
        self,
        laptop: Laptop,
        name: str,
        action: Callable[[], object],
        token: str | None = None,
        *,
        edit: Edit | None = None,
        account: str | None = None,
        refused: bool = False,
    ) -> None:
        """Run a service action on the laptop and keep in the model the mutation it made (one,
        or none when the laptop itself refused it)."""
        before = laptop.workspace.outbox.pending()
        try:
            action()
        except CsmError:
            after = laptop.workspace.outbox.pending()
            assert after == before, "a refused action keeps nothing"
            assert refused or name.startswith("escalations."), f"{name} refused"
            return
        assert not refused, f"{name} should have been refused on the laptop"
        after = laptop.workspace.outbox.pending()
        assert after[: len(before)] == before
        [(seq, mutation)] = after[len(before) :]
        assert mutation.name == name
        made = Made(laptop.key, seq, mutation.id, name, token, edit, account)
        laptop.made.append(made)
        laptop.waiting.append(made)

    def _sync(self, laptop: Laptop) -> None:
        sync = Sync(laptop.workspace, self._reached_by(laptop))
        self._push(laptop, sync)
        sync.pull()
        laptop.pulled = self.arrivals

    def _push(self, laptop: Laptop, sync: Sync) -> None:
        """A push that completes: every mutation waiting reaches the server and is
        acknowledged."""
        pending = list(laptop.waiting)
        pushed = sync.push()
        reached = [m for m in pending if m.outcome is None]
        laptop.waiting.clear()
        self._reconcile(laptop, reached)
        assert pushed.applied + len(pushed.rejected) == len(reached)
        assert pushed.skipped == len(pending) - len(reached)
        if pushed.skipped:
            SEEN["sent again after a lost reply: skipped"] += 1

    def _crash(self, laptop: Laptop, at: int, how: str) -> None:
        pending = list(laptop.waiting)
        if not pending:
            return
        at %= len(pending)
        sync = CrashingSync(laptop.workspace, self._reached_by(laptop), at=at, how=how)
        try:
            sync.push()
        except Crash:
            assert sync.crashed
        else:
            assert how == INSIDE_SERVER and pending[at].outcome is not None
        if not sync.crashed:  # the push went through
            laptop.waiting.clear()
            self._reconcile(laptop, [m for m in pending if m.outcome is None])
        else:
            SEEN[f"died {how}"] += 1
            sent = pending[: at + 1] if how == REPLY_LOST else pending[:at]
            laptop.waiting = pending[at:]  # the one it died on stays, and the rest
            self._reconcile(laptop, [m for m in sent if m.outcome is None])
        laptop.restart()

    def _reconcile(self, laptop: Laptop, reached: list[Made]) -> None:
        """The server's log of the laptop is what the model says it has, now that `reached`
        reached it (in order); each is followed there."""
        team = self._team()
        with team.db.reading() as session:
            entries = sync_log.entries(session, laptop.device_id)
        on_server = [m for m in laptop.made if m.outcome is not None] + reached
        assert [(e.seq, str(e.mutation_id)) for e in entries] == [
            (m.seq, m.id) for m in on_server
        ], (laptop.key, "the server's log of the laptop")
        by_id = {str(e.mutation_id): e for e in entries}
        for made in reached:
            entry = by_id[made.id]
            made.outcome, made.message = entry.outcome, entry.message
            if made.name in ALWAYS_APPLIED and self._may_change(made):
                assert made.outcome == "applied", (made, entry.message)
            elif made.name in ALWAYS_APPLIED:  # the office handed the account over meanwhile
                assert made.outcome == "rejected", made
                assert any(why in made.message for why in HANDED_AWAY), made
            SEEN[f"{made.name} {made.outcome}"] += 1
            if made.outcome == "applied":
                self._applied(made)
            self.arrivals += 1

    def _may_change(self, made: Made) -> bool:
        """Whether the server lets the mutation's maker change its account, now."""
        if made.account is None or self.laptops[made.device].member.is_manager:
            return True
        return self.owners[made.account] == made.device

    def _applied(self, made: Made) -> None:
        """A mutation the server applied, as the model follows it."""
        if made.name == "weekly_notes.save":
            assert made.token is not None
            self.notes[self.laptops[made.device].member.id] = made.token
        edit = made.edit
        if edit is None:
            return
        written = self.fields[(edit.account, edit.column)]
        if written.value == edit.value:
            return  # nothing changes: nothing is overwritten
        if written.by not in (None, made.device) and written.at >= edit.base:
            expected = Expected(made, edit.account, edit.column, written.value)
            self.expected.append(expected)
            lost_by = "the office's" if written.by == "office" else "a laptop's"
            SEEN[f"{lost_by} value overwritten unseen, kept as a conflict"] += 1
            with self._team().db.reading() as session:
                self._conflict_kept(session, expected)
        self.fields[(edit.account, edit.column)] = Written(edit.value, made.device, self.arrivals)

    def _conflict_kept(self, session: Any, expected: Expected) -> None:
        conflict = table_of(SyncConflict)
        won = expected.won
        rows = session.execute(
            sa.select(conflict.c.account_id, conflict.c.lost, conflict.c.won).where(
                conflict.c.table_name == "account",
                conflict.c.won_device == self.laptops[won.device].device_id,
                conflict.c.won_seq == won.seq,
                conflict.c.column_name == expected.column,
            )
        ).all()
        assert [(str(r.account_id), json.loads(r.lost), json.loads(r.won)) for r in rows] == [
            (expected.account, expected.lost, won.edit and won.edit.value)
        ], expected

    def _clean_up(self) -> None:
        for laptop in self.laptops.values():
            laptop.workspace.close()
        self.laptops.clear()
        self.server.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def _typed(
    workspace: Workspace, account: str, name: str, choice: int
) -> tuple[AccountForm, AccountForm, object]:
    """The account's edit form as it opens, and with another value typed in the field `name`;
    that value as its column keeps it."""
    view = workspace.accounts.view(account)
    assert view is not None
    opened = form_of(view.detail.profile, view.detail.health)
    column, values = FIELDS[name]
    now = _stored(column, getattr(opened, name))
    others = [value for value in values if _stored(column, value) != now]
    typed = others[choice % len(others)]
    typed_field: dict[str, Any] = {name: typed}
    return opened, replace(opened, **typed_field), _stored(column, typed)


def _stored(column: str, typed: str) -> object:
    """A form's text as the column keeps it."""
    if column == "arr_cents":
        return round(float(typed.replace(",", "")) * 100)
    return typed


def _count(session: Any, model: Any, column: str, text: str | None) -> int:
    table = table_of(model)
    statement = sa.select(sa.func.count()).select_from(table).where(table.c[column] == text)
    return int(session.execute(statement).scalar() or 0)


def test_three_laptops_and_the_teams_server_agree_after_everyone_syncs(
    team_template: TeamTemplate, _postgres_admin: Engine
) -> None:
    class OnThisServer(ThreeLaptops):
        template = team_template
        admin = _postgres_admin

    SEEN.clear()
    run_state_machine_as_test(OnThisServer, settings=SETTINGS)
    print("\n".join(f"{count:5} {what}" for what, count in sorted(SEEN.items())))


# --- a real `csm sync`, killed while it pushes ----------------------------------------------

#: The mutations waiting on the laptop, and the log counts at which a `csm sync` is killed.
WAITING = 30
KILL_AT = (6, 14, 22)


def _csm_sync(laptop: Path, email: str, server_url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "csm_tui",
            "--db",
            str(laptop),
            "--as",
            email,
            "--today",
            str(TODAY),
            "sync",
            "--team-db",
            server_url,
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _logged(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.text("SELECT count(*) FROM mutation_log")).scalar() or 0)


def _kill_when_logged(process: subprocess.Popen[str], engine: Engine, count: int) -> int | None:
    """SIGKILL the sync once the server logged `count` of its mutations; the count after the
    kill, or None when it ended first (it pushed everything between two looks)."""
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        if _logged(engine) >= count:
            process.send_signal(signal.SIGKILL)
            process.wait()
            return _logged(engine)
        time.sleep(0.001)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, (out, err)
    return None


def test_a_csm_sync_killed_while_it_pushes_loses_nothing_and_applies_nothing_twice(
    team_template: TeamTemplate, _postgres_admin: Engine, tmp_path: Path
) -> None:
    server = Server(_postgres_admin, team_template)
    team = server.start()
    engine = sa.create_engine(server.url)
    path = tmp_path / "maya.db"
    _copy_sqlite(team_template.laptops / "maya.db", path)
    maya = team_template.members["maya"]
    settings_ = Settings(database=str(path), today=TODAY, user_email=maya.email)
    try:
        with Workspace.open(settings_) as laptop:
            book = team_template.may_change["maya"]
            for n in range(WAITING):
                form = TouchForm(book[n % len(book)], TouchKind.EMAIL.value, TODAY, f"Mail {n}")
                laptop.triage.log_touch(form)
            made = [(seq, m.id) for seq, m in laptop.outbox.pending()]
        assert len(made) == WAITING
        landed = []
        for count in KILL_AT:
            sync = _csm_sync(path, maya.email, server.member_url(maya.email))
            after = _kill_when_logged(sync, engine, count)
            if after is None or after >= WAITING:
                break
            with Workspace.open(settings_) as laptop:  # each one the server has is sent once
                waiting = laptop.outbox.waiting()
            landed.append((after, waiting))
            assert waiting in {WAITING - after, WAITING - after + 1}, (after, waiting)
        assert landed, "no kill landed while the laptop pushed"
        print(f"killed with {landed} of {WAITING} mutations on the server")
        finished = _csm_sync(path, maya.email, server.member_url(maya.email))
        out, err = finished.communicate(timeout=120)
        assert finished.returncode == 0, (out, err)

        with team.db.reading() as session:
            log = sync_log.entries(session)
            summaries = [
                _count(session, Touchpoint, "summary", f"Mail {n}") for n in range(WAITING)
            ]
        assert [(e.seq, str(e.mutation_id), e.outcome) for e in log] == [
            (seq, mutation, "applied") for seq, mutation in made
        ]
        assert summaries == [1] * WAITING, "every touch on the server once"
        with Workspace.open(settings_) as laptop:
            assert laptop.outbox.waiting() == 0
            with team.db.reading() as session:
                scope = pull_store.scope_of(session, maya.id)
            mine, theirs = visible_rows(laptop, scope), visible_rows(team, scope)
            assert mine == theirs, pformat(differences(mine, theirs))
        check = sqlite3.connect(path)
        try:
            assert check.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        finally:
            check.close()
    finally:
        engine.dispose()
        server.stop()
