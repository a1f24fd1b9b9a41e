"""a blocked milestone keeps the day it was blocked

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 13:10:00.000000

An active plan with a blocked milestone is at risk from the day it was blocked: the rules
engine's success-plan item is due then and a review with the customer after it satisfies it.
Milestones blocked before this revision are taken to have been blocked on their last change.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.add_column(sa.Column("blocked_on", sa.Date(), nullable=True))
    milestone = sa.table(
        "milestone",
        sa.column("status", sa.String()),
        sa.column("updated_at", sa.DateTime(timezone=True)),
        sa.column("blocked_on", sa.Date()),
    )
    op.execute(
        milestone.update()
        .where(milestone.c.status == "blocked")
        .values(blocked_on=sa.func.date(milestone.c.updated_at))
    )


def downgrade() -> None:
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.drop_column("blocked_on")
