"""schedule plan: store what stays the same from day to day

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 19:00:00.000000

`scheduled_touch` no longer stores what changes every day (how late an item is, its status,
urgency, pin, the reason's last words): the queue works them out for the day it is read, from
the values the urgency reads, which are stored instead. `plan_validity` keeps until when each
account's plan holds, and touchpoints get an index on their date: a new day's recompute decides
again only the accounts whose plan ran out or that have touches dated since. The rows are
derived data, so they are emptied here with the schedule's stamp in `app_meta`: the next start
recomputes them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # autogenerate writes sqlmodel.sql.sqltypes.AutoString()
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STAMP = "DELETE FROM app_meta WHERE key IN ('schedule.computed_for', 'schedule.rules_sha256')"


def upgrade() -> None:
    op.execute("DELETE FROM scheduled_touch")
    op.execute(_STAMP)
    with op.batch_alter_table("scheduled_touch", schema=None) as batch_op:
        for name in (
            "explanation",
            "urgency",
            "status",
            "overdue_days",
            "pinned",
            "is_next",
            "computed_for",
            "rules_sha256",
        ):
            batch_op.drop_column(name)
        batch_op.add_column(sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False))
        batch_op.add_column(sa.Column("band", sqlmodel.sql.sqltypes.AutoString(), nullable=False))
        batch_op.add_column(
            sa.Column("effective_priority", sqlmodel.sql.sqltypes.AutoString(), nullable=False)
        )
        batch_op.add_column(sa.Column("escalation_level", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("breach_at", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("pin_always", sa.Boolean(), nullable=False))
        batch_op.add_column(sa.Column("pin_rule", sa.Boolean(), nullable=False))
        batch_op.add_column(sa.Column("last_touch_on", sa.Date(), nullable=True))
    op.create_table(
        "plan_validity",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_plan_validity_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_plan_validity")),
    )
    with op.batch_alter_table("plan_validity", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_validity_valid_until"), ["valid_until"], unique=False
        )
    with op.batch_alter_table("touchpoint", schema=None) as batch_op:
        batch_op.create_index("ix_touchpoint_occurred_on", ["occurred_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("touchpoint", schema=None) as batch_op:
        batch_op.drop_index("ix_touchpoint_occurred_on")
    with op.batch_alter_table("plan_validity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_validity_valid_until"))
    op.drop_table("plan_validity")
    op.execute("DELETE FROM scheduled_touch")
    op.execute(_STAMP)
    with op.batch_alter_table("scheduled_touch", schema=None) as batch_op:
        for name in (
            "reason",
            "band",
            "effective_priority",
            "escalation_level",
            "breach_at",
            "pin_always",
            "pin_rule",
            "last_touch_on",
        ):
            batch_op.drop_column(name)
        batch_op.add_column(
            sa.Column("explanation", sqlmodel.sql.sqltypes.AutoString(), nullable=False)
        )
        batch_op.add_column(sa.Column("urgency", sa.Float(), nullable=False))
        batch_op.add_column(sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False))
        batch_op.add_column(sa.Column("overdue_days", sa.Integer(), nullable=False))
        batch_op.add_column(sa.Column("pinned", sa.Boolean(), nullable=False))
        batch_op.add_column(sa.Column("is_next", sa.Boolean(), nullable=False))
        batch_op.add_column(sa.Column("computed_for", sa.Date(), nullable=False))
        batch_op.add_column(
            sa.Column("rules_sha256", sqlmodel.sql.sqltypes.AutoString(), nullable=False)
        )
