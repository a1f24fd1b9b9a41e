"""the day an account entered the book, and its planned first call

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 09:00:00.000000

A clock with nothing on record (no cadence call, no NPS survey yet) counted from the contract
start, so a book imported years after its contracts started was hundreds of days overdue on its
first morning. It now counts from the day the account entered the book; accounts already here
entered it the day their row was created. `first_call_by` holds the first call planned for an
account that entered with no call on record (spread over one cadence period).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entered_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("first_call_by", sa.Date(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        op.execute("UPDATE account SET entered_on = substr(created_at, 1, 10)")
    else:
        op.execute("UPDATE account SET entered_on = CAST(created_at AT TIME ZONE 'UTC' AS DATE)")


def downgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("first_call_by")
        batch_op.drop_column("entered_on")
