"""The pull (issue 23), on SQLite and on a real PostgreSQL server: a laptop gets what the team
wrote since its last sync, of the books its user may see, with its own changes still waiting
made again on top; a change the server refused is taken back on the laptop; a value a laptop
overwrote unseen is kept as a conflict, pulled, and resolved from the laptop."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from csm_tui.domain.account_form import AccountForm, form_of
from csm_tui.domain.enums import TouchKind
from csm_tui.domain.iso_week import IsoWeek
from csm_tui.models import table_of
from csm_tui.services.demo import DEMO_MANAGER_EMAIL, DEMO_USER_EMAIL
from csm_tui.services.sync import Sync, download
from csm_tui.services.triage import TouchForm
from csm_tui.services.workspace import Workspace, resolve_member
from csm_tui.settings import Settings
from csm_tui.store import pull as pull_store
from csm_tui.store.database import Database
from tests.conftest import TODAY
from tests.sync_helpers import demo_server, open_as, visible_rows

WEEK = IsoWeek.of(TODAY)


@pytest.fixture
def server(db: Database) -> Iterator[Workspace]:
    with demo_server(db, accounts=60) as team:
        yield team


def _as(server: Workspace, email: str) -> Workspace:
    return open_as(server.db, email)


@pytest.fixture
def laptop(server: Workspace, tmp_path: Path) -> Iterator[Workspace]:
    """Maya's laptop: her book downloaded from the server."""
    path = tmp_path / "laptop.db"
    download(server.db, path, resolve_member(server.db, DEMO_USER_EMAIL))
    with Workspace.open(
        Settings(database=str(path), today=TODAY, user_email=DEMO_USER_EMAIL)
    ) as mine:
        yield mine


def _form(
    workspace: Workspace, account_id: str, priority: str | None = None, *, whole: bool = False
) -> AccountForm:
    """The edit form's first three fields (a save of them replays them all), or with `whole`
    every field, as the form opens."""
    view = workspace.accounts.view(account_id)
    assert view is not None
    if whole:
        return form_of(view.detail.profile, view.detail.health)
    profile = view.detail.profile
    form = AccountForm(
        segment=profile.segment.value,
        priority=profile.priority.value,
        arr=str(profile.arr_cents // 100),
    )
    return form if priority is None else replace(form, priority=priority)


def _scope(server: Workspace) -> pull_store.Scope:
    with server.db.reading() as session:
        member = resolve_member(server.db, DEMO_USER_EMAIL)
        assert member is not None
        return pull_store.scope_of(session, member.id)


def test_the_laptop_gets_the_teams_changes_to_its_book_only(
    server: Workspace, laptop: Workspace
) -> None:
    mine = {row.id for row in laptop.book(team=False)}
    theirs = [row.id for row in server.book(team=True) if row.id not in mine]
    target = min(mine)
    with _as(server, DEMO_MANAGER_EMAIL) as manager:
        manager.triage.log_touch(TouchForm(target, TouchKind.EMAIL.value, TODAY, "From Jordan"))
        manager.triage.log_touch(TouchForm(theirs[0], TouchKind.EMAIL.value, TODAY, "Elsewhere"))
    pulled = Sync(laptop, server).pull()
    assert pulled.rows >= 1 and pulled.dropped == 0
    view = laptop.accounts.view(target)
    assert view is not None and "From Jordan" in {t.summary for t in view.detail.touches}
    assert {row.id for row in laptop.book(team=True)} == mine  # nothing of another book came
    assert visible_rows(laptop, _scope(server)) == visible_rows(server, _scope(server))


def test_changes_waiting_are_made_again_on_top_of_the_teams(
    server: Workspace, laptop: Workspace
) -> None:
    target = min(row.id for row in laptop.book(team=False))
    laptop.triage.log_touch(TouchForm(target, TouchKind.CADENCE_CALL.value, TODAY, "Offline call"))
    with _as(server, DEMO_MANAGER_EMAIL) as manager:
        manager.triage.log_touch(TouchForm(target, TouchKind.EMAIL.value, TODAY, "Office e-mail"))
    pulled = Sync(laptop, server).pull()
    assert pulled.remade == 1 and laptop.outbox.waiting() == 1
    view = laptop.accounts.view(target)
    assert view is not None
    assert {"Offline call", "Office e-mail"} <= {t.summary for t in view.detail.touches}
    sync = Sync(laptop, server)
    assert sync.push().applied == 1
    sync.pull()
    assert visible_rows(laptop, _scope(server)) == visible_rows(server, _scope(server))


def test_a_change_the_server_refused_is_taken_back_on_the_laptop(
    server: Workspace, laptop: Workspace
) -> None:
    me = laptop.me
    assert me is not None
    laptop.weekly_notes.save(me, WEEK, wins="From the plane")
    server.weekly_notes.save(me, WEEK, wins="Sent from the office")
    server.weekly_notes.submit(me, WEEK)
    sync = Sync(laptop, server)
    assert len(sync.push().rejected) == 1
    sync.pull()
    assert laptop.weekly_notes.notes(me, WEEK).wins == "Sent from the office"
    assert visible_rows(laptop, _scope(server)) == visible_rows(server, _scope(server))


def test_a_value_overwritten_unseen_is_kept_pulled_and_resolved(
    server: Workspace, laptop: Workspace
) -> None:
    target = min(row.id for row in laptop.book(team=False))
    before = _form(laptop, target)
    offline = "pr1" if before.priority != "pr1" else "pr3"
    office = "pr2" if before.priority != "pr2" else "pr3"
    assert len({before.priority, offline, office}) == 3
    with _as(server, DEMO_MANAGER_EMAIL) as manager:
        manager.accounts.save(target, _form(manager, target, priority=office))
    laptop.accounts.save(target, _form(laptop, target, priority=offline))
    sync = Sync(laptop, server)
    assert sync.push().applied == 1
    sync.pull()
    [conflict] = laptop.conflicts.listed()
    assert (conflict.column, conflict.lost, conflict.won) == ("priority", office, offline)
    assert server.conflicts.listed()[0].id == conflict.id
    with _as(server, DEMO_MANAGER_EMAIL) as manager:  # the manager sees it too
        assert [row.id for row in manager.conflicts.listed()] == [conflict.id]
    assert "Wrote back" in laptop.conflicts.restore(conflict.id)
    assert _form(laptop, target).priority == office and laptop.conflicts.listed() == []
    assert sync.push().applied == 1
    sync.pull()
    assert _form(server, target).priority == office and server.conflicts.listed() == []
    assert visible_rows(laptop, _scope(server)) == visible_rows(server, _scope(server))


def test_an_offline_edit_of_one_field_leaves_the_office_s_edit_of_another(
    server: Workspace, laptop: Workspace
) -> None:
    target = min(row.id for row in laptop.book(team=False))
    opened = _form(laptop, target, whole=True)
    segment = "commercial" if opened.segment != "commercial" else "scale"
    priority = "pr1" if opened.priority != "pr1" else "pr3"
    with _as(server, DEMO_MANAGER_EMAIL) as manager:
        manager.accounts.save(target, replace(_form(manager, target, whole=True), segment=segment))
    laptop.accounts.save(target, replace(opened, priority=priority), opened)
    sync = Sync(laptop, server)
    assert sync.push().applied == 1
    sync.pull()
    assert (_form(server, target).segment, _form(server, target).priority) == (segment, priority)
    assert server.conflicts.listed() == [] and laptop.conflicts.listed() == []
    assert visible_rows(laptop, _scope(server)) == visible_rows(server, _scope(server))


def test_a_write_that_moves_only_updated_at_reaches_the_laptop_too(
    server: Workspace, laptop: Workspace
) -> None:
    """A note on an escalation changes nothing of the escalation but its `updated_at`, on the
    laptop and again on the server: the laptop's copy still comes to the server's, whether the
    note was its own or the office's."""
    target = min(row.id for row in laptop.book(team=False))
    sync = Sync(laptop, server)
    if laptop.escalations.open_of(target) is None:
        laptop.escalations.open(target, "Renewal at risk", "renewal")
        sync.push()
        sync.pull()
    escalation = laptop.escalations.open_of(target)
    assert escalation is not None
    laptop.escalations.note(escalation, "Called from the airport")
    sync.push()
    sync.pull()
    assert visible_rows(laptop, _scope(server)) == visible_rows(server, _scope(server))
    with _as(server, DEMO_MANAGER_EMAIL) as manager:
        manager.escalations.note(escalation, "Their VP called the office")
    sync.pull()
    assert visible_rows(laptop, _scope(server)) == visible_rows(server, _scope(server))


def test_an_account_handed_over_comes_whole_and_one_taken_away_leaves(
    server: Workspace, laptop: Workspace
) -> None:
    me = resolve_member(server.db, DEMO_USER_EMAIL)
    assert me is not None
    mine = sorted(row.id for row in laptop.book(team=False))
    other = next(row for row in server.book(team=True) if row.id not in mine and row.owner_email)
    account = table_of_account()
    with server.db.writing() as session:  # the manager moves one account each way, directly
        session.execute(
            sa.update(account)
            .where(account.c.id == uuid.UUID(other.id))
            .values(owner_id=uuid.UUID(me.id))
        )
        session.execute(
            sa.update(account).where(account.c.id == uuid.UUID(mine[0])).values(owner_id=None)
        )
    pulled = Sync(laptop, server).pull()
    assert (pulled.handed, pulled.dropped) == (1, 1)
    held = {row.id for row in laptop.book(team=True)}
    assert other.id in held and mine[0] not in held
    view = laptop.accounts.view(other.id)
    assert view is not None and view.detail.touches  # its history came with it
    assert visible_rows(laptop, _scope(server)) == visible_rows(server, _scope(server))


def table_of_account() -> sa.Table:
    from csm_tui.models import Account

    return table_of(Account)
