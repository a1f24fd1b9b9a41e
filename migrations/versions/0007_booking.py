"""booked meetings: the booking table, and the day an item waits for in scheduled_touch

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 10:00:00.000000

A meeting already booked for a future day is recorded (`booking`); its item waits for that day
instead of counting as overdue (`scheduled_touch.booked_for`), and comes back as it was if the
day passes with nothing logged. The schedule is derived data: its stamp goes, so the next start
computes every account again with the new column filled.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # autogenerate writes sqlmodel.sql.sqltypes.AutoString()
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STAMP = "DELETE FROM app_meta WHERE key IN ('schedule.computed_for', 'schedule.rules_sha256')"


def upgrade() -> None:
    op.create_table(
        "booking",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_booking_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["by_id"],
            ["team_member.id"],
            name=op.f("fk_booking_by_id_team_member"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking")),
    )
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_booking_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_booking_by_id"), ["by_id"], unique=False)
    with op.batch_alter_table("scheduled_touch", schema=None) as batch_op:
        batch_op.add_column(sa.Column("booked_for", sa.Date(), nullable=True))
    op.execute(_STAMP)


def downgrade() -> None:
    op.execute(_STAMP)
    with op.batch_alter_table("scheduled_touch", schema=None) as batch_op:
        batch_op.drop_column("booked_for")
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_booking_by_id"))
        batch_op.drop_index(batch_op.f("ix_booking_account_id"))
    op.drop_table("booking")
