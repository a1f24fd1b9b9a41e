"""The escalation ladder's reads and writes: every open (or closed) escalation with what its
row shows, one in full, and the steps of its life as events.

The SLA clock of an escalation starts at the last step that moved its level
(`domain.ladder.CLOCK_KINDS`: opened, raised, lowered, reopened), as the engine reads it
(`store.facts`); its follow-ups are the escalation calls logged on the account since then.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import and_, func, select
from sqlmodel import Session

from csm_tui.domain.enums import EscalationStatus
from csm_tui.domain.escalation_view import (
    EscalationView,
    EventLine,
    LadderRow,
    PersonLine,
    RecoveryPlanLine,
)
from csm_tui.models import (
    Account,
    Contact,
    Escalation,
    EscalationEvent,
    RecoveryPlan,
    TeamMember,
    Touchpoint,
    as_utc,
    new_row_id,
    table_of,
    utc_now,
)
from csm_tui.store.facts import IN_CHUNK, batched, level_since, raw_column
from csm_tui.store.queries import member_ids
from csm_tui.store.raw import canonical

_ESCALATION = table_of(Escalation)
_EVENT = table_of(EscalationEvent)
_ACCOUNT = table_of(Account)
_MEMBER = table_of(TeamMember)
_TOUCH = table_of(Touchpoint)
_CONTACT = table_of(Contact)
_PLAN = table_of(RecoveryPlan)


def _ladder_select() -> sa.Select[Any]:
    e, a, m = _ESCALATION.c, _ACCOUNT.c, _MEMBER.c
    return (
        select(
            raw_column(e.id).label("escalation_key"),
            raw_column(a.id).label("account_key"),
            a.external_id,
            a.name,
            m.name,
            m.email,
            a.arr_cents,
            a.renewal_date,
            e.level,
            e.status,
            e.reason,
            e.risk_category,
            e.opened_at,
            level_since().label("level_since"),
            e.closed_at,
            e.resolved_at,
        )
        .select_from(
            _ESCALATION.join(_ACCOUNT, a.id == e.account_id).outerjoin(_MEMBER, m.id == e.owner_id)
        )
        .where(e.deleted_at.is_(None), a.deleted_at.is_(None))
    )


def _rows(
    session: Session, found: Sequence[Any], follow_up_kinds: Collection[str]
) -> list[LadderRow]:
    """The rows, each with the last follow-up call on its account since its level changed
    (the day of the change in UTC, as the engine counts it)."""
    rows = [_row(values) for values in found]
    if not rows:
        return rows
    t = _TOUCH.c
    earliest = min(row.level_since for row in rows).astimezone(UTC).date()
    calls: dict[str, list[date]] = {}
    keys = sorted({uuid.UUID(row.account_id) for row in rows})
    for chunk in batched(keys, IN_CHUNK):
        for account, day in session.execute(
            select(raw_column(t.account_id), t.occurred_on).where(
                t.account_id.in_(chunk),
                t.kind.in_(sorted(follow_up_kinds)),
                t.deleted_at.is_(None),
                t.occurred_on >= earliest,
            )
        ):
            calls.setdefault(canonical(account), []).append(day)
    return [
        replace(
            row,
            last_follow_up=max(
                (
                    day
                    for day in calls.get(row.account_id, ())
                    if day >= row.level_since.astimezone(UTC).date()
                ),
                default=None,
            ),
        )
        for row in rows
    ]


def _row(values: Any) -> LadderRow:
    (
        key,
        account,
        external_id,
        name,
        owner,
        email,
        arr,
        renewal,
        level,
        status,
        reason,
        category,
        opened,
        since,
        closed,
        resolved,
    ) = values
    opened_at = as_utc(opened)
    return LadderRow(
        id=canonical(key),
        account_id=canonical(account),
        external_id=external_id,
        account_name=name,
        owner_name=owner,
        owner_email=email,
        arr_cents=arr,
        renewal_date=renewal,
        level=level,
        status=status,
        reason=reason,
        risk_category=category,
        opened_at=opened_at,
        level_since=as_utc(_moment(since)) if since is not None else opened_at,
        last_follow_up=None,
        closed_at=as_utc(closed) if closed is not None else None,
        resolved_at=as_utc(resolved) if resolved is not None else None,
    )


def _moment(value: object) -> datetime:
    """A moment as the driver gives it: SQLite's max() of a DATETIME column is its text."""
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def ladder(
    session: Session,
    *,
    owner_email: str | None,
    follow_up_kinds: Collection[str],
    statuses: Collection[str] = (EscalationStatus.OPEN.value,),
) -> list[LadderRow]:
    """The escalations in these statuses (open, by default) of `owner_email`'s accounts (None:
    the team's), highest level first, then the oldest at its level."""
    e, a = _ESCALATION.c, _ACCOUNT.c
    statement = _ladder_select().where(e.status.in_(sorted(statuses)))
    if owner_email is not None:
        statement = statement.where(a.owner_id.in_(member_ids(owner_email)))
    statement = statement.order_by(e.level.desc(), e.opened_at, e.id)
    return _rows(session, session.execute(statement).all(), follow_up_kinds)


def escalation_row(
    session: Session, escalation_id: uuid.UUID, follow_up_kinds: Collection[str]
) -> LadderRow | None:
    statement = _ladder_select().where(_ESCALATION.c.id == escalation_id)
    rows = _rows(session, session.execute(statement).all(), follow_up_kinds)
    return rows[0] if rows else None


def open_of(session: Session, account_id: uuid.UUID) -> uuid.UUID | None:
    """The account's open escalation (the highest, if there were several), if any."""
    e = _ESCALATION.c
    return session.execute(
        select(e.id)
        .where(
            e.account_id == account_id,
            e.status == EscalationStatus.OPEN.value,
            e.deleted_at.is_(None),
        )
        .order_by(e.level.desc(), e.opened_at.desc())
        .limit(1)
    ).scalar()


def in_full(
    session: Session, escalation_id: uuid.UUID, follow_up_kinds: Collection[str]
) -> EscalationView | None:
    """One escalation with its history, the account's contacts and its recovery plans."""
    row = escalation_row(session, escalation_id, follow_up_kinds)
    if row is None:
        return None
    e, ev, m, c, p, t = _ESCALATION.c, _EVENT.c, _MEMBER.c, _CONTACT.c, _PLAN.c, _TOUCH.c
    resolution, lessons, changed, legacy = session.execute(
        select(e.resolution, e.lessons_learned, e.process_changed, e.recovery_plan).where(
            e.id == escalation_id
        )
    ).one()
    events = tuple(
        EventLine(
            id=canonical(key),
            kind=kind,
            from_level=from_level,
            to_level=to_level,
            occurred_at=as_utc(occurred),
            actor_name=actor,
            why=why,
        )
        for key, kind, from_level, to_level, occurred, actor, why in session.execute(
            select(
                raw_column(ev.id),
                ev.kind,
                ev.from_level,
                ev.to_level,
                ev.occurred_at,
                m.name,
                ev.why,
            )
            .select_from(_EVENT.outerjoin(_MEMBER, m.id == ev.actor_id))
            .where(ev.escalation_id == escalation_id, ev.deleted_at.is_(None))
            .order_by(ev.occurred_at, ev.created_at)
        )
    )
    account_id = uuid.UUID(row.account_id)
    contacts = tuple(
        PersonLine(name=name, title=title, role=persona, email=email)
        for name, title, persona, email in session.execute(
            select(c.name, c.title, c.persona, c.email)
            .where(
                c.account_id == account_id,
                c.deleted_at.is_(None),
                c.left_company.is_(False),
            )
            .order_by(c.influence.desc().nulls_last(), c.name)
        )
    )
    plans = []
    for key, linked, objectives, wins, people, metrics, started, ended in session.execute(
        select(
            raw_column(p.id),
            raw_column(p.escalation_id),
            p.objectives,
            p.quick_wins,
            p.stakeholder_plan,
            p.success_metrics,
            p.started_on,
            p.ended_on,
        )
        .where(
            p.account_id == account_id,
            p.deleted_at.is_(None),
            sa.or_(p.escalation_id == escalation_id, p.escalation_id.is_(None)),
        )
        .order_by(p.started_on.desc())
    ):
        started_on, ended_on = started, ended
        days = session.scalars(
            select(t.occurred_on)
            .where(
                t.account_id == account_id,
                t.deleted_at.is_(None),
                t.occurred_on >= started_on,
                *([t.occurred_on <= ended_on] if ended_on is not None else []),
            )
            .distinct()
            .order_by(t.occurred_on)
        )
        plans.append(
            RecoveryPlanLine(
                id=canonical(key),
                escalation_id=canonical(linked) if linked is not None else None,
                objectives=objectives,
                quick_wins=wins,
                stakeholder_plan=people,
                success_metrics=metrics,
                started_on=started_on,
                ended_on=ended_on,
                check_ins=tuple(days),
            )
        )
    return EscalationView(
        row=row,
        resolution=resolution,
        lessons_learned=lessons,
        process_changed=changed,
        events=events,
        contacts=contacts,
        plans=tuple(plans),
        legacy_plan=legacy,
    )


# --- writes ----------------------------------------------------------------------------------


def add_event(
    session: Session,
    escalation: Escalation,
    *,
    kind: str,
    to_level: int,
    why: str,
    actor_id: uuid.UUID | None,
    now: datetime | None = None,
    touch_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """Record one step of `escalation`'s life (from its current level to `to_level`)."""
    event = EscalationEvent(
        escalation_id=escalation.id,
        kind=kind,
        from_level=escalation.level,
        to_level=to_level,
        actor_id=actor_id,
        occurred_at=now or utc_now(),
        why=why,
        touch_id=touch_id,
    )
    session.add(event)
    session.flush()
    return event.id


def add_recovery_plan(
    session: Session,
    *,
    account_id: uuid.UUID,
    escalation_id: uuid.UUID | None,
    objectives: str,
    quick_wins: str,
    stakeholder_plan: str,
    success_metrics: str,
    started_on: date,
    touch_id: uuid.UUID | None,
    by_id: uuid.UUID | None,
    new_id: uuid.UUID | None = None,
) -> uuid.UUID:
    plan = RecoveryPlan(
        id=new_id or new_row_id(),
        account_id=account_id,
        escalation_id=escalation_id,
        objectives=objectives,
        quick_wins=quick_wins,
        stakeholder_plan=stakeholder_plan,
        success_metrics=success_metrics,
        started_on=started_on,
        touch_id=touch_id,
        by_id=by_id,
    )
    session.add(plan)
    session.flush()
    return plan.id


def looks_like_id(text: str) -> bool:
    """Six or more hex digits: the start of an id, as `csm escalation list` shows them."""
    hexa = text.strip().replace("-", "").lower()
    return len(hexa) >= 6 and all(ch in "0123456789abcdef" for ch in hexa)


def find(session: Session, reference: str) -> list[uuid.UUID]:
    """Escalations a user may name: by id (or its first characters, as `csm escalation list`
    shows them), or by their account's CRM id or name (its open one first)."""
    e, a = _ESCALATION.c, _ACCOUNT.c
    text = reference.strip()
    if not text:
        return []
    hexa = text.replace("-", "").lower()
    if looks_like_id(text):
        candidates = session.execute(
            select(raw_column(e.id)).where(e.deleted_at.is_(None))
        ).scalars()
        found = [
            uuid.UUID(canonical(key))
            for key in candidates
            if canonical(key).replace("-", "").startswith(hexa)
        ]
        if found:
            return found
    statement = (
        select(e.id)
        .select_from(_ESCALATION.join(_ACCOUNT, a.id == e.account_id))
        .where(
            e.deleted_at.is_(None),
            a.deleted_at.is_(None),
            and_(
                sa.or_(
                    func.lower(a.external_id) == text.lower(),
                    func.lower(a.name) == text.lower(),
                )
            ),
        )
        .order_by(e.status != EscalationStatus.OPEN.value, e.level.desc(), e.opened_at.desc())
    )
    return list(session.execute(statement).scalars())
