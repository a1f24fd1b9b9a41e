"""sync feed: the rows written, in order, for the pull; the values a laptop overwrote unseen

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 18:05:00.000000

Offline with a team (issue 23): `sync_change` is the change feed triggers write (installed by
`store.change_feed` on a book that syncs, or a team's server, not here: they follow the tables'
columns), `sync_conflict` the values a laptop's mutation overwrote without having seen them.
An outbox's mutations now carry who made them, on which day, and the last server change the
laptop had (NULL in an outbox kept before: mutation schema 1).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # autogenerate writes sqlmodel.sql.sqltypes.AutoString()
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sync_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("table_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("row_key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("member_id", sa.Uuid(), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("old", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("device_id", sa.Uuid(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_change")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("sync_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_change_account_id"), ["account_id"], unique=False)
        batch_op.create_index("ix_sync_change_row", ["table_name", "row_key"], unique=False)

    op.create_table(
        "sync_conflict",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("table_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("row_key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("column_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("lost", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("won", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("lost_change", sa.Integer(), nullable=False),
        sa.Column("won_device", sa.Uuid(), nullable=True),
        sa.Column("won_seq", sa.Integer(), nullable=True),
        sa.Column("won_by", sa.Uuid(), nullable=True),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.Uuid(), nullable=True),
        sa.Column("resolution", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["resolved_by"],
            ["team_member.id"],
            name=op.f("fk_sync_conflict_resolved_by_team_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["won_by"],
            ["team_member.id"],
            name=op.f("fk_sync_conflict_won_by_team_member"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflict")),
    )
    with op.batch_alter_table("sync_conflict", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sync_conflict_account_id"), ["account_id"], unique=False
        )

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("made_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("base", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("base")
        batch_op.drop_column("made_on")
        batch_op.drop_column("actor_id")

    with op.batch_alter_table("sync_conflict", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_conflict_account_id"))

    op.drop_table("sync_conflict")
    with op.batch_alter_table("sync_change", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_change_row")
        batch_op.drop_index(batch_op.f("ix_sync_change_account_id"))

    op.drop_table("sync_change")
