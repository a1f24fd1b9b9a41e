"""triage: alert reviews and each team member's last triage

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 12:00:00.000000

`alert_review` records that a CSM looked at an alert (a health drop) so that it leaves the day's
queue; `triage_visit` keeps the days a team member last opened the queue, from which "changed
since the last triage" counts. Both are new tables: nothing existing moves.

A development build of revision 0002 stored a JSON `scheduled_touch.trace` that is no longer
written (explanations are recomputed from the facts); it is dropped here when present, so such
a database keeps working.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # autogenerate writes sqlmodel.sql.sqltypes.AutoString()
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert_review",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_alert_review_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["by_id"],
            ["team_member.id"],
            name=op.f("fk_alert_review_by_id_team_member"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_review")),
    )
    with op.batch_alter_table("alert_review", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alert_review_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_alert_review_by_id"), ["by_id"], unique=False)

    op.create_table(
        "triage_visit",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("last_on", sa.Date(), nullable=False),
        sa.Column("previous_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["team_member.id"],
            name=op.f("fk_triage_visit_member_id_team_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_triage_visit")),
    )

    columns = {
        column["name"] for column in sa.inspect(op.get_bind()).get_columns("scheduled_touch")
    }
    if "trace" in columns:
        with op.batch_alter_table("scheduled_touch", schema=None) as batch_op:
            batch_op.drop_column("trace")


def downgrade() -> None:
    op.drop_table("triage_visit")
    with op.batch_alter_table("alert_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_review_by_id"))
        batch_op.drop_index(batch_op.f("ix_alert_review_account_id"))
    op.drop_table("alert_review")
