"""`csm team init` (issue 23) on a real PostgreSQL server: a role per member, held by row-level
security to what csm lets that member see and change. A CSM's role sees her book, a manager's
his team's; a forged write on another CSM's book changes nothing, straight in SQL or through a
push; a laptop syncs through its member's role; a connection that is not the book's member is
refused; and the command can run again, giving members who joined their role."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from csm_tui.cli import main
from csm_tui.domain.account_form import AccountForm, ContactForm
from csm_tui.domain.enums import RiskCategory, TouchKind
from csm_tui.domain.iso_week import IsoWeek
from csm_tui.domain.team import Member
from csm_tui.domain.triage import HEALTH_DROP
from csm_tui.models import Account, Escalation, SyncChange, SyncConflict, Touchpoint, table_of
from csm_tui.services.conflicts import ConflictError
from csm_tui.services.demo import DEMO_MANAGER_EMAIL, DEMO_USER_EMAIL, build_demo
from csm_tui.services.sync import Sync, SyncError, download
from csm_tui.services.triage import TouchForm
from csm_tui.services.workspace import Workspace, resolve_member
from csm_tui.settings import Settings
from csm_tui.store import pull as pull_store
from csm_tui.store import sync_log, team_roles
from csm_tui.store.change_feed import TRIGGERS_KEY, fed_tables
from csm_tui.store.database import Database, DatabaseError, insufficient_privilege
from tests.conftest import TODAY

OTHER_CSM = "daniel.okafor@demo.csm-tui.dev"
_ACCOUNT, _TOUCH, _ESCALATION = table_of(Account), table_of(Touchpoint), table_of(Escalation)
_CHANGE = table_of(SyncChange)


def _init(url: str) -> str:
    result = CliRunner().invoke(main, ["--db", url, "team", "init"])
    assert result.exit_code == 0, result.output
    return result.output


def _as(url: str, email: str) -> str:
    """The server's URL with the member's role as its user (trust: no password)."""
    return make_url(url).set(username=email).render_as_string(hide_password=False)


@pytest.fixture
def team(_migrated_postgres_db: Database) -> str:
    """The admin's URL of a server made ready by `csm team init`, then given the demo book
    (its rows in the change feed), and the team its roles by a second run."""
    db = _migrated_postgres_db
    url = db.url.render_as_string(hide_password=False)
    _init(url)
    build_demo(db, accounts=60, seed=7, today=TODAY)
    _init(url)
    return url


@contextmanager
def _database(url: str) -> Iterator[Database]:
    db = Database.open(url)
    try:
        yield db
    finally:
        db.dispose()


@contextmanager
def _workspace(url: str, email: str) -> Iterator[Workspace]:
    with Workspace.open(Settings(database=url, today=TODAY, user_email=email)) as workspace:
        yield workspace


def _member(url: str, email: str) -> Member:
    with _database(url) as db:
        member = resolve_member(db, email)
    assert member is not None
    return member


def _theirs(url: str, email: str, table: sa.Table = _ACCOUNT) -> uuid.UUID:
    """A row of `table` in the book of `email` (read as the admin)."""
    owner = uuid.UUID(_member(url, email).id)
    column = table.c.id if table is _ACCOUNT else table.c.account_id
    with _database(url) as db, db.reading() as session:
        account_rows = sa.select(_ACCOUNT.c.id).where(_ACCOUNT.c.owner_id == owner)
        found = session.execute(
            sa.select(table.c.id).where(column.in_(account_rows)).order_by(table.c.id).limit(1)
        ).scalar()
    assert found is not None, f"the demo book gives {email} a row of {table.name}"
    return found


def _counts(url: str) -> dict[str, int]:
    """Rows by table, as the URL's role sees them: the book's, and the change feed."""
    with _database(url) as db, db.reading() as session:
        return {
            table.name: session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in [*fed_tables(), _CHANGE]
        }


def _counts_in_scope(admin_url: str, email: str) -> dict[str, int]:
    """What the pull's scope says `email` may see, counted by the admin."""
    member = _member(admin_url, email)
    with _database(admin_url) as db, db.reading() as session:
        scope = pull_store.scope_of(session, member.id)
        counts = {}
        for table in fed_tables():
            where = scope.rows_of(table)
            statement = sa.select(sa.func.count()).select_from(table)
            if where is not None:
                statement = statement.where(where)
            counts[table.name] = session.execute(statement).scalar_one()
        c = _CHANGE.c
        seen = sa.or_(  # as the pull reads the feed (`store.pull._sees`)
            c.account_id.in_(scope.accounts_sql()),
            c.member_id.in_(sorted(scope.members)),
            sa.and_(
                c.account_id.is_(None),
                c.member_id.is_(None),
                c.table_name.not_in(("weekly_report", "sync_conflict")),
            ),
        )
        counts[_CHANGE.name] = session.execute(
            sa.select(sa.func.count()).select_from(_CHANGE).where(seen)
        ).scalar_one()
    return counts


# --- what each role sees ----------------------------------------------------------------------


def test_every_table_has_its_access_decided() -> None:
    from csm_tui import models

    for table in models.SQLModel.metadata.sorted_tables:
        team_roles.access(table)  # LookupError for a table nobody decided


@pytest.mark.postgres
def test_a_csm_sees_her_book_and_the_manager_his_team(team: str) -> None:
    everything = _counts(team)
    for email in (DEMO_USER_EMAIL, OTHER_CSM, DEMO_MANAGER_EMAIL):
        seen = _counts(_as(team, email))
        assert seen == _counts_in_scope(team, email), email
        assert seen["team_member"] == everything["team_member"], "the team is everyone's"
    mine = _counts(_as(team, DEMO_USER_EMAIL))
    for table in ("account", "contact", "touchpoint", "touchpoint_attendee", "sync_change"):
        assert 0 < mine[table] < everything[table], table
    managers = _counts(_as(team, DEMO_MANAGER_EMAIL))
    assert managers["account"] == everything["account"], "everyone reports to Jordan"
    with _workspace(_as(team, DEMO_USER_EMAIL), DEMO_USER_EMAIL) as maya:
        assert {row.owner_email for row in maya.book(team=True)} == {DEMO_USER_EMAIL}


# --- forged writes, straight in SQL -------------------------------------------------------------


def _touch_row(account: uuid.UUID, owner: str) -> dict[str, object]:
    return {
        "id": uuid.uuid4(),
        "account_id": account,
        "owner_id": uuid.UUID(owner),
        "occurred_on": TODAY,
        "kind": TouchKind.EMAIL.value,
        "summary": "Forged",
    }


@pytest.mark.postgres
def test_a_csms_forged_writes_on_another_book_change_nothing_her_own_book_is_hers(
    team: str,
) -> None:
    maya = _member(team, DEMO_USER_EMAIL)
    hers, theirs = _theirs(team, DEMO_USER_EMAIL), _theirs(team, OTHER_CSM)
    escalation = _theirs(team, OTHER_CSM, _ESCALATION)
    before = _counts(team)
    with _database(_as(team, DEMO_USER_EMAIL)) as db:
        with db.writing() as session:  # unseen rows: the statements change nothing
            renamed = session.connection().execute(
                sa.update(_ACCOUNT).where(_ACCOUNT.c.id == theirs).values(name="Taken over")
            )
            closed = session.connection().execute(
                sa.update(_ESCALATION)
                .where(_ESCALATION.c.id == escalation)
                .values(status="closed", lessons_learned="Forged")
            )
            assert (renamed.rowcount, closed.rowcount) == (0, 0)
        for forged in (
            sa.insert(_TOUCH).values(**_touch_row(theirs, maya.id)),
            sa.update(_ACCOUNT).where(_ACCOUNT.c.id == hers).values(owner_id=None),
        ):  # a row that would leave her book: refused
            with pytest.raises(sa.exc.ProgrammingError) as refused, db.writing() as session:
                session.execute(forged)
            assert insufficient_privilege(refused.value)
        with pytest.raises(sa.exc.ProgrammingError) as refused, db.writing() as session:
            session.execute(  # the feed is written by its triggers only
                sa.text("INSERT INTO sync_change (table_name, row_key) VALUES ('x', 'y')")
            )
        assert insufficient_privilege(refused.value)
        with db.writing() as session:  # her own book
            session.execute(sa.insert(_TOUCH).values(**_touch_row(hers, maya.id)))
            mine = session.connection().execute(
                sa.update(_ACCOUNT).where(_ACCOUNT.c.id == hers).values(ae="Jamie")
            )
            assert mine.rowcount == 1
    after = _counts(team)
    assert after["touchpoint"] == before["touchpoint"] + 1
    assert after["sync_change"] == before["sync_change"] + 2, "her writes are in the feed"
    with _database(team) as db, db.reading() as session:
        name, owner = session.execute(
            sa.select(_ACCOUNT.c.name, _ACCOUNT.c.owner_id).where(_ACCOUNT.c.id == theirs)
        ).one()
        status = session.execute(
            sa.select(_ESCALATION.c.status).where(_ESCALATION.c.id == escalation)
        ).scalar()
        fed = session.execute(
            sa.text("SELECT account_id FROM sync_change ORDER BY id DESC LIMIT 2")
        ).scalars()
        assert set(fed) == {hers}, "each fed with its account, read whole by the trigger"
    assert name != "Taken over" and owner != uuid.UUID(maya.id) and status != "closed"


def _conflict_row(account: uuid.UUID, by: str, **names: object) -> dict[str, object]:
    return {
        "id": uuid.uuid4(),
        "account_id": account,
        "lost_change": 1,
        "won": '"x"',
        "won_by": uuid.UUID(by),
        "found_at": datetime.now(UTC),
        **names,
    }


def test_a_conflict_forged_by_a_csm_is_never_written_back_by_wider_rights(team: str) -> None:
    """A conflict is a row her role writes (her push keeps it): what it names is checked
    before her manager's, or the admin's, write-back carries it beyond her book."""
    maya, daniel = _member(team, DEMO_USER_EMAIL), _member(team, OTHER_CSM)
    hers, theirs = _theirs(team, DEMO_USER_EMAIL), _theirs(team, OTHER_CSM)
    conflict = table_of(SyncConflict)
    planted = {
        "account": _conflict_row(  # "in her account", naming Daniel's account's owner
            hers,
            maya.id,
            table_name="account",
            row_key=str(theirs),
            column_name="owner_id",
            lost=f'"{maya.id}"',
        ),
        "manager": _conflict_row(  # naming the team: Daniel reporting to her
            hers,
            maya.id,
            table_name="team_member",
            row_key=daniel.id,
            column_name="manager_id",
            lost=f'"{maya.id}"',
        ),
        "garbled": _conflict_row(
            hers,
            maya.id,
            table_name="account",
            row_key=str(hers),
            column_name="ae",
            lost="not json",
        ),
    }
    with _database(_as(team, DEMO_USER_EMAIL)) as db:
        with db.writing() as session:
            session.execute(sa.insert(conflict), list(planted.values()))
        for forged in (
            sa.insert(conflict).values(
                **_conflict_row(  # as won by someone else
                    hers,
                    daniel.id,
                    table_name="account",
                    row_key=str(hers),
                    column_name="ae",
                    lost='"y"',
                )
            ),
            sa.update(conflict)  # what a kept conflict names is not hers to change
            .where(conflict.c.id == planted["garbled"]["id"])
            .values(row_key=str(theirs)),
        ):
            with pytest.raises(sa.exc.ProgrammingError) as refused, db.writing() as session:
                session.execute(forged)
            assert insufficient_privilege(refused.value)
    for url in (_as(team, DEMO_MANAGER_EMAIL), team):  # her manager's role; the admin's own
        with _workspace(url, DEMO_MANAGER_EMAIL) as manager:
            listed = {row.id for row in manager.conflicts.listed()}
            assert {str(row["id"]) for row in planted.values()} <= listed  # garbled shown too
            for name in ("account", "manager"):
                with pytest.raises(ConflictError, match="does not name a value"):
                    manager.conflicts.restore(str(planted[name]["id"]))
    with _database(team) as db, db.reading() as session:
        owner = session.execute(
            sa.select(_ACCOUNT.c.owner_id).where(_ACCOUNT.c.id == theirs)
        ).scalar()
        boss = session.execute(
            sa.text("SELECT manager_id FROM team_member WHERE id = :d"), {"d": daniel.id}
        ).scalar()
    assert owner == uuid.UUID(daniel.id) and boss != uuid.UUID(maya.id)


def test_no_member_can_hold_every_writer_up_with_the_feed_s_lock(team: str) -> None:
    with (
        _database(_as(team, DEMO_USER_EMAIL)) as db,
        pytest.raises(sa.exc.ProgrammingError) as refused,
        db.writing() as session,
    ):
        session.execute(sa.text("LOCK TABLE sync_change IN SHARE ROW EXCLUSIVE MODE"))
    assert insufficient_privilege(refused.value)


# --- a laptop syncing through its member's role -------------------------------------------------


def _form(workspace: Workspace, account_id: str, priority: str) -> AccountForm:
    view = workspace.accounts.view(account_id)
    assert view is not None
    profile = view.detail.profile
    form = AccountForm(
        segment=profile.segment.value,
        priority=profile.priority.value,
        arr=str(profile.arr_cents // 100),
    )
    return replace(form, priority=priority)


def _touches(url: str, account: str) -> set[str]:
    with _database(url) as db, db.reading() as session:
        rows = session.execute(
            sa.select(_TOUCH.c.summary).where(_TOUCH.c.account_id == uuid.UUID(account))
        )
        return set(rows.scalars())


@pytest.mark.postgres
def test_a_laptop_syncs_through_its_members_role(team: str, tmp_path: Path) -> None:
    maya_url = _as(team, DEMO_USER_EMAIL)
    path = tmp_path / "laptop.db"
    with _database(maya_url) as server:
        got = download(server, path, _member(team, DEMO_USER_EMAIL))
    assert got.accounts == _counts_in_scope(team, DEMO_USER_EMAIL)["account"]
    with _workspace(str(path), DEMO_USER_EMAIL) as laptop:
        target = min(row.id for row in laptop.book(team=False))
        was = _priority(laptop, target)
        offline, office = [p for p in ("pr1", "pr2", "pr3") if p != was][:2]
        with _workspace(_as(team, DEMO_MANAGER_EMAIL), DEMO_MANAGER_EMAIL) as manager:
            manager.accounts.save(target, _form(manager, target, office))  # his own role
            manager.triage.log_touch(TouchForm(target, TouchKind.EMAIL.value, TODAY, "Jordan"))
        laptop.triage.log_touch(TouchForm(target, TouchKind.CADENCE_CALL.value, TODAY, "Plane"))
        laptop.accounts.save(target, _form(laptop, target, offline))
        with _workspace(maya_url, DEMO_USER_EMAIL) as server:
            sync = Sync(laptop, server)
            pushed = sync.push()
            assert (pushed.applied, pushed.rejected) == (2, ())
            pulled = sync.pull()
            assert pulled.rows >= 1 and pulled.dropped == 0
            view = laptop.accounts.view(target)
            assert view is not None and {"Plane", "Jordan"} <= {
                t.summary for t in view.detail.touches
            }
            [conflict] = laptop.conflicts.listed()  # kept on the server by her role's push
            assert (conflict.lost, conflict.won) == (office, offline)
            laptop.conflicts.restore(conflict.id)
            assert sync.push().applied == 1
            sync.pull()
            assert laptop.conflicts.listed() == []
    assert {"Plane", "Jordan"} <= _touches(team, target)
    with _workspace(team, DEMO_USER_EMAIL) as admin:
        assert _priority(admin, target) == office, "her restore reached the server"
        assert admin.conflicts.listed() == []
        with admin.db.reading() as session:
            log = sync_log.entries(session)
            devices = session.execute(sa.text("SELECT member_id FROM sync_device")).scalars()
            assert list(devices) == [uuid.UUID(_member(team, DEMO_USER_EMAIL).id)]
    assert [entry.outcome for entry in log] == ["applied"] * 3


def _priority(workspace: Workspace, account_id: str) -> str:
    view = workspace.accounts.view(account_id)
    assert view is not None
    return view.detail.profile.priority.value


@pytest.fixture
def whole_laptop(team: str, tmp_path: Path) -> Iterator[Workspace]:
    """Maya's laptop holding the whole team's book (downloaded by the admin): from it she can
    make changes to books not hers, as a forged or mistaken laptop would."""
    path = tmp_path / "whole.db"
    with _database(team) as server:
        download(server, path)
    with _workspace(str(path), DEMO_USER_EMAIL) as laptop:
        yield laptop


@pytest.mark.parametrize("checked_in_code", [True, False], ids=["push-checks", "policies-only"])
@pytest.mark.postgres
def test_a_forged_change_pushed_by_her_role_is_rejected_and_logged(
    team: str, whole_laptop: Workspace, checked_in_code: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not checked_in_code:  # the server's policies hold on their own
        monkeypatch.setattr("csm_tui.services.sync._refusal", lambda *args: None)
    theirs, hers = str(_theirs(team, OTHER_CSM)), str(_theirs(team, DEMO_USER_EMAIL))
    whole_laptop.triage.log_touch(TouchForm(theirs, TouchKind.EMAIL.value, TODAY, "Not my account"))
    whole_laptop.triage.log_touch(TouchForm(hers, TouchKind.EMAIL.value, TODAY, "My account"))
    before = _touches(team, theirs)
    with _workspace(_as(team, DEMO_USER_EMAIL), DEMO_USER_EMAIL) as server:
        pushed = Sync(whole_laptop, server).push()
    assert pushed.applied == 1 and [r.name for r in pushed.rejected] == ["triage.log_touch"]
    assert whole_laptop.outbox.waiting() == 0, "the refused change does not block the queue"
    assert _touches(team, theirs) == before, "nothing written to Daniel's book"
    assert "My account" in _touches(team, hers)
    with _database(team) as db, db.reading() as session:
        log = sync_log.entries(session)
    assert [entry.outcome for entry in log] == ["rejected", "applied"]
    assert log[0].message == pushed.rejected[0].why


@pytest.mark.postgres
def test_her_role_syncing_the_managers_book_is_refused(team: str, tmp_path: Path) -> None:
    with _database(team) as server:
        download(server, tmp_path / "jordan.db", _member(team, DEMO_MANAGER_EMAIL))
    maya_url = _as(team, DEMO_USER_EMAIL)
    with (
        _workspace(str(tmp_path / "jordan.db"), DEMO_MANAGER_EMAIL) as laptop,
        _workspace(maya_url, DEMO_MANAGER_EMAIL) as server,
    ):
        laptop.triage.log_touch(
            TouchForm(min(r.id for r in laptop.book(team=True)), TouchKind.EMAIL.value, TODAY, "x")
        )
        expected = (
            f"you connect to the team's server as {DEMO_USER_EMAIL} "
            f"but this book is {DEMO_MANAGER_EMAIL}'s"
        )
        with pytest.raises(SyncError, match=expected):
            Sync(laptop, server).push()
        with pytest.raises(SyncError, match=expected):
            Sync(laptop, server).pull()
        assert laptop.outbox.waiting() == 1, "nothing was sent"
    result = CliRunner().invoke(
        main,
        [
            "--db",
            str(tmp_path / "new.db"),
            "--as",
            DEMO_MANAGER_EMAIL,
            "sync",
            "--team-db",
            maya_url,
        ],
    )
    assert result.exit_code == 1 and expected in result.output
    assert not (tmp_path / "new.db").exists()


# --- run again ----------------------------------------------------------------------------------


def _policies(url: str) -> list[tuple[str, str, str]]:
    with _database(url) as db, db.reading() as session:
        rows = session.execute(
            sa.text("SELECT tablename, policyname, qual FROM pg_policies ORDER BY 1, 2")
        )
        return [(str(a), str(b), str(c)) for a, b, c in rows]


@pytest.mark.postgres
def test_team_init_runs_again_giving_members_who_joined_a_role(
    empty_postgres_db: Database,
) -> None:
    url = empty_postgres_db.url.render_as_string(hide_password=False)
    first = _init(url)
    assert "schema upgraded empty ->" in first and "No member roles yet" in first
    assert "No password was set" in first and "\\password" in first
    build_demo(empty_postgres_db, accounts=60, seed=7, today=TODAY)
    _init(url)
    policies = _policies(url)
    assert {table for table, _, _ in policies} >= {"account", "touchpoint", "weekly_report"}
    newcomer = f"new.{uuid.uuid4().hex[:8]}@demo.csm-tui.dev"
    added = CliRunner().invoke(main, ["--db", url, "team", "add", newcomer, "--name", "New"])
    assert added.exit_code == 0, added.output
    again = _init(url)
    assert "1 created, 7 there already" in again and f"new: {newcomer}" in again
    assert "schema at revision" in again
    assert _policies(url) == policies, "the same policies, made anew"
    seen = _counts(_as(url, newcomer))
    assert seen["account"] == 0 and seen["team_member"] == 8
    with _database(url) as db, db.writing() as session:  # they leave the team
        session.execute(
            sa.text("UPDATE team_member SET deleted_at = now() WHERE email = :e"), {"e": newcomer}
        )
    left = _init(url)
    assert f"log-in taken: {newcomer}" in left
    with pytest.raises(sa.exc.OperationalError, match="not permitted to log in"):
        _counts(_as(url, newcomer))


@pytest.mark.postgres
def test_a_role_left_behind_by_a_new_e_mail_loses_its_log_in(empty_postgres_db: Database) -> None:
    """An e-mail changed (or a member gone): the old role logs in no more, and the address
    given to someone later gets a role with no password, set anew by the admin."""
    url = empty_postgres_db.url.render_as_string(hide_password=False)
    old = f"old.{uuid.uuid4().hex[:8]}@demo.csm-tui.dev"
    new = f"new.{uuid.uuid4().hex[:8]}@demo.csm-tui.dev"
    assert CliRunner().invoke(main, ["--db", url, "team", "add", old]).exit_code == 0
    _init(url)
    with _database(url) as db, db.writing() as session:
        session.execute(sa.text(f"ALTER ROLE \"{old}\" PASSWORD 'secret'"))
        session.execute(
            sa.text("UPDATE team_member SET email = :new WHERE email = :old"),
            {"new": new, "old": old},
        )
    again = _init(url)
    assert f"log-in taken: {old}" in again and f"new: {new}" in again
    with pytest.raises(sa.exc.OperationalError, match="not permitted to log in"):
        _counts(_as(url, old))
    with _database(url) as db, db.writing() as session:  # the old address, given back
        session.execute(sa.text("UPDATE team_member SET email = :old"), {"old": old})
    assert f"given log-in again: {old}" in _init(url)
    with _database(url) as db, db.reading() as session:
        password = session.execute(
            sa.text("SELECT rolpassword FROM pg_authid WHERE rolname = :r"), {"r": old}
        ).scalar()
    assert password is None, "the password of its last holder is gone"


@pytest.mark.postgres
def test_a_write_the_server_refuses_is_rejected_with_why_and_blocks_nothing(
    team: str, tmp_path: Path
) -> None:
    path = tmp_path / "laptop.db"
    with _database(team) as server:
        download(server, path, _member(team, DEMO_USER_EMAIL))
        with server.writing() as session:  # an admin who holds the team tighter than csm does
            session.execute(sa.text(f"REVOKE INSERT ON touchpoint FROM {team_roles.GROUP}"))
    with _workspace(str(path), DEMO_USER_EMAIL) as laptop:
        target = min(row.id for row in laptop.book(team=False))
        laptop.triage.log_touch(TouchForm(target, TouchKind.EMAIL.value, TODAY, "Refused"))
        laptop.triage.snooze(target, None, TODAY + timedelta(days=2), "Travelling")
        with _workspace(_as(team, DEMO_USER_EMAIL), DEMO_USER_EMAIL) as server:
            pushed = Sync(laptop, server).push()
        assert laptop.outbox.waiting() == 0
    assert pushed.applied == 1 and [r.name for r in pushed.rejected] == ["triage.log_touch"]
    assert pushed.rejected[0].why == (
        "the team's server refused it: permission denied for table touchpoint"
    )
    assert "Refused" not in _touches(team, target)


# --- what the services do, under a member's role -------------------------------------------------


def _day_of_work(workspace: Workspace, config_dir: Path) -> None:
    """Most of what a CSM's day writes: the queue, touches and their undo, an account and its
    contacts, an escalation up and down the ladder, a success plan, the weekly notes."""
    me = workspace.me
    assert me is not None
    view = workspace.triage.load(team=False, record=True)
    mine = list(dict.fromkeys(item.account_id for item in view.items))
    free = [key for key in mine if workspace.escalations.open_of(key) is None]
    assert len(free) >= 2, "the demo book gives Maya two accounts without an escalation"
    first, second = free[:2]
    triage, accounts, ladder, plans = (
        workspace.triage,
        workspace.accounts,
        workspace.escalations,
        workspace.plans,
    )
    drop = next((item for item in view.items if item.kind == HEALTH_DROP), None)
    if drop is not None:
        triage.review(drop.account_id)
    triage.snooze(second, None, TODAY + timedelta(days=3), "On leave")
    logged = triage.log_touch(TouchForm(first, TouchKind.EMAIL.value, TODAY, "Recap"))
    assert logged.undo is not None
    triage.undo(logged.undo)
    accounts.save(first, _form(workspace, first, "pr1"))
    contact = accounts.save_contact(first, ContactForm("Grace Hopper", email="grace@example.com"))
    assert contact.undo is not None
    call = triage.log_touch(
        TouchForm(
            first,
            TouchKind.CADENCE_CALL.value,
            TODAY,
            "Call with Grace",
            attendee_ids=(str(contact.undo.row_id),),
            action_items=("Send the deck",),
        )
    )
    accounts.edit_touch(
        str(call.undo.row_id),
        TouchForm(first, TouchKind.CADENCE_CALL.value, TODAY, "Call with Grace, EBR booked"),
    )
    accounts.mark_left(str(contact.undo.row_id))
    opened = ladder.open(first, "The sponsor left", RiskCategory.COMPANY.value)
    escalation = str(opened.undo.row_id)
    ladder.raise_level(escalation, "No answer")
    ladder.follow_up(escalation, "Call with the VP")
    ladder.note(escalation, "A roadmap review")
    ladder.resolve(escalation, "A new sponsor named")
    ladder.close(escalation, "Two sponsors per account", process_changed=True)
    ladder.recovery_plan(first, objectives="A sponsor again", escalation_id=escalation)
    plans.config_dir = config_dir  # the shipped templates only
    plan = str(plans.create_from_template(first, "enterprise").undo.row_id)
    objective = str(plans.add_objective(plan, "Adoption", metric="WAU").undo.row_id)
    milestone = str(
        plans.add_milestone(objective, "Kickoff", TODAY + timedelta(days=7)).undo.row_id
    )
    plans.move(milestone, TODAY + timedelta(days=14), "IT is late")
    plans.set_status(milestone, "done")
    plans.measure(objective, "20")
    plans.review(plan, TODAY + timedelta(days=30))
    workspace.weekly_notes.save(me, IsoWeek.of(TODAY), wins="Two sponsors")
    workspace.weekly_notes.submit(me, IsoWeek.of(TODAY))


@pytest.mark.postgres
def test_a_day_of_work_on_the_laptop_reaches_the_server_through_her_role(
    team: str, tmp_path: Path
) -> None:
    path = tmp_path / "laptop.db"
    maya_url = _as(team, DEMO_USER_EMAIL)
    with _database(maya_url) as server:
        download(server, path, _member(team, DEMO_USER_EMAIL))
    before = _counts(team)
    with _workspace(str(path), DEMO_USER_EMAIL) as laptop:
        _day_of_work(laptop, tmp_path)
        kept = laptop.outbox.waiting()
        with _workspace(maya_url, DEMO_USER_EMAIL) as server:
            sync = Sync(laptop, server)
            pushed = sync.push()
            assert pushed.rejected == () and pushed.applied == kept
            sync.pull()
    after = _counts(team)
    for table in ("touchpoint", "escalation_event", "objective", "weekly_report", "sync_change"):
        assert after[table] > before[table], table


@pytest.mark.postgres
def test_a_day_of_work_straight_on_the_server_under_her_role(team: str, tmp_path: Path) -> None:
    with _workspace(_as(team, DEMO_USER_EMAIL), DEMO_USER_EMAIL) as maya:
        _day_of_work(maya, tmp_path)  # the schedule of her book worked out as her role too
        assert maya.triage.schedule.is_current()
    with _workspace(_as(team, DEMO_MANAGER_EMAIL), DEMO_MANAGER_EMAIL) as jordan:
        team_queue = jordan.triage.load(team=True, record=True)
        owners = {item.owner_email for item in team_queue.items}
        assert DEMO_USER_EMAIL in owners and OTHER_CSM in owners


@pytest.mark.postgres
def test_a_member_whose_server_is_behind_is_told_to_ask_the_admin(team: str) -> None:
    maya = Settings(database=_as(team, DEMO_USER_EMAIL), today=TODAY, user_email=DEMO_USER_EMAIL)
    with _database(team) as db, db.writing() as session:  # triggers made by an older csm
        session.execute(
            sa.text("UPDATE app_meta SET value = 'old' WHERE key = :k"), {"k": TRIGGERS_KEY}
        )
    with pytest.raises(DatabaseError, match="your role may not remake it: the team's admin runs"):
        Workspace.open(maya)
    _init(team)
    with _database(team) as db, db.writing() as session:  # a schema of an older csm
        session.execute(sa.text("UPDATE alembic_version SET version_num = '0014'"))
    with pytest.raises(DatabaseError, match="your role may not upgrade it: the team's admin runs"):
        Workspace.open(maya)
