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
    parse_account_form,
    parse_contact_form,
)
from csm_tui.domain.decision import Decision
from csm_tui.domain.enums import RiskCategory
from csm_tui.domain.explain import next_words
from csm_tui.domain.health import BandThresholds, HealthWeights
from csm_tui.domain.org_chart import would_loop
from csm_tui.errors import CsmError
from csm_tui.models import now_on
from csm_tui.rules import LoadedRules
from csm_tui.services.scheduling import Schedule
from csm_tui.store import account as store
from csm_tui.store.database import Database
from csm_tui.store.facts import load_facts

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


@dataclass(frozen=True, slots=True)
class AccountView:
    """The account as its screen shows it on `today`, with the engine's decision."""

    detail: AccountDetail
    decision: Decision | None
    today: date
    bands: BandThresholds
    weights: HealthWeights


@dataclass(frozen=True, slots=True)
class Saved:
    view: AccountView
    message: str


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

    def save(self, account_id: str, form: AccountForm) -> Saved:
        """Save the edit form: facts, health (with today's snapshot) and the new schedule."""
        key = uuid.UUID(account_id)
        with self.db.writing() as session:
            found = store.name_and_start(session, key)
            if found is None:
                raise AccountError(GONE)
            name, contract_start = found
            try:
                changes = parse_account_form(form, contract_start=contract_start)
            except InvalidFields as error:
                raise AccountError.invalid(error) from None
            weights = self.rules.rulebook.weights
            score = None if changes.components is None else changes.components.score(weights)
            health_moved = store.update_account(
                session, key, changes, score=score, today=self.today
            )
            view = self._after(session, key)
        message = f"Saved {name}."
        if health_moved:
            band = view.bands.band(score).value
            message += f" Health {score} ({band}), recorded for {self.today}."
        return Saved(view, f"{message} {next_words(view.decision, self.today)}")

    def save_contact(
        self, account_id: str, form: ContactForm, contact_id: str | None = None
    ) -> Saved:
        """Add a contact (`contact_id` None) or change one."""
        key = uuid.UUID(account_id)
        try:
            changes = parse_contact_form(form)
        except InvalidFields as error:
            raise AccountError.invalid(error) from None
        contact_key = None if contact_id is None else uuid.UUID(contact_id)
        with self.db.writing() as session:
            if store.name_and_start(session, key) is None:
                raise AccountError(GONE)
            if contact_key is not None and store.contact_account(session, contact_key) != key:
                raise AccountError(
                    "that contact is no longer at this account (deleted since "
                    "it was opened); press r to refresh"
                )
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
            store.save_contact(session, key, changes, contact_key)
            view = self._after(session, key)
        verb = "Added" if contact_id is None else "Saved"
        return Saved(view, f"{verb} {changes.name}.")

    def mark_left(self, contact_id: str, left: bool = True) -> Saved:
        """A contact left the customer (or came back). A key person leaving raises the
        account's company risk (seeds 001); coming back does not lower it: a person decides."""
        key = uuid.UUID(contact_id)
        with self.db.writing() as session:
            account_id = store.contact_account(session, key)
            before = None if account_id is None else store.set_left(session, key, left)
            if account_id is None or before is None:
                raise AccountError("that contact no longer exists; press r to refresh")
            raised = (
                left
                and before.is_key
                and store.raise_risk(session, account_id, RiskCategory.COMPANY)
            )
            view = self._after(session, account_id)
        if not left:
            return Saved(view, f"{before.name} is back at {view.detail.profile.name}.")
        message = f"Marked {before.name} as gone from {view.detail.profile.name}."
        if raised:
            message += " A key contact left: the company risk flag is raised."
        return Saved(view, message)

    def tick(self, action_item_id: str, done: bool = True) -> Saved:
        """Tick an action item done, or open it again."""
        with self.db.writing() as session:
            found = store.set_action_item(
                session, uuid.UUID(action_item_id), done, now_on(self.today)
            )
            if found is None:
                raise AccountError("that action item no longer exists; press r to refresh")
            account_id, title = found
            view = self._after(session, account_id)
        return Saved(view, f"{'Done' if done else 'Open again'}: {title}.")

    # -- helpers ---------------------------------------------------------------------------

    def _after(self, session: Session, account_id: uuid.UUID) -> AccountView:
        """Inside a write: reschedule the account, then read it back as its screen shows it."""
        decisions = self.schedule.recompute(session, [account_id])
        detail = store.read_detail(session, account_id, self.today)
        if not decisions or detail is None:  # deleted meanwhile: the write is rolled back
            raise AccountError(GONE)
        return self._view(detail, decisions[0])

    def _view(self, detail: AccountDetail, decision: Decision | None) -> AccountView:
        book = self.rules.rulebook
        return AccountView(detail, decision, self.today, book.bands, book.weights)
