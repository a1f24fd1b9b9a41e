"""sync log: the team's server keeps each laptop's mutations it applied, and where each laptop is

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 17:40:00.000000

Offline with a team (issue 23): the server applies a laptop's outbox in order. `sync_device`
holds the last `seq` it applied of each device (a mutation at or under it is skipped: its reply
was lost, the laptop sends it again); `mutation_log` holds every mutation applied or rejected,
numbered by the server in the order applied (`id`), never by a laptop's clock.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # autogenerate writes sqlmodel.sql.sqltypes.AutoString()
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sync_device",
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=True),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["team_member.id"],
            name=op.f("fk_sync_device_member_id_team_member"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_sync_device")),
    )
    op.create_table(
        "mutation_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("mutation_id", sa.Uuid(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("args", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("message", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["sync_device.device_id"],
            name=op.f("fk_mutation_log_device_id_sync_device"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mutation_log")),
        sa.UniqueConstraint("device_id", "seq", name=op.f("uq_mutation_log_device_id_seq")),
        sa.UniqueConstraint("mutation_id", name=op.f("uq_mutation_log_mutation_id")),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("mutation_log")
    op.drop_table("sync_device")
