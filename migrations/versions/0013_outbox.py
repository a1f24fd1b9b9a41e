"""outbox: the writes made on a laptop that the team's server has not applied yet

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 17:10:00.000000

Offline with a team (issue 23): each write made on a laptop is kept as a named mutation with its
arguments, in the transaction of the write, until the team's server has applied it. `seq` is
never reused (SQLite's AUTOINCREMENT): the server skips what it applied already by it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # autogenerate writes sqlmodel.sql.sqltypes.AutoString()
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("mutation_id", sa.Uuid(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("args", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox")),
        sa.UniqueConstraint("mutation_id", name=op.f("uq_outbox_mutation_id")),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("outbox")
