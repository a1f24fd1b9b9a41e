"""schedule: the rules engine's decisions in scheduled_touch, and the snooze table

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 11:00:00.000000

scheduled_touch gains what the triage queue shows (label, the outer bound, overdue days, pin,
is-next, snooze, and the day and rules file it was computed for); the full explanation of an
item is recomputed from the account's facts when asked for (`rules explain`), never stored. Its
rows are derived data: rows already there get neutral values here and are replaced by the next
recompute (app_meta has no `schedule.*` keys yet, so the schedule is not current). The NOT NULL
columns are added nullable, filled, then made NOT NULL without a server default, so that the
schema equals the models' create_all schema; on SQLite that second step is a batch rebuild of
scheduled_touch, which no table refers to.

`account.snoozed_until` / `account.snooze_reason` stay: services/demo.py still writes them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # autogenerate writes sqlmodel.sql.sqltypes.AutoString()
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


#: New NOT NULL columns of scheduled_touch and the value existing rows get.
_FILLED = (
    ("label", sqlmodel.sql.sqltypes.AutoString(), sa.column("kind")),
    ("overdue_days", sa.Integer(), sa.literal(0)),
    ("pinned", sa.Boolean(), sa.false()),
    ("is_next", sa.Boolean(), sa.false()),
    ("computed_for", sa.Date(), sa.column("due_on")),
    ("rules_sha256", sqlmodel.sql.sqltypes.AutoString(), sa.literal("")),
)


def upgrade() -> None:
    op.create_table(
        "snooze",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("snoozed_on", sa.Date(), nullable=False),
        sa.Column("by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_snooze_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["by_id"],
            ["team_member.id"],
            name=op.f("fk_snooze_by_id_team_member"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snooze")),
    )
    with op.batch_alter_table("snooze", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_snooze_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_snooze_by_id"), ["by_id"], unique=False)

    # Added in the models' column order: SQLite appends, and create_all must give the same table.
    with op.batch_alter_table("scheduled_touch", schema=None) as batch_op:
        batch_op.add_column(sa.Column("label", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("latest_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("overdue_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("pinned", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("is_next", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("snoozed_until", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("snooze_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch_op.add_column(sa.Column("computed_for", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("rules_sha256", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )

    scheduled_touch = sa.table(
        "scheduled_touch",
        sa.column("kind"),
        sa.column("due_on"),
        *(sa.column(name) for name, _type, _value in _FILLED),
    )
    op.execute(scheduled_touch.update().values({name: value for name, _type, value in _FILLED}))

    with op.batch_alter_table("scheduled_touch", schema=None) as batch_op:
        for name, type_, _value in _FILLED:
            batch_op.alter_column(name, existing_type=type_, nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("scheduled_touch", schema=None) as batch_op:
        for name in (
            "rules_sha256",
            "computed_for",
            "snooze_reason",
            "snoozed_until",
            "is_next",
            "pinned",
            "overdue_days",
            "latest_on",
            "label",
        ):
            batch_op.drop_column(name)

    with op.batch_alter_table("snooze", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_snooze_by_id"))
        batch_op.drop_index(batch_op.f("ix_snooze_account_id"))

    op.drop_table("snooze")
