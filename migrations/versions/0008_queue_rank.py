"""the day's ranks of the queue: queue_rank

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 11:00:00.000000

Where each item of the day's queue ranks, kept so that the team's queue is read a page at a
time in rank order (`store.ranks`). A cache of one day: the next whole-book reschedule fills
it, so its stamp goes as revision 0007's did.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # autogenerate writes sqlmodel.sql.sqltypes.AutoString()
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STAMP = "DELETE FROM app_meta WHERE key IN ('schedule.computed_for', 'schedule.rules_sha256')"


def upgrade() -> None:
    op.create_table(
        "queue_rank",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("rank", sa.LargeBinary(), nullable=False),
        sa.Column("head", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_queue_rank_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "kind", name=op.f("pk_queue_rank")),
    )
    with op.batch_alter_table("queue_rank", schema=None) as batch_op:
        batch_op.create_index("ix_queue_rank_rank", ["rank"], unique=False)
    op.execute(_STAMP)


def downgrade() -> None:
    op.execute("DELETE FROM app_meta WHERE key = 'queue.ranked_for'")
    with op.batch_alter_table("queue_rank", schema=None) as batch_op:
        batch_op.drop_index("ix_queue_rank_rank")
    op.drop_table("queue_rank")
