"""success plans a CSM works: review dates, measured values, milestone notes, DRIs, moves

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 13:00:00.000000

A plan gains its next review date and the template it came from; an objective when its current
value was measured and its place in the plan; a milestone a note, why it is blocked, its place,
and who is directly responsible (a contact of the account or a team member). Moving a
milestone's due date keeps the old one (`milestone_move`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # autogenerate writes sqlmodel.sql.sqltypes.AutoString()
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("success_plan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_review_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("template", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
    with op.batch_alter_table("objective", schema=None) as batch_op:
        batch_op.add_column(sa.Column("measured_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("position", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(
            sa.Column("blocked_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch_op.add_column(sa.Column("position", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("dri_contact_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("dri_member_id", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_milestone_dri_contact_id"), ["dri_contact_id"])
        batch_op.create_index(batch_op.f("ix_milestone_dri_member_id"), ["dri_member_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_milestone_dri_contact_id_contact"),
            "contact",
            ["dri_contact_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_milestone_dri_member_id_team_member"),
            "team_member",
            ["dri_member_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("objective", schema=None) as batch_op:
        batch_op.alter_column("position", server_default=None)
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.alter_column("position", server_default=None)
    op.create_table(
        "milestone_move",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("milestone_id", sa.Uuid(), nullable=False),
        sa.Column("from_on", sa.Date(), nullable=True),
        sa.Column("to_on", sa.Date(), nullable=False),
        sa.Column("moved_on", sa.Date(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["milestone.id"],
            name=op.f("fk_milestone_move_milestone_id_milestone"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["by_id"],
            ["team_member.id"],
            name=op.f("fk_milestone_move_by_id_team_member"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone_move")),
    )
    with op.batch_alter_table("milestone_move", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_milestone_move_milestone_id"), ["milestone_id"])
        batch_op.create_index(batch_op.f("ix_milestone_move_by_id"), ["by_id"])


def downgrade() -> None:
    with op.batch_alter_table("milestone_move", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_milestone_move_by_id"))
        batch_op.drop_index(batch_op.f("ix_milestone_move_milestone_id"))
    op.drop_table("milestone_move")
    with op.batch_alter_table("milestone", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_milestone_dri_member_id_team_member"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_milestone_dri_contact_id_contact"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_milestone_dri_member_id"))
        batch_op.drop_index(batch_op.f("ix_milestone_dri_contact_id"))
        for column in ("dri_member_id", "dri_contact_id", "position", "blocked_reason", "note"):
            batch_op.drop_column(column)
    with op.batch_alter_table("objective", schema=None) as batch_op:
        batch_op.drop_column("position")
        batch_op.drop_column("measured_on")
    with op.batch_alter_table("success_plan", schema=None) as batch_op:
        batch_op.drop_column("template")
        batch_op.drop_column("next_review_on")
