"""What the morning triage reads besides the schedule, and the writes it makes.

Every function takes the caller's session: the service puts a write and the reschedule of its
account in one transaction. "Undo" is a soft delete, so nothing a user did is ever lost.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlmodel import Session, col

from csm_tui.domain.enums import EscalationStatus, MilestoneStatus
from csm_tui.domain.health import BandThresholds
from csm_tui.domain.triage import HEALTH_DROP, HealthChange, band_changes, changes_since
from csm_tui.models import (
    Account,
    ActionItem,
    AlertReview,
    Booking,
    Contact,
    Escalation,
    EscalationEvent,
    HealthSnapshot,
    Milestone,
    Objective,
    Snooze,
    SuccessPlan,
    Touchpoint,
    TouchpointAttendee,
    TriageVisit,
    new_row_id,
    table_of,
    utc_now,
)
from csm_tui.store.queries import member_ids

_ACCOUNT = table_of(Account)
_HEALTH = table_of(HealthSnapshot)


# --- the last triage ---------------------------------------------------------------------------


def _since(visit: TriageVisit | None, today: date) -> date:
    if visit is None:
        return changes_since(None, None, today)
    return changes_since(visit.last_on, visit.previous_on, today)


def record_visit(session: Session, member_id: uuid.UUID, today: date) -> date:
    """Note that the member opened the queue `today`; return the day changes count from.

    A `today` earlier than the last visit changes nothing.
    """
    visit = session.get(TriageVisit, member_id)
    since = _since(visit, today)
    if visit is None:
        session.add(TriageVisit(member_id=member_id, last_on=today))
    elif visit.last_on < today:
        visit.previous_on, visit.last_on = visit.last_on, today
    session.flush()
    return since


def last_visit(session: Session, member_id: uuid.UUID, today: date) -> date:
    """The day changes count from, as `record_visit` would say, without recording a visit."""
    return _since(session.get(TriageVisit, member_id), today)


# --- health changes and alerts -----------------------------------------------------------------


def health_changes(
    session: Session, *, since: date, owner_email: str | None, bands: BandThresholds
) -> dict[str, HealthChange]:
    """Accounts whose health band is not the one of their last snapshot on or before `since`,
    by canonical account id. Accounts with no snapshot then have nothing to compare with."""
    a, h = _ACCOUNT.c, _HEALTH.c
    then = (
        select(h.score)
        .where(h.account_id == a.id, h.taken_on <= since, h.deleted_at.is_(None))
        .order_by(h.taken_on.desc())
        .limit(1)
        .correlate(_ACCOUNT)
        .scalar_subquery()
    )
    statement = select(a.id, then, a.health_score).where(a.deleted_at.is_(None))
    if owner_email is not None:
        statement = statement.where(a.owner_id.in_(member_ids(owner_email)))
    return band_changes(
        ((str(key), before, after) for key, before, after in session.execute(statement)), bands
    )


def reviewed_since(session: Session, since: date, account_ids: Sequence[str]) -> set[str]:
    """Of these accounts, those whose health alert was marked reviewed after `since`."""
    if not account_ids:
        return set()
    r = table_of(AlertReview).c
    found: set[str] = set()
    keys = [uuid.UUID(key) for key in account_ids]
    for start in range(0, len(keys), 500):
        statement = select(r.account_id).where(
            r.account_id.in_(keys[start : start + 500]),
            r.kind == HEALTH_DROP,
            r.reviewed_on > since,
            r.deleted_at.is_(None),
        )
        found.update(str(key) for key in session.scalars(statement))
    return found


# --- what the side panel shows beside the schedule's explanation -------------------------------


@dataclass(frozen=True, slots=True)
class LastTouch:
    occurred_on: date
    kind: str
    summary: str
    sentiment: str | None


@dataclass(frozen=True, slots=True)
class OpenEscalationLine:
    id: str
    level: int
    reason: str
    risk_category: str
    opened_at: datetime


@dataclass(frozen=True, slots=True)
class ContactOption:
    """A contact who can be ticked as an attendee of a touch."""

    id: str
    name: str
    title: str | None
    is_primary: bool


def last_touch(session: Session, account_id: uuid.UUID, today: date) -> LastTouch | None:
    row = session.execute(
        select(
            col(Touchpoint.occurred_on),
            col(Touchpoint.kind),
            col(Touchpoint.summary),
            col(Touchpoint.sentiment),
        )
        .where(
            col(Touchpoint.account_id) == account_id,
            col(Touchpoint.deleted_at).is_(None),
            col(Touchpoint.occurred_on) <= today,
        )
        .order_by(col(Touchpoint.occurred_on).desc(), col(Touchpoint.created_at).desc())
        .limit(1)
    ).first()
    return LastTouch(*row) if row else None


def open_escalation(session: Session, account_id: uuid.UUID) -> OpenEscalationLine | None:
    """The highest open escalation of the account, if any."""
    row = session.execute(
        select(
            col(Escalation.id),
            col(Escalation.level),
            col(Escalation.reason),
            col(Escalation.risk_category),
            col(Escalation.opened_at),
        )
        .where(
            col(Escalation.account_id) == account_id,
            col(Escalation.deleted_at).is_(None),
            col(Escalation.status) == EscalationStatus.OPEN.value,
        )
        .order_by(col(Escalation.level).desc(), col(Escalation.opened_at))
        .limit(1)
    ).first()
    if row is None:
        return None
    escalation_id, level, reason, category, opened_at = row
    return OpenEscalationLine(str(escalation_id), level, reason, category, opened_at)


def contacts(session: Session, account_id: uuid.UUID) -> list[ContactOption]:
    """The account's current contacts (not those who left), primary first."""
    rows = session.execute(
        select(col(Contact.id), col(Contact.name), col(Contact.title), col(Contact.is_primary))
        .where(
            col(Contact.account_id) == account_id,
            col(Contact.deleted_at).is_(None),
            col(Contact.left_company).is_(False),
        )
        .order_by(col(Contact.is_primary).desc(), Contact.name)
    ).all()
    return [
        ContactOption(str(contact_id), name, title, bool(primary))
        for contact_id, name, title, primary in rows
    ]


# --- writes ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewActionItem:
    title: str
    owner: str | None = None
    due_on: date | None = None
    id: uuid.UUID | None = None  # None: a fresh one


@dataclass(frozen=True, slots=True)
class MilestoneDue:
    """An open milestone of the account's success plans, falling due: the log form offers to
    tick it done."""

    id: str
    title: str
    due_on: date


def due_milestones(session: Session, account_id: uuid.UUID, until: date) -> list[MilestoneDue]:
    """The account's open milestones due by `until`, earliest first."""
    m, o, p = Milestone, Objective, SuccessPlan
    rows = session.execute(
        select(col(m.id), col(m.title), col(m.due_on))
        .join(o, col(o.id) == col(m.objective_id))
        .join(p, col(p.id) == col(o.plan_id))
        .where(
            col(p.account_id) == account_id,
            col(p.deleted_at).is_(None),
            col(o.deleted_at).is_(None),
            col(m.deleted_at).is_(None),
            col(m.status) != MilestoneStatus.DONE.value,
            col(m.due_on).is_not(None),
            col(m.due_on) <= until,
        )
        .order_by(col(m.due_on), col(m.title))
    )
    return [MilestoneDue(str(key), title, due) for key, title, due in rows]


def open_milestones(
    session: Session, account_id: uuid.UUID, keys: Sequence[uuid.UUID]
) -> list[Milestone]:
    """These milestones, if open and of the account's live plans."""
    m, o, p = Milestone, Objective, SuccessPlan
    return list(
        session.scalars(
            select(m)
            .join(o, col(o.id) == col(m.objective_id))
            .join(p, col(p.id) == col(o.plan_id))
            .where(
                col(m.id).in_(keys),
                col(p.account_id) == account_id,
                col(p.deleted_at).is_(None),
                col(o.deleted_at).is_(None),
                col(m.deleted_at).is_(None),
                col(m.status) != MilestoneStatus.DONE.value,
            )
        )
    )


def add_touch(
    session: Session,
    *,
    account_id: uuid.UUID,
    kind: str,
    occurred_on: date,
    summary: str,
    sentiment: str | None = None,
    notes: str | None = None,
    owner_id: uuid.UUID | None = None,
    attendee_ids: Sequence[uuid.UUID] = (),
    action_items: Sequence[NewActionItem] = (),
    new_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """A touch with its attendees and action items (`new_id`: its id, None for a fresh one)."""
    touch = Touchpoint(
        id=new_id or new_row_id(),
        account_id=account_id,
        kind=kind,
        occurred_on=occurred_on,
        summary=summary,
        sentiment=sentiment,
        notes=notes,
        owner_id=owner_id,
    )
    session.add(touch)
    session.flush()
    for contact_id in dict.fromkeys(attendee_ids):
        session.add(TouchpointAttendee(touchpoint_id=touch.id, contact_id=contact_id))
    for item in action_items:
        session.add(
            ActionItem(
                id=item.id or new_row_id(),
                touchpoint_id=touch.id,
                account_id=account_id,
                title=item.title,
                owner=item.owner,
                due_on=item.due_on,
            )
        )
    session.flush()
    return touch.id


def add_snooze(
    session: Session,
    *,
    account_id: uuid.UUID,
    kind: str | None,
    until: date,
    reason: str,
    snoozed_on: date,
    by_id: uuid.UUID | None,
) -> uuid.UUID:
    snooze = Snooze(
        account_id=account_id,
        kind=kind,
        until=until,
        reason=reason,
        snoozed_on=snoozed_on,
        by_id=by_id,
    )
    session.add(snooze)
    session.flush()
    return snooze.id


def add_booking(
    session: Session,
    *,
    account_id: uuid.UUID,
    kind: str,
    on: date,
    note: str,
    booked_on: date,
    by_id: uuid.UUID | None,
) -> uuid.UUID:
    booking = Booking(
        account_id=account_id, kind=kind, on=on, note=note, booked_on=booked_on, by_id=by_id
    )
    session.add(booking)
    session.flush()
    return booking.id


def add_review(
    session: Session, *, account_id: uuid.UUID, reviewed_on: date, by_id: uuid.UUID | None
) -> uuid.UUID:
    review = AlertReview(
        account_id=account_id, kind=HEALTH_DROP, reviewed_on=reviewed_on, by_id=by_id
    )
    session.add(review)
    session.flush()
    return review.id


def add_escalation(
    session: Session,
    *,
    account_id: uuid.UUID,
    reason: str,
    risk_category: str,
    owner_id: uuid.UUID | None,
    level: int = 1,
    now: datetime | None = None,
    new_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """Open an escalation at `level`, with the event that records the step onto the ladder
    (`new_id`: the escalation's id, None for a fresh one)."""
    now = now or utc_now()
    escalation = Escalation(
        id=new_id or new_row_id(),
        account_id=account_id,
        level=level,
        reason=reason,
        risk_category=risk_category,
        owner_id=owner_id,
        opened_at=now,
    )
    session.add(escalation)
    session.flush()
    session.add(
        EscalationEvent(
            escalation_id=escalation.id,
            from_level=None,
            to_level=level,
            actor_id=owner_id,
            occurred_at=now,
            why=reason,
            kind="opened",
        )
    )
    session.flush()
    return escalation.id


#: The rows `withdraw` can take back.
Withdrawable = Touchpoint | Snooze | Booking | AlertReview | Escalation
#: What `withdraw` can take back, by the name the service uses.
WITHDRAWABLE: dict[str, type[Withdrawable]] = {
    "touch": Touchpoint,
    "snooze": Snooze,
    "booking": Booking,
    "review": AlertReview,
    "escalation": Escalation,
}


def withdraw(session: Session, what: str, row_id: uuid.UUID) -> uuid.UUID | None:
    """Soft-delete a row this app wrote (a touch with its action items, a snooze, a booked
    meeting, a review, an escalation with its events); return its account, or None if it is
    already gone."""
    model = WITHDRAWABLE[what]
    row = session.get(model, row_id)
    if not isinstance(row, Withdrawable) or row.deleted_at is not None:  # None: no such row
        return None
    now = utc_now()
    row.deleted_at = now
    if model is Touchpoint:
        session.execute(
            update(ActionItem).where(col(ActionItem.touchpoint_id) == row_id).values(deleted_at=now)
        )
    elif model is Escalation:
        session.execute(
            update(EscalationEvent)
            .where(col(EscalationEvent.escalation_id) == row_id)
            .values(deleted_at=now)
        )
    session.flush()
    return row.account_id


def account_name(session: Session, account_id: uuid.UUID) -> str | None:
    """The name of a live account; None when there is no such account (or it was deleted)."""
    return session.scalar(
        select(col(Account.name)).where(
            col(Account.id) == account_id, col(Account.deleted_at).is_(None)
        )
    )
