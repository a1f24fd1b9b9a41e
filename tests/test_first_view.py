"""The first queue, read from a SQLite book with sqlite3 alone before the ORM is imported
(`services.first_view`, `store.glance`): the very view the store gives on the same book, None
whenever only the ordinary path can answer, nothing written, and no SQLAlchemy loaded on the way."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Required, TypedDict

import pytest

from csm_tui.app import make_app
from csm_tui.domain.triage import HEALTH_DROP
from csm_tui.rules import default_rules, rules_for
from csm_tui.services.demo import DEMO_MANAGER_EMAIL, DEMO_USER_EMAIL
from csm_tui.services.first_view import FirstView, first_view
from csm_tui.services.triage import TouchForm
from csm_tui.services.triage_view import TriageView
from csm_tui.services.workspace import UnknownUser, Workspace, WorkspaceClosed
from csm_tui.settings import Settings
from csm_tui.store import queue
from csm_tui.store import triage as store_triage
from csm_tui.store.glance import Glance, Unavailable
from tests.conftest import TODAY


def settings_for(
    path: Path, *, today: date = TODAY, email: str | None = DEMO_USER_EMAIL
) -> Settings:
    return Settings(database=str(path), today=today, user_email=email)


def glance_and_store(
    path: Path, *, today: date = TODAY, email: str | None = DEMO_USER_EMAIL
) -> tuple[FirstView | None, TriageView, Workspace]:
    """The first view, and what the store reads for the same user and day (without noting a
    visit, as the app's first read does not)."""
    settings = settings_for(path, today=today, email=email)
    rules = rules_for(settings)
    first = first_view(settings, rules)
    workspace = Workspace.open(settings, rules)
    try:
        view = workspace.triage.load(team=workspace.me is None, refresh=False, record=False)
    finally:
        workspace.close()
    return first, view, workspace


# --- the same view as the store's --------------------------------------------------------------

A_WEEK_AGO = TODAY - timedelta(days=7)
COEFFICIENTS = default_rules().urgency


@pytest.fixture
def book(demo_db: Path) -> Path:
    """The demo book, where the CSM and the manager last opened the queue a week ago, and
    three of the CSM's yellow or red accounts were green then: health drops to compare."""
    with sqlite3.connect(demo_db) as connection:
        connection.execute(
            """
            UPDATE health_snapshot SET score = 95 WHERE taken_on <= :then AND account_id IN (
                SELECT account.id FROM account JOIN team_member ON team_member.id = account.owner_id
                WHERE team_member.email = :email AND account.health_score < 80
                  AND EXISTS (SELECT 1 FROM health_snapshot
                              WHERE account_id = account.id AND taken_on <= :then)
                ORDER BY account.name LIMIT 3)""",
            {"then": A_WEEK_AGO.isoformat(), "email": DEMO_USER_EMAIL},
        )
    connection.close()
    for email in (DEMO_USER_EMAIL, DEMO_MANAGER_EMAIL):
        workspace = Workspace.open(settings_for(demo_db, today=A_WEEK_AGO, email=email))
        workspace.triage.record_visit()
        workspace.close()
    return demo_db


@pytest.mark.parametrize(
    "email",
    [DEMO_USER_EMAIL, DEMO_MANAGER_EMAIL.upper(), None],
    ids=["csm", "manager-in-capitals", "team"],
)
@pytest.mark.parametrize("offset", [0, 2, -30, 45], ids=lambda n: f"today{n:+d}d")
def test_the_first_view_is_the_view_the_store_reads(
    book: Path, email: str | None, offset: int
) -> None:
    first, view, workspace = glance_and_store(
        book, today=TODAY + timedelta(days=offset), email=email
    )
    assert first is not None
    assert first.me == workspace.me
    assert first.view == view
    assert view.stale is (offset != 0), "the demo's schedule was computed for TODAY"


def test_the_demo_morning_has_something_to_compare(book: Path) -> None:
    # Guards the comparison above against passing on empty queues.
    first, _view, _workspace = glance_and_store(book)
    assert first is not None
    view = first.view
    assert view is not None, "a CSM's own queue is read before the first paint"
    assert view.since == A_WEEK_AGO
    assert len(view.items) > 10 and view.changes and view.counts.overdue
    assert any(item.kind == HEALTH_DROP for item in view.items)
    assert any(item.pinned for item in view.items)


def test_after_a_morning_of_work_both_readers_still_agree(book: Path) -> None:
    """Today's visit, a snooze, a reviewed health drop, a logged touch and an escalation: every
    table the first view reads has rows, some of them withdrawn (undone)."""
    workspace = Workspace.open(settings_for(book))
    triage = workspace.triage
    triage.record_visit()
    items = triage.load(team=False, record=False).items
    touches = [item for item in items if item.kind != HEALTH_DROP]
    drops = [item for item in items if item.kind == HEALTH_DROP]
    assert len(touches) > 4 and len(drops) >= 2
    calls = [item for item in touches if triage.can_snooze(item.kind)]
    triage.snooze(calls[0].account_id, calls[0].kind, TODAY + timedelta(days=3), "on leave")
    triage.review(drops[0].account_id)
    undone = triage.review(drops[1].account_id)
    triage.undo(undone.undo)
    triage.log_touch(TouchForm(touches[1].account_id, "cadence-call", TODAY, "Good call"))
    escalated = {item.account_id for item in items if item.kind == "escalation-call"}
    calm = next(item for item in touches[2:] if item.account_id not in escalated)
    triage.escalate(calm.account_id, "Outage", "product")
    workspace.close()

    for email, since in ((DEMO_USER_EMAIL, A_WEEK_AGO), (None, TODAY - timedelta(days=1))):
        first, view, _workspace = glance_and_store(book, email=email)
        assert first is not None
        assert first.view == view
        assert first.view.since == since


class _Reading(TypedDict, total=False):
    owner_email: Required[str | None]
    ahead_days: int | None
    include_snoozed: bool


class GlanceReading(_Reading, total=False):
    """The arguments of `Glance.queue`."""

    account_ids: list[str]


class StoreReading(_Reading, total=False):
    """The arguments of `store.queue.queue` beyond the session, the day and the coefficients."""

    account_ids: list[uuid.UUID] | None


def test_every_reading_of_the_queue_matches_the_stores(demo_db: Path) -> None:
    """`Glance.queue` condition for condition against `store.queue.queue`: snoozed or not,
    today, ahead or everything, mine or the team's, some accounts only."""
    workspace = Workspace.open(settings_for(demo_db))
    triage = workspace.triage
    items = triage.load(team=True, record=False).items
    some = sorted({item.account_id for item in items})[:7]
    call = next(item for item in items if triage.can_snooze(item.kind))
    triage.snooze(call.account_id, call.kind, TODAY + timedelta(days=9), "travelling")
    cases: list[GlanceReading] = [
        {"owner_email": None},
        {"owner_email": f"  {DEMO_USER_EMAIL.upper()} "},
        {"owner_email": None, "include_snoozed": True},
        {"owner_email": DEMO_USER_EMAIL, "ahead_days": 7},
        {"owner_email": None, "ahead_days": None, "include_snoozed": True},
        {"owner_email": None, "ahead_days": None, "account_ids": some},
    ]
    since = TODAY - timedelta(days=7)
    with workspace.db.reading() as session, Glance.open(demo_db, TODAY, COEFFICIENTS) as glance:
        for case in cases:
            keys = case.get("account_ids")
            reading: StoreReading = {
                **case,
                "account_ids": None if keys is None else [uuid.UUID(key) for key in keys],
            }
            stored = queue.queue(session, today=TODAY, coefficients=COEFFICIENTS, **reading)
            assert glance.queue(**case) == stored, case
            assert stored, f"nothing to compare for {case}"
        bands = workspace.rules.rulebook.bands
        for owner in (None, DEMO_USER_EMAIL):
            assert glance.health_changes(
                since=since, owner_email=owner, bands=bands
            ) == store_triage.health_changes(session, since=since, owner_email=owner, bands=bands)
    workspace.close()


# --- when only the ordinary path can answer ----------------------------------------------------


def test_a_server_or_a_url_is_left_to_the_ordinary_path(demo_db: Path) -> None:
    for database in ("postgresql://csm@localhost/csm", f"sqlite:///{demo_db}"):
        settings = Settings(database=database, today=TODAY, user_email=DEMO_USER_EMAIL)
        assert first_view(settings, rules_for(settings)) is None


def test_a_missing_file_is_left_alone_for_the_ordinary_path_to_create(tmp_path: Path) -> None:
    missing = tmp_path / "new" / "csm.db"
    settings = settings_for(missing)
    assert first_view(settings, rules_for(settings)) is None
    assert not missing.exists() and not missing.parent.exists()


@pytest.mark.parametrize(
    "damage", ["not a database", "empty database", "older schema", "no such user"]
)
def test_anything_unexpected_is_left_to_the_ordinary_path(
    demo_db: Path, tmp_path: Path, damage: str
) -> None:
    path, email = demo_db, DEMO_USER_EMAIL
    if damage == "not a database":
        path = tmp_path / "notes.db"
        path.write_text("dear diary\n" * 200)
    elif damage == "empty database":
        path = tmp_path / "empty.db"
        sqlite3.connect(path).close()
    elif damage == "older schema":
        with sqlite3.connect(demo_db) as connection:
            connection.execute("UPDATE alembic_version SET version_num = '0002'")
        connection.close()
    else:
        email = "nobody@example.com"
    settings = settings_for(path, email=email)
    assert first_view(settings, rules_for(settings)) is None


def test_an_unknown_user_still_hears_who_is_known(demo_db: Path) -> None:
    with pytest.raises(UnknownUser, match="nobody in the team has the e-mail nobody@example.com"):
        make_app(settings_for(demo_db, email="nobody@example.com"))


def test_a_database_error_inside_the_glance_says_which_file(demo_db: Path) -> None:
    with (
        pytest.raises(Unavailable, match=str(demo_db)),
        Glance.open(demo_db, TODAY, COEFFICIENTS) as glance,
    ):
        glance.connection.execute("SELECT * FROM no_such_table")


def test_the_glance_writes_nothing(demo_db: Path) -> None:
    before = demo_db.read_bytes()
    settings = settings_for(demo_db, today=TODAY + timedelta(days=1))  # stale: still no write
    first = first_view(settings, rules_for(settings))
    assert first is not None and first.view is not None and first.view.stale
    assert demo_db.read_bytes() == before
    with (
        Glance.open(demo_db, TODAY, COEFFICIENTS) as glance,
        pytest.raises(sqlite3.OperationalError, match="readonly"),
    ):
        glance.connection.execute("DELETE FROM scheduled_touch")


# --- the workspace that connects on first use --------------------------------------------------


def test_the_app_starts_without_the_orm_and_connects_on_first_use(demo_db: Path) -> None:
    """In a fresh interpreter: building the app reads the first queue without importing
    SQLAlchemy, SQLModel, Pydantic, Alembic or the models; the first use of the workspace
    imports them and reads the same book."""
    program = f"""
import json, sys
from datetime import date
from csm_tui.app import make_app
from csm_tui.settings import Settings

def orm():
    return sorted({{name.split(".")[0] for name in sys.modules
                   if name.split(".")[0] in ("sqlalchemy", "sqlmodel", "pydantic", "alembic")
                   or name == "csm_tui.models"}})

app = make_app(Settings(database={str(demo_db)!r}, today=date.fromisoformat({TODAY.isoformat()!r}),
                        user_email={DEMO_USER_EMAIL!r}))
before = orm()
rows = len(app.workspace.triage.load(team=False, record=False).items)
first = len(app._initial.items)
print(json.dumps({{"before": before, "after": orm(), "first": first, "rows": rows}}))
app.workspace.close()
"""
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["before"] == [], f"imported before the first paint: {found['before']}"
    assert "sqlalchemy" in found["after"]
    assert found["first"] == found["rows"] > 0


def test_a_workspace_connects_once_whoever_asks_first(demo_db: Path) -> None:
    settings = settings_for(demo_db)
    rules = rules_for(settings)
    first = first_view(settings, rules)
    assert first is not None
    workspace = Workspace.connect_later(settings, me=first.me, rules=rules)
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(workspace.db)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 4 and all(db is seen[0] for db in seen)
    assert workspace.triage.me == first.me
    workspace.close()
    with pytest.raises(WorkspaceClosed):
        workspace.triage  # noqa: B018 (the property connects)


def test_a_workspace_closed_before_it_connected_never_connects(demo_db: Path) -> None:
    settings = settings_for(demo_db)
    workspace = Workspace.connect_later(settings, me=None, rules=rules_for(settings))
    workspace.close()
    with pytest.raises(WorkspaceClosed, match="closed"):
        workspace.book(team=True)


def test_a_stored_value_that_does_not_parse_is_left_to_the_ordinary_path(demo_db: Path) -> None:
    with sqlite3.connect(demo_db) as connection:
        connection.execute(
            "UPDATE team_member SET role = 'intern' WHERE email = ?", (DEMO_USER_EMAIL,)
        )
    connection.close()
    settings = settings_for(demo_db)
    assert first_view(settings, rules_for(settings)) is None


# --- a large team's first page -----------------------------------------------------------------


@pytest.fixture
def large_team(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo book taken for a book too large to read the team's queue whole at start."""
    monkeypatch.setattr("csm_tui.services.first_view.TEAM_READ_BEFORE_PAINT", 10)


def test_a_large_teams_first_view_is_the_first_page_the_store_reads(
    book: Path, large_team: None
) -> None:
    from csm_tui.domain.triage import by_account
    from csm_tui.services.triage_pages import NotRead

    settings = settings_for(book, email=None)
    rules = rules_for(settings)
    first = first_view(settings, rules)
    assert first is not None and first.view is not None
    view = first.view
    assert view.pages is not None and view.partial and not view.stale
    rows = view.pages.rows(every=False, query="")
    rows.load_until(0)
    workspace = Workspace.open(settings, rules)
    try:
        triage = workspace.triage
        paged = triage.load(team=True, paged=True, refresh=False, record=False)
        assert paged.pages is not None
        stored = paged.pages.rows(every=False, query="")
        stored.load_until(0)
        assert list(rows.read) == list(stored.read)
        assert rows.known_length == stored.known_length
        # The rest (health, counts, further pages, the filter) comes through the store.
        whole = triage.with_health(view)
        read = triage.load(team=True, refresh=False, record=False)
        assert whole.counts == read.counts and whole.changes == read.changes
        assert whole.pages is not None
        everything = whole.pages.rows(every=False, query="")
        everything.load_until(10**9)
        assert list(everything.read) == by_account(read.items)
    finally:
        workspace.close()
    with pytest.raises(NotRead):
        view.pages.rows(every=False, query="acme").load_until(0)
    with pytest.raises(NotRead):
        view.pages.rows(every=True, query="")


def test_a_large_teams_stale_or_unranked_queue_is_read_after_the_first_paint(
    book: Path, large_team: None
) -> None:
    tomorrow = first_view(
        settings_for(book, today=TODAY + timedelta(days=1), email=None),
        rules_for(settings_for(book, email=None)),
    )
    assert tomorrow is not None and tomorrow.view is None
    with sqlite3.connect(book) as connection:
        connection.execute("DELETE FROM app_meta WHERE key = 'queue.ranked_for'")
    connection.close()
    settings = settings_for(book, email=None)
    unranked = first_view(settings, rules_for(settings))
    assert unranked is not None and unranked.view is None


def test_a_large_teams_first_page_is_read_without_the_orm(demo_db: Path) -> None:
    program = f"""
import json, sys
from datetime import date
import csm_tui.services.first_view as first_view
from csm_tui.app import make_app
from csm_tui.settings import Settings

first_view.TEAM_READ_BEFORE_PAINT = 10
app = make_app(Settings(database={str(demo_db)!r}, today=date.fromisoformat({TODAY.isoformat()!r})))
orm = sorted({{name.split(".")[0] for name in sys.modules
              if name.split(".")[0] in ("sqlalchemy", "sqlmodel", "pydantic", "alembic")}})
view = app._initial
print(json.dumps({{"orm": orm, "paged": view.pages is not None, "partial": view.partial}}))
app.workspace.close()
"""
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"orm": [], "paged": True, "partial": True}
