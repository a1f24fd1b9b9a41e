"""Success plans as the plan screen, `csm plan` and the export read them: an account's plans
with their objectives and milestones in order, each milestone with the history of its moves.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from csm_tui.domain.enums import MilestoneStatus, ObjectiveKind
from csm_tui.domain.success_plan import MilestoneLine, Move, ObjectiveLine, PlanLine, PlanStatus
from csm_tui.models import (
    Milestone,
    MilestoneMove,
    Objective,
    SuccessPlan,
    as_utc,
    table_of,
)
from csm_tui.store.facts import raw_column
from csm_tui.store.raw import canonical

_PLAN = table_of(SuccessPlan)
_OBJECTIVE = table_of(Objective)
_MILESTONE = table_of(Milestone)
_MOVE = table_of(MilestoneMove)


def plans_of(session: Session, account_id: uuid.UUID) -> list[PlanLine]:
    """The account's live plans, the newest first, each whole."""
    p = _PLAN.c
    keys = session.execute(
        select(p.id)
        .where(p.account_id == account_id, p.deleted_at.is_(None))
        .order_by(p.created_at.desc(), p.id)
    ).scalars()
    return [plan for plan in (plan_of(session, key) for key in keys) if plan is not None]


def plan_of(session: Session, plan_id: uuid.UUID) -> PlanLine | None:
    p, o, m, mv = _PLAN.c, _OBJECTIVE.c, _MILESTONE.c, _MOVE.c
    found = session.execute(
        select(
            raw_column(p.id),
            raw_column(p.account_id),
            p.title,
            p.status,
            p.reviewed_on,
            p.next_review_on,
            p.created_at,
        ).where(p.id == plan_id, p.deleted_at.is_(None))
    ).first()
    if found is None:
        return None
    key, account, title, status, reviewed, next_review, created = found
    objectives = session.execute(
        select(
            raw_column(o.id),
            o.outcome,
            o.metric,
            o.baseline,
            o.target,
            o.current,
            o.measured_on,
            o.position,
            o.kind,
        )
        .where(o.plan_id == plan_id, o.deleted_at.is_(None))
        .order_by(o.position, o.created_at, o.id)
    ).all()
    objective_keys = [uuid.UUID(canonical(row[0])) for row in objectives]
    milestones: defaultdict[str, list[Any]] = defaultdict(list)
    moves: defaultdict[str, list[Any]] = defaultdict(list)
    if objective_keys:
        for row in session.execute(
            select(
                raw_column(m.id),
                raw_column(m.objective_id),
                m.title,
                m.due_on,
                m.dri,
                m.status,
                m.note,
                m.blocked_reason,
                m.blocked_on,
                m.completed_at,
                m.position,
            )
            .where(m.objective_id.in_(objective_keys), m.deleted_at.is_(None))
            .order_by(m.due_on.is_(None), m.due_on, m.position, m.created_at, m.id)
        ):
            milestones[canonical(row[1])].append(row)
        milestone_keys = [
            uuid.UUID(canonical(row[0])) for rows in milestones.values() for row in rows
        ]
        if milestone_keys:
            for milestone, frm, to, moved in session.execute(
                select(raw_column(mv.milestone_id), mv.from_on, mv.to_on, mv.moved_on)
                .where(mv.milestone_id.in_(milestone_keys), mv.deleted_at.is_(None))
                .order_by(mv.moved_on, mv.created_at)
            ):
                moves[canonical(milestone)].append((frm, to, moved))
    return PlanLine(
        id=_key(key),
        account_id=_key(account),
        title=title,
        status=PlanStatus(status),
        reviewed_on=reviewed,
        next_review_on=next_review,
        objectives=tuple(
            ObjectiveLine(
                id=_key(okey),
                outcome=outcome,
                metric=metric,
                baseline=baseline,
                target=target,
                current=current,
                measured_on=measured,
                position=position,
                kind=ObjectiveKind(kind),
                milestones=tuple(
                    MilestoneLine(
                        id=_key(mkey),
                        objective_id=_key(okey),
                        title=mtitle,
                        due_on=due,
                        dri=dri,
                        status=MilestoneStatus(mstatus),
                        note=note,
                        blocked_reason=blocked,
                        blocked_on=blocked_on,
                        completed_on=as_utc(completed).date() if completed else None,
                        moves=tuple(Move(*move) for move in moves.get(canonical(mkey), ())),
                        position=mposition,
                    )
                    for (
                        mkey,
                        _,
                        mtitle,
                        due,
                        dri,
                        mstatus,
                        note,
                        blocked,
                        blocked_on,
                        completed,
                        mposition,
                    ) in milestones.get(canonical(okey), ())
                ),
            )
            for okey, outcome, metric, baseline, target, current, measured, position, kind in (
                objectives
            )
        ),
        created_on=as_utc(created).date(),
    )


def _key(raw: object) -> uuid.UUID:
    return uuid.UUID(canonical(raw))


def plan_of_milestone(session: Session, milestone_id: uuid.UUID) -> SuccessPlan | None:
    m, o = _MILESTONE.c, _OBJECTIVE.c
    key = session.execute(
        select(o.plan_id)
        .select_from(_MILESTONE.join(_OBJECTIVE, o.id == m.objective_id))
        .where(m.id == milestone_id)
    ).scalar()
    return None if key is None else session.get(SuccessPlan, key)
