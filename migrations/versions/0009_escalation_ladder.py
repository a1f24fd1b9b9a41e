"""the escalation ladder: event kinds, resolution and review, recovery plans

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 12:00:00.000000

Every step of an escalation is an event of a kind (`domain.ladder.EventKind`): the steps onto
the ladder already recorded become "opened", "raised" or "lowered" by their levels. Only the
steps that move the level restart the SLA clock now (a note or a follow-up does not), which
the schedule reads: its stamp goes, so the next start computes every account again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # autogenerate writes sqlmodel.sql.sqltypes.AutoString()
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STAMP = "DELETE FROM app_meta WHERE key IN ('schedule.computed_for', 'schedule.rules_sha256')"


def upgrade() -> None:
    op.create_table(
        "recovery_plan",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("escalation_id", sa.Uuid(), nullable=True),
        sa.Column("objectives", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("quick_wins", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("stakeholder_plan", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("success_metrics", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("touch_id", sa.Uuid(), nullable=True),
        sa.Column("by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_recovery_plan_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalation.id"],
            name=op.f("fk_recovery_plan_escalation_id_escalation"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["touch_id"],
            ["touchpoint.id"],
            name=op.f("fk_recovery_plan_touch_id_touchpoint"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["by_id"],
            ["team_member.id"],
            name=op.f("fk_recovery_plan_by_id_team_member"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_plan")),
    )
    with op.batch_alter_table("recovery_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recovery_plan_account_id"), ["account_id"])
        batch_op.create_index(batch_op.f("ix_recovery_plan_escalation_id"), ["escalation_id"])
        batch_op.create_index(batch_op.f("ix_recovery_plan_touch_id"), ["touch_id"])
        batch_op.create_index(batch_op.f("ix_recovery_plan_by_id"), ["by_id"])
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("process_changed", sa.Boolean(), nullable=True))
    with op.batch_alter_table("escalation_event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sqlmodel.sql.sqltypes.AutoString(),
                nullable=False,
                server_default="raised",
            )
        )
        batch_op.add_column(sa.Column("touch_id", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_escalation_event_touch_id"), ["touch_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_escalation_event_touch_id_touchpoint"),
            "touchpoint",
            ["touch_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.execute("UPDATE escalation_event SET kind = 'opened' WHERE from_level IS NULL")
    op.execute("UPDATE escalation_event SET kind = 'lowered' WHERE from_level > to_level")
    with op.batch_alter_table("escalation_event", schema=None) as batch_op:
        batch_op.alter_column("kind", server_default=None)
    op.execute(_STAMP)


def downgrade() -> None:
    op.execute(_STAMP)
    with op.batch_alter_table("escalation_event", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_escalation_event_touch_id_touchpoint"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_escalation_event_touch_id"))
        batch_op.drop_column("touch_id")
        batch_op.drop_column("kind")
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.drop_column("process_changed")
        batch_op.drop_column("resolved_at")
    with op.batch_alter_table("recovery_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recovery_plan_by_id"))
        batch_op.drop_index(batch_op.f("ix_recovery_plan_touch_id"))
        batch_op.drop_index(batch_op.f("ix_recovery_plan_escalation_id"))
        batch_op.drop_index(batch_op.f("ix_recovery_plan_account_id"))
    op.drop_table("recovery_plan")
