"""weekly notes: a member's wins, risks and asks for their manager, per ISO week

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 14:15:00.000000

The weekly wrap-up (issue 22) ends with the CSM's notes for the manager. One row per member and
week ("2026-W49"): a draft while `submitted_at` is empty, then as it was sent.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # autogenerate writes sqlmodel.sql.sqltypes.AutoString()
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "weekly_report",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("week", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("wins", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("risks", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("asks", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["team_member.id"],
            name=op.f("fk_weekly_report_member_id_team_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weekly_report")),
        sa.UniqueConstraint("member_id", "week", name=op.f("uq_weekly_report_member_id_week")),
    )
    with op.batch_alter_table("weekly_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_weekly_report_week"), ["week"])


def downgrade() -> None:
    with op.batch_alter_table("weekly_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_weekly_report_week"))
    op.drop_table("weekly_report")
