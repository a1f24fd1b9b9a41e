"""The morning triage read from the stored schedule: one query over `ix_scheduled_touch_due`,
each line worked out for the day it is read (`domain.queue.PlannedTouch.on`)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import or_, select
from sqlmodel import Session

from csm_tui.domain.queue import QueueItem
from csm_tui.domain.rulebook import UrgencyCoefficients
from csm_tui.domain.triage import ranked
from csm_tui.models import Account, AccountPlan, ScheduledTouch, TeamMember, table_of
from csm_tui.store.facts import raw_column
from csm_tui.store.queries import member_ids
from csm_tui.store.raw import Shared, planned_touch

_ACCOUNT = table_of(Account)
_SCHEDULED = table_of(ScheduledTouch)
_ACCOUNT_PLAN = table_of(AccountPlan)
_MEMBER = table_of(TeamMember)


def queue(
    session: Session,
    *,
    today: date,
    coefficients: UrgencyCoefficients,
    owner_email: str | None,
    ahead_days: int | None = 0,
    include_snoozed: bool = False,
    account_ids: Collection[uuid.UUID] | None = None,
) -> list[QueueItem]:
    """Today's triage: touches due by `today + ahead_days`, most urgent first.

    One query that reads the due-date range of `ix_scheduled_touch_due`; each line is then
    worked out for `today` (how late, urgency, pin: `PlannedTouch.on`) and ranked as
    `domain.triage.ranked` ranks: pinned first, then urgency, due date, ARR (largest first),
    account name and kind. Snoozed touches are left out until their snooze ends, unless
    `include_snoozed`. `owner_email` None is the whole team. `ahead_days` None reads every
    stored touch, however far off; `account_ids` (a few hundred at most) keeps only those
    accounts.
    """
    statement = queue_statement(
        today=today,
        owner_email=owner_email,
        ahead_days=ahead_days,
        include_snoozed=include_snoozed,
    )
    if account_ids is not None:
        statement = statement.where(_SCHEDULED.c.account_id.in_(sorted(set(account_ids))))
    memo: dict[Any, Any] = {}
    shared = Shared()
    return ranked(
        planned_touch(row, shared).on(today, coefficients, memo)
        for row in session.connection().execute(statement)
    )


def queue_statement(
    *,
    today: date,
    owner_email: str | None,
    ahead_days: int | None = 0,
    include_snoozed: bool = False,
) -> sa.Select[Any]:
    """The one query behind `queue` (tests read its plan with EXPLAIN QUERY PLAN); its
    columns are `store.raw.planned_touch`'s."""
    s = _SCHEDULED.c
    statement = planned_select()
    due = s.due_on <= today + timedelta(days=ahead_days) if ahead_days is not None else None
    if include_snoozed and due is not None:
        # A snooze moved its item's due date to the snooze's end, a booked meeting to its day:
        # show it anyway.
        statement = statement.where(or_(due, s.snoozed_until > today, s.booked_for > today))
    elif due is not None:
        statement = statement.where(due)
    if not include_snoozed:
        statement = statement.where(or_(s.snoozed_until.is_(None), s.snoozed_until <= today))
    if owner_email is not None:
        statement = statement.where(_ACCOUNT.c.owner_id.in_(member_ids(owner_email)))
    return statement


def planned_select(*extra: sa.ColumnElement[Any]) -> sa.Select[Any]:
    """The scheduled touches of live accounts with what `store.raw.planned_touch` reads of
    them, in its order (then `extra`), for a caller to narrow and order."""
    s, p, a, m = _SCHEDULED.c, _ACCOUNT_PLAN.c, _ACCOUNT.c, _MEMBER.c
    return (
        select(
            raw_column(a.id),
            a.external_id,
            a.name,
            m.name,
            m.email,
            a.segment,
            a.priority,
            a.arr_cents,
            a.health_score,
            a.renewal_date,
            s.kind,
            s.label,
            s.due_on,
            s.latest_on,
            s.rule_id,
            s.reason,
            s.snoozed_until,
            s.snooze_reason,
            p.band,
            p.effective_priority,
            p.escalation_level,
            p.breach_at,
            p.pin_always,
            s.pin_rule,
            p.last_touch_on,
            s.booked_for,
            *extra,
        )
        .select_from(
            _SCHEDULED.join(_ACCOUNT, a.id == s.account_id)
            .join(_ACCOUNT_PLAN, p.account_id == s.account_id)
            .outerjoin(_MEMBER, m.id == a.owner_id)
        )
        .where(a.deleted_at.is_(None))
    )
