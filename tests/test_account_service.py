"""The account service (csm_tui.services.account) and its store (csm_tui.store.account) against
a real database, on SQLite and PostgreSQL: the account screen's view of one customer, and every
edit made there (the account form, contacts, people leaving, action items), each rescheduling
the account in the same transaction and returning the account as saved."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlmodel import col

from csm_tui import models
from csm_tui.domain.account import ActionItemLine, ContactLine
from csm_tui.domain.account_form import AccountForm, ContactForm, contact_form_of, form_of
from csm_tui.domain.enums import EscalationStatus, MilestoneStatus, Persona, RiskCategory, TouchKind
from csm_tui.domain.fields import amount_text
from csm_tui.domain.health import DEFAULT_WEIGHTS
from csm_tui.errors import CsmError
from csm_tui.models import (
    Account,
    ActionItem,
    Contact,
    Escalation,
    HealthSnapshot,
    Milestone,
    Objective,
    ScheduledTouch,
    SuccessPlan,
    TeamMember,
    Touchpoint,
    TouchpointAttendee,
)
from csm_tui.rules import load_rules
from csm_tui.services.account import GONE, TOUCH_GONE, AccountError, Accounts, AccountView
from csm_tui.services.scheduling import Schedule
from csm_tui.services.triage import TouchForm, Triage
from csm_tui.store.database import Database
from csm_tui.store.migrate import ensure_current
from tests.conftest import TODAY

CONTRACT_START = date(2026, 9, 1)  # keeps the EBR and NPS survey months away
RENEWAL = date(2027, 9, 1)
GREEN_PARTS = (85, 90, 80, 85)  # 85.5: a score of 86
RED_PARTS = (37, 52, 27, 43)  # 40.7: a score of 41


def days(n: int) -> timedelta:
    return timedelta(days=n)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


# --- a small book, built by hand ---------------------------------------------------------------


@dataclass(frozen=True)
class Book:
    acme: str  # green (86) for months, an open L1 escalation, a success plan
    other: str  # another account, with a contact of its own
    vera: str  # economic buyer, the primary contact
    carl: str  # champion, reports to Vera
    eve: str  # end user (influence 3), reports to Carl
    leo: str  # reported to Vera, left the company
    stranger: str  # a contact of the other account
    call: str  # the cadence call 20 days ago, with two attendees and two action items
    email: str  # the e-mail 5 days ago
    deck: str  # its open action item
    guide: str  # its action item already done


@pytest.fixture
def book(db: Database, tmp_path: Path) -> Book:
    with db.writing() as session:
        maya = TeamMember(name="Maya Patel", email="maya@example.com")
        session.add(maya)
        session.flush()
        acme = Account(
            name="Acme",
            external_id="CRM-ACME",
            segment="enterprise",
            priority="pr2",
            owner_id=maya.id,
            ae="Sam Seller",
            arr_cents=500_000_00,
            contract_start=CONTRACT_START,
            renewal_date=RENEWAL,
            lifecycle_stage="enable",
            health_score=86,
            health_engagement=GREEN_PARTS[0],
            health_success=GREEN_PARTS[1],
            health_satisfaction=GREEN_PARTS[2],
            health_financial=GREEN_PARTS[3],
            risk_renewal=True,
        )
        other = Account(name="Other", segment="commercial", owner_id=maya.id, health_score=90)
        session.add_all([acme, other])
        session.flush()
        session.add_all(
            HealthSnapshot(account_id=acme.id, taken_on=TODAY - days(ago), score=score)
            for ago, score in {120: 70, 60: 82, 30: 86, 7: 86}.items()
        )

        def contact(name: str, email: str, account: Account = acme, **columns: Any) -> Contact:
            row = Contact(account_id=account.id, name=name, email=email, **columns)
            session.add(row)
            session.flush()
            return row

        vera = contact(
            "Vera Stone",
            "vera@acme.example",
            title="CFO",
            persona="economic-buyer",
            influence=5,
            is_primary=True,
        )
        carl = contact(
            "Carl Diaz",
            "carl@acme.example",
            title="Ops lead",
            persona="champion",
            influence=4,
            reports_to_id=vera.id,
        )
        eve = contact(
            "Eve Ng", "eve@acme.example", persona="end-user", influence=3, reports_to_id=carl.id
        )
        leo = contact(
            "Leo Park",
            "leo@acme.example",
            persona="technical-lead",
            reports_to_id=vera.id,
            left_company=True,
        )
        contact("Gus Gone", "gus@acme.example", deleted_at=at(TODAY - days(3)))
        stranger = contact("Sol Other", "sol@other.example", account=other)

        call = Touchpoint(
            account_id=acme.id,
            owner_id=maya.id,
            occurred_on=TODAY - days(20),
            kind="cadence-call",
            summary="Monthly sync",
            notes="Adoption is up",
            sentiment="positive",
        )
        email = Touchpoint(
            account_id=acme.id,
            owner_id=maya.id,
            occurred_on=TODAY - days(5),
            kind="email",
            summary="Pricing question",
            sentiment="negative",
        )
        withdrawn = Touchpoint(
            account_id=acme.id,
            occurred_on=TODAY - days(2),
            kind="meeting",
            summary="Logged by mistake",
            deleted_at=at(TODAY - days(2)),
        )
        session.add_all([call, email, withdrawn])
        session.flush()
        session.add_all(
            [
                TouchpointAttendee(touchpoint_id=call.id, contact_id=vera.id),
                TouchpointAttendee(touchpoint_id=call.id, contact_id=carl.id),
            ]
        )
        deck = ActionItem(
            touchpoint_id=call.id,
            account_id=acme.id,
            title="Send the deck",
            owner="Maya Patel",
            due_on=TODAY - days(13),
        )
        session.add(deck)
        session.flush()  # created before the guide: the timeline lists items as created
        guide = ActionItem(
            touchpoint_id=call.id,
            account_id=acme.id,
            title="Share SSO guide",
            owner="Carl Diaz",
            done_at=at(TODAY - days(15)),
        )
        session.add(guide)

        plan = SuccessPlan(account_id=acme.id, title="FY27 plan", reviewed_on=TODAY - days(14))
        session.add(plan)
        session.flush()
        objective = Objective(
            plan_id=plan.id,
            outcome="Adoption",
            metric="weekly active users",
            baseline="100",
            target="400",
            current="250",
        )
        session.add(objective)
        session.flush()
        session.add_all(
            [
                Milestone(
                    objective_id=objective.id,
                    title="SSO live",
                    due_on=TODAY + days(10),
                    dri="Carl Diaz",
                ),
                Milestone(
                    objective_id=objective.id,
                    title="Kick-off",
                    due_on=TODAY - days(30),
                    dri="Maya Patel",
                    status="done",
                ),
                Milestone(objective_id=objective.id, title="Training", dri="Maya Patel"),
            ]
        )
        session.add_all(
            [
                Escalation(
                    account_id=acme.id,
                    level=3,
                    status="closed",
                    reason="Outage",
                    risk_category="support",
                    opened_at=at(TODAY - days(200)),
                    closed_at=at(TODAY - days(150)),
                ),
                Escalation(
                    account_id=acme.id,
                    level=1,
                    reason="Sponsor at risk",
                    risk_category="company",
                    owner_id=maya.id,
                    opened_at=at(TODAY - days(2)),
                    sla_due_at=at(TODAY - days(1)),
                ),
            ]
        )
        ids = Book(
            acme=str(acme.id),
            other=str(other.id),
            vera=str(vera.id),
            carl=str(carl.id),
            eve=str(eve.id),
            leo=str(leo.id),
            stranger=str(stranger.id),
            call=str(call.id),
            email=str(email.id),
            deck=str(deck.id),
            guide=str(guide.id),
        )
    Schedule(db, load_rules(None, tmp_path), TODAY).recompute_all()
    return ids


@pytest.fixture
def accounts(db: Database, book: Book, tmp_path: Path) -> Accounts:
    return Accounts(db, load_rules(None, tmp_path), TODAY)


def view_of(accounts: Accounts, account_id: str) -> AccountView:
    view = accounts.view(account_id)
    assert view is not None
    return view


def count(db: Database, model: type, *where: Any) -> int:
    with db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def account_row(db: Database, account_id: str) -> Account:
    with db.reading() as session:
        account = session.get(Account, uuid.UUID(account_id))
        assert account is not None
        session.expunge(account)
        return account


def snapshots(db: Database, account_id: str) -> list[tuple[date, int, tuple[int | None, ...]]]:
    with db.reading() as session:
        rows = session.scalars(
            select(HealthSnapshot)
            .where(col(HealthSnapshot.account_id) == uuid.UUID(account_id))
            .order_by(col(HealthSnapshot.taken_on))
        )
        return [
            (
                row.taken_on,
                row.score,
                (row.engagement, row.success, row.satisfaction, row.financial),
            )
            for row in rows
        ]


def scheduled(db: Database, account_id: str) -> dict[str, date]:
    """The stored schedule of an account: due date by kind, read straight from the table."""
    with db.reading() as session:
        rows = session.execute(
            select(col(ScheduledTouch.kind), col(ScheduledTouch.due_on)).where(
                col(ScheduledTouch.account_id) == uuid.UUID(account_id)
            )
        )
        # Not dict(rows): a Result has keys() (its column names), so dict() takes it for a mapping.
        return dict(rows.all())


def form(parts: tuple[int | None, ...] | None = GREEN_PARTS, **changes: Any) -> AccountForm:
    """Acme's edit form as the screen fills it in, with the health components (None: left
    blank) and any field changed."""
    typed = tuple("" if part is None else str(part) for part in parts or (None,) * 4)
    return replace(
        AccountForm(
            segment="enterprise",
            priority="pr2",
            arr=amount_text(500_000_00),
            renewal_date=str(RENEWAL),
            lifecycle_stage="enable",
            engagement=typed[0],
            success=typed[1],
            satisfaction=typed[2],
            financial=typed[3],
            risks=frozenset({"renewal"}),
        ),
        **changes,
    )


def delete_account(db: Database, account_id: str) -> None:
    with db.writing() as session:
        account = session.get(Account, uuid.UUID(account_id))
        assert account is not None
        account.deleted_at = models.utc_now()


def contact_named(view: AccountView, name: str) -> ContactLine:
    return next(contact for contact in view.detail.contacts if contact.name == name)


def item(view: AccountView, item_id: str) -> ActionItemLine:
    return next(
        line for touch in view.detail.touches for line in touch.action_items if line.id == item_id
    )


# --- the view ----------------------------------------------------------------------------------


def test_the_view_shows_the_profile(accounts: Accounts, book: Book) -> None:
    view = view_of(accounts, book.acme)
    profile = view.detail.profile
    assert (
        profile.id,
        profile.name,
        profile.external_id,
        profile.segment,
        profile.priority,
        profile.arr_cents,
        profile.owner_name,
        profile.ae,
        profile.lifecycle_stage,
    ) == (
        book.acme,
        "Acme",
        "CRM-ACME",
        "enterprise",
        "pr2",
        500_000_00,
        "Maya Patel",
        "Sam Seller",
        "enable",
    )
    assert (profile.contract_start, profile.renewal_date) == (CONTRACT_START, RENEWAL)
    assert profile.days_to_renewal(TODAY) == 282
    assert (view.today, view.weights) == (TODAY, DEFAULT_WEIGHTS)


def test_the_view_shows_health_with_the_90_day_trend_oldest_first(
    accounts: Accounts, book: Book
) -> None:
    health = view_of(accounts, book.acme).detail.health
    assert health.score == 86
    assert health.components.items() == (
        ("engagement", 85),
        ("success", 90),
        ("satisfaction", 80),
        ("financial", 85),
    )
    assert health.history == (
        (TODAY - days(60), 82),
        (TODAY - days(30), 86),
        (TODAY - days(7), 86),
    )  # the snapshot 120 days ago is too old
    assert health.risks == frozenset({RiskCategory.RENEWAL})
    change = health.last_change(TODAY)
    assert change is not None and change.on == TODAY - days(30)


def test_the_view_lists_every_live_contact_primary_first_people_who_left_included(
    accounts: Accounts, book: Book
) -> None:
    contacts = view_of(accounts, book.acme).detail.contacts
    assert [(c.name, c.reports_to_id, c.is_primary, c.left_company) for c in contacts] == [
        ("Vera Stone", None, True, False),
        ("Carl Diaz", book.vera, False, False),
        ("Eve Ng", book.carl, False, False),
        ("Leo Park", book.vera, False, True),
    ]  # Gus Gone is deleted, Sol Other is another account's
    vera = contacts[0]
    assert (vera.title, vera.email, vera.persona, vera.influence) == (
        "CFO",
        "vera@acme.example",
        Persona.ECONOMIC_BUYER,
        5,
    )


def test_the_view_lists_touches_newest_first_with_attendees_and_action_items(
    accounts: Accounts, book: Book
) -> None:
    touches = view_of(accounts, book.acme).detail.touches
    assert [(t.occurred_on, t.kind, t.summary) for t in touches] == [
        (TODAY - days(5), TouchKind.EMAIL, "Pricing question"),
        (TODAY - days(20), TouchKind.CADENCE_CALL, "Monthly sync"),
    ]  # the touch logged by mistake was withdrawn
    email, call = touches
    assert (email.attendees, email.action_items, email.sentiment) == ((), (), "negative")
    assert (call.attendees, call.owner_name, call.notes) == (
        ("Carl Diaz", "Vera Stone"),
        "Maya Patel",
        "Adoption is up",
    )
    assert [(i.id, i.title, i.owner, i.due_on, i.done_on) for i in call.action_items] == [
        (book.deck, "Send the deck", "Maya Patel", TODAY - days(13), None),
        (book.guide, "Share SSO guide", "Carl Diaz", None, TODAY - days(15)),
    ]
    assert call.open_items == 1


def test_the_view_lists_open_escalations_first(accounts: Accounts, book: Book) -> None:
    detail = view_of(accounts, book.acme).detail
    assert [
        (e.level, e.status, e.reason, e.risk_category, e.opened_on, e.sla_due_on, e.closed_on)
        for e in detail.escalations
    ] == [
        (
            1,
            EscalationStatus.OPEN,
            "Sponsor at risk",
            RiskCategory.COMPANY,
            TODAY - days(2),
            TODAY - days(1),
            None,
        ),
        (
            3,
            EscalationStatus.CLOSED,
            "Outage",
            RiskCategory.SUPPORT,
            TODAY - days(200),
            None,
            TODAY - days(150),
        ),
    ]
    assert detail.open_escalation is not None and detail.open_escalation.level == 1


def test_the_view_shows_the_success_plan_with_its_objectives_and_milestones(
    accounts: Accounts, book: Book
) -> None:
    [plan] = view_of(accounts, book.acme).detail.plans
    assert (plan.title, plan.status, plan.reviewed_on) == ("FY27 plan", "active", TODAY - days(14))
    [objective] = plan.objectives
    assert (
        objective.outcome,
        objective.metric,
        objective.baseline,
        objective.target,
        objective.current,
    ) == ("Adoption", "weekly active users", "100", "400", "250")
    assert [(m.title, m.due_on, m.dri, m.status) for m in objective.milestones] == [
        ("Kick-off", TODAY - days(30), "Maya Patel", MilestoneStatus.DONE),
        ("SSO live", TODAY + days(10), "Carl Diaz", MilestoneStatus.PLANNED),
        ("Training", None, "Maya Patel", MilestoneStatus.PLANNED),  # no due date: last
    ]


def test_the_view_carries_the_engines_next_touch(accounts: Accounts, book: Book) -> None:
    decision = view_of(accounts, book.acme).decision
    assert decision is not None and decision.account_id == book.acme
    assert decision.next is not None
    assert decision.next.kind == "escalation-call"  # the open L1's follow-up is past its SLA
    assert decision.next.due is not None and decision.next.due <= TODAY


def test_an_account_with_no_contacts_touches_or_plans_has_an_empty_view(
    accounts: Accounts, book: Book
) -> None:
    detail = view_of(accounts, book.other).detail
    assert [c.name for c in detail.contacts] == ["Sol Other"]
    assert (detail.touches, detail.escalations, detail.plans, detail.health.history) == (
        (),
        (),
        (),
        (),
    )
    assert detail.profile.owner_name == "Maya Patel"


def test_an_unknown_or_deleted_account_has_no_view(
    db: Database, accounts: Accounts, book: Book
) -> None:
    assert accounts.view(str(uuid.uuid4())) is None
    delete_account(db, book.acme)
    assert accounts.view(book.acme) is None


# --- save the account form ---------------------------------------------------------------------


def test_a_save_of_the_form_as_opened_leaves_an_edit_made_meanwhile(
    db: Database, accounts: Accounts, book: Book
) -> None:
    opened = form_of_view(accounts, book.acme)
    accounts.save(book.acme, replace(opened, priority="pr3", risks=frozenset({"product"})))
    saved = accounts.save(
        book.acme, replace(opened, arr="650,000", risks=opened.risks | {"sentiment"}), opened
    )
    account = account_row(db, book.acme)
    assert (account.priority, account.arr_cents) == ("pr3", 650_000_00)  # both edits stand
    assert saved.view.detail.health.risks == {RiskCategory.PRODUCT, RiskCategory.SENTIMENT}
    nothing = accounts.save(book.acme, opened, opened)  # opened and saved unchanged
    assert nothing.undo is None and account_row(db, book.acme).priority == "pr3"


def form_of_view(accounts: Accounts, account_id: str) -> AccountForm:
    view = accounts.view(account_id)
    assert view is not None
    return form_of(view.detail.profile, view.detail.health)


def test_turning_the_account_red_updates_the_account(
    db: Database, accounts: Accounts, book: Book
) -> None:
    saved = accounts.save(
        book.acme,
        form(
            RED_PARTS,
            arr="750,000",
            renewal_date="2027-10-01",
            priority="PR1",
            risks=frozenset({"Sentiment"}),
        ),
    )
    account = account_row(db, book.acme)
    assert (
        account.health_score,
        account.health_engagement,
        account.health_success,
        account.health_satisfaction,
        account.health_financial,
    ) == (41, *RED_PARTS)
    assert (account.arr_cents, account.renewal_date, account.priority) == (
        750_000_00,
        date(2027, 10, 1),
        "pr1",
    )
    assert (account.risk_sentiment, account.risk_renewal) == (True, False)  # the form's flags
    health = saved.view.detail.health
    assert (health.score, health.risks) == (41, frozenset({RiskCategory.SENTIMENT}))
    assert health.history[-1] == (TODAY, 41)


def test_a_health_change_records_todays_snapshot(
    db: Database, accounts: Accounts, book: Book
) -> None:
    accounts.save(book.acme, form(RED_PARTS))
    assert snapshots(db, book.acme)[-2:] == [
        (TODAY - days(7), 86, (None, None, None, None)),
        (TODAY, 41, RED_PARTS),
    ]


def test_a_second_save_the_same_day_replaces_todays_snapshot(
    db: Database, accounts: Accounts, book: Book
) -> None:
    accounts.save(book.acme, form(RED_PARTS))
    saved = accounts.save(book.acme, form((30, 30, 30, 30)))
    assert count(db, HealthSnapshot, HealthSnapshot.taken_on == TODAY) == 1
    assert snapshots(db, book.acme)[-1] == (TODAY, 30, (30, 30, 30, 30))
    assert saved.view.detail.health.history[-2:] == ((TODAY - days(7), 86), (TODAY, 30))


def test_turning_red_owes_a_health_assessment_and_a_recovery_plan(
    accounts: Accounts, book: Book
) -> None:
    decision = accounts.save(book.acme, form(RED_PARTS)).view.decision
    assert decision is not None and decision.band == "red" and decision.priority == "pr1"
    owed = {candidate.kind: candidate for candidate in decision.open}
    assert {"health-assessment", "recovery-plan"} <= set(owed)
    assert owed["health-assessment"].due == owed["recovery-plan"].due == TODAY


def test_the_stored_schedule_owes_them_too_after_the_save(
    db: Database, accounts: Accounts, book: Book
) -> None:
    before = scheduled(db, book.acme)
    assert "health-assessment" not in before and "recovery-plan" not in before
    accounts.save(book.acme, form(RED_PARTS))
    after = scheduled(db, book.acme)
    assert after["health-assessment"] == after["recovery-plan"] == TODAY


def test_the_save_message_gives_the_new_score_and_band(accounts: Accounts, book: Book) -> None:
    message = accounts.save(book.acme, form(RED_PARTS)).message
    assert message.startswith("Saved Acme. Health 41 (red), recorded for 2026-11-23. Next: ")


def test_a_save_that_leaves_health_alone_records_no_snapshot(
    db: Database, accounts: Accounts, book: Book
) -> None:
    before = snapshots(db, book.acme)
    same = accounts.save(book.acme, form(GREEN_PARTS, arr="600000"))
    blank = accounts.save(book.acme, form(None, arr="650000"))
    assert snapshots(db, book.acme) == before
    assert same.message.startswith("Saved Acme. Next: ")
    assert "Health" not in blank.message
    account = account_row(db, book.acme)
    assert (account.arr_cents, account.health_score, account.health_engagement) == (
        650_000_00,
        86,
        85,
    )  # blank components keep the score and its parts


def test_an_invalid_form_is_refused_field_by_field_and_nothing_is_written(
    db: Database, accounts: Accounts, book: Book
) -> None:
    before = (
        account_row(db, book.acme).model_dump(),
        snapshots(db, book.acme),
        scheduled(db, book.acme),
    )
    with pytest.raises(AccountError) as refused:
        accounts.save(book.acme, form((37, 52, 27, None), arr="12x", renewal_date="2026-08-01"))
    assert refused.value.fields == {
        "arr": "'12x' is not valid: write an amount like 120000, 120000.50 or 120,000",
        "renewal_date": (
            "2026-08-01 is not after the contract start (2026-09-01): the renewal comes after it"
        ),
        "financial": "fill in all four health components, or none of them",
    }
    assert str(refused.value).startswith("arr: '12x' is not valid")
    after = (
        account_row(db, book.acme).model_dump(),
        snapshots(db, book.acme),
        scheduled(db, book.acme),
    )
    assert after == before


def test_a_failed_reschedule_undoes_the_whole_save(
    db: Database, accounts: Accounts, book: Book, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("engine down")

    monkeypatch.setattr(accounts.schedule, "recompute", broken)
    with pytest.raises(RuntimeError):
        accounts.save(book.acme, form(RED_PARTS))
    assert account_row(db, book.acme).health_score == 86
    assert count(db, HealthSnapshot, HealthSnapshot.taken_on == TODAY) == 0


def test_saving_a_deleted_account_is_refused(db: Database, accounts: Accounts, book: Book) -> None:
    delete_account(db, book.acme)
    with pytest.raises(AccountError) as refused:
        accounts.save(book.acme, form(RED_PARTS))
    assert str(refused.value) == GONE and refused.value.fields == {}
    assert count(db, HealthSnapshot, HealthSnapshot.taken_on == TODAY) == 0


# --- contacts ----------------------------------------------------------------------------------


def test_a_new_contact_reporting_to_another_shows_in_the_view(
    db: Database, accounts: Accounts, book: Book
) -> None:
    saved = accounts.save_contact(
        book.acme,
        ContactForm(
            name="Nia Cole",
            title="Analyst",
            email="nia@acme.example",
            phone="+1 415 555 0100",
            persona="End User",
            influence="2",
            reports_to_id=book.carl,
        ),
    )
    assert saved.message == "Added Nia Cole."
    nia = contact_named(saved.view, "Nia Cole")
    assert (
        nia.reports_to_id,
        nia.title,
        nia.email,
        nia.phone,
        nia.persona,
        nia.influence,
        nia.is_primary,
    ) == (book.carl, "Analyst", "nia@acme.example", "+1 415 555 0100", Persona.END_USER, 2, False)
    assert nia in view_of(accounts, book.acme).detail.contacts


def test_editing_a_contact_keeps_their_own_email(accounts: Accounts, book: Book) -> None:
    saved = accounts.save_contact(
        book.acme,
        ContactForm(
            name="Carl Diaz",
            title="COO",
            email="CARL@acme.example",
            persona="champion",
            reports_to_id=book.vera,
        ),
        contact_id=book.carl,
    )
    assert saved.message == "Saved Carl Diaz."
    carl = contact_named(saved.view, "Carl Diaz")
    assert (carl.id, carl.title, carl.email) == (book.carl, "COO", "CARL@acme.example")


def test_a_contact_saved_as_opened_keeps_a_change_made_meanwhile(
    accounts: Accounts, book: Book
) -> None:
    carl = contact_named(view_of(accounts, book.acme), "Carl Diaz")
    opened = contact_form_of(carl)
    accounts.save_contact(book.acme, replace(opened, title="COO"), book.carl)  # a teammate
    saved = accounts.save_contact(
        book.acme, replace(opened, phone="+1 415 555 0199"), book.carl, opened
    )
    carl = contact_named(saved.view, "Carl Diaz")
    assert (carl.title, carl.phone) == ("COO", "+1 415 555 0199")


def test_an_email_another_contact_has_is_refused_in_any_case(
    db: Database, accounts: Accounts, book: Book
) -> None:
    before = count(db, Contact)
    with pytest.raises(AccountError) as refused:
        accounts.save_contact(book.acme, ContactForm(name="Carla", email="CARL@Acme.example"))
    assert refused.value.fields == {"email": "Carl Diaz already has this e-mail at this account"}
    assert count(db, Contact) == before


def test_the_same_email_at_another_account_is_fine(accounts: Accounts, book: Book) -> None:
    saved = accounts.save_contact(
        book.other, ContactForm(name="Carl Diaz", email="carl@acme.example")
    )
    assert [c.name for c in saved.view.detail.contacts] == ["Carl Diaz", "Sol Other"]


def test_reporting_to_your_own_report_is_refused(
    db: Database, accounts: Accounts, book: Book
) -> None:
    with pytest.raises(AccountError) as refused:  # Eve reports to Carl, who reports to Vera
        accounts.save_contact(
            book.acme,
            ContactForm(name="Vera Stone", is_primary=True, reports_to_id=book.eve),
            contact_id=book.vera,
        )
    assert refused.value.fields == {
        "reports_to": "Vera Stone would end up reporting to themselves; choose someone else"
    }
    assert contact_named(view_of(accounts, book.acme), "Vera Stone").reports_to_id is None


def test_reporting_to_yourself_is_refused(accounts: Accounts, book: Book) -> None:
    with pytest.raises(AccountError) as refused:
        accounts.save_contact(
            book.acme, ContactForm(name="Eve Ng", reports_to_id=book.eve), contact_id=book.eve
        )
    assert set(refused.value.fields) == {"reports_to"}


@pytest.mark.parametrize("boss", ["unknown", "stranger"])
def test_reporting_to_someone_not_a_contact_here_is_refused(
    db: Database, accounts: Accounts, book: Book, boss: str
) -> None:
    boss_id = str(uuid.uuid4()) if boss == "unknown" else book.stranger
    before = count(db, Contact)
    with pytest.raises(AccountError) as refused:
        accounts.save_contact(book.acme, ContactForm(name="Nia Cole", reports_to_id=boss_id))
    assert refused.value.fields == {"reports_to": "choose a current contact of this account"}
    assert count(db, Contact) == before


def test_every_contact_problem_is_reported_at_once(accounts: Accounts, book: Book) -> None:
    with pytest.raises(AccountError) as refused:
        accounts.save_contact(
            book.acme,
            ContactForm(name="Nia", email="eve@ACME.example", reports_to_id=str(uuid.uuid4())),
        )
    assert set(refused.value.fields) == {"email", "reports_to"}


def test_an_invalid_contact_form_is_refused_by_field(accounts: Accounts, book: Book) -> None:
    with pytest.raises(AccountError) as refused:
        accounts.save_contact(book.acme, ContactForm(name=" ", influence="9"))
    assert set(refused.value.fields) == {"name", "influence"}


def test_a_new_primary_contact_takes_the_mark_from_the_old_one(
    db: Database, accounts: Accounts, book: Book
) -> None:
    saved = accounts.save_contact(book.acme, ContactForm(name="Nia Cole", is_primary=True))
    contacts = saved.view.detail.contacts
    assert [(c.name, c.is_primary) for c in contacts][:2] == [
        ("Nia Cole", True),
        ("Carl Diaz", False),
    ]
    assert [c.name for c in contacts if c.is_primary] == ["Nia Cole"]
    assert count(db, Contact, Contact.is_primary) == 1


def test_adding_a_contact_to_a_deleted_account_is_refused(
    db: Database, accounts: Accounts, book: Book
) -> None:
    delete_account(db, book.acme)
    with pytest.raises(AccountError, match="no longer exists"):
        accounts.save_contact(book.acme, ContactForm(name="Nia Cole"))


@pytest.mark.parametrize("who", ["unknown", "stranger"])
def test_editing_a_contact_that_is_not_this_accounts_is_refused(
    db: Database, accounts: Accounts, book: Book, who: str
) -> None:
    contact_id = str(uuid.uuid4()) if who == "unknown" else book.stranger
    with pytest.raises(AccountError):
        accounts.save_contact(book.acme, ContactForm(name="Sol Other"), contact_id=contact_id)


# --- people leaving ----------------------------------------------------------------------------


def test_the_champion_leaving_raises_the_company_risk(
    db: Database, accounts: Accounts, book: Book
) -> None:
    saved = accounts.mark_left(book.carl)
    assert saved.message == (
        "Marked Carl Diaz as gone from Acme. A key contact left: the company risk flag is raised."
    )
    assert account_row(db, book.acme).risk_company
    assert RiskCategory.COMPANY in saved.view.detail.health.risks
    assert contact_named(saved.view, "Carl Diaz").left_company


def test_an_end_user_leaving_raises_no_flag(db: Database, accounts: Accounts, book: Book) -> None:
    saved = accounts.mark_left(book.eve)
    assert saved.message == "Marked Eve Ng as gone from Acme."
    assert not account_row(db, book.acme).risk_company
    assert contact_named(saved.view, "Eve Ng").left_company


def test_a_key_contact_leaving_when_the_flag_is_up_says_nothing_more(
    db: Database, accounts: Accounts, book: Book
) -> None:
    accounts.mark_left(book.carl)
    saved = accounts.mark_left(book.vera)
    assert saved.message == "Marked Vera Stone as gone from Acme."
    assert account_row(db, book.acme).risk_company


def test_someone_coming_back_does_not_lower_the_flag(
    db: Database, accounts: Accounts, book: Book
) -> None:
    accounts.mark_left(book.carl)
    saved = accounts.mark_left(book.carl, left=False)
    assert saved.message == "Carl Diaz is back at Acme."
    assert not contact_named(saved.view, "Carl Diaz").left_company
    assert account_row(db, book.acme).risk_company


def test_marking_a_contact_of_a_deleted_account_is_refused(
    db: Database, accounts: Accounts, book: Book
) -> None:
    delete_account(db, book.acme)
    with pytest.raises(AccountError):
        accounts.mark_left(book.carl)


def test_marking_an_unknown_contact_is_refused(
    db: Database, accounts: Accounts, book: Book
) -> None:
    with pytest.raises(AccountError) as refused:
        accounts.mark_left(str(uuid.uuid4()))
    assert str(refused.value) == "that contact no longer exists; press r to refresh"
    assert not account_row(db, book.acme).risk_company


# --- action items ------------------------------------------------------------------------------


def test_ticking_an_action_item_marks_it_done_on_the_apps_day(
    db: Database, accounts: Accounts, book: Book, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = datetime(2027, 3, 1, 23, 30, tzinfo=UTC)  # the clock is on another day
    monkeypatch.setattr(models, "utc_now", lambda: elsewhere)
    saved = accounts.tick(book.deck)
    assert saved.message == "Done: Send the deck."
    assert item(saved.view, book.deck).done_on == TODAY
    with db.reading() as session:
        row = session.get(ActionItem, uuid.UUID(book.deck))
        assert row is not None and row.done_at is not None
        assert row.done_at.date() == TODAY
    [call] = [t for t in saved.view.detail.touches if t.id == book.call]
    assert call.open_items == 0


def test_unticking_an_action_item_opens_it_again(
    db: Database, accounts: Accounts, book: Book
) -> None:
    saved = accounts.tick(book.guide, done=False)
    assert saved.message == "Open again: Share SSO guide."
    assert item(saved.view, book.guide).done_on is None
    with db.reading() as session:
        row = session.get(ActionItem, uuid.UUID(book.guide))
        assert row is not None and row.done_at is None


def test_ticking_an_unknown_action_item_is_refused(accounts: Accounts, book: Book) -> None:
    with pytest.raises(AccountError) as refused:
        accounts.tick(str(uuid.uuid4()))
    assert str(refused.value) == "that action item no longer exists; press r to refresh"


def test_ticking_an_item_of_a_deleted_account_is_refused(
    db: Database, accounts: Accounts, book: Book
) -> None:
    delete_account(db, book.acme)
    with pytest.raises(AccountError):
        accounts.tick(book.deck)


@pytest.mark.postgres
def test_an_item_ticked_in_the_evening_is_done_that_day_on_a_postgres_server_in_california(
    empty_postgres_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = empty_postgres_db
    ensure_current(db)
    with db.engine.connect() as connection:
        name = connection.scalar(text("SELECT current_database()"))
        connection.execute(text(f"ALTER DATABASE \"{name}\" SET timezone TO 'America/Los_Angeles'"))
        connection.commit()
    db.engine.dispose()  # new connections take the server's time zone
    with db.writing() as session:
        account = Account(name="Acme", segment="enterprise")
        session.add(account)
        session.flush()
        call = Touchpoint(account_id=account.id, occurred_on=TODAY, kind="email", summary="x")
        session.add(call)
        session.flush()
        deck = ActionItem(touchpoint_id=call.id, account_id=account.id, title="Send the deck")
        session.add(deck)
        session.flush()
        deck_id = str(deck.id)
    # 8 pm on the 23rd in California is 4 am on the 24th in UTC
    monkeypatch.setattr(models, "utc_now", lambda: datetime(2026, 11, 24, 4, tzinfo=UTC))
    saved = Accounts(db, load_rules(None, tmp_path), TODAY).tick(deck_id)
    assert item(saved.view, deck_id).done_on == TODAY


# --- touches on the timeline: edit, delete, undo ----------------------------------------------
# Undo is the triage's (`Triage.undo`): the account screen takes back what it did as the
# triage screen does.


@pytest.fixture
def triage(db: Database, book: Book, tmp_path: Path) -> Triage:
    return Triage(db, load_rules(None, tmp_path), TODAY, None)


def call_form(book: Book, **changes: Any) -> TouchForm:
    """The cadence call as the edit form shows it, with any field changed."""
    return replace(
        TouchForm(
            account_id=book.acme,
            kind="cadence-call",
            occurred_on=TODAY - days(20),
            summary="Monthly sync",
            sentiment="positive",
            notes="Adoption is up",
            attendee_ids=(book.carl, book.vera),
            action_items=("Send the deck", "Share SSO guide"),
        ),
        **changes,
    )


def cadence_due(accounts: Accounts, book: Book) -> date | None:
    decision = view_of(accounts, book.acme).decision
    assert decision is not None
    return decision.per_kind()["cadence-call"].due


def touch_rows(db: Database, touch_id: str) -> dict[str, Any]:
    """Everything stored about a touch: its row, its attendees, its action items (deleted
    ones included), as compared before an edit and after its undo."""
    key = uuid.UUID(touch_id)
    with db.reading() as session:
        touch = session.get(Touchpoint, key)
        assert touch is not None
        items = session.scalars(
            select(ActionItem)
            .where(col(ActionItem.touchpoint_id) == key)
            .order_by(col(ActionItem.id))
        ).all()
        attendees = session.scalars(
            select(col(TouchpointAttendee.contact_id)).where(
                col(TouchpointAttendee.touchpoint_id) == key
            )
        )
        return {
            "touch": touch.model_dump(exclude={"updated_at"}),
            "attendees": sorted(str(contact_id) for contact_id in attendees),
            "items": [item.model_dump(exclude={"updated_at"}) for item in items],
        }


def as_before(db: Database, touch_id: str, before: dict[str, Any]) -> dict[str, Any]:
    """The touch as stored now, once the action items made since are checked withdrawn and
    left out: what an undo must make equal to `before`."""
    now = touch_rows(db, touch_id)
    known = {item["id"] for item in before["items"]}
    made = [item for item in now["items"] if item["id"] not in known]
    assert all(item["deleted_at"] is not None for item in made), "a new item is still live"
    return {**now, "items": [item for item in now["items"] if item["id"] in known]}


def test_editing_a_touch_changes_it_and_keeps_the_action_items_still_listed(
    accounts: Accounts, book: Book
) -> None:
    done = accounts.edit_touch(
        book.call,
        call_form(
            book,
            kind="meeting",
            occurred_on=TODAY - days(18),
            summary="  Quarterly plan  ",
            sentiment="neutral",
            notes="",
            attendee_ids=(book.vera,),
            action_items=("Share SSO guide", "Book the EBR", " "),
        ),
    )
    assert done.message.startswith("Saved the meeting of 2026-11-05 for Acme. Next: ")
    assert done.undo.description == "the edit of the cadence call of 2026-11-03 for Acme"
    [touch] = [t for t in view_of(accounts, book.acme).detail.touches if t.id == book.call]
    assert (touch.kind, touch.occurred_on, touch.summary, touch.sentiment, touch.notes) == (
        TouchKind.MEETING,
        TODAY - days(18),
        "Quarterly plan",
        "neutral",
        None,
    )
    assert (touch.attendees, touch.attendee_ids) == (("Vera Stone",), (book.vera,))
    guide, new = touch.action_items
    assert (guide.id, guide.owner, guide.done_on) == (book.guide, "Carl Diaz", TODAY - days(15))
    assert (new.title, new.done_on) == ("Book the EBR", None)  # the deck's line was removed


def test_moving_the_cadence_call_moves_the_next_one(
    db: Database, accounts: Accounts, book: Book
) -> None:
    assert cadence_due(accounts, book) == date(2026, 12, 3)  # a month after 2026-11-03
    accounts.edit_touch(book.call, call_form(book, occurred_on=TODAY - days(3)))
    assert cadence_due(accounts, book) == date(2026, 12, 21)  # a month after 2026-11-20
    assert scheduled(db, book.acme)["cadence-call"] == date(2026, 12, 21)


def test_undoing_an_edit_puts_back_exactly_what_was_there(
    db: Database, accounts: Accounts, book: Book, triage: Triage
) -> None:
    with db.writing() as session:  # an item deleted before the edit stays as it was
        call = session.get(Touchpoint, uuid.UUID(book.call))
        assert call is not None
        session.add(
            ActionItem(
                touchpoint_id=call.id,
                account_id=call.account_id,
                title="Old item",
                deleted_at=at(TODAY - days(9)),
            )
        )
    before = (touch_rows(db, book.call), scheduled(db, book.acme))
    done = accounts.edit_touch(
        book.call,
        call_form(
            book,
            occurred_on=TODAY - days(1),
            attendee_ids=(book.eve,),
            action_items=("Old item", "Send the deck v2"),
        ),
    )
    assert touch_rows(db, book.call) != before[0]
    assert triage.undo(done.undo) == (
        "Undone: the edit of the cadence call of 2026-11-03 for Acme."
    )
    assert (as_before(db, book.call, before[0]), scheduled(db, book.acme)) == before
    assert cadence_due(accounts, book) == date(2026, 12, 3)


def test_deleting_the_only_cadence_call_brings_the_cadence_call_due_again(
    db: Database, accounts: Accounts, book: Book, triage: Triage
) -> None:
    before = (touch_rows(db, book.call), scheduled(db, book.acme))
    done = accounts.delete_touch(book.call)
    assert done.message.startswith("Deleted the cadence call of 2026-11-03 for Acme. Next: ")
    detail = view_of(accounts, book.acme).detail
    assert [t.summary for t in detail.touches] == ["Pricing question"]
    assert count(db, ActionItem, col(ActionItem.deleted_at).is_(None)) == 0
    decision = view_of(accounts, book.acme).decision
    assert decision is not None
    cadence = decision.per_kind()["cadence-call"]
    # No call on record any more: the first call is planned, due at once (issue 18).
    assert cadence.due == TODAY
    assert "no cadence call on record; first call planned by 2026-11-23" in cadence.reason
    assert triage.undo(done.undo) == (
        "Undone: the deletion of the cadence call of 2026-11-03 for Acme."
    )
    assert (touch_rows(db, book.call), scheduled(db, book.acme)) == before
    [call] = [t for t in view_of(accounts, book.acme).detail.touches if t.id == book.call]
    assert [(i.id, i.done_on) for i in call.action_items] == [
        (book.deck, None),
        (book.guide, TODAY - days(15)),
    ]


def test_an_undo_overtaken_by_a_later_change_writes_nothing(
    db: Database, accounts: Accounts, book: Book, triage: Triage
) -> None:
    edited = accounts.edit_touch(book.call, call_form(book, summary="Sync"))
    accounts.edit_touch(book.call, call_form(book, summary="Sync, then lunch"))
    after = touch_rows(db, book.call)
    assert triage.undo(edited.undo) == (
        "Not undone: since the edit of the cadence call of 2026-11-03 for Acme, "
        "the same was changed again."
    )
    assert touch_rows(db, book.call) == after
    deleted = accounts.delete_touch(book.email)
    assert triage.undo(deleted.undo).startswith("Undone: ")
    assert triage.undo(deleted.undo).startswith("Not undone: ")  # the touch is back already


def test_an_attendee_who_left_since_is_offered_and_kept(
    db: Database, accounts: Accounts, book: Book
) -> None:
    accounts.mark_left(book.carl)
    options = accounts.touch_contacts(book.acme, book.call)
    assert [(o.id, o.name) for o in options] == [
        (book.vera, "Vera Stone"),
        (book.carl, "Carl Diaz (left)"),
        (book.eve, "Eve Ng"),
    ]  # Leo left too, but was not there
    accounts.edit_touch(book.call, call_form(book, summary="Sync"))
    [call] = [t for t in view_of(accounts, book.acme).detail.touches if t.id == book.call]
    assert call.attendees == ("Carl Diaz", "Vera Stone")


@pytest.mark.parametrize(
    ("changes", "refusal"),
    [
        ({"summary": "  "}, "a touch needs a summary"),
        ({"occurred_on": TODAY + days(1)}, "is after today"),
        ({"kind": "lunch"}, "kind: expected one of"),
        ({"sentiment": "elated"}, "sentiment: expected one of"),
        ({"attendee_ids": ("STRANGER",)}, "attendees must be current contacts of Acme"),
        ({"attendee_ids": ("LEO",)}, "attendees must be current contacts of Acme"),
        ({}, "nothing to save: the touch is as it was"),
    ],
)
def test_a_bad_edit_is_refused_and_nothing_is_written(
    db: Database, accounts: Accounts, book: Book, changes: dict[str, Any], refusal: str
) -> None:
    people = {"STRANGER": book.stranger, "LEO": book.leo}
    if "attendee_ids" in changes:
        changes = {"attendee_ids": tuple(people[name] for name in changes["attendee_ids"])}
    before = (touch_rows(db, book.call), scheduled(db, book.acme))
    with pytest.raises(CsmError, match=refusal):
        accounts.edit_touch(book.call, call_form(book, **changes))
    assert (touch_rows(db, book.call), scheduled(db, book.acme)) == before


@pytest.mark.parametrize("gone", ["touch", "account", "unknown"])
def test_editing_or_deleting_a_touch_that_is_gone_is_refused(
    db: Database, accounts: Accounts, book: Book, gone: str
) -> None:
    touch_id = book.call
    if gone == "touch":
        accounts.delete_touch(book.call)
    elif gone == "account":
        delete_account(db, book.acme)
    else:
        touch_id = str(uuid.uuid4())
    for attempt in (
        lambda: accounts.edit_touch(touch_id, call_form(book, summary="Sync")),
        lambda: accounts.delete_touch(touch_id),
    ):
        with pytest.raises(AccountError) as refused:
            attempt()
        assert str(refused.value) == TOUCH_GONE


# --- every other change on the account screen is undone as triage's are ------------------------


def test_undoing_an_account_edit_puts_back_its_fields_health_and_schedule(
    db: Database, accounts: Accounts, book: Book, triage: Triage
) -> None:
    def stored() -> tuple[object, ...]:
        live = col(HealthSnapshot.deleted_at).is_(None)
        return (
            account_row(db, book.acme).model_dump(exclude={"updated_at"}),
            count(db, HealthSnapshot, live),
            scheduled(db, book.acme),
        )

    before = stored()
    saved = accounts.save(book.acme, form(RED_PARTS, arr="1", priority="pr1"))
    assert saved.undo is not None and "health-assessment" in scheduled(db, book.acme)
    assert triage.undo(saved.undo) == "Undone: the edit of Acme."
    assert stored() == before  # today's snapshot, which the edit recorded, is withdrawn
    assert view_of(accounts, book.acme).detail.health.history[-1] == (TODAY - days(7), 86)


def test_a_save_that_changes_nothing_has_nothing_to_undo(accounts: Accounts, book: Book) -> None:
    assert accounts.save(book.acme, form()).undo is None
    carl = ContactForm(
        name="Carl Diaz",
        title="Ops lead",
        email="carl@acme.example",
        persona="champion",
        influence="4",
        reports_to_id=book.vera,
    )
    assert accounts.save_contact(book.acme, carl, contact_id=book.carl).undo is None


def test_undoing_a_second_edit_of_the_day_puts_back_the_first_ones_snapshot(
    db: Database, accounts: Accounts, book: Book, triage: Triage
) -> None:
    accounts.save(book.acme, form(RED_PARTS))
    second = accounts.save(book.acme, form((30, 30, 30, 30)))
    assert second.undo is not None
    triage.undo(second.undo)
    assert snapshots(db, book.acme)[-1] == (TODAY, 41, RED_PARTS)
    assert account_row(db, book.acme).health_score == 41


def test_undoing_a_new_contact_removes_them(
    db: Database, accounts: Accounts, book: Book, triage: Triage
) -> None:
    saved = accounts.save_contact(book.acme, ContactForm(name="Nia Cole", is_primary=True))
    assert saved.undo is not None
    assert triage.undo(saved.undo) == "Undone: the new contact Nia Cole."
    contacts = view_of(accounts, book.acme).detail.contacts
    assert [(c.name, c.is_primary) for c in contacts][:1] == [("Vera Stone", True)]
    assert "Nia Cole" not in [c.name for c in contacts]


def test_undoing_a_contact_edit_puts_them_back_as_they_were(
    db: Database, accounts: Accounts, book: Book, triage: Triage
) -> None:
    before = view_of(accounts, book.acme).detail.contacts
    saved = accounts.save_contact(
        book.acme, ContactForm(name="Carl D.", title="COO", is_primary=True), contact_id=book.carl
    )
    assert saved.undo is not None
    assert triage.undo(saved.undo) == "Undone: the edit of Carl D.."
    assert view_of(accounts, book.acme).detail.contacts == before


def test_undoing_a_departure_lowers_the_flag_it_raised(
    db: Database, accounts: Accounts, book: Book, triage: Triage
) -> None:
    saved = accounts.mark_left(book.carl)
    assert saved.undo is not None and account_row(db, book.acme).risk_company
    assert triage.undo(saved.undo) == "Undone: the departure of Carl Diaz from Acme."
    assert not account_row(db, book.acme).risk_company
    assert not contact_named(view_of(accounts, book.acme), "Carl Diaz").left_company


def test_undoing_a_tick_opens_the_item_again(
    db: Database, accounts: Accounts, book: Book, triage: Triage
) -> None:
    ticked = accounts.tick(book.deck)
    reopened = accounts.tick(book.guide, done=False)
    assert ticked.undo is not None and reopened.undo is not None
    assert triage.undo(reopened.undo) == "Undone: the reopening of 'Share SSO guide'."
    assert triage.undo(ticked.undo) == "Undone: the tick of 'Send the deck'."
    view = view_of(accounts, book.acme)
    assert (item(view, book.deck).done_on, item(view, book.guide).done_on) == (
        None,
        TODAY - days(15),
    )
