"""The account screen driven with real keystrokes on the demo book: opened from triage and from
the palette, its tabs, the edit form, contacts and the org chart, action items.

What is checked is what the user sees, and what the database holds afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import select
from sqlmodel import col
from textual.widgets import DataTable, Input, Select, SelectionList, TabbedContent, TextArea, Tree
from textual.widgets.tree import TreeNode

from csm_tui.app import CsmApp
from csm_tui.domain.account import ContactLine
from csm_tui.domain.decision import Decision
from csm_tui.domain.health import HealthBand
from csm_tui.domain.triage import HEALTH_DROP
from csm_tui.models import Account, ActionItem, Contact, HealthSnapshot, Touchpoint
from csm_tui.screens.account import AccountScreen
from csm_tui.screens.book_meeting import BookMeetingModal
from csm_tui.screens.confirm import ConfirmModal
from csm_tui.screens.edit_account import EditAccountModal
from csm_tui.screens.edit_contact import ContactModal
from csm_tui.screens.log_touch import LogTouchModal
from csm_tui.screens.triage import TriageScreen
from csm_tui.services.account import AccountView
from csm_tui.widgets.queue_table import QueueTable
from tests.conftest import TODAY
from tests.ui.conftest import clear_and_type, notifications, settle, shown_text, static_text

if TYPE_CHECKING:
    from textual.pilot import Pilot

SIZE = (160, 48)
NodeData = TypeVar("NodeData")


def account_screen(app: CsmApp) -> AccountScreen:
    assert isinstance(app.screen, AccountScreen), f"expected the account screen, saw {app.screen!r}"
    return app.screen


def view_of(screen: AccountScreen) -> AccountView:
    """What the account screen shows (once its account is loaded)."""
    assert screen.view is not None, "the account screen shows no account"
    return screen.view


def decision_of(screen: AccountScreen) -> Decision:
    decision = view_of(screen).decision
    assert decision is not None, "the account screen shows no decision"
    return decision


def active_tab(app: CsmApp) -> str:
    return account_screen(app).query_one(TabbedContent).active


def queue_keys(app: CsmApp) -> list[str]:
    assert isinstance(app.screen, TriageScreen)
    return app.screen.query_one(QueueTable).keys


async def open_from_triage(pilot: Pilot[None], *, band: HealthBand | None = None) -> str:
    """Walk the queue with j from the highlighted row to the first (of an account in `band`),
    press enter; the account's id."""
    app = pilot.app
    assert isinstance(app, CsmApp)
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, TriageScreen)
    bands = app.workspace.rules.rulebook.bands
    table = screen.query_one(QueueTable)
    items, start = list(table.read_rows), table.cursor_row
    index = next(
        i
        for i in range(start, len(items))
        if band is None or bands.band(items[i].health_score) is band
    )
    await pilot.press(*["j"] * (index - start))
    await pilot.press("enter")
    await settle(pilot)
    assert account_screen(app).title == items[index].account_name
    return items[index].account_id


def account(app: CsmApp, account_id: str) -> Account:
    with app.workspace.db.reading() as session:
        found = session.get(Account, uuid.UUID(account_id))
        assert found is not None
        session.expunge(found)
        return found


async def test_enter_opens_the_account_on_its_overview_and_escape_comes_back(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue = app.screen.query_one(QueueTable)
        before = queue.cursor_row
        # The next row that is not a milestone (enter on a milestone opens the success plan).
        steps = next(
            n
            for n, item in enumerate(queue.read_rows)
            if n > before and item is not None and item.kind != "milestone"
        )
        await pilot.press(*["j"] * (steps - before))
        await open_from_triage(pilot)
        assert active_tab(app) == "overview"
        overview = shown_text(account_screen(app).query_one("#overview-pane"))
        for heading in (
            "Segment",
            "Renewal",
            "Health",
            "Engagement 30%",
            "Risks",
            "Next touch",
            "Escalation",
            "Success plan",
        ):
            assert heading in overview, f"{heading!r} missing from the overview:\n{overview}"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TriageScreen)
        assert app.screen.query_one(QueueTable).cursor_row == steps


async def test_number_keys_switch_tabs_and_each_tab_shows_its_part(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await open_from_triage(pilot)
        screen = account_screen(app)
        detail = view_of(screen).detail

        await pilot.press("2")
        assert active_tab(app) == "contacts"
        table = screen.query_one("#contacts-table", DataTable)
        assert table.has_focus, "the contacts table should take the focus (its keys in the footer)"
        assert table.row_count == len(detail.contacts)
        chart: Tree[ContactLine] = screen.query_one("#org-chart", Tree)
        names = {str(node.label).split("  ")[0] for node in _nodes(chart.root)}
        assert names == {contact.name for contact in detail.contacts}

        await pilot.press("3")
        assert active_tab(app) == "timeline"
        touches = screen.query_one("#timeline-table", DataTable)
        assert touches.row_count == len(detail.touches)
        newest = detail.touches[0]
        # The summary wraps at the width of the pane: compared word for word.
        assert " ".join(newest.summary.split()) in " ".join(static_text(app, "#touch-text").split())

        await pilot.press("4")
        assert active_tab(app) == "plan"
        plan_text = static_text(app, "#plan-summary")
        assert detail.plans[0].title in plan_text

        await pilot.press("5")
        assert active_tab(app) == "escalations"
        assert "Level" in static_text(
            app, "#escalations-summary"
        ) or "No escalation" in static_text(app, "#escalations-summary")

        await pilot.press("1")
        assert active_tab(app) == "overview"


def _nodes(node: TreeNode[NodeData]) -> Iterator[TreeNode[NodeData]]:
    for child in node.children:
        yield child
        yield from _nodes(child)


async def test_editing_health_into_red_reschedules_and_the_queue_gains_the_red_items(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        account_id = await open_from_triage(pilot, band=HealthBand.GREEN)
        screen = account_screen(app)
        next_before = decision_of(screen).next

        await pilot.press("E")
        await settle(pilot)
        assert isinstance(app.screen, EditAccountModal)
        await pilot.press("tab", "tab")  # ARR (focused first), renewal date, engagement
        for score in ("20", "30", "25", "40"):
            await clear_and_type(pilot, score)
            await pilot.press("tab")
        assert "28" in static_text(app, "#score-preview") and "red" in static_text(
            app, "#score-preview"
        )
        await pilot.press("ctrl+s")
        await settle(pilot)

        screen = account_screen(app)
        assert "Health 28 (red)" in notifications(app)
        overview = shown_text(screen.query_one("#overview-pane"))
        assert "28" in overview and "red" in overview
        decision = decision_of(screen)
        assert decision.next != next_before
        open_kinds = {candidate.kind for candidate in decision.open}
        assert {"health-assessment", "recovery-plan"} <= open_kinds
        assert "Health assessment" in overview or "Recovery plan" in overview

        stored = account(app, account_id)
        assert (stored.health_score, stored.health_engagement) == (28, 20)
        with app.workspace.db.reading() as session:
            snapshot = session.scalars(
                select(HealthSnapshot).where(
                    col(HealthSnapshot.account_id) == uuid.UUID(account_id),
                    col(HealthSnapshot.taken_on) == TODAY,
                )
            ).one()
            assert snapshot.score == 28

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TriageScreen)
        rows = [
            row for row in app.screen.query_one(QueueTable).read_rows if row.kind != HEALTH_DROP
        ]
        assert len({row.account_id for row in rows}) == len(rows), "one row per account"
        [row] = [row for row in rows if row.account_id == account_id]
        kinds = {row.kind, *(other.kind for other in row.others)}
        assert {"health-assessment", "recovery-plan"} <= kinds
        await pilot.press("i")  # every item on its own row
        await settle(pilot)
        keys = queue_keys(app)
        assert f"{account_id}:health-assessment" in keys
        assert f"{account_id}:recovery-plan" in keys


async def test_a_bad_edit_says_what_is_wrong_per_field_and_saves_nothing(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        account_id = await open_from_triage(pilot)
        before = account(app, account_id)
        await pilot.press("E")
        await settle(pilot)
        await clear_and_type(pilot, "12x")  # ARR
        await pilot.press("tab", "tab")
        await clear_and_type(pilot, "101")  # engagement
        await pilot.press("ctrl+s")
        await settle(pilot)
        form = app.screen  # a name of its own: mypy would keep app.screen an EditAccountModal
        assert isinstance(form, EditAccountModal), "a bad form must stay open"
        assert "'12x' is not valid" in static_text(app, "#error-arr")
        assert "0 to 100" in static_text(app, "#error-engagement")
        assert "2 fields to fix" in static_text(app, "#form-error")
        after = account(app, account_id)
        assert (after.arr_cents, after.health_engagement) == (
            before.arr_cents,
            before.health_engagement,
        )
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen)


async def test_adding_a_contact_who_reports_to_another_shows_in_the_org_chart(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        account_id = await open_from_triage(pilot)
        screen = account_screen(app)
        boss = view_of(screen).detail.contacts[0]
        await pilot.press("2", "a")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ContactModal)
        await pilot.press(*"Noor Haddad", "tab", *"Data Engineer", "tab", *"noor@example.com")
        # The Select's own keys are Textual's.
        modal.query_one("#reports_to", Select).value = boss.id
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen)
        assert "Added Noor Haddad" in notifications(app)
        chart: Tree[ContactLine] = screen.query_one("#org-chart", Tree)
        node = next(
            node for node in _nodes(chart.root) if node.data and node.data.name == "Noor Haddad"
        )
        parent = node.parent
        assert parent is not None and parent.data is not None and parent.data.id == boss.id
        with app.workspace.db.reading() as session:
            saved = session.scalars(select(Contact).where(col(Contact.name) == "Noor Haddad")).one()
            assert str(saved.account_id) == account_id and str(saved.reports_to_id) == boss.id


async def test_marking_the_champion_as_left_raises_the_company_risk(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        account_id = await open_from_triage(pilot, band=HealthBand.GREEN)
        screen = account_screen(app)
        contacts = view_of(screen).detail.contacts
        champion = next(c for c in contacts if c.persona and c.persona.value == "champion")
        assert not account(app, account_id).risk_company
        await pilot.press("2", *["j"] * contacts.index(champion), "x")
        await settle(pilot)
        assert "company risk flag is raised" in notifications(app)
        assert account(app, account_id).risk_company
        row = screen.query_one("#contacts-table", DataTable).get_row(champion.id)
        assert "left" in [str(cell) for cell in row]
        await pilot.press("1")
        assert "company" in shown_text(screen.query_one("#overview-pane"))


async def test_ticking_an_action_item_done_on_the_timeline(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_from_triage(pilot)
        screen = account_screen(app)
        touches = view_of(screen).detail.touches
        index, touch = next((i, t) for i, t in enumerate(touches) if t.open_items)
        item = next(entry for entry in touch.action_items if not entry.done)
        await pilot.press("3", *["j"] * index, "enter")
        items = screen.query_one("#action-items", SelectionList)
        assert items.has_focus
        await pilot.press(*["down"] * touch.action_items.index(item), "space")
        await settle(pilot)
        assert f"Done: {item.title}" in notifications(app)
        with app.workspace.db.reading() as session:
            stored = session.get(ActionItem, uuid.UUID(item.id))
            assert stored is not None and stored.done_at is not None
            assert stored.done_at.date() == TODAY


async def test_timeline_filters_by_kind(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        await open_from_triage(pilot)
        screen = account_screen(app)
        touches = view_of(screen).detail.touches
        kind = touches[-1].kind
        await pilot.press("3")
        screen.query_one("#timeline-kind", Select).value = kind
        await pilot.pause()
        table = screen.query_one("#timeline-table", DataTable)
        assert table.row_count == sum(t.kind is kind for t in touches)
        assert f"of {len(touches)} touches" in static_text(app, "#timeline-count")


async def test_the_palette_opens_an_account_and_a_logged_touch_shows_on_its_timeline(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        name = app.workspace.account_names()[3].name
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*name)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = account_screen(app)
        assert screen.title == name
        await pilot.press("l")
        await settle(pilot)
        await pilot.press(*"Quarterly check-in went well", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen)
        await pilot.press("3")
        assert "Quarterly check-in went well" in static_text(app, "#touch-text")


async def test_the_next_account_opens_fresh_on_the_reused_screen(app_factory):
    """The app keeps one account screen: the next account must look as if it were new, with
    its own data, on the overview, without the last one's timeline filter."""
    app = app_factory()
    async with app.run_test(size=SIZE) as pilot:
        first = await open_from_triage(pilot)
        screen = account_screen(app)
        await pilot.press("3")
        await settle(pilot)
        screen.query_one("#timeline-kind", Select).value = view_of(screen).detail.touches[-1].kind
        await pilot.press("escape")
        await settle(pilot)
        triage = app.screen
        assert isinstance(triage, TriageScreen)
        later = next(
            item
            for item in triage.query_one(QueueTable).read_rows
            if item.account_id != first and item.kind != "milestone"
        )
        await pilot.press(*["j"] * queue_keys(app).index(f"{later.account_id}:{later.kind}"))
        await pilot.press("enter")
        await settle(pilot)
        second = later.account_id
        assert account_screen(app).title == later.account_name
        assert account_screen(app) is screen  # the same widgets, filled anew
        assert screen.account_id == second and view_of(screen).detail.profile.id == second
        assert active_tab(app) == "overview"
        assert app.focused is not None and screen.query_one("#overview-pane") in (
            app.focused,
            *app.focused.ancestors,
        )
        await pilot.press("3")
        await settle(pilot)
        touches = view_of(screen).detail.touches
        assert screen.query_one("#timeline-table", DataTable).row_count == len(touches)
        assert static_text(app, "#timeline-count").strip() == f"{len(touches)} touches"


# --- touches on the timeline: c edits, d deletes, u takes either back --------------------------


async def open_with_a_recent_call(pilot: Pilot[None]) -> AccountScreen:
    """Open (as the palette does) the first of the demo CSM's accounts, by name, whose newest
    touch is a cadence call with an action item: the row the timeline highlights first."""
    app = pilot.app
    assert isinstance(app, CsmApp)
    await settle(pilot)
    for row in sorted(app.workspace.book(team=False), key=lambda row: row.name):
        view = app.workspace.accounts.view(row.id)
        touches = view.detail.touches if view else ()
        if touches and touches[0].kind.value == "cadence-call" and touches[0].action_items:
            app.open_account(row.id)
            await settle(pilot)
            return account_screen(app)
    raise AssertionError("no account of the demo CSM has a cadence call as its newest touch")


def cadence_due(screen: AccountScreen) -> date | None:
    return decision_of(screen).per_kind()["cadence-call"].due


def touch_row(app: CsmApp, touch_id: str) -> Touchpoint:
    with app.workspace.db.reading() as session:
        found = session.get(Touchpoint, uuid.UUID(touch_id))
        assert found is not None
        session.expunge(found)
        return found


async def test_c_edits_the_highlighted_touch_and_u_puts_it_back(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await open_with_a_recent_call(pilot)
        call = view_of(screen).detail.touches[0]
        due = cadence_due(screen)
        await pilot.press("3", "c")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, LogTouchModal)
        assert static_text(app, ".dialog-title").startswith("Edit a touch · ")
        assert form.query_one("#kind", Select).value == "cadence-call"
        assert form.query_one("#touch-summary", Input).value == call.summary
        assert form.query_one("#actions", TextArea).text == call.action_items[0].title
        assert form.query_one("#attendees", SelectionList).selected == list(call.attendee_ids)

        await clear_and_type(pilot, "Moved: the sync was a week earlier")
        await pilot.press("shift+tab", "shift+tab")  # sentiment, then the date
        earlier = call.occurred_on - timedelta(days=7)
        await clear_and_type(pilot, earlier.isoformat())
        await pilot.press("ctrl+s")
        await settle(pilot)

        assert app.screen is screen
        assert "Saved the cadence call of" in notifications(app)
        assert "u undoes it" in notifications(app)
        assert "Moved: the sync was a week earlier" in static_text(app, "#touch-text")
        assert str(earlier) in static_text(app, "#touch-text")
        moved = cadence_due(screen)
        assert moved is not None and due is not None and moved < due, "the next call moved"
        [item] = view_of(screen).detail.touches[0].action_items
        assert item.id == call.action_items[0].id, "an unchanged line keeps its action item"

        await pilot.press("u")
        await settle(pilot)
        assert "Undone: the edit of the cadence call of" in notifications(app)
        assert view_of(screen).detail.touches[0] == call
        assert cadence_due(screen) == due
        assert call.summary[:30] in static_text(app, "#touch-text")
        stored = touch_row(app, call.id)
        assert (stored.summary, stored.occurred_on) == (call.summary, call.occurred_on)


async def test_d_deletes_the_highlighted_touch_once_confirmed_and_u_brings_it_back(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await open_with_a_recent_call(pilot)
        touches = view_of(screen).detail.touches
        call, due = touches[0], cadence_due(screen)
        await pilot.press("3", "d")
        await settle(pilot)
        confirm = app.screen  # a name of its own: mypy would keep app.screen a ConfirmModal
        assert isinstance(confirm, ConfirmModal)
        asked = static_text(app, "#confirm-body")
        assert str(call.occurred_on) in asked and "Cadence call" in asked
        assert call.summary[:30] in asked
        assert "Its 1 action item goes with it" in static_text(app, ".dialog-hint")
        await pilot.press("y")
        await settle(pilot)

        assert app.screen is screen
        assert "Deleted the cadence call of" in notifications(app)
        table = screen.query_one("#timeline-table", DataTable)
        assert table.row_count == len(touches) - 1
        assert call.id not in [t.id for t in view_of(screen).detail.touches]
        assert cadence_due(screen) != due, "without its last call the cadence call moves"
        assert touch_row(app, call.id).deleted_at is not None

        await pilot.press("u")
        await settle(pilot)
        assert "Undone: the deletion of the cadence call of" in notifications(app)
        assert table.row_count == len(touches)
        assert view_of(screen).detail.touches[0] == call  # its action item with it
        assert cadence_due(screen) == due
        assert touch_row(app, call.id).deleted_at is None


async def test_n_keeps_the_touch_and_c_elsewhere_shows_the_timeline_first(app_factory):
    app = app_factory()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await open_with_a_recent_call(pilot)
        count = len(view_of(screen).detail.touches)
        await pilot.press("c")  # on the overview: nothing is edited unseen
        await settle(pilot)
        assert app.screen is screen and active_tab(app) == "timeline"
        assert "Highlight the touch to edit, then press c." in notifications(app)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is screen
        assert len(view_of(screen).detail.touches) == count
        assert not screen.changed


async def test_u_takes_back_each_change_of_the_account_screen_last_first(app_factory):
    """An edit of the account, a contact's departure and an action item ticked (or, if it was
    done, opened again), then three u: each is taken back, in the reverse order, with the
    triage's words."""
    app = app_factory()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await open_with_a_recent_call(pilot)
        account_id = screen.account_id
        before = account(app, account_id)
        contacts = view_of(screen).detail.contacts
        leaving = next(c for c in contacts if not c.left_company)
        item = view_of(screen).detail.touches[0].action_items[0]

        await pilot.press("E")
        await settle(pilot)
        await clear_and_type(pilot, "123456")  # the ARR
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert f"Saved {before.name}." in notifications(app)
        await pilot.press("2", *["j"] * contacts.index(leaving), "x")
        await settle(pilot)
        assert f"Marked {leaving.name} as gone" in notifications(app)
        await pilot.press("3", "enter", "space")
        await settle(pilot)
        assert f"{'Open again' if item.done else 'Done'}: {item.title}.  (u undoes it)" in (
            notifications(app)
        )
        assert account(app, account_id).arr_cents == 123456_00
        with app.workspace.db.reading() as session:
            stored = session.get(Contact, uuid.UUID(leaving.id))
            assert stored is not None and stored.left_company
            ticked = session.get(ActionItem, uuid.UUID(item.id))
            # space turns the item over: a done item (the newest call's may be) opens again.
            assert ticked is not None and (ticked.done_at is None) == item.done

        await pilot.press("u")
        await settle(pilot)
        assert f"Undone: the {'reopening' if item.done else 'tick'} of '{item.title}'." in (
            notifications(app)
        )
        await pilot.press("u")
        await settle(pilot)
        assert f"Undone: the departure of {leaving.name} from" in notifications(app)
        await pilot.press("u")
        await settle(pilot)
        assert f"Undone: the edit of {before.name}." in notifications(app)
        await pilot.press("u")
        await settle(pilot)
        assert "Nothing to undo on this screen." in notifications(app)

        after = account(app, account_id)
        assert (after.arr_cents, after.risk_company) == (before.arr_cents, before.risk_company)
        with app.workspace.db.reading() as session:
            stored = session.get(Contact, uuid.UUID(leaving.id))
            assert stored is not None and not stored.left_company
            ticked = session.get(ActionItem, uuid.UUID(item.id))
            assert ticked is not None and (ticked.done_at is None) == (not item.done)


async def test_m_on_the_account_books_a_meeting_for_one_of_its_items(app_factory):
    """The form offers the account's open items, the next touch first; the booked item waits
    for its day (the overview says so) and u takes it back."""
    app = app_factory()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_from_triage(pilot, band=HealthBand.GREEN)  # no L5 escalation on top
        screen = account_screen(app)
        chosen = decision_of(screen).next
        assert chosen is not None
        await pilot.press("m")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, BookMeetingModal), "m did not open the booking form"
        assert modal.query_one("#kind", Select).value == chosen.kind
        on = TODAY + timedelta(days=3)
        await pilot.press(*on.isoformat(), "ctrl+s")
        await settle(pilot)
        assert account_screen(app) is screen
        assert f"for {on:%a %d %b}" in notifications(app)
        booked = [c for c in decision_of(screen).open if c.kind == chosen.kind]
        assert booked and all(c.booked_for == on for c in booked)
        await pilot.press("u")
        await settle(pilot)
        assert all(c.booked_for is None for c in decision_of(screen).open)
        assert "Undone: the" in notifications(app)
