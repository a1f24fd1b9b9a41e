"""A laptop's outbox pushed to the team's server (issue 23), on SQLite and on a real PostgreSQL
server: every mutation applied once, in order, under the ids the laptop made; sent again after
a lost reply or a crash, skipped; refused by the server, logged with why and out of the way."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from csm_tui.domain.enums import TouchKind
from csm_tui.domain.iso_week import IsoWeek
from csm_tui.domain.mutation import Mutation
from csm_tui.models import Touchpoint, WeeklyReport
from csm_tui.services.demo import DEMO_USER_EMAIL, build_demo
from csm_tui.services.sync import Sync, SyncError, download
from csm_tui.services.triage import TouchForm
from csm_tui.services.workspace import Workspace, resolve_member
from csm_tui.settings import Settings
from csm_tui.store import outbox as outbox_store
from csm_tui.store import sync_log
from csm_tui.store.database import Database
from csm_tui.store.migrate import ensure_current
from tests.conftest import TODAY
from tests.sync_helpers import demo_server

WEEK = IsoWeek.of(TODAY)


@pytest.fixture
def server(db: Database) -> Iterator[Workspace]:
    """The team's server: the demo book of 60 accounts, on SQLite or PostgreSQL."""
    with demo_server(db, accounts=60) as team:
        yield team


@pytest.fixture
def laptop(tmp_path: Path) -> Iterator[Workspace]:
    """The CSM's laptop: the same book (the same seed makes the same ids), in SQLite."""
    path = tmp_path / "laptop.db"
    local = Database.open(path)
    ensure_current(local)
    build_demo(local, accounts=60, seed=7, today=TODAY)
    local.dispose()
    settings = Settings(database=str(path), today=TODAY, user_email=DEMO_USER_EMAIL)
    with Workspace.open(settings) as mine:
        mine.outbox.enable()
        yield mine


def _account(workspace: Workspace) -> str:
    return min(row.id for row in workspace.book(team=False))


def _touches(workspace: Workspace, account_id: str) -> list[tuple[object, ...]]:
    with workspace.db.reading() as session:
        rows = session.exec(
            select(Touchpoint).where(
                col(Touchpoint.account_id) == uuid.UUID(account_id),
                col(Touchpoint.deleted_at).is_(None),
            )
        ).all()
        return sorted((t.id, t.kind, t.occurred_on, t.summary) for t in rows)


def _work_offline(laptop: Workspace) -> str:
    account_id = _account(laptop)
    laptop.triage.log_touch(
        TouchForm(account_id, TouchKind.CADENCE_CALL.value, TODAY, "Call on the plane's wifi")
    )
    laptop.triage.snooze(account_id, None, TODAY + timedelta(days=2), "Travelling")
    return account_id


def test_the_outbox_reaches_the_server_once_under_the_laptops_ids(
    laptop: Workspace, server: Workspace
) -> None:
    account_id = _work_offline(laptop)
    before = _touches(server, account_id)
    pushed = Sync(laptop, server).push()
    assert (pushed.applied, pushed.skipped, pushed.rejected) == (2, 0, ())
    assert pushed.words == "2 changes sent"
    assert laptop.outbox.waiting() == 0
    assert _touches(server, account_id) == _touches(laptop, account_id) != before
    with server.db.reading() as session:
        log = sync_log.entries(session)
    assert [(entry.seq, entry.name, entry.outcome) for entry in log] == [
        (log[0].seq, "triage.log_touch", "applied"),
        (log[0].seq + 1, "triage.snooze", "applied"),
    ]
    assert Sync(laptop, server).push() == type(pushed)(), "nothing left to send"


def test_sent_again_after_a_lost_reply_it_is_skipped(laptop: Workspace, server: Workspace) -> None:
    account_id = _work_offline(laptop)
    kept = laptop.outbox.pending()
    sync = Sync(laptop, server)
    sync.push()
    with laptop.db.writing() as session:  # the laptop never heard back: it sends them again
        for _, mutation in kept:
            outbox_store.append(session, mutation, sync.clock())
    device = uuid.UUID(laptop.outbox.device() or "")
    outcomes = [sync._push_one(device, None, seq, m) for seq, m in kept]
    assert outcomes == ["skipped", "skipped"]
    assert len(_touches(server, account_id)) == len(_touches(laptop, account_id))


def test_a_crash_before_the_outbox_is_cleared_sends_nothing_twice(
    laptop: Workspace, server: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    account_id = _work_offline(laptop)

    def crash(session: object, through: int) -> int:
        raise RuntimeError("the laptop's battery died")

    with monkeypatch.context() as patched:
        patched.setattr(outbox_store, "acknowledge", crash)
        with pytest.raises(RuntimeError):
            Sync(laptop, server).push()
    assert laptop.outbox.waiting() == 2, "nothing acknowledged: everything still kept"
    again = Sync(laptop, server).push()
    assert (again.applied, again.skipped) == (1, 1), "the first had reached the server"
    assert laptop.outbox.waiting() == 0
    assert _touches(server, account_id) == _touches(laptop, account_id)


def test_a_change_the_server_refuses_is_logged_with_why_and_does_not_block_the_rest(
    laptop: Workspace, server: Workspace
) -> None:
    me = server.me
    assert me is not None
    server.weekly_notes.save(me, WEEK, wins="Sent from the office")
    server.weekly_notes.submit(me, WEEK)  # meanwhile, from another machine
    laptop.weekly_notes.save(me, WEEK, wins="Written on the plane")
    account_id = _work_offline(laptop)
    pushed = Sync(laptop, server).push()
    assert pushed.applied == 2 and [r.name for r in pushed.rejected] == ["weekly_notes.save"]
    assert "stay as they were sent" in pushed.rejected[0].why
    assert laptop.outbox.waiting() == 0
    assert _touches(server, account_id) == _touches(laptop, account_id)
    with server.db.reading() as session:
        wins = session.exec(
            select(WeeklyReport.wins).where(col(WeeklyReport.member_id) == uuid.UUID(me.id))
        ).all()
        log = sync_log.entries(session)
    assert list(wins) == ["Sent from the office"], "what was sent stays as sent"
    assert [entry.outcome for entry in log] == ["rejected", "applied", "applied"]
    assert "stay as they were sent" in log[0].message


def test_a_book_that_does_not_sync_has_nothing_to_push(tmp_path: Path, server: Workspace) -> None:
    path = tmp_path / "direct.db"
    local = Database.open(path)
    ensure_current(local)
    local.dispose()
    settings = Settings(database=str(path), today=TODAY)
    with Workspace.open(settings) as direct, pytest.raises(SyncError, match="does not sync"):
        Sync(direct, server).push()


# --- the first sync of a new laptop, and a reset ------------------------------------------------


def test_a_new_laptop_downloads_the_book_and_its_changes_reach_the_server(
    server: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "new-laptop.db"
    got = download(server.db, path)
    assert got.accounts == 60 and uuid.UUID(got.device)
    assert not list(tmp_path.glob(".*partial")), "written beside it, then renamed into place"
    settings = Settings(database=str(path), today=TODAY, user_email=DEMO_USER_EMAIL)
    with Workspace.open(settings) as laptop:
        assert laptop.outbox.device() == got.device
        assert sorted(row.id for row in laptop.book(team=True)) == sorted(
            row.id for row in server.book(team=True)
        )
        queue = laptop.triage.load(team=False, record=False)
        assert queue.items, "the schedule is worked out again on the laptop"
        account_id = _work_offline(laptop)
        pushed = Sync(laptop, server).push()
        assert pushed.applied == 2
        assert _touches(server, account_id) == _touches(laptop, account_id)


def test_a_reset_is_refused_while_changes_wait_then_brings_the_teams_changes(
    server: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "laptop.db"
    download(server.db, path)
    settings = Settings(database=str(path), today=TODAY, user_email=DEMO_USER_EMAIL)
    with Workspace.open(settings) as laptop:
        _work_offline(laptop)
    with pytest.raises(SyncError, match="2 changes wait to be sent"):
        download(server.db, path)
    with Workspace.open(settings) as laptop:
        Sync(laptop, server).push()
    me = server.me
    assert me is not None
    server.weekly_notes.save(me, WEEK, wins="Written at the office")  # from another machine
    download(server.db, path)
    with Workspace.open(settings) as laptop:
        notes = laptop.weekly_notes.notes(me, WEEK)
        assert notes.wins == "Written at the office"
        assert laptop.outbox.waiting() == 0


# --- what a laptop may change ------------------------------------------------------------------


def _other_csms_account(workspace: Workspace) -> str:
    me = workspace.me
    assert me is not None
    theirs = [row.id for row in workspace.book(team=True) if row.owner_email != me.email]
    return min(theirs)


def test_a_forged_change_to_another_csms_book_is_rejected_and_logged(
    laptop: Workspace, server: Workspace
) -> None:
    mine = _account(laptop)
    theirs = _other_csms_account(laptop)
    laptop.triage.log_touch(TouchForm(theirs, TouchKind.EMAIL.value, TODAY, "Not my account"))
    laptop.triage.log_touch(TouchForm(mine, TouchKind.EMAIL.value, TODAY, "My account"))
    before = _touches(server, theirs)
    pushed = Sync(laptop, server).push()
    assert pushed.applied == 1 and len(pushed.rejected) == 1
    assert "another CSM's book" in pushed.rejected[0].why
    assert _touches(server, theirs) == before, "nothing written to their book"
    with server.db.reading() as session:
        log = sync_log.entries(session)
    assert [(entry.outcome, "another CSM's book" in entry.message) for entry in log] == [
        ("rejected", True),
        ("applied", False),
    ]


def test_the_weekly_notes_sent_are_the_senders_own(laptop: Workspace, server: Workspace) -> None:
    other = resolve_member(laptop.db, "sofia.lindqvist@demo.csm-tui.dev")
    assert other is not None
    laptop.weekly_notes.save(other, WEEK, wins="Written in someone else's name")
    pushed = Sync(laptop, server).push()
    assert [r.why for r in pushed.rejected] == [
        "writes another member's weekly notes: each member writes their own"
    ]


def test_a_change_naming_what_the_server_does_not_have_is_rejected(
    laptop: Workspace, server: Workspace
) -> None:
    forged = Mutation(
        str(uuid.uuid4()),
        "escalations.note",
        {"escalation_id": str(uuid.uuid4()), "text": "An escalation only this laptop saw"},
    )
    with laptop.db.writing() as session:
        outbox_store.append(session, forged, Sync(laptop, server).clock())
    pushed = Sync(laptop, server).push()
    assert len(pushed.rejected) == 1
    assert "does not have" in pushed.rejected[0].why
