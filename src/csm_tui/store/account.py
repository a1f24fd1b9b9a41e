"""One account, whole: the reads behind the account screen and the edits made on it.

Reads select columns, not ORM rows (an account with two years of history is a few hundred
rows, read in eight indexed queries). Writes take the caller's session, so that the service
puts a change and the account's reschedule in one transaction.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from csm_tui.domain.account import (
    AccountDetail,
    ActionItemLine,
    Components,
    ContactLine,
    EscalationLine,
    Health,
    Profile,
    TouchLine,
)
from csm_tui.domain.account_form import AccountChanges, ContactChanges
from csm_tui.domain.enums import (
    EscalationStatus,
    LifecycleStage,
    Persona,
    Priority,
    RiskCategory,
    Segment,
    Sentiment,
    TouchKind,
)
from csm_tui.models import (
    Account,
    ActionItem,
    Contact,
    Escalation,
    HealthSnapshot,
    TeamMember,
    Touchpoint,
    TouchpointAttendee,
    as_utc,
    new_row_id,
    utc_now,
)
from csm_tui.store.plans import plans_of
from csm_tui.store.queries import choice_or_none as _opt
from csm_tui.store.triage import ContactOption

TREND_DAYS = 90  # the overview's health trend window

#: An objective's own columns: outcome, metric, baseline, target, current.


def _day(moment: datetime | None) -> date | None:
    """The UTC day of a stored moment."""
    return None if moment is None else as_utc(moment).date()


def read_detail(session: Session, account_id: uuid.UUID, today: date) -> AccountDetail | None:
    """Everything the account screen shows; None when there is no such live account."""
    a = Account
    found = session.execute(
        select(a, col(TeamMember.name))
        .outerjoin(TeamMember, col(TeamMember.id) == col(a.owner_id))
        .where(col(a.id) == account_id, col(a.deleted_at).is_(None))
    ).first()
    if found is None:
        return None
    account, owner_name = found
    profile = Profile(
        id=str(account.id),
        external_id=account.external_id,
        name=account.name,
        segment=Segment(account.segment),
        priority=Priority(account.priority),
        arr_cents=account.arr_cents,
        owner_name=owner_name,
        ae=account.ae,
        lifecycle_stage=_opt(LifecycleStage, account.lifecycle_stage),
        contract_start=account.contract_start,
        renewal_date=account.renewal_date,
        go_live_date=account.go_live_date,
    )
    history = session.execute(
        select(col(HealthSnapshot.taken_on), col(HealthSnapshot.score))
        .where(
            col(HealthSnapshot.account_id) == account_id,
            col(HealthSnapshot.deleted_at).is_(None),
            col(HealthSnapshot.taken_on) > today - timedelta(days=TREND_DAYS),
            col(HealthSnapshot.taken_on) <= today,
        )
        .order_by(col(HealthSnapshot.taken_on))
    ).all()
    health = Health(
        score=account.health_score,
        components=Components(
            account.health_engagement,
            account.health_success,
            account.health_satisfaction,
            account.health_financial,
        ),
        history=tuple((day, score) for day, score in history),
        risks=frozenset(c for c in RiskCategory if getattr(account, f"risk_{c.value}")),
    )
    return AccountDetail(
        profile=profile,
        health=health,
        contacts=contacts(session, account_id),
        touches=_touches(session, account_id),
        escalations=_escalations(session, account_id),
        plans=tuple(plans_of(session, account_id)),
    )


def contacts(session: Session, account_id: uuid.UUID) -> tuple[ContactLine, ...]:
    """Every live contact, people who left included: primary first, then by name."""
    c = Contact
    rows = session.execute(
        select(
            col(c.id),
            col(c.name),
            col(c.title),
            col(c.email),
            col(c.phone),
            col(c.persona),
            col(c.influence),
            col(c.reports_to_id),
            col(c.is_primary),
            col(c.left_company),
        )
        .where(col(c.account_id) == account_id, col(c.deleted_at).is_(None))
        .order_by(col(c.is_primary).desc(), col(c.name))
    )
    return tuple(
        ContactLine(
            id=str(key),
            name=name,
            title=title,
            email=email,
            phone=phone,
            persona=_opt(Persona, persona),
            influence=influence,
            reports_to_id=None if boss is None else str(boss),
            is_primary=primary,
            left_company=left,
        )
        for key, name, title, email, phone, persona, influence, boss, primary, left in rows
    )


def _touches(session: Session, account_id: uuid.UUID) -> tuple[TouchLine, ...]:
    t = Touchpoint
    live = (col(t.account_id) == account_id, col(t.deleted_at).is_(None))
    attendees: defaultdict[uuid.UUID, list[tuple[str, str]]] = defaultdict(list)
    for touch_id, contact_id, name in session.execute(
        select(col(TouchpointAttendee.touchpoint_id), col(Contact.id), col(Contact.name))
        .join(Contact, col(Contact.id) == col(TouchpointAttendee.contact_id))
        .join(t, col(t.id) == col(TouchpointAttendee.touchpoint_id))
        .where(*live)
        .order_by(col(Contact.name))
    ):
        attendees[touch_id].append((name, str(contact_id)))
    items: defaultdict[uuid.UUID, list[ActionItemLine]] = defaultdict(list)
    i = ActionItem
    for key, touch_id, title, owner, due_on, done_at in session.execute(
        select(
            col(i.id),
            col(i.touchpoint_id),
            col(i.title),
            col(i.owner),
            col(i.due_on),
            col(i.done_at),
        )
        .where(col(i.account_id) == account_id, col(i.deleted_at).is_(None))
        .order_by(col(i.created_at), col(i.title))
    ):
        items[touch_id].append(ActionItemLine(str(key), title, owner, due_on, _day(done_at)))
    rows = session.execute(
        select(
            col(t.id),
            col(t.occurred_on),
            col(t.kind),
            col(t.summary),
            col(t.notes),
            col(t.sentiment),
            col(TeamMember.name),
        )
        .outerjoin(TeamMember, col(TeamMember.id) == col(t.owner_id))
        .where(*live)
        .order_by(col(t.occurred_on).desc(), col(t.created_at).desc())
    )
    return tuple(
        TouchLine(
            id=str(key),
            occurred_on=day,
            kind=TouchKind(kind),
            summary=summary,
            notes=notes,
            sentiment=_opt(Sentiment, sentiment),
            owner_name=owner,
            attendees=tuple(name for name, _ in attendees.get(key, ())),
            action_items=tuple(items.get(key, ())),
            attendee_ids=tuple(contact_id for _, contact_id in attendees.get(key, ())),
        )
        for key, day, kind, summary, notes, sentiment, owner in rows
    )


def _escalations(session: Session, account_id: uuid.UUID) -> tuple[EscalationLine, ...]:
    e = Escalation
    rows = session.execute(
        select(
            col(e.id),
            col(e.level),
            col(e.status),
            col(e.reason),
            col(e.risk_category),
            col(e.opened_at),
            col(e.sla_due_at),
            col(e.closed_at),
            col(e.recovery_plan),
        )
        .where(col(e.account_id) == account_id, col(e.deleted_at).is_(None))
        .order_by(
            col(e.status) != EscalationStatus.OPEN.value,
            col(e.level).desc(),
            col(e.opened_at).desc(),
        )
    )
    return tuple(
        EscalationLine(
            id=str(key),
            level=level,
            status=EscalationStatus(status),
            reason=reason,
            risk_category=RiskCategory(category),
            opened_on=as_utc(opened).date(),
            sla_due_on=_day(sla),
            closed_on=_day(closed),
            recovery_plan=plan,
        )
        for key, level, status, reason, category, opened, sla, closed, plan in rows
    )


# --- writes ------------------------------------------------------------------------------------


def name_and_start(session: Session, account_id: uuid.UUID) -> tuple[str, date | None] | None:
    """A live account's name and contract start (what an edit checks against), or None."""
    row = session.execute(
        select(col(Account.name), col(Account.contract_start)).where(
            col(Account.id) == account_id, col(Account.deleted_at).is_(None)
        )
    ).first()
    return None if row is None else (row[0], row[1])


def update_account(
    session: Session,
    account_id: uuid.UUID,
    changes: AccountChanges,
    *,
    score: int | None,
    today: date,
) -> bool:
    """Apply the edit form; record today's health snapshot when the health changed.

    `score` is the score the components give (None: the form left them blank, and the score
    stays). Returns whether the health changed.
    """
    account = session.get(Account, account_id)
    assert account is not None and account.deleted_at is None
    now = utc_now()
    account.segment = changes.segment.value
    account.priority = changes.priority.value
    account.arr_cents = changes.arr_cents
    account.renewal_date = changes.renewal_date
    account.lifecycle_stage = (
        None if changes.lifecycle_stage is None else changes.lifecycle_stage.value
    )
    for category in RiskCategory:
        setattr(account, f"risk_{category.value}", category in changes.risks)
    health_changed = False
    parts = changes.components
    if parts is not None:
        assert score is not None, "the score of four components given"
        before = (
            account.health_score,
            account.health_engagement,
            account.health_success,
            account.health_satisfaction,
            account.health_financial,
        )
        after = (score, parts.engagement, parts.success, parts.satisfaction, parts.financial)
        if before != after:
            health_changed = True
            (
                account.health_score,
                account.health_engagement,
                account.health_success,
                account.health_satisfaction,
                account.health_financial,
            ) = after
            record_snapshot(session, account_id, today, score, parts, now)
    account.updated_at = now
    session.flush()
    return health_changed


def record_snapshot(
    session: Session,
    account_id: uuid.UUID,
    today: date,
    score: int,
    parts: Components,
    now: datetime,
) -> None:
    """Today's snapshot of the account, replacing one taken earlier today (one per day)."""
    snapshot = session.scalars(
        select(HealthSnapshot).where(
            col(HealthSnapshot.account_id) == account_id, col(HealthSnapshot.taken_on) == today
        )
    ).first()
    if snapshot is None:
        snapshot = HealthSnapshot(account_id=account_id, taken_on=today, score=score)
        session.add(snapshot)
    snapshot.score = score
    snapshot.engagement, snapshot.success = parts.engagement, parts.success
    snapshot.satisfaction, snapshot.financial = parts.satisfaction, parts.financial
    snapshot.deleted_at = None
    snapshot.updated_at = now


def managers(session: Session, account_id: uuid.UUID) -> dict[str, str | None]:
    """Who reports to whom among the account's live contacts (contact id to manager id)."""
    rows = session.execute(
        select(col(Contact.id), col(Contact.reports_to_id)).where(
            col(Contact.account_id) == account_id, col(Contact.deleted_at).is_(None)
        )
    )
    return {str(key): None if boss is None else str(boss) for key, boss in rows}


def email_holder(
    session: Session, account_id: uuid.UUID, email: str, other_than: uuid.UUID | None
) -> str | None:
    """The name of another contact of the account with this e-mail (any case), if any."""
    statement = select(col(Contact.name)).where(
        col(Contact.account_id) == account_id, func.lower(Contact.email) == email.lower()
    )
    if other_than is not None:
        statement = statement.where(col(Contact.id) != other_than)
    return session.scalars(statement).first()


def save_contact(
    session: Session,
    account_id: uuid.UUID,
    changes: ContactChanges,
    contact_id: uuid.UUID | None,
    new_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """Create the contact (`contact_id` None; `new_id` its id, None for a fresh one) or update
    it; a new primary contact takes the mark from the previous one (an account has one primary
    contact)."""
    now = utc_now()
    if contact_id is None:
        contact = Contact(id=new_id or new_row_id(), account_id=account_id, name=changes.name)
        session.add(contact)
    else:
        found = session.get(Contact, contact_id)
        assert found is not None and found.account_id == account_id
        contact = found
    contact.name, contact.title = changes.name, changes.title
    contact.email, contact.phone = changes.email, changes.phone
    contact.persona = None if changes.persona is None else changes.persona.value
    contact.influence = changes.influence
    contact.reports_to_id = (
        None if changes.reports_to_id is None else uuid.UUID(changes.reports_to_id)
    )
    contact.is_primary = changes.is_primary
    contact.updated_at = now
    session.flush()
    if changes.is_primary:
        session.execute(
            update(Contact)
            .where(
                col(Contact.account_id) == account_id,
                col(Contact.id) != contact.id,
                col(Contact.is_primary),
            )
            .values(is_primary=False, updated_at=now)
        )
    return contact.id


def set_left(session: Session, contact_id: uuid.UUID, left: bool) -> ContactLine | None:
    """Mark a contact as gone from the customer (or back); the contact as it was before."""
    contact = session.get(Contact, contact_id)
    if contact is None or contact.deleted_at is not None:
        return None
    before = ContactLine(
        id=str(contact.id),
        name=contact.name,
        persona=_opt(Persona, contact.persona),
        influence=contact.influence,
        is_primary=contact.is_primary,
        left_company=contact.left_company,
    )
    contact.left_company = left
    contact.updated_at = utc_now()
    session.flush()
    return before


def contact_account(session: Session, contact_id: uuid.UUID) -> uuid.UUID | None:
    return session.scalar(
        select(col(Contact.account_id)).where(
            col(Contact.id) == contact_id, col(Contact.deleted_at).is_(None)
        )
    )


def raise_risk(session: Session, account_id: uuid.UUID, category: RiskCategory) -> bool:
    """Set a risk flag; whether it was down before."""
    account = session.get(Account, account_id)
    assert account is not None
    attribute = f"risk_{category.value}"
    if getattr(account, attribute):
        return False
    setattr(account, attribute, True)
    account.updated_at = utc_now()
    session.flush()
    return True


def set_action_item(
    session: Session, item_id: uuid.UUID, done: bool, now: datetime
) -> tuple[uuid.UUID, str] | None:
    """Tick an action item done (or open again); its account and title, None if it is gone."""
    item = session.get(ActionItem, item_id)
    if item is None or item.deleted_at is not None:
        return None
    item.done_at = now if done else None
    item.updated_at = utc_now()
    session.flush()
    return item.account_id, item.title


# --- touches on the timeline -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TouchFacts:
    """What an edit or a deletion of a touch checks and says: whose it is, what it was."""

    account_id: uuid.UUID
    kind: str
    occurred_on: date
    attendee_ids: frozenset[uuid.UUID]


def live_touch(session: Session, touch_id: uuid.UUID) -> TouchFacts | None:
    """A live touch of a live account; None when either was deleted."""
    row = session.execute(
        select(col(Touchpoint.account_id), col(Touchpoint.kind), col(Touchpoint.occurred_on))
        .join(Account, col(Account.id) == col(Touchpoint.account_id))
        .where(
            col(Touchpoint.id) == touch_id,
            col(Touchpoint.deleted_at).is_(None),
            col(Account.deleted_at).is_(None),
        )
    ).first()
    if row is None:
        return None
    attendees = session.scalars(
        select(col(TouchpointAttendee.contact_id)).where(
            col(TouchpointAttendee.touchpoint_id) == touch_id
        )
    )
    return TouchFacts(row[0], row[1], row[2], frozenset(attendees))


def attendee_options(
    session: Session, account_id: uuid.UUID, touch_id: uuid.UUID
) -> list[ContactOption]:
    """Who can be ticked as an attendee of a touch being edited: the account's current
    contacts, and whoever attended it and has left since (marked so), primary first."""
    attended = select(col(TouchpointAttendee.contact_id)).where(
        col(TouchpointAttendee.touchpoint_id) == touch_id
    )
    rows = session.execute(
        select(
            col(Contact.id),
            col(Contact.name),
            col(Contact.title),
            col(Contact.is_primary),
            col(Contact.left_company),
        )
        .where(
            col(Contact.account_id) == account_id,
            col(Contact.deleted_at).is_(None),
            col(Contact.left_company).is_(False) | col(Contact.id).in_(attended),
        )
        .order_by(col(Contact.is_primary).desc(), col(Contact.name))
    )
    return [
        ContactOption(str(key), f"{name} (left)" if left else name, title, bool(primary))
        for key, name, title, primary, left in rows
    ]


def update_touch(
    session: Session,
    touch_id: uuid.UUID,
    *,
    kind: str,
    occurred_on: date,
    summary: str,
    sentiment: str | None,
    notes: str | None,
    attendee_ids: Iterable[uuid.UUID],
    action_items: Sequence[str],
    new_item_id: Callable[[], uuid.UUID] = uuid.uuid4,
) -> None:
    """Rewrite a touch as the form gives it. An action item whose title is still there is
    kept as it is (owner, due date, done or not); one whose line was removed is deleted, and
    a new line is a new item."""
    touch = session.get(Touchpoint, touch_id)
    assert touch is not None and touch.deleted_at is None
    now = utc_now()
    touch.kind, touch.occurred_on, touch.summary = kind, occurred_on, summary
    touch.sentiment, touch.notes = sentiment, notes
    touch.updated_at = now
    wanted = set(attendee_ids)
    links = session.scalars(
        select(TouchpointAttendee).where(col(TouchpointAttendee.touchpoint_id) == touch_id)
    ).all()
    for link in links:
        if link.contact_id not in wanted:
            session.delete(link)
    present = {link.contact_id for link in links}
    session.add_all(
        TouchpointAttendee(touchpoint_id=touch_id, contact_id=contact_id)
        for contact_id in sorted(wanted - present)
    )
    titles = list(action_items)
    for item in _live_items(session, touch_id):
        if item.title in titles:
            titles.remove(item.title)
        else:
            item.deleted_at = item.updated_at = now
    session.add_all(
        ActionItem(
            id=new_item_id(), touchpoint_id=touch_id, account_id=touch.account_id, title=title
        )
        for title in titles
    )
    session.flush()


def delete_touch(session: Session, touch_id: uuid.UUID) -> None:
    """Soft-delete a touch with its live action items (those deleted before keep their day)."""
    touch = session.get(Touchpoint, touch_id)
    assert touch is not None and touch.deleted_at is None
    now = utc_now()
    touch.deleted_at = touch.updated_at = now
    for item in _live_items(session, touch_id):
        item.deleted_at = item.updated_at = now
    session.flush()


def _live_items(session: Session, touch_id: uuid.UUID) -> Sequence[ActionItem]:
    return session.scalars(
        select(ActionItem)
        .where(col(ActionItem.touchpoint_id) == touch_id, col(ActionItem.deleted_at).is_(None))
        .order_by(col(ActionItem.created_at), col(ActionItem.title))
    ).all()
