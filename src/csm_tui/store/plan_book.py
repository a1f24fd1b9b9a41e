"""Every success plan of a book at once, for the book's plans view (`domain.plan_book`).

Two queries whatever the size of the book, not one per account: the plans, then the milestones
of the active ones that are not done (all a plan's standing weighs: what slipped or is blocked,
and when it was last reviewed). Keys are read raw (`store.facts.raw_column`) and grouped in
Python, as `store.facts.Reader.plans` does for the rules engine; the rest is read through
SQLAlchemy's types, so that dates are dates on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlmodel import Session

from csm_tui.domain.enums import MilestoneStatus
from csm_tui.domain.success_plan import MilestoneLine, ObjectiveLine, PlanLine, PlanStatus
from csm_tui.models import Account, Milestone, Objective, SuccessPlan, as_utc, table_of
from csm_tui.store.facts import NO_ID, as_uuid, raw_column
from csm_tui.store.queries import member_ids
from csm_tui.store.raw import canonical

_ACCOUNT = table_of(Account)
_PLAN = table_of(SuccessPlan)
_OBJECTIVE = table_of(Objective)
_MILESTONE = table_of(Milestone)


def book_plans(session: Session, owner_email: str | None = None) -> dict[str, list[PlanLine]]:
    """The live plans of every live account (or of those owned by `owner_email`), oldest
    first, by the account's key (canonical text, as `AccountRow.id`). An account with no plan
    is not in it. Only active plans carry milestones, and only those not done: the others
    count for nothing in where the account stands."""
    a, p, o, m = _ACCOUNT.c, _PLAN.c, _OBJECTIVE.c, _MILESTONE.c
    in_book: list[ColumnElement[bool]] = [a.deleted_at.is_(None), p.deleted_at.is_(None)]
    if owner_email is not None:
        in_book.append(a.owner_id.in_(member_ids(owner_email)))
    of_accounts = _PLAN.join(_ACCOUNT, a.id == p.account_id)
    plans = session.execute(
        select(
            raw_column(p.account_id),
            raw_column(p.id),
            p.title,
            p.status,
            p.reviewed_on,
            p.next_review_on,
            p.created_at,
        )
        .select_from(of_accounts)
        .where(*in_book)
        .order_by(p.created_at, p.id)
    ).all()
    if not plans:
        return {}
    milestones: defaultdict[Any, defaultdict[Any, list[MilestoneLine]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for plan, objective, title, due_on, status, blocked_on in session.execute(
        select(
            raw_column(o.plan_id),
            raw_column(o.id),
            m.title,
            m.due_on,
            m.status,
            m.blocked_on,
        )
        .select_from(
            _MILESTONE.join(_OBJECTIVE, o.id == m.objective_id).join(of_accounts, p.id == o.plan_id)
        )
        .where(
            *in_book,
            p.status == PlanStatus.ACTIVE.value,
            o.deleted_at.is_(None),
            m.deleted_at.is_(None),
            m.status != MilestoneStatus.DONE.value,
        )
    ):
        milestones[plan][objective].append(
            MilestoneLine(
                id=NO_ID,
                objective_id=NO_ID,
                title=title,
                due_on=due_on,
                status=MilestoneStatus(status),
                blocked_on=blocked_on,
            )
        )
    found: defaultdict[str, list[PlanLine]] = defaultdict(list)
    for account, plan, title, status, reviewed_on, next_review_on, created_at in plans:
        found[canonical(account)].append(
            PlanLine(
                id=as_uuid(plan),
                account_id=as_uuid(account),
                title=title,
                status=PlanStatus(status),
                reviewed_on=reviewed_on,
                next_review_on=next_review_on,
                objectives=tuple(
                    ObjectiveLine(id=NO_ID, outcome="", milestones=tuple(lines))
                    for lines in milestones.get(plan, {}).values()
                ),
                created_on=as_utc(created_at).date(),
            )
        )
    return dict(found)
