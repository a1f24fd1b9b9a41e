"""One account for one user on one day: what its screen shows, and the edits made there.

Each method is one transaction. A write that changes the account's facts recomputes its
schedule in the same transaction, and the view it returns is read there too: the screen shows
the new next touch at once, with no second read.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from csm_tui.domain.account import AccountDetail
from csm_tui.domain.account_form import (
    AccountForm,
    ContactForm,
    InvalidFields,
    contact_form_of,
    form_of,
    merged,
    merged_contact,
    parse_account_form,
    parse_contact_form,
)
from csm_tui.domain.calendar import Duration
from csm_tui.domain.decision import Decision
from csm_tui.domain.enums import RiskCategory, TouchKind
from csm_tui.domain.explain import in_sentence, next_words
from csm_tui.domain.health import BandThresholds, HealthWeights
from csm_tui.domain.org_chart import would_loop
from csm_tui.errors import CsmError
from csm_tui.models import Account, ActionItem, Contact, new_row_id, now_on
from csm_tui.rules import LoadedRules
from csm_tui.services.outbox import derived_ids, records
from csm_tui.services.scheduling import Schedule
from csm_tui.services.triage import Done, TouchForm, Undo, checked_touch
from csm_tui.store import account as store
from csm_tui.store import undo
from csm_tui.store.database import Database
from csm_tui.store.facts import load_facts
from csm_tui.store.triage import ContactOption

if TYPE_CHECKING:
    from sqlmodel import Session


class AccountError(CsmError):
    """An edit that cannot be saved; `fields` says which field is wrong and why, when it is
    a field's fault."""

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or {}

    @classmethod
    def invalid(cls, error: InvalidFields) -> AccountError:
        return cls(str(error), error.errors)


GONE = "that account no longer exists (deleted since it was opened); press escape"
TOUCH_GONE = "that touch no longer exists (deleted since it was read); press r to refresh"


@dataclass(frozen=True, slots=True)
class AccountView:
    """The account as its screen shows it on `today`, with the engine's decision."""

    detail: AccountDetail
    decision: Decision | None
    today: date
    bands: BandThresholds
    weights: HealthWeights
    #: How often a success plan is reviewed (the rules file's `[success_plan] review_every`).
    review_every: Duration


@dataclass(frozen=True, slots=True)
class Saved:
    view: AccountView
    message: str
    undo: Undo | None = None  # how `u` takes the change back


@dataclass
class Accounts:
    db: Database
    rules: LoadedRules
    today: date
    schedule: Schedule = field(init=False)

    def __post_init__(self) -> None:
        self.schedule = Schedule(self.db, self.rules, self.today)

    def view(self, account_id: str) -> AccountView | None:
        """The account, or None when it no longer exists."""
        key = uuid.UUID(account_id)
        with self.db.reading() as session:
            detail = store.read_detail(session, key, self.today)
            if detail is None:
                return None
            facts = load_facts(session, today=self.today, account_ids=[key])
        decision = self.schedule.decider()(facts[0]) if facts else None
        return self._view(detail, decision)

    # -- edits -----------------------------------------------------------------------------

    @records("accounts.save")
    def save(self, account_id: str, form: AccountForm, opened: AccountForm | None = None) -> Saved:
        """Save the edit form: facts, health (with today's snapshot) and the new schedule.

        With the form as `opened`, only the fields the user changed are written (`merged`):
        run later on the team's server, the save leaves a teammate's edit of another field be.
        """
        key = uuid.UUID(account_id)
        with self.db.writing() as session:
            found = store.name_and_start(session, key)
            if found is None:
                raise AccountError(GONE)
            name, contract_start = found
            if opened is not None:
                detail = store.read_detail(session, key, self.today)
                assert detail is not None  # it exists: its name was just read
                form = merged(form, opened, form_of(detail.profile, detail.health))
            try:
                changes = parse_account_form(form, contract_start=contract_start)
            except InvalidFields as error:
                raise AccountError.invalid(error) from None
            weights = self.rules.rulebook.weights
            score = None if changes.components is None else changes.components.score(weights)
            before = undo.states(session, undo.account_keys(session, key, self.today))
            health_moved = store.update_account(
                session, key, changes, score=score, today=self.today
            )
            change = undo.changed(session, before, undo.account_keys(session, key, self.today))
            view = self._after(session, key)
        message = f"Saved {name}."
        if health_moved:
            band = view.bands.band(score).value
            message += f" Health {score} ({band}), recorded for {self.today}."
        return Saved(
            view,
            f"{message} {next_words(view.decision, self.today)}",
            None if change.empty else Undo("account", key, key, f"the edit of {name}", change),
        )

    @records("accounts.save_contact", new_keys=("new_id",))
    def save_contact(
        self,
        account_id: str,
        form: ContactForm,
        contact_id: str | None = None,
        opened: ContactForm | None = None,
        *,
        new_id: str | None = None,
    ) -> Saved:
        """Add a contact (`contact_id` None; `new_id`: its id) or change one: with the form
        as `opened`, only the fields the user changed (`merged_contact`)."""
        key = uuid.UUID(account_id)
        contact_key = None if contact_id is None else uuid.UUID(contact_id)
        with self.db.writing() as session:
            if store.name_and_start(session, key) is None:
                raise AccountError(GONE)
            if contact_key is not None and store.contact_account(session, contact_key) != key:
                raise AccountError(
                    "that contact is no longer at this account (deleted since "
                    "it was opened); press r to refresh"
                )
            if contact_key is not None and opened is not None:
                current = next(
                    (c for c in store.contacts(session, key) if c.id == contact_id), None
                )
                if current is not None:
                    form = merged_contact(form, opened, contact_form_of(current))
            try:
                changes = parse_contact_form(form)
            except InvalidFields as error:
                raise AccountError.invalid(error) from None
            problems: dict[str, str] = {}
            if changes.email:
                holder = store.email_holder(session, key, changes.email, contact_key)
                if holder is not None:
                    problems["email"] = f"{holder} already has this e-mail at this account"
            boss = changes.reports_to_id
            if boss is not None:
                managers = store.managers(session, key)
                if boss not in managers:
                    problems["reports_to"] = "choose a current contact of this account"
                elif boss == contact_id or would_loop(managers, contact_id, boss):
                    problems["reports_to"] = (
                        f"{form.name.strip() or 'this contact'} would end "
                        "up reporting to themselves; choose someone else"
                    )
            if problems:
                raise AccountError.invalid(InvalidFields(problems))
            before = undo.states(session, undo.contact_keys(session, key))
            saved_id = store.save_contact(
                session, key, changes, contact_key, uuid.UUID(new_id) if new_id else None
            )
            change = undo.changed(session, before, undo.contact_keys(session, key))
            view = self._after(session, key)
        if contact_id is None:
            message, what = f"Added {changes.name}.", f"the new contact {changes.name}"
        else:
            message, what = f"Saved {changes.name}.", f"the edit of {changes.name}"
        undo_it = None if change.empty else Undo("contact", saved_id, key, what, change)
        return Saved(view, message, undo_it)

    @records("accounts.mark_left")
    def mark_left(self, contact_id: str, left: bool = True) -> Saved:
        """A contact left the customer (or came back). A key person leaving raises the
        account's company risk (seeds 001); coming back does not lower it: a person decides."""
        key = uuid.UUID(contact_id)
        with self.db.writing() as session:
            account_id = store.contact_account(session, key)
            if account_id is None:
                raise AccountError("that contact no longer exists; press r to refresh")
            keys: list[undo.Key] = [(Contact, key), (Account, account_id)]
            rows = undo.states(session, keys)
            before = store.set_left(session, key, left)
            assert before is not None, "a live contact, as just read"
            raised = (
                left
                and before.is_key
                and store.raise_risk(session, account_id, RiskCategory.COMPANY)
            )
            change = undo.changed(session, rows, keys)
            view = self._after(session, account_id)
        account = view.detail.profile.name
        if not left:
            what = f"the return of {before.name} to {account}"
            return Saved(
                view,
                f"{before.name} is back at {account}.",
                Undo("left", key, account_id, what, change),
            )
        message = f"Marked {before.name} as gone from {account}."
        if raised:
            message += " A key contact left: the company risk flag is raised."
        what = f"the departure of {before.name} from {account}"
        return Saved(view, message, Undo("left", key, account_id, what, change))

    @records("accounts.tick")
    def tick(self, action_item_id: str, done: bool = True) -> Saved:
        """Tick an action item done, or open it again."""
        key = uuid.UUID(action_item_id)
        with self.db.writing() as session:
            keys: list[undo.Key] = [(ActionItem, key)]
            before = undo.states(session, keys)
            found = store.set_action_item(session, key, done, now_on(self.today))
            if found is None:
                raise AccountError("that action item no longer exists; press r to refresh")
            account_id, title = found
            change = undo.changed(session, before, keys)
            view = self._after(session, account_id)
        what = f"the {'tick' if done else 'reopening'} of '{title}'"
        return Saved(
            view,
            f"{'Done' if done else 'Open again'}: {title}.",
            Undo("tick", key, account_id, what, change),
        )

    # -- touches on the timeline -----------------------------------------------------------

    def touch_contacts(self, account_id: str, touch_id: str) -> list[ContactOption]:
        """Whom the form that edits a touch offers as attendees: the current contacts, and
        those who attended it and have left since."""
        with self.db.reading() as session:
            return store.attendee_options(session, uuid.UUID(account_id), uuid.UUID(touch_id))

    @records("accounts.edit_touch", new_keys=("new_id",))
    def edit_touch(self, touch_id: str, form: TouchForm, *, new_id: str | None = None) -> Done:
        """Rewrite a logged touch (the log form, filled with it) and reschedule its account:
        a cadence call moved to another day moves the next one (`new_id`: the edit's key, the
        ids of the action items it adds are derived from it)."""
        kind, summary, sentiment = checked_touch(form, self.today)
        key = uuid.UUID(touch_id)
        with self.db.writing() as session:
            touch, name = self._touch(session, key)
            offered = {
                uuid.UUID(option.id)
                for option in store.attendee_options(session, touch.account_id, key)
            }
            strangers = [c for c in form.attendee_ids if uuid.UUID(c) not in offered]
            if strangers:
                raise AccountError(
                    f"attendees must be current contacts of {name}: {', '.join(strangers)} is not"
                )
            # Someone the form cannot offer (a contact deleted since) stays an attendee.
            attendees = {uuid.UUID(c) for c in form.attendee_ids} | (touch.attendee_ids - offered)
            before = undo.states(session, undo.touch_keys(session, key))
            store.update_touch(
                session,
                key,
                kind=kind.value,
                occurred_on=form.occurred_on,
                summary=summary,
                sentiment=sentiment,
                notes=(form.notes or "").strip() or None,
                attendee_ids=attendees,
                action_items=[title.strip() for title in form.action_items if title.strip()],
                new_item_id=derived_ids(new_id or str(new_row_id()), "action-item"),
            )
            change = undo.changed(session, before, undo.touch_keys(session, key))
            if change.empty:
                raise AccountError("nothing to save: the touch is as it was (escape closes)")
            [decision] = self.schedule.recompute(session, [touch.account_id])
        was, now = _touch_words(touch.kind, touch.occurred_on), _touch_words(kind, form.occurred_on)
        return Done(
            Undo("touch-edit", key, touch.account_id, f"the edit of {was} for {name}", change),
            decision.next,
            f"Saved {now} for {name}. {next_words(decision, self.today)}",
        )

    @records("accounts.delete_touch")
    def delete_touch(self, touch_id: str) -> Done:
        """Delete a logged touch with its action items, and reschedule its account: the
        only cadence call deleted, the next one falls due again."""
        key = uuid.UUID(touch_id)
        with self.db.writing() as session:
            touch, name = self._touch(session, key)
            keys = undo.touch_keys(session, key)
            before = undo.states(session, keys)
            store.delete_touch(session, key)
            change = undo.changed(session, before, keys)
            [decision] = self.schedule.recompute(session, [touch.account_id])
        what = _touch_words(touch.kind, touch.occurred_on)
        return Done(
            Undo(
                "touch-delete", key, touch.account_id, f"the deletion of {what} for {name}", change
            ),
            decision.next,
            f"Deleted {what} for {name}. {next_words(decision, self.today)}",
        )

    # -- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _touch(session: Session, touch_id: uuid.UUID) -> tuple[store.TouchFacts, str]:
        """A live touch and its account's name, or what to do now that it is gone."""
        touch = store.live_touch(session, touch_id)
        found = None if touch is None else store.name_and_start(session, touch.account_id)
        if touch is None or found is None:
            raise AccountError(TOUCH_GONE)
        return touch, found[0]

    def _after(self, session: Session, account_id: uuid.UUID) -> AccountView:
        """Inside a write: reschedule the account, then read it back as its screen shows it."""
        decisions = self.schedule.recompute(session, [account_id])
        detail = store.read_detail(session, account_id, self.today)
        if not decisions or detail is None:  # deleted meanwhile: the write is rolled back
            raise AccountError(GONE)
        return self._view(detail, decisions[0])

    def _view(self, detail: AccountDetail, decision: Decision | None) -> AccountView:
        book = self.rules.rulebook
        return AccountView(
            detail, decision, self.today, book.bands, book.weights, book.success_plan.review_every
        )


def _touch_words(kind: str, day: date) -> str:
    """'the cadence call of 2026-11-03', as messages and undo name a touch."""
    return f"the {in_sentence(TouchKind(kind).label)} of {day}"
