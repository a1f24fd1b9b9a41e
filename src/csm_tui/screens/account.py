"""One customer on one screen: overview, contacts and org chart, timeline, success plan,
escalations. Edits are saved in workers; the service returns the account as it is after the
change (rescheduled in the same transaction), and the screen shows that at once.

Only the tab in view is rendered; the others are rendered when first shown after a change.
The screen is dismissed with whether anything changed, so the screen below can read again.
The app keeps one instance and shows the next account on it (`switch_to`): composing and
styling its widgets anew was most of the time it took to open an account (benchmarks: triage
keys, open account).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.lazy import Lazy
from textual.message import Message
from textual.widgets import Static, TabbedContent, TabPane
from textual.worker import Worker

from csm_tui.domain.account import TouchLine
from csm_tui.domain.triage import can_book, preset_kind, snooze_limit
from csm_tui.messages import OpenPlan
from csm_tui.screens.base import ESCALATE, UndoingScreen, thread_work
from csm_tui.services.account import Accounts, AccountView, Saved
from csm_tui.services.triage import Done, TouchForm, Undo
from csm_tui.services.workspace import Workspace
from csm_tui.widgets.account_overview import Overview
from csm_tui.widgets.account_summaries import EscalationsSummary, PlanSummary
from csm_tui.widgets.contacts_pane import ContactsPane
from csm_tui.widgets.timeline_pane import TimelinePane

TABS = ("overview", "contacts", "timeline", "plan", "escalations")


class AccountScreen(UndoingScreen[bool]):
    """Returns True when something was saved on it."""

    NAME = "Account"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", tooltip="Back to where the account was opened"),
        Binding("l", "log", "Log touch", tooltip="Log a touch; the timeline shows it at once"),
        Binding(
            "s",
            "snooze",
            "Snooze",
            tooltip="Put the account's touches aside until a day, with a reason",
        ),
        ESCALATE,
        Binding(
            "m",
            "book",
            "Booked",
            show=False,
            tooltip="A meeting is already booked for one of the account's items: it waits for "
            "that day",
        ),
        Binding(
            "E",
            "edit",
            "Edit",
            tooltip="Segment, priority, ARR, renewal, stage, health components, risk flags",
        ),
        Binding(
            "c",
            "edit_touch",
            "Edit touch",
            show=False,
            tooltip="Change the touch highlighted on the timeline, action items included",
        ),
        Binding(
            "d",
            "delete_touch",
            "Delete touch",
            show=False,
            tooltip="Delete the touch highlighted on the timeline (asks first)",
        ),
        Binding(
            "u",
            "undo",
            "Undo",
            show=False,
            tooltip="Take back the last change made on this screen",
        ),
        Binding("r", "reload", "Refresh", show=False, tooltip="Read the account again"),
        Binding(
            "enter",
            "open_tab",
            "Open",
            show=False,
            tooltip="On the Success plan tab: the plan, to work it by keys; on the Escalations "
            "tab: the account's escalation, to raise, follow up, resolve (the open one first)",
        ),
        Binding(
            "p",
            "success_plan",
            "Success plan",
            show=False,
            tooltip="The account's success plan: tick, block and move milestones, measure",
        ),
        *(
            Binding(
                str(number),
                f"tab('{tab}')",
                f"Tab {number}",
                show=False,
                tooltip=f"Show the {label} tab",
            )
            for number, (tab, label) in enumerate(
                zip(
                    TABS,
                    (
                        "overview",
                        "contacts and org chart",
                        "timeline",
                        "success plan",
                        "escalations",
                    ),
                    strict=True,
                ),
                start=1,
            )
        ),
    ]

    OTHER_KEYS: ClassVar[list[tuple[str, str]]] = [
        ("← →", "Switch tabs when the tab row has the focus (tab moves the focus)"),
        ("a · enter · x", "Contacts: add, edit the highlighted one, mark as left company"),
        ("enter · space", "Timeline: go to the touch's action items, tick one done"),
    ]

    @dataclass
    class Loaded(Message):
        account_id: str  # a read of the account shown before `switch_to` is let go
        view: AccountView | None

    @dataclass
    class ChangeSaved(Message):
        """A one-key change saved in a worker (a contact left, an action item ticked)."""

        saved: Saved

    def __init__(
        self,
        workspace: Workspace,
        account_id: str,
        view: AccountView | None = None,
        *,
        changed: bool = False,
    ) -> None:
        """`view`, when the opener already read it (in a worker), is in the first paint."""
        super().__init__(workspace)
        self.account_id = account_id
        self.view: AccountView | None = None
        self.changed = changed
        self._preloaded = view
        self._stale: set[str] = set(TABS)

    @property
    def accounts(self) -> Accounts:
        return self.workspace.accounts

    def compose_body(self) -> ComposeResult:
        with TabbedContent(id="account-tabs"):
            with TabPane("1 Overview", id="overview"):
                yield Overview(id="overview-pane")
            # The hidden tabs are mounted after the first paint (`Lazy`): the overview is
            # what opening an account waits for.
            with TabPane("2 Contacts", id="contacts"):
                yield Lazy(ContactsPane(id="contacts-pane"))
            with TabPane("3 Timeline", id="timeline"):
                yield Lazy(TimelinePane(id="timeline-pane"))
            with TabPane("4 Success plan", id="plan"):
                yield Lazy(VerticalScroll(PlanSummary(id="plan-summary")))
            with TabPane("5 Escalations", id="escalations"):
                yield Lazy(VerticalScroll(EscalationsSummary(id="escalations-summary")))

    def on_mount(self) -> None:
        self.sub_title = f"{self.workspace.today:%a %d %b %Y}"
        view, self._preloaded = self._preloaded, None
        self._begin(view)

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        """Restyle on being pushed only when the app's CSS changed (a new theme) since it was
        last styled. Textual restyles every node of a pushed screen in case it went stale
        off the stack; this one is pushed for every account opened, its class changes were
        styled as they were made, and the restyle was a large part of opening one (benchmarks:
        triage keys, open account)."""
        if self._css_update_count == self.app._css_update_count:
            event.refresh_styles = False
        else:  # Screen's own handler, next in the MRO, restyles it now
            self._css_update_count = self.app._css_update_count

    def switch_to(
        self, account_id: str, view: AccountView | None, *, changed: bool = False
    ) -> None:
        """Show another account here, as a new screen would: the overview tab, no filters,
        the focus on the overview; `view` if the opener read it already."""
        self.account_id, self.view, self.changed = account_id, None, changed
        self._stale = set(TABS)
        self._undo = []
        self.query_one(TabbedContent).active = "overview"
        for timeline in self.query(TimelinePane):
            timeline.clear_filters()
        self._begin(view)
        # Its widgets ask for a layout from their own message queues, which may run after
        # the screen's next update: laid out now, the first paint has the new sizes.
        self.refresh(layout=True)

    def _begin(self, view: AccountView | None) -> None:
        """Show `view`, or read the account when the opener did not."""
        self.title = "Account"
        if view is None:
            self.load()
        else:
            self.show(view)
        self.query_one("#overview-pane").focus()

    # -- reading -----------------------------------------------------------------------------

    @thread_work(group="account", description="read the account")
    def load(self) -> None:
        account_id = self.account_id
        self.post_message(self.Loaded(account_id, self.accounts.view(account_id)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.account_id != self.account_id:
            return
        if message.view is None:
            self.query_one("#overview-next", Static).update(
                "This account no longer exists. Press escape."
            )
            return
        self.show(message.view)

    def work_failed(self, worker: Worker[Any]) -> None:
        super().work_failed(worker)
        if worker.group == "account":
            self.query_one("#overview-next", Static).update(
                "The account could not be read (the message says why). Press r to try again."
            )
        elif worker.group == "account-write":
            self.load()  # what is stored, since the change was not

    def show(self, view: AccountView) -> None:
        """Show the account: the tab in view now, the others when they are next shown."""
        self.view = view
        profile = view.detail.profile
        self.title = profile.name
        self.sub_title = f"{profile.external_id or 'no CRM id'} · {view.today:%a %d %b %Y}"
        self._stale = set(TABS)
        self._render_tab(self.query_one(TabbedContent).active)

    def _render_tab(self, tab: str) -> None:
        view = self.view
        if view is None or tab not in self._stale:
            return
        if not self._mounted(tab):  # a lazy pane, mounted after the next refresh
            self.call_after_refresh(self._render_tab, tab)
            return
        self._stale.discard(tab)
        detail, today = view.detail, view.today
        if tab == "overview":
            self.query_one(Overview).show(view)
        elif tab == "contacts":
            self.query_one(ContactsPane).show(detail.contacts)
        elif tab == "timeline":
            self.query_one(TimelinePane).show(detail.touches, today)
        elif tab == "plan":
            self.query_one(PlanSummary).show(detail.plans, today, view.review_every)
        else:
            self.query_one(EscalationsSummary).show(detail.escalations, today)

    def _mounted(self, tab: str) -> bool:
        return not self.query_one(f"TabPane#{tab}").query(Lazy)

    @on(TabbedContent.TabActivated)
    def _tab_shown(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id is not None:
            self._render_tab(event.pane.id)

    # -- keys --------------------------------------------------------------------------------

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self._render_tab(tab)
        self._focus_tab(tab)

    def _focus_tab(self, tab: str) -> None:
        """The tab's main widget takes the focus, so that its keys show in the footer."""
        if not self._mounted(tab):
            self.call_after_refresh(self._focus_tab, tab)
            return
        if tab == "contacts":
            self.query_one(ContactsPane).focus_table()
        elif tab == "timeline":
            self.query_one(TimelinePane).focus_table()
        else:
            self.query_one(f"#{tab} VerticalScroll, #{tab} Overview").focus()

    def action_back(self) -> None:
        self.dismiss(self.changed)

    def action_reload(self) -> None:
        self.load()

    def action_edit(self) -> None:
        view = self.view
        if view is None:
            return
        from csm_tui.screens.edit_account import EditAccountModal

        accounts, account_id = self.accounts, self.account_id
        self.app.push_screen(
            EditAccountModal(
                view, save=lambda form, opened: accounts.save(account_id, form, opened)
            ),
            self._saved,
        )

    def action_log(self) -> None:
        view = self.view
        if view is None:
            return
        from csm_tui.screens.log_touch import LogTouchModal

        triage, account_id = self.workspace.triage, self.account_id
        chosen = view.decision.next if view.decision is not None else None
        kind = preset_kind(chosen.kind if chosen is not None else "note")
        self.app.push_screen(
            LogTouchModal(
                account_id=account_id,
                account_name=view.detail.profile.name,
                kind=kind,
                today=view.today,
                contacts=lambda: triage.contacts(account_id),
                save=triage.log_touch,
                milestones=lambda: triage.due_milestones(account_id),
            ),
            self._done,
        )

    def action_snooze(self) -> None:
        view = self.view
        if view is None:
            return
        from csm_tui.screens.snooze import SnoozeModal

        rules, today = self.workspace.rules.rulebook, self.workspace.today
        triage, account_id = self.workspace.triage, self.account_id
        self.app.push_screen(
            SnoozeModal(
                title=f"Snooze · {view.detail.profile.name} · every touch that can wait",
                today=today,
                limit=snooze_limit(rules, today),
                limit_words=str(rules.snooze.max),
                save=lambda until, reason: triage.snooze(account_id, None, until, reason),
            ),
            self._done,
        )

    def action_book(self) -> None:
        view = self.view
        if view is None:
            return
        decision = view.decision
        open_items = decision.open if decision is not None else ()
        nxt = decision.next if decision is not None else None
        items = [  # the next touch first
            (candidate.kind, candidate.label)
            for candidate in sorted(open_items, key=lambda candidate: candidate is not nxt)
            if can_book(candidate.kind)
            and not (decision is not None and decision.urgency(candidate).pinned)
        ]
        if not items:
            self.notify("Nothing open on this account is done by a meeting.", title="Booked")
            return
        from csm_tui.screens.book_meeting import BookMeetingModal

        triage, account_id = self.workspace.triage, self.account_id
        self.app.push_screen(
            BookMeetingModal(
                title=f"Meeting booked · {view.detail.profile.name}",
                today=self.workspace.today,
                items=list(dict(items).items()),
                save=lambda kind, on, note: triage.book(account_id, kind or "", on, note),
            ),
            self._done,
        )

    def action_escalate(self) -> None:
        """The account's open escalation (to raise, follow up, resolve it) if it has one,
        else the form that opens one."""
        view = self.view
        if view is None:
            return
        live = [escalation for escalation in view.detail.escalations if escalation.is_open]
        if live:
            self._open_escalation(live[0].id)
            return
        from csm_tui.screens.escalate import EscalateModal

        triage, account_id = self.workspace.triage, self.account_id
        self.app.push_screen(
            EscalateModal(
                account_name=view.detail.profile.name,
                save=lambda reason, category: triage.escalate(account_id, reason, category),
            ),
            self._done,
        )

    def action_open_tab(self) -> None:
        """`enter` on the Success plan tab opens the plan; on the Escalations tab, the
        escalation."""
        active = self.query_one(TabbedContent).active
        if active == "plan":
            self.action_success_plan()
        elif active == "escalations":
            self.action_open_escalation()

    def action_success_plan(self) -> None:
        view = self.view
        name = view.detail.profile.name if view is not None else ""
        self.post_message(OpenPlan(self.account_id, name))

    def account_changed(self) -> None:
        """Something was saved on a screen opened from here (the plan): read again, and
        say so to the screen below."""
        self.changed = True
        self.load()

    def action_open_escalation(self) -> None:
        """`enter` on the Escalations tab: the first one listed (the open one first)."""
        view = self.view
        if view is None or self.query_one(TabbedContent).active != "escalations":
            return
        if not view.detail.escalations:
            self.notify("No escalation on record: e opens one.", title="Escalations")
            return
        self._open_escalation(view.detail.escalations[0].id)

    def _open_escalation(self, escalation_id: str) -> None:
        from csm_tui.screens.escalation import EscalationScreen

        self.app.push_screen(EscalationScreen(self.workspace, escalation_id), self._escalation_done)

    def _escalation_done(self, changed: bool | None) -> None:
        if changed:
            self.changed = True
            self.load()

    def action_edit_touch(self) -> None:
        """The log form, filled with the highlighted touch; saved, the account is read again
        (its next touch may have moved)."""
        view, touch = self.view, self._touch_or_say("edit", "c")
        if view is None or touch is None:
            return
        from csm_tui.screens.log_touch import LogTouchModal

        accounts, account_id, touch_id = self.accounts, self.account_id, touch.id
        self.app.push_screen(
            LogTouchModal(
                account_id=account_id,
                account_name=view.detail.profile.name,
                kind=touch.kind.value,
                today=view.today,
                contacts=lambda: accounts.touch_contacts(account_id, touch_id),
                save=lambda form: accounts.edit_touch(touch_id, form),
                touch=TouchForm(
                    account_id=account_id,
                    kind=touch.kind.value,
                    occurred_on=touch.occurred_on,
                    summary=touch.summary,
                    sentiment=touch.sentiment.value if touch.sentiment else None,
                    notes=touch.notes,
                    attendee_ids=touch.attendee_ids,
                    action_items=tuple(item.title for item in touch.action_items),
                ),
            ),
            self._done,
        )

    def action_delete_touch(self) -> None:
        """Ask, naming the touch, then delete it with its action items."""
        view, touch = self.view, self._touch_or_say("delete", "d")
        if view is None or touch is None:
            return
        from csm_tui.screens.confirm import ConfirmModal

        accounts, touch_id = self.accounts, touch.id
        items = len(touch.action_items)
        goes = (
            f"Its {items} action item{'' if items == 1 else 's'} go{'es' if items == 1 else ''} "
            "with it, and"
            if items
            else "And"
        )
        self.app.push_screen(
            ConfirmModal(
                title=f"Delete this touch? · {view.detail.profile.name}",
                body=_touch_text(touch),
                hint=f"{goes} the next touch is worked out again without it. "
                "u on this screen brings it back.",
                confirm="Delete",
                run=lambda: accounts.delete_touch(touch_id),
            ),
            self._done,
        )

    def _touch_or_say(self, verb: str, key: str) -> TouchLine | None:
        """The touch highlighted on the timeline. From another tab the timeline is shown
        first, so that the key never acts on a touch the user has not seen."""
        if self.view is None:
            return None
        if self.query_one(TabbedContent).active != "timeline":
            self.action_tab("timeline")
            self.notify(f"Highlight the touch to {verb}, then press {key}.", title="Timeline")
            return None
        touch = self.query_one(TimelinePane).current_touch()
        if touch is None:
            self.notify(f"No touch to {verb}: none is shown.", title="Timeline")
        return touch

    def undone(self, undo: Undo) -> None:
        self.changed = True
        if str(undo.account_id) == self.account_id:
            self.load()

    # -- after a change ----------------------------------------------------------------------

    def _saved(self, saved: Saved | None) -> None:
        """After an edit saved with the account as it is now: show it, say it, keep how to
        undo it."""
        if saved is None or saved.view.detail.profile.id != self.account_id:
            return  # cancelled, or a one-key change to the account shown before `switch_to`
        self.changed = True
        self.show(saved.view)
        if saved.undo is None:
            self.notify(saved.message, title="Done")
            return
        self.remember(saved.undo, saved.message)

    def _done(self, done: Done | None) -> None:
        """After a touch logged, edited or deleted, a snooze or an escalation: say it, keep
        how to undo it, and read the account again (its next touch moved)."""
        if done is None or str(done.undo.account_id) != self.account_id:
            return
        self.changed = True
        self.remember(done.undo, done.message)
        self.load()

    @on(ContactsPane.Edit)
    def _edit_contact(self, message: ContactsPane.Edit) -> None:
        view = self.view
        if view is None:
            return
        from csm_tui.screens.edit_contact import ContactModal

        accounts, account_id, contact_id = self.accounts, self.account_id, message.contact_id
        self.app.push_screen(
            ContactModal(
                view.detail,
                contact_id,
                save=lambda form, opened: accounts.save_contact(
                    account_id, form, contact_id, opened
                ),
            ),
            self._saved,
        )

    @on(ContactsPane.Left)
    def _left(self, message: ContactsPane.Left) -> None:
        self._run(lambda: self.accounts.mark_left(message.contact_id, message.left))

    @on(TimelinePane.Tick)
    def _tick(self, message: TimelinePane.Tick) -> None:
        self._run(lambda: self.accounts.tick(message.item_id, message.done))

    @thread_work(group="account-write", description="save the change", exclusive=False)
    def _run(self, change: Callable[[], Saved]) -> None:
        """A one-key change (no form), saved in a worker; should it fail, the account is read
        again so the screen shows what is stored (`work_failed`)."""
        self.post_message(self.ChangeSaved(change()))

    @on(ChangeSaved)
    def _one_key_saved(self, message: ChangeSaved) -> None:
        self._saved(message.saved)


def _touch_text(touch: TouchLine) -> Text:
    """A touch in a few lines, as a confirmation names it."""
    text = Text.assemble((f"{touch.occurred_on}  {touch.kind.label}", "bold"))
    if touch.sentiment:
        text.append(f"  {touch.sentiment.label.lower()}")
    if touch.owner_name:
        text.append(f"  by {touch.owner_name}", style="dim")
    text.append(f"\n{touch.summary}")
    return text
