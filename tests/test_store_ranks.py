"""The team's queue read a page at a time (`store.ranks`, `services.triage_pages`), on SQLite
and PostgreSQL: whatever the page size, filter or action, it lists exactly the rows the whole
read lists (`services.triage_view.read_view`, `domain.triage.by_account`, `matches`), in the
same order, with the same counts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from csm_tui.domain.queue import QueueItem
from csm_tui.domain.triage import HEALTH_DROP, by_account, matches
from csm_tui.models import Account, QueueRank
from csm_tui.rules import load_rules
from csm_tui.services.csv_import import ImportKind, import_csv
from csm_tui.services.demo import build_demo
from csm_tui.services.scheduling import Schedule
from csm_tui.services.triage import TouchForm, Triage
from csm_tui.services.triage_pages import RankedRows
from csm_tui.services.triage_view import TriageView
from csm_tui.store import ranks
from csm_tui.store.database import Database
from tests.conftest import TODAY

ME = "maya.patel@demo.csm-tui.dev"

#: Accounts as a CRM exports them (a BOM, CRLF, an extra column), with names a filter must
#: take literally ("%", "_") and letters beyond ASCII.
EXPORT = (
    "\ufeffexternal_id,name,segment,priority,arr,owner_email,contract_start,renewal_date,"
    "health_score,Territory\r\n"
    "X-1,100% Ärzte_GmbH,Enterprise,PR2,250000,maya.patel@demo.csm-tui.dev,2023-02-01,"
    "2027-01-31,45,EMEA\r\n"
    "X-2,acme east,Commercial,PR3,0,maya.patel@demo.csm-tui.dev,2024-05-01,2027-04-30,,NA\r\n"
    "X-3,Zürich Bank,Enterprise,PR1,250000,,2022-11-01,2026-12-20,61,EMEA\r\n"
)


@pytest.fixture
def triage(db: Database, tmp_path: Path) -> Triage:
    """A demo book ranked for the day, then a CRM export imported into it (its accounts
    ranked as they are rescheduled, one by one)."""
    build_demo(db, accounts=60, seed=11, today=TODAY)
    rules = load_rules(None, tmp_path)
    schedule = Schedule(db, rules, TODAY)
    schedule.recompute_all()
    export = tmp_path / "export.csv"
    export.write_bytes(EXPORT.encode())
    import_csv(db, ImportKind.ACCOUNTS, export, schedule=schedule)
    return Triage(db, rules, TODAY, None)


def everything(rows: RankedRows) -> list[QueueItem]:
    rows.load_until(10**9)
    assert rows.complete
    assert all(row is not None for row in rows)
    return list(rows.read)


def keys(items: Sequence[QueueItem]) -> list[tuple[str, str, tuple[str, ...]]]:
    return [
        (item.account_name, item.kind, tuple(other.kind for other in item.others)) for item in items
    ]


def paged(triage: Triage) -> TriageView:
    view = triage.load(team=True, paged=True, refresh=False)
    assert view.pages is not None and view.partial
    return triage.with_health(view)


@pytest.mark.parametrize("page_rows", [1, 7, 500])
@pytest.mark.parametrize("every", [False, True])
def test_the_team_queue_read_a_page_at_a_time_is_the_whole_read(
    triage: Triage, every: bool, page_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("csm_tui.services.triage_pages.PAGE_ROWS", page_rows)
    monkeypatch.setattr("csm_tui.services.triage_pages.LONGEST_PAGE", page_rows)
    whole = triage.load(team=True, refresh=False)
    expected = whole.items if every else by_account(whole.items)
    assert any(item.kind == HEALTH_DROP for item in expected), "the book has health alerts"
    assert any(item.others for item in by_account(whole.items)), "and accounts with several"
    view = paged(triage)
    assert view.pages is not None
    rows = view.pages.rows(every=every, query="")
    assert rows.known_length == len(expected)
    assert keys(everything(rows)) == keys(expected)
    assert view.counts == whole.counts
    assert view.changes == whole.changes


@pytest.mark.parametrize(
    "query",
    ["acme", "ÄRZTE", "100%", "_gmbh", "red", "pr1", "nps", "enterprise renewal", "zzz", "%"],
)
def test_the_filter_keeps_the_rows_the_whole_read_keeps(triage: Triage, query: str) -> None:
    whole = triage.load(team=True, refresh=False)
    bands = triage.rules.rulebook.bands
    view = paged(triage)
    assert view.pages is not None
    for every in (False, True):
        listed = whole.items if every else by_account(whole.items)
        expected = [item for item in listed if matches(item, bands.band(item.health_score), query)]
        rows = view.pages.rows(every=every, query=query)
        assert rows.known_length is None, "a filtered list is not counted: read to its end"
        assert keys(everything(rows)) == keys(expected), (query, every)


def test_after_a_snooze_a_touch_and_a_review_the_pages_are_the_whole_read(
    triage: Triage,
) -> None:
    view = paged(triage)
    assert view.pages is not None
    top = everything(view.pages.rows(every=False, query=""))
    alert = next(item for item in top if item.kind == HEALTH_DROP)
    touch = next(item for item in top if item.kind == "cadence-call")
    snoozed = next(
        item
        for item in top
        if item.others and item.account_id != touch.account_id and triage.can_snooze(item.kind)
    )
    done = triage.snooze(snoozed.account_id, snoozed.kind, TODAY + timedelta(days=3), "on leave")
    view = triage.after_change(view, done)
    done = triage.log_touch(
        TouchForm(account_id=touch.account_id, kind="cadence-call", occurred_on=TODAY, summary="ok")
    )
    view = triage.after_change(view, done)
    done = triage.review(alert.account_id)
    view = triage.after_change(view, done)
    whole = triage.load(team=True, refresh=False)
    assert view.pages is not None
    assert keys(everything(view.pages.rows(every=False, query=""))) == keys(by_account(whole.items))
    assert view.counts == whole.counts
    assert (snoozed.account_name, snoozed.kind) not in {
        (item.account_name, item.kind) for item in whole.items
    }


def test_ranks_hold_for_their_day_and_schedule_only(db: Database, triage: Triage) -> None:
    schedule = triage.schedule
    assert schedule.ranks_current()
    with db.reading() as session:
        assert not ranks.current(session, today=TODAY + timedelta(days=1), stamp=schedule.stamp)
        assert not ranks.current(session, today=TODAY, stamp="other rules")
    # An account's schedule written under other rules: the stored ranks are no longer the day's.
    with db.writing() as session:
        key = session.scalars(select(col(Account.id)).limit(1)).one()
        ranks.write_ranks(
            session,
            today=TODAY,
            coefficients=triage.rules.rulebook.urgency,
            stamp="other rules",
            account_ids=[key],
        )
    assert not schedule.ranks_current()
    # The screen's read ranks them again rather than read the whole queue.
    assert triage.load(team=True, paged=True, refresh=False).pages is not None
    assert schedule.ranks_current()


def test_a_deleted_account_leaves_the_ranked_queue(db: Database, triage: Triage) -> None:
    view = paged(triage)
    assert view.pages is not None
    first = everything(view.pages.rows(every=False, query=""))[0]
    triage_key = uuid.UUID(first.account_id)
    with db.writing() as session:
        account = session.get(Account, triage_key)
        assert account is not None
        account.deleted_at = account.updated_at
        triage.schedule.recompute(session, [triage_key])
    with db.reading() as session:
        left = session.scalar(
            select(func.count())
            .select_from(QueueRank)
            .where(col(QueueRank.account_id) == triage_key)
        )
    assert left == 0
    rows = everything(paged(triage).pages.rows(every=True, query=""))  # type: ignore[union-attr]
    assert first.account_id not in {item.account_id for item in rows}


def test_a_stale_schedule_gives_an_empty_stale_view_to_reschedule_first(
    db: Database, triage: Triage, tmp_path: Path
) -> None:
    tomorrow = Triage(db, triage.rules, TODAY + timedelta(days=1), None)
    view = tomorrow.load(team=True, paged=True, refresh=False)
    assert view.stale and view.pages is None and not view.items
    tomorrow.schedule.recompute_all()
    assert tomorrow.load(team=True, paged=True, refresh=False).pages is not None


def test_nothing_due_reads_the_whole_queue_for_what_comes_next(
    db: Database, tmp_path: Path
) -> None:
    triage = Triage(db, load_rules(None, tmp_path), date(2026, 11, 23), None)
    triage.schedule.recompute_all()
    view = triage.load(team=True, paged=True, refresh=False)
    assert view.pages is None and not view.items and view.outlook is not None


def test_an_import_of_many_accounts_ranks_the_book_in_one_pass(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From `WHOLE_BOOK_FROM` accounts at once (an import), the ranks are written in one
    pass over the book rather than by lists of ids: the same ranks."""
    monkeypatch.setattr("csm_tui.store.ranks.WHOLE_BOOK_FROM", 2)
    build_demo(db, accounts=30, seed=5, today=TODAY)
    rules = load_rules(None, tmp_path)
    schedule = Schedule(db, rules, TODAY)
    schedule.recompute_all()
    export = tmp_path / "export.csv"
    export.write_bytes(EXPORT.encode())
    import_csv(db, ImportKind.ACCOUNTS, export, schedule=schedule)
    triage = Triage(db, rules, TODAY, None)
    assert schedule.ranks_current()
    whole = triage.load(team=True, refresh=False)
    view = paged(triage)
    assert view.pages is not None
    assert keys(everything(view.pages.rows(every=True, query=""))) == keys(whole.items)
    assert "Zürich Bank" in {item.account_name for item in whole.items}
