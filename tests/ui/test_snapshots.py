"""SVG snapshots of every screen at the fixed TODAY on the seeded demo book.

A failing snapshot is a change a user would see: open snapshot_report.html, and regenerate with
`make snapshots` only after looking at the diff.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from csm_tui.app import CsmApp
from csm_tui.domain.enums import TouchKind
from csm_tui.domain.mutation import Mutation
from csm_tui.domain.success_plan import MilestoneLine, is_slipped
from csm_tui.domain.triage import can_book, preset_kind
from csm_tui.messages import OpenPlan
from csm_tui.screens.triage import TriageScreen
from csm_tui.services.outbox import Outbox
from csm_tui.services.sync_run import LAST_SYNCED_KEY
from csm_tui.services.triage import TouchForm
from csm_tui.store import meta
from csm_tui.store import outbox as outbox_store
from csm_tui.store.database import Database
from csm_tui.widgets.plan_view import PlanList
from csm_tui.widgets.queue_table import QueueTable
from tests.conftest import TODAY
from tests.ui.conftest import open_book, settle

if TYPE_CHECKING:
    from textual.pilot import Pilot

    RunBefore = Callable[[Pilot[None]], Awaitable[None]]


async def _loaded(pilot: Pilot[None]) -> None:
    await settle(pilot)


async def _book(pilot: Pilot[None]) -> None:
    await open_book(pilot)


def test_book_mine(snap_compare, app_factory):
    assert snap_compare(app_factory(), terminal_size=(120, 36), run_before=_book)


def test_book_mine_small_terminal(snap_compare, app_factory):
    assert snap_compare(app_factory(), terminal_size=(80, 24), run_before=_book)


def test_book_team_sorted_by_health(snap_compare, app_factory):
    async def run_before(pilot: Pilot[None]) -> None:
        await open_book(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("o", "o", "o", "o", "o")  # account, segment, pri, arr, owner, health
        await pilot.pause()

    assert snap_compare(app_factory(), terminal_size=(120, 36), run_before=run_before)


def test_book_filtered(snap_compare, app_factory):
    async def run_before(pilot: Pilot[None]) -> None:
        await open_book(pilot)
        await pilot.press("slash", *"yellow")
        await pilot.pause()

    assert snap_compare(app_factory(), terminal_size=(120, 36), run_before=run_before)


def test_book_empty(
    snap_compare: Callable[..., bool], app_factory: Callable[..., CsmApp], tmp_path: Path
) -> None:
    app = app_factory(user_email=None, database=tmp_path / "empty.db")
    assert snap_compare(app, terminal_size=(100, 24), run_before=_book)


# --- the triage screen (the app opens on it) ---------------------------------------------------

SIZES = {"80x24": (80, 24), "160x48": (160, 48)}


async def _triage(pilot: Pilot[None]) -> None:
    """The queue loaded and the side panel filled for the first row."""
    await settle(pilot)
    await pilot.pause(0.2)  # the panel waits for the cursor to rest
    await settle(pilot)


def _pressing(*keys: str) -> RunBefore:
    async def run_before(pilot: Pilot[None]) -> None:
        await _triage(pilot)
        await pilot.press(*keys)
        await _triage(pilot)

    return run_before


def _clear_my_queue(app: CsmApp) -> None:
    """Work off today's queue of the demo CSM through the service, as a morning would."""
    triage = app.workspace.triage
    for _ in range(5):
        items = triage.load(team=False, record=False).items
        if not items:
            return
        for item in items:
            if item.kind == "health-drop":
                triage.review(item.account_id)
            elif triage.can_snooze(item.kind):
                triage.snooze(item.account_id, item.kind, TODAY + timedelta(days=2), "on leave")
            else:
                triage.log_touch(TouchForm(item.account_id, preset_kind(item.kind), TODAY, "Done"))
    raise AssertionError("the demo CSM's queue would not empty")


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_triage_mine(snap_compare, app_factory, size):
    assert snap_compare(app_factory(), terminal_size=SIZES[size], run_before=_triage)


def test_triage_every_item(snap_compare, app_factory):
    """i: every item due on its own row, as before one row per account."""
    assert snap_compare(app_factory(), terminal_size=(160, 48), run_before=_pressing("i"))


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_triage_team(snap_compare, app_factory, size):
    assert snap_compare(app_factory(), terminal_size=SIZES[size], run_before=_pressing("t"))


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_triage_empty_queue(snap_compare, app_factory, size):
    _clear_my_queue(app_factory())  # before the app that is shown: it reads the queue at start
    assert snap_compare(app_factory(), terminal_size=SIZES[size], run_before=_triage)


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_triage_empty_book(snap_compare, app_factory, tmp_path, size):
    """The first run: a new database opens on what to do next."""
    app = app_factory(user_email=None, database=tmp_path / "empty.db")
    assert snap_compare(app, terminal_size=SIZES[size], run_before=_loaded)


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_triage_log_touch_modal(snap_compare, app_factory, size):
    assert snap_compare(app_factory(), terminal_size=SIZES[size], run_before=_pressing("l"))


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_triage_log_touch_modal_counting_for_others(snap_compare, app_factory, size):
    """l on a row with other items due that a touch can count for: a box for each."""

    async def run_before(pilot: Pilot[None]) -> None:
        await _triage(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, TriageScreen)
        index = next(
            index
            for index, item in enumerate(screen.query_one(QueueTable).read_rows)
            if any(other.kind != "milestone" for other in item.others)
        )
        await pilot.press(*["j"] * index, "l")
        await _triage(pilot)

    assert snap_compare(app_factory(), terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_triage_snooze_modal(snap_compare, app_factory, size):
    async def run_before(pilot: Pilot[None]) -> None:
        await _triage(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, TriageScreen) and screen.view is not None
        snoozable = next(
            index
            for index, item in enumerate(screen.query_one(QueueTable).read_rows)
            if screen.triage.can_snooze(item.kind)
        )
        await pilot.press(*["j"] * snoozable, "s")
        await _triage(pilot)

    assert snap_compare(app_factory(), terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_triage_book_meeting_modal(snap_compare, app_factory, size):
    """m on the first row with an item a meeting completes (the pinned L5 follow-up on top is
    worked now, not booked): the day of the meeting typed, and a note."""

    async def run_before(pilot: Pilot[None]) -> None:
        await _triage(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, TriageScreen)
        index = next(
            index
            for index, item in enumerate(screen.query_one(QueueTable).read_rows)
            if not item.pinned and can_book(item.kind)
        )
        await pilot.press(*["j"] * index, "m")
        await _triage(pilot)
        await pilot.press(*"2026-11-26", "tab", *"with the CFO")
        await _triage(pilot)

    assert snap_compare(app_factory(), terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_triage_help(snap_compare, app_factory, size):
    assert snap_compare(
        app_factory(), terminal_size=SIZES[size], run_before=_pressing("question_mark")
    )


def test_triage_sync_line(snap_compare, app_factory, demo_db, utc):
    """A laptop's copy of the team's book (issue 23): above the footer, when it last synced
    (09:04 today; the laptop's clock at noon, in UTC) and the two changes waiting."""
    db = Database.open(demo_db)
    Outbox(db).enable()
    with db.writing() as session:
        meta.set_meta(session, LAST_SYNCED_KEY, f"{TODAY}T09:04:00+00:00")
        for number in range(2):
            mutation = Mutation(str(uuid.UUID(int=number + 1)), "triage.log_touch", {})
            outbox_store.append(session, mutation, datetime(2026, 11, 23, 10, tzinfo=UTC))
    db.dispose()
    app = app_factory()
    app.clock = lambda: datetime(2026, 11, 23, 12, tzinfo=UTC)
    assert snap_compare(app, terminal_size=SIZES["80x24"], run_before=_triage)


# --- the account screen ----------------------------------------------------------------------

TABS = ("overview", "contacts", "timeline", "plan", "escalations")
HEALTH = {"healthy": max, "red": min}  # the demo CSM's healthiest account, and the least healthy


def _opening(which: str, *keys: str) -> RunBefore:
    """Open one of the demo CSM's accounts (as the palette does), then press `keys`."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        app = pilot.app
        assert isinstance(app, CsmApp)
        book = [row for row in app.workspace.book(team=False) if row.health_score is not None]
        chosen = HEALTH[which](book, key=lambda row: (row.health_score, row.name))
        app.open_account(chosen.id)
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
@pytest.mark.parametrize("which", HEALTH, ids=list(HEALTH))
@pytest.mark.parametrize("tab", TABS, ids=list(TABS))
def test_account_tab(snap_compare, app_factory, tab, which, size):
    key = str(TABS.index(tab) + 1)
    assert snap_compare(app_factory(), terminal_size=SIZES[size], run_before=_opening(which, key))


def _plan_at_risk(*keys: str) -> RunBefore:
    """Open the first of the demo CSM's accounts (by name) whose plan has a slipped milestone:
    the success flag raised, what raises it under the plan's line."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        app = pilot.app
        assert isinstance(app, CsmApp)
        plans = app.workspace.plans
        row = next(
            row
            for row in sorted(app.workspace.book(team=False), key=lambda row: row.name)
            if any(is_slipped(m, TODAY) for p in plans.plans(row.id) for m in p.milestones)
        )
        app.open_account(row.id)
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
@pytest.mark.parametrize("tab", ["overview", "plan"])
def test_account_with_a_plan_at_risk(snap_compare, app_factory, tab, size):
    key = str(TABS.index(tab) + 1)
    assert snap_compare(app_factory(), terminal_size=SIZES[size], run_before=_plan_at_risk(key))


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_account_edit_modal(snap_compare, app_factory, size):
    assert snap_compare(app_factory(), terminal_size=SIZES[size], run_before=_opening("red", "E"))


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_account_edit_modal_with_errors(snap_compare, app_factory, size):
    async def run_before(pilot: Pilot[None]) -> None:
        await _opening("healthy", "E")(pilot)
        await pilot.press("ctrl+a", "ctrl+k", *"12x", "tab", "tab", "ctrl+a", "ctrl+k", "ctrl+s")
        await settle(pilot)

    assert snap_compare(app_factory(), terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_account_contact_modal(snap_compare, app_factory, size):
    assert snap_compare(
        app_factory(), terminal_size=SIZES[size], run_before=_opening("healthy", "2", "enter")
    )


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_account_help(snap_compare, app_factory, size):
    assert snap_compare(
        app_factory(), terminal_size=SIZES[size], run_before=_opening("healthy", "question_mark")
    )


def _on_a_touch(*keys: str) -> RunBefore:
    """Open the first of the demo CSM's accounts (by name) with a cadence call with notes,
    attendees and an action item, on its timeline, highlight that touch, press `keys`."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        app = pilot.app
        assert isinstance(app, CsmApp)
        for row in sorted(app.workspace.book(team=False), key=lambda row: row.name):
            view = app.workspace.accounts.view(row.id)
            assert view is not None
            touches = view.detail.touches  # newest first, as the timeline lists them
            found = [
                n
                for n, touch in enumerate(touches)
                if touch.kind is TouchKind.CADENCE_CALL
                and touch.notes
                and touch.attendees
                and touch.action_items
            ]
            if found:
                break
        else:
            raise AssertionError("no cadence call with notes, attendees and an action item")
        app.open_account(row.id)
        await settle(pilot)
        await pilot.press("3", *["j"] * found[0], *keys)
        await settle(pilot)

    return run_before


def test_account_edit_touch_modal(snap_compare, app_factory):
    """At 80x24: the edit form, notes included, fits as the log form does."""
    assert snap_compare(app_factory(), terminal_size=(80, 24), run_before=_on_a_touch("c"))


def test_account_delete_touch_modal(snap_compare, app_factory):
    assert snap_compare(app_factory(), terminal_size=(80, 24), run_before=_on_a_touch("d"))


def test_account_book_meeting_modal(snap_compare, app_factory):
    """m on the account: the item to book for (the next touch first), its day, a note."""

    async def run_before(pilot: Pilot[None]) -> None:
        await _opening("healthy", "m")(pilot)
        await pilot.press(*"2026-11-26")
        await settle(pilot)

    assert snap_compare(app_factory(), terminal_size=(80, 24), run_before=run_before)


# --- the escalation ladder and one escalation ---------------------------------------------------


@pytest.fixture
def _ten_in_the_morning(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ladder's hour countdowns count from a fixed moment, not the time the tests run."""

    def ten_on(today: date) -> datetime:
        return datetime(today.year, today.month, today.day, 10, tzinfo=UTC)

    monkeypatch.setattr("csm_tui.services.escalations.now_on", ten_on)


def _ladder(*keys: str) -> RunBefore:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        for key in ("L", *keys):  # each answered before the next: enter opens the row asked
            await pilot.press(key)
            await settle(pilot)

    return run_before


@pytest.mark.usefixtures("_ten_in_the_morning")
@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_escalations_mine(snap_compare, app_factory, size):
    assert snap_compare(app_factory(), terminal_size=SIZES[size], run_before=_ladder())


@pytest.mark.usefixtures("_ten_in_the_morning")
@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_escalations_team(snap_compare, app_factory, size):
    """Breached and non-breached rows, the owner column."""
    assert snap_compare(app_factory(), terminal_size=SIZES[size], run_before=_ladder("t"))


@pytest.mark.usefixtures("_ten_in_the_morning")
def test_escalation_in_full(snap_compare, app_factory):
    """The team's first row: a breached L4 with its history and recovery plan."""
    assert snap_compare(app_factory(), terminal_size=(160, 48), run_before=_ladder("t", "enter"))


ESCALATION_MODALS = {
    "raise": "plus",
    "lower": "minus",
    "follow-up": "f",
    "note": "n",
    "resolve": "v",
    "close": "c",
    "reopen": "o",
    "recovery-plan": "p",
}


@pytest.mark.usefixtures("_ten_in_the_morning")
@pytest.mark.parametrize("modal", ESCALATION_MODALS)
def test_escalation_modal(snap_compare, app_factory, modal):
    keys = ("t", "enter", ESCALATION_MODALS[modal])
    assert snap_compare(app_factory(), terminal_size=(80, 24), run_before=_ladder(*keys))


# --- the success plan -------------------------------------------------------------------------


def _on_plan(which: str, *keys: str) -> RunBefore:
    """The plan screen of one account: "empty" (a team account with no plan), "template" (the
    same, with a plan from the Enterprise template), "slipped" (the demo CSM's account whose
    plan has a slipped milestone, highlighted, and its last milestone blocked here with a
    reason)."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        app = pilot.app
        assert isinstance(app, CsmApp)
        plans = app.workspace.plans
        slipped: MilestoneLine | None = None
        if which == "slipped":
            for row in sorted(app.workspace.book(team=False), key=lambda row: row.name):
                late = [
                    m for p in plans.plans(row.id) for m in p.milestones if is_slipped(m, TODAY)
                ]
                if late:
                    slipped = late[0]
                    break
            else:
                raise AssertionError("no slipped milestone in the demo CSM's book")
            [plan] = plans.plans(row.id)
            last = plan.milestones[-1]
            plans.set_status(last.id, "blocked", "waiting on the customer's SSO rollout")
        else:
            row = next(row for row in app.workspace.book(team=True) if not plans.plans(row.id))
            if which == "template":
                plans.create_from_template(row.id, "enterprise")
        app.post_message(OpenPlan(row.id, row.name))
        await settle(pilot)
        if slipped is not None:
            listed = app.screen.query_one(PlanList)
            listed.highlighted = listed.get_option_index(f"m:{slipped.id}")
            await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
@pytest.mark.parametrize("which", ["empty", "template", "slipped"])
def test_plan_screen(snap_compare, app_factory, which, size):
    assert snap_compare(app_factory(), terminal_size=SIZES[size], run_before=_on_plan(which))


PLAN_MODALS = {
    "new": ("empty", "n"),
    "from-template": ("empty", "T"),
    "blocked": ("slipped", "B"),
    "move": ("slipped", "m"),
    "edit-milestone": ("slipped", "E"),
    "delete": ("slipped", "d"),
    "measure": ("slipped", "v"),
    "add-objective": ("slipped", "o"),
    "add-milestone": ("slipped", "a"),
    "review": ("slipped", "R"),
    "status": ("slipped", "P"),
}


@pytest.mark.parametrize("modal", PLAN_MODALS)
def test_plan_modal(snap_compare, app_factory, modal):
    which, *keys = PLAN_MODALS[modal]
    assert snap_compare(app_factory(), terminal_size=(80, 24), run_before=_on_plan(which, *keys))
