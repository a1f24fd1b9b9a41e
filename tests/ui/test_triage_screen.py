"""The triage screen (the app's first screen) driven with real keystrokes, on the demo book.

What is checked is what the user sees (rows, counts, modals, notifications) and what the
database holds afterwards, read through the triage service or a session of its database.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import col
from textual.binding import Binding
from textual.widgets import Checkbox, Input, RadioSet, Select, Static

from csm_tui.app import CsmApp, make_app
from csm_tui.domain.health import HealthBand
from csm_tui.domain.queue import QueueItem
from csm_tui.domain.triage import HEALTH_DROP, by_account, matches, preset_kind
from csm_tui.models import (
    AlertReview,
    Booking,
    Escalation,
    HealthSnapshot,
    Snooze,
    Touchpoint,
    TriageVisit,
)
from csm_tui.screens.account import AccountScreen
from csm_tui.screens.book_meeting import BookMeetingModal
from csm_tui.screens.escalate import EscalateModal
from csm_tui.screens.escalation import EscalationScreen
from csm_tui.screens.help import HelpScreen
from csm_tui.screens.log_touch import LogTouchModal
from csm_tui.screens.snooze import SnoozeModal
from csm_tui.screens.triage import TriageScreen
from csm_tui.services.demo import DEMO_USER_EMAIL
from csm_tui.services.triage_view import TriageView
from csm_tui.settings import Settings
from csm_tui.store.database import Database
from csm_tui.widgets.queue_table import QueueTable, row_key
from tests.conftest import DEMO_ACCOUNTS, TODAY
from tests.ui.conftest import clear_and_type, notifications, settle, shown_text, static_text

if TYPE_CHECKING:
    from textual.pilot import Pilot

SIZE = (160, 48)  # run_test(notifications=True): toasts are painted, as in the terminal
SMALL = (80, 24)
YESTERDAY = TODAY - timedelta(days=1)


# --- what the user sees --------------------------------------------------------------------------


def triage_screen(app: CsmApp) -> TriageScreen:
    assert isinstance(app.screen, TriageScreen), f"expected the triage screen, saw {app.screen!r}"
    return app.screen


def sub_title(app: CsmApp) -> str:
    """The line under the title: whose queue, and what it shows."""
    shown = triage_screen(app).sub_title
    assert shown is not None, "the triage screen has no sub-title"
    return shown


def shown_view(app: CsmApp) -> TriageView:
    """The queue the triage screen shows (once it is loaded)."""
    view = triage_screen(app).view
    assert view is not None, "the triage screen shows no queue"
    return view


def table(app: CsmApp) -> QueueTable:
    return triage_screen(app).query_one("#queue", QueueTable)


def rows(app: CsmApp) -> list[str]:
    """The row keys ("account_id:kind") of the queue, top to bottom, as shown."""
    queue = table(app)
    if not queue.display:
        return []
    return queue.keys


def item(app: CsmApp) -> QueueItem | None:
    """The highlighted row."""
    return triage_screen(app).current_item()


def highlighted(app: CsmApp) -> QueueItem:
    """The highlighted row, where the test knows there is one."""
    chosen = item(app)
    assert chosen is not None, "no row is highlighted"
    return chosen


def current_key(app: CsmApp) -> str | None:
    chosen = item(app)
    return None if chosen is None else row_key(chosen)


def column_labels(app: CsmApp) -> list[str]:
    return [column.label for column in table(app).columns]


def what_cell(app: CsmApp, key: str) -> str:
    """The "What" cell of a row ("Cadence call (snoozed to 24 Nov)")."""
    return table(app).cell(key, "what").plain


def keys(items: list[QueueItem]) -> list[str]:
    return [row_key(entry) for entry in items]


def my_queue(app: CsmApp, *, ahead_days: int = 0) -> TriageView:
    """The demo CSM's queue as the service computes it now (recording no visit)."""
    return app.workspace.triage.load(team=False, record=False, ahead_days=ahead_days)


async def move_to(pilot: Pilot[None], key: str) -> None:
    """Walk the cursor with j/k to the row `key`, as a user would."""
    app = pilot.app
    assert isinstance(app, CsmApp)
    shown = rows(app)
    assert key in shown, f"row {key} is not on the queue: {shown}"
    steps = shown.index(key) - table(app).cursor_row
    await pilot.press(*(["j"] * steps if steps > 0 else ["k"] * -steps))
    await pilot.pause()
    assert current_key(app) == key, f"the cursor is on {current_key(app)}, not on {key}"


# --- the database ------------------------------------------------------------------------------


def touches(app: CsmApp, account_id: str, summary: str) -> list[Touchpoint]:
    with app.workspace.db.reading() as session:
        return list(
            session.scalars(
                select(Touchpoint).where(
                    col(Touchpoint.account_id) == uuid.UUID(account_id),
                    col(Touchpoint.summary) == summary,
                )
            )
        )


def escalations(app: CsmApp, account_id: str) -> list[Escalation]:
    with app.workspace.db.reading() as session:
        return list(
            session.scalars(
                select(Escalation).where(
                    col(Escalation.account_id) == uuid.UUID(account_id),
                    col(Escalation.deleted_at).is_(None),
                )
            )
        )


def reviews(app: CsmApp) -> list[AlertReview]:
    with app.workspace.db.reading() as session:
        return list(session.scalars(select(AlertReview)))


def snoozes(app: CsmApp, account_id: str) -> list[Snooze]:
    with app.workspace.db.reading() as session:
        return list(
            session.scalars(select(Snooze).where(col(Snooze.account_id) == uuid.UUID(account_id)))
        )


def make_a_health_drop(app: CsmApp, *, avoid: set[str]) -> str:
    """Before the app starts: one of my yellow or red accounts was green at the last triage.

    The demo CSM has no health drop of her own on TODAY. The drop counts from the last snapshot
    on or before yesterday, and the demo book has one dated yesterday: a green snapshot dated
    before yesterday would be hidden behind it, so yesterday's own snapshot says green here.
    """
    bands = app.workspace.rules.rulebook.bands
    mine = [
        row
        for row in app.workspace.book(team=False)
        if row.band(bands) in (HealthBand.YELLOW, HealthBand.RED) and row.id not in avoid
    ]
    assert mine, "the demo CSM has a yellow or red account to work with"
    account_id = min(mine, key=lambda row: row.name).id
    with app.workspace.db.writing() as session:
        then = session.scalars(
            select(HealthSnapshot)
            .where(
                col(HealthSnapshot.account_id) == uuid.UUID(account_id),
                col(HealthSnapshot.taken_on) <= YESTERDAY,
                col(HealthSnapshot.deleted_at).is_(None),
            )
            .order_by(col(HealthSnapshot.taken_on).desc())
        ).first()
        if then is not None and then.taken_on == YESTERDAY:
            then.score = bands.green + 10
        else:
            session.add(
                HealthSnapshot(
                    account_id=uuid.UUID(account_id), taken_on=YESTERDAY, score=bands.green + 10
                )
            )
    return account_id


# --- 1. a whole morning ----------------------------------------------------------------------


async def test_a_whole_morning_at_the_queue(app_factory):
    setup = app_factory()
    first = by_account(my_queue(setup).items)[0]
    dropped = make_a_health_drop(setup, avoid={first.account_id})
    drop_key = f"{dropped}:{HEALTH_DROP}"
    app = app_factory()  # started after the drop: the app reads the queue as it starts

    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)

        # The queue opens ranked: pinned first, then by urgency, highest first.
        expected = by_account(my_queue(app).items)
        assert rows(app) == keys(expected), "the queue is not in the service's order"
        order = [(not entry.pinned, -entry.urgency) for entry in expected]
        assert order == sorted(order), "the service's order is not pinned-then-urgency"
        assert rows(app)[0] == row_key(first), "the pinned item is not on top"
        assert drop_key in rows(app), "the health drop built for this test is not on the queue"
        drops_at_start = shown_view(app).counts.health_drops
        assert drops_at_start >= 1

        # Open an account with enter; escape comes back to the same highlighted row.
        await pilot.press("j", "j")
        chosen = current_key(app)
        assert chosen == rows(app)[2]
        name = highlighted(app).account_name
        await pilot.press("enter")
        await settle(pilot)
        opened = app.screen  # a name of its own: mypy would keep app.screen an AccountScreen
        assert isinstance(opened, AccountScreen), "enter did not open the account"
        assert opened.title == name
        await pilot.press("escape")
        await settle(pilot)
        assert current_key(app) == chosen, "escape did not come back to the same row"
        assert table(app).cursor_row == 2

        # Log a touch for the first item.
        await pilot.press("k", "k")
        assert current_key(app) == row_key(first)
        await pilot.press("l")
        await settle(pilot)
        form = app.screen  # a name of its own, as for the account above
        assert isinstance(form, LogTouchModal), "l did not open the log-touch form"
        summary = "Walked the sponsor through the recovery plan"
        await pilot.press(*summary, "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TriageScreen), (
            f"the form stayed open: {static_text(app, '#form-error')!r}"
            if isinstance(app.screen, LogTouchModal)
            else "the form did not close"
        )
        assert row_key(first) not in rows(app), "the logged row is still on today's queue"
        ahead = [
            entry
            for entry in my_queue(app, ahead_days=60).items
            if row_key(entry) == row_key(first)
        ]
        assert ahead and ahead[0].due_on > TODAY, f"{first.label} not rescheduled: {ahead}"
        [touch] = touches(app, first.account_id, summary)
        assert (touch.occurred_on, touch.kind, touch.deleted_at) == (TODAY, first.kind, None)
        assert "Logged" in notifications(app)

        # Snooze another item with a reason; S shows it again, marked snoozed.
        snoozable = next(  # alone on its account's row: shown again, it is a row of its own
            entry
            for entry in table(app).read_rows
            if app.workspace.triage.can_snooze(entry.kind)
            and not entry.others
            and entry.account_id not in {first.account_id, dropped}
        )
        snoozed_key = row_key(snoozable)
        await move_to(pilot, snoozed_key)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, SnoozeModal), "s did not open the snooze form"
        assert app.focused is app.screen.query_one("#reason", Input)
        await pilot.press(*"Customer offsite this week", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TriageScreen), "the snooze form did not close"
        assert snoozed_key not in rows(app), "the snoozed row is still on the queue"
        [snooze] = snoozes(app, snoozable.account_id)
        assert (snooze.until, snooze.reason) == (
            TODAY + timedelta(days=1),
            "Customer offsite this week",
        )
        await pilot.press("S")
        await settle(pilot)
        assert "with snoozed" in sub_title(app)
        assert snoozed_key in rows(app), "S (show snoozed) did not show the row just snoozed"
        assert "snoozed to" in what_cell(app, snoozed_key), what_cell(app, snoozed_key)
        await pilot.press("S")
        await settle(pilot)
        assert "with snoozed" not in sub_title(app)
        assert snoozed_key not in rows(app)

        # Mark the health drop reviewed.
        await move_to(pilot, drop_key)
        await pilot.press("x")
        await settle(pilot)
        assert drop_key not in rows(app), "the reviewed health drop is still on the queue"
        drops_now = shown_view(app).counts.health_drops
        assert drops_now == drops_at_start - 1
        drop_words = "health drop" if drops_now == 1 else "health drops"
        assert f"{drops_now} {drop_words}" in static_text(app, "#counts")

        # Filter with / and a word of an account name; escape clears it.
        everything = rows(app)
        query = highlighted(app).account_name.split()[0].lower()
        bands = app.workspace.rules.rulebook.bands
        wanted = [
            row_key(entry)
            for entry in table(app).read_rows
            if matches(entry, bands.band(entry.health_score), query)
        ]
        assert 0 < len(wanted) < len(everything)
        await pilot.press("slash", *query)
        await pilot.pause()
        assert rows(app) == wanted, f"filtering on {query!r} shows {rows(app)}"
        await pilot.press("escape")
        await pilot.pause()
        assert rows(app) == everything, "escape did not clear the filter"
        assert not triage_screen(app).query_one("#filter", Input).display

        # Mine/team with t: the team's rows, with their owner; and back.
        await pilot.press("t")
        await settle(pilot)
        team = app.workspace.triage.load(team=True, record=False)
        assert rows(app) == keys(by_account(team.items))
        assert len({entry.owner_email for entry in team.items}) > 1
        assert "Owner" in column_labels(app)
        assert sub_title(app).startswith("Team")
        await pilot.press("t")
        await settle(pilot)
        assert rows(app) == everything
        assert "Owner" not in column_labels(app)

        # u takes back the last action: the review; the health drop returns.
        await pilot.press("u")
        await settle(pilot)
        assert drop_key in rows(app), "undo did not bring the health drop back"
        assert shown_view(app).counts.health_drops == drops_at_start
        [review] = reviews(app)
        assert review.deleted_at is not None
        assert "Undone" in notifications(app)
        # The earlier actions stand.
        assert row_key(first) not in rows(app) and snoozed_key not in rows(app)


# --- 2. undo of a logged touch -------------------------------------------------------------------


async def test_undo_takes_a_logged_touch_back(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        first = item(app)
        assert first is not None and current_key(app) == rows(app)[0]
        await pilot.press("l")
        await settle(pilot)
        await pilot.press(*"Quick check-in", "ctrl+s")
        await settle(pilot)
        assert row_key(first) not in rows(app)
        await pilot.press("u")
        await settle(pilot)
        assert row_key(first) in rows(app), "undo did not put the row back on the queue"
        assert rows(app) == keys(by_account(my_queue(app).items))
        [touch] = touches(app, first.account_id, "Quick check-in")
        assert touch.deleted_at is not None, "the undone touch is still live in the database"
        assert "Undone" in notifications(app)


# --- 3. a failed save keeps what was typed ----------------------------------------------------


async def test_the_log_form_keeps_what_was_typed_when_the_date_is_wrong(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        first = highlighted(app)
        await pilot.press("l")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, LogTouchModal)
        summary = "Renewal chat with the sponsor"
        await pilot.press(*summary)
        # Back from the summary: over the "Also counts for" boxes (if the row's account has
        # other items the touch can count for), the sentiment, then the date.
        also = len(modal.query("#also Checkbox"))
        await pilot.press(*["shift+tab"] * (also + 2))
        date_box = modal.query_one("#occurred-on", Input)
        assert app.focused is date_box, f"focus is on {app.focused!r}, not the date"
        assert date_box.value == TODAY.isoformat()

        await clear_and_type(pilot, "2026-13-40")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is modal, "the form closed on a date that does not exist"
        assert "'2026-13-40' is not a date" in static_text(app, "#form-error")
        assert modal.query_one("#touch-summary", Input).value == summary

        future = TODAY + timedelta(days=7)
        await clear_and_type(pilot, future.isoformat())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is modal, "the form closed on a future date"
        error = static_text(app, "#form-error")
        assert "once it happened" in error and future.isoformat() in error, error
        assert modal.query_one("#touch-summary", Input).value == summary
        assert touches(app, first.account_id, summary) == []

        happened = TODAY - timedelta(days=1)
        await clear_and_type(pilot, happened.isoformat())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TriageScreen), "the corrected form did not save"
        [touch] = touches(app, first.account_id, summary)
        assert touch.occurred_on == happened


# --- 4. the snooze policy of the rules file -------------------------------------------------------


async def test_a_snooze_beyond_the_rules_limit_is_refused_inside_the_form(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        target = next(
            entry for entry in table(app).read_rows if app.workspace.triage.can_snooze(entry.kind)
        )
        await move_to(pilot, row_key(target))
        await pilot.press("s")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, SnoozeModal)
        limit = app.workspace.triage.snooze_limit
        assert limit == date(2026, 12, 23)
        assert "At most 30d" in shown_text(modal.query_one("#snooze"))
        await pilot.press(*"Waiting for the new budget")
        await pilot.press("shift+tab")  # reason -> the date box
        assert app.focused is modal.query_one("#until", Input)
        too_late = limit + timedelta(days=1)
        await pilot.press(*too_late.isoformat())
        pressed = modal.query_one("#until-choice", RadioSet).pressed_button
        assert pressed is not None and pressed.id == "a-date"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is modal, "a snooze past the limit closed the form"
        error = static_text(app, "#form-error")
        assert "30d" in error and limit.isoformat() in error, error
        assert modal.query_one("#reason", Input).value == "Waiting for the new budget"
        assert snoozes(app, target.account_id) == []
        await pilot.press("escape")
        await settle(pilot)
        assert row_key(target) in rows(app)


async def test_s_on_a_kind_that_cannot_be_snoozed_says_so_and_opens_nothing(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        stuck = next(
            entry
            for entry in table(app).read_rows
            if entry.kind != HEALTH_DROP and not app.workspace.triage.can_snooze(entry.kind)
        )
        assert stuck.kind in {
            "renewal-call",
            "escalation-call",
            "health-assessment",
            "recovery-plan",
        }
        await move_to(pilot, row_key(stuck))
        before = rows(app)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, TriageScreen), "a snooze form opened anyway"
        assert f"{stuck.label} cannot be snoozed" in notifications(app)
        assert rows(app) == before
        assert snoozes(app, stuck.account_id) == []


# --- 5. escalate ------------------------------------------------------------------------------


async def pick_first_category(pilot: Pilot[None]) -> str:
    """With the risk category Select focused: open it, go down to the first category, take it."""
    select_box = pilot.app.screen.query_one("#risk-category", Select)
    assert pilot.app.focused is select_box
    await pilot.press("enter", "down", "enter")
    await pilot.pause()
    assert select_box.value is not Select.NULL, "no risk category was picked"
    return str(select_box.value)


async def test_escalate_needs_a_category_and_opens_one_l1_per_account(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        target = next(
            entry
            for entry in table(app).read_rows
            if entry.kind != HEALTH_DROP and app.workspace.triage.detail(entry).escalation is None
        )
        account = target.account_id
        await move_to(pilot, row_key(target))
        await pilot.press("e")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, EscalateModal), "e did not open the escalate form"
        await pilot.press("tab", *"Sponsor left, renewal at risk")  # the category -> the reason
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is modal
        assert "risk category" in static_text(app, "#form-error")
        assert escalations(app, account) == []

        await pilot.press("shift+tab")  # back to the category
        category = await pick_first_category(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TriageScreen), (
            f"the form stayed open: {static_text(app, '#form-error')!r}"
            if app.screen is modal
            else "the form did not close"
        )
        [opened] = escalations(app, account)
        assert (opened.level, opened.status, opened.risk_category, opened.reason) == (
            1,
            "open",
            category,
            "Sponsor left, renewal at risk",
        )
        assert "L1 escalation" in notifications(app)

        # e again: the account's open escalation opens, to raise or follow it up.
        await move_to(pilot, next(key for key in rows(app) if key.startswith(account)))
        await pilot.press("e")
        await settle(pilot)
        shown = app.screen
        assert isinstance(shown, EscalationScreen), f"e opened {shown!r}"
        assert shown.escalation_id == str(opened.id)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TriageScreen)
        assert len(escalations(app, account)) == 1


# --- 6. help --------------------------------------------------------------------------------


def help_lines() -> list[str]:
    """'key  name: what it does' for every binding of the screen (its footer name, so a user
    can look a footer word up, then its tooltip when it has one)."""
    return [
        f"{binding.key_display or binding.key} {binding.description}"
        + (f": {binding.tooltip}" if binding.tooltip else "")
        for binding in TriageScreen.BINDINGS
        if isinstance(binding, Binding)
    ]


async def test_question_mark_lists_every_key_and_escape_closes_it(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen), "? did not open the key list"
        shown = shown_text(app.screen.query_one("#help"))
        flat = " ".join(shown.split())  # a long explanation wraps onto the next line
        missing = [line for line in help_lines() if line not in flat]
        assert not missing, f"the key list lacks {missing}; it shows:\n{shown}"
        assert "ctrl+p Command palette" in flat
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TriageScreen), "escape did not close the key list"


# --- 7. x on a touch row -----------------------------------------------------------------------


async def test_x_on_a_row_that_is_not_a_health_drop_changes_nothing(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        assert highlighted(app).kind != HEALTH_DROP
        before = rows(app)
        await pilot.press("x")
        await settle(pilot)
        assert "x marks a health drop reviewed" in notifications(app)
        assert rows(app) == before
        assert reviews(app) == []


# --- 8. the empty state ------------------------------------------------------------------------


async def test_an_empty_book_says_what_to_do_next(app_factory, tmp_path):
    app = app_factory(user_email=None, database=tmp_path / "empty.db")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        assert rows(app) == []
        empty = triage_screen(app).query_one("#queue-empty", Static)
        assert empty.display
        shown = shown_text(empty)
        assert "The book is empty." in shown
        assert "csm import accounts FILE.csv" in shown
        assert "csm demo" in shown


async def test_an_empty_book_of_my_own_points_to_the_teams(app_factory, demo_db):
    """A new CSM of a team whose book is full: their own is empty, the team's is not."""
    from csm_tui.services.team import add_member

    db = Database.open(demo_db)
    add_member(db, "new.csm@example.com", name="New Csm")
    db.dispose()
    app = app_factory(user_email="new.csm@example.com")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        shown = shown_text(triage_screen(app).query_one("#queue-empty", Static))
        assert "No accounts in your book yet." in shown
        assert "press t to see the whole team's book" in shown
        await pilot.press("t")
        await settle(pilot)
        assert rows(app)  # the team's queue


async def test_the_words_for_an_empty_book_name_the_database_typed(tmp_path):
    """`csm --db PATH` typed: the import to type next goes to the same book."""
    database = tmp_path / "my book.db"
    app = make_app(Settings(database=str(database), today=TODAY, database_from="--db"))
    try:
        async with app.run_test(size=(140, 30)) as pilot:
            await settle(pilot)
            empty = triage_screen(app).query_one("#queue-empty", Static)
            assert f"csm --db '{database}' import accounts FILE.csv" in str(empty.render())
    finally:
        app.workspace.close()


# --- 9. the command palette ---------------------------------------------------------------------


async def test_the_palette_finds_an_account_by_part_of_its_name(app_factory):
    app = app_factory()
    names = [account.name for account in app.workspace.account_names()]
    # A word that starts exactly one account's name and appears in no other.
    wanted = next(
        name
        for name in sorted(names)
        if sum(name.split()[0].lower() in other.lower() for other in names) == 1
    )
    typed = wanted.split()[0].lower()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*typed)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen), (
            f"typing {typed!r} and enter did not open {wanted}: {app.screen!r}"
        )
        assert app.screen.title == wanted


# --- 10. the visit ---------------------------------------------------------------------------


async def test_the_first_open_of_the_day_records_a_visit(app_factory, demo_db):
    book = Database.open(demo_db)
    try:
        with book.reading() as session:
            assert session.scalars(select(TriageVisit)).all() == [], "a visit before any triage"
    finally:
        book.dispose()
    app = app_factory()
    me = uuid.UUID(app.workspace.me.id)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        with app.workspace.db.reading() as session:
            visit = session.get(TriageVisit, me)
            assert visit is not None, "opening the queue recorded no visit"
            assert (visit.last_on, visit.previous_on) == (TODAY, None)


# --- 11. how the first queue is read -----------------------------------------------------------


async def test_a_new_day_paints_the_stored_queue_then_reschedules_the_book(demo_db):
    """The first queue is read without the ORM (services.first_view); on a new day the stored
    schedule is yesterday's, so once painted the book is recomputed and the queue read again."""
    tomorrow = TODAY + timedelta(days=1)
    app = make_app(Settings(database=str(demo_db), today=tomorrow, user_email=DEMO_USER_EMAIL))
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            # Only the accounts whose plan ran out overnight are decided again.
            said = re.search(r"Rescheduled (\d+) accounts for Tue 24 Nov", notifications(app))
            assert said is not None and 0 < int(said[1]) < DEMO_ACCOUNTS, notifications(app)
            view = triage_screen(app).view
            assert view is not None and not view.stale and view.today == tomorrow
            assert rows(app) == keys(by_account(my_queue(app).items)) != []
            assert app.workspace.me is not None
            with app.workspace.db.reading() as session:
                visit = session.get(TriageVisit, uuid.UUID(app.workspace.me.id))
                assert visit is not None and visit.last_on == tomorrow
    finally:
        app.workspace.close()


async def test_a_database_url_opens_the_ordinary_way(demo_db):
    """A URL (as a PostgreSQL server is given) is opened with the ORM before the first paint:
    the same queue."""
    app = make_app(
        Settings(database=f"sqlite:///{demo_db}", today=TODAY, user_email=DEMO_USER_EMAIL)
    )
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            assert rows(app) == keys(by_account(my_queue(app).items)) != []
            assert "Could not load" not in notifications(app)
    finally:
        app.workspace.close()


# --- a meeting already booked -----------------------------------------------------------------


async def test_m_records_a_booked_meeting_and_u_takes_it_back(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        target = next(  # an L5 escalation's follow-up stays on top: it is not booked away
            entry
            for entry in table(app).read_rows
            if entry.kind not in {HEALTH_DROP, "milestone"} and not entry.pinned
        )
        await move_to(pilot, row_key(target))
        await pilot.press("m")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, BookMeetingModal), "m did not open the booking form"
        await pilot.press(*"2026-11-20", "ctrl+s")  # a day gone by
        await settle(pilot)
        assert app.screen is modal
        assert "has passed: log the meeting instead" in static_text(app, "#form-error")
        on = TODAY + timedelta(days=3)
        await pilot.press(*["backspace"] * 10, *on.isoformat(), "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TriageScreen), "the booking form did not close"
        assert row_key(target) not in rows(app), "the booked item still counts as due today"
        assert f"for {on:%a %d %b}" in notifications(app)
        await pilot.press("S")  # shown again with what is put aside, marked booked
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        assert f"booked for {on:%a %d %b}" in what_cell(app, row_key(target))
        await pilot.press("i", "S", "u")
        await settle(pilot)
        assert row_key(target) in rows(app), "undo did not bring the item back"
        with app.workspace.db.reading() as session:
            [booking] = session.scalars(select(Booking)).all()
            assert booking.deleted_at is not None


async def test_a_call_logged_on_an_account_s_row_can_count_for_its_other_items(app_factory):
    """The row names the other items due; the log form offers to count the touch for each
    (a call that also ran the survey): both are logged, both items leave the queue, and u
    takes both back."""
    app = app_factory()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        target = next(
            entry
            for entry in table(app).read_rows
            if any(other.kind not in {"milestone", entry.kind} for other in entry.others)
            and entry.kind != HEALTH_DROP
        )
        other = next(o for o in target.others if o.kind not in {"milestone", target.kind})
        await move_to(pilot, row_key(target))
        await pilot.press("l")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, LogTouchModal)
        box = modal.query_one(f"#also-{other.kind}", Checkbox)
        assert str(box.label) == other.label and not box.value
        box.value = True
        await pilot.press(*"Call, and the survey while at it", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TriageScreen), static_text(app, "#form-error")
        assert "also counts as" in notifications(app)
        logged = touches(app, target.account_id, "Call, and the survey while at it")
        assert {touch.kind for touch in logged} == {preset_kind(target.kind), other.kind}
        await pilot.press("i")
        await settle(pilot)
        assert f"{target.account_id}:{other.kind}" not in rows(app)
        await pilot.press("u")
        await settle(pilot)
        again = touches(app, target.account_id, "Call, and the survey while at it")
        assert all(touch.deleted_at is not None for touch in again)
        assert f"{target.account_id}:{other.kind}" in rows(app)


def team_queue(app: CsmApp) -> list[QueueItem]:
    """The team's queue, one row per account, as the service reads it whole."""
    return by_account(app.workspace.triage.load(team=True, record=False).items)


async def test_the_teams_queue_is_read_a_page_at_a_time_as_the_rows_come_into_view(
    app_factory, monkeypatch
):
    """Five rows a page: what is in view is read (a row not read yet is drawn as "…" and
    asked for), a jump to the end reads down to it, and the list read is the whole read. On a
    small terminal: the demo team's queue (57 rows) is then several screens long."""
    monkeypatch.setattr("csm_tui.services.triage_pages.PAGE_ROWS", 5)
    monkeypatch.setattr("csm_tui.services.triage_pages.LONGEST_PAGE", 5)
    app = app_factory()
    async with app.run_test(size=SMALL, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("t")
        for _ in range(4):  # each answer draws more rows, which ask for the next page
            await settle(pilot)
        expected = team_queue(app)
        assert len(expected) > 2 * SMALL[1], "the demo team's queue is two screens long"
        queue = table(app)
        assert queue.row_count == len(expected), "the scrollbar is the whole list's"
        read = rows(app)
        assert SMALL[1] // 2 < len(read) < len(expected), "what is in view is read, not all"
        assert read == keys(expected[: len(read)])
        assert sub_title(app).startswith(f"Team · {len(expected):,} to do")
        assert "counting" not in static_text(app, "#counts")

        await pilot.press("end")
        for _ in range(len(expected) // 5 + 2):
            await settle(pilot)
        assert rows(app) == keys(expected)
        assert current_key(app) == row_key(expected[-1])
        assert "…" not in {cell.plain for cell in queue.row_text(queue.cursor_row)}


async def test_the_teams_queue_filters_and_logs_as_the_whole_read_does(app_factory, monkeypatch):
    monkeypatch.setattr("csm_tui.services.triage_pages.PAGE_ROWS", 5)
    app = app_factory()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        first = team_queue(app)[0]
        word = first.account_name.split()[0].lower()
        await pilot.press("slash", *word)
        await pilot.pause(0.4)  # typing has paused: the store is asked
        await settle(pilot)
        bands = app.workspace.rules.rulebook.bands
        expected = [
            entry
            for entry in team_queue(app)
            if matches(entry, bands.band(entry.health_score), word)
        ]
        assert rows(app) == keys(expected)

        # Log the call due on the first row: its row takes its next item (or goes).
        await pilot.press("enter")
        await move_to(pilot, row_key(first))
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, LogTouchModal)
        await pilot.press(*"Walked through the plan")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await settle(pilot)
        assert isinstance(app.screen, TriageScreen)
        after = [
            entry
            for entry in team_queue(app)
            if matches(entry, bands.band(entry.health_score), word)
        ]
        assert rows(app) == keys(after)
        assert row_key(first) not in rows(app) or first.kind == HEALTH_DROP
        assert shown_view(app).counts == app.workspace.triage.load(team=True, record=False).counts
