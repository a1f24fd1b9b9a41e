"""slim schedule: an item row per kind, the account's part of the plan once per account

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 14:00:00.000000

A full reschedule of 100,000 accounts writes about 365,000 `scheduled_touch` rows, and each
row repeated what the urgency reads of the account as a whole (band, effective priority,
escalation level, breach day, pin, last touch) and carried a row id, timestamps and a soft
delete that derived rows, rewritten and never edited, do not use. The rows are now keyed by
(account, kind); the account's part moves to `account_plan` beside until when the plan holds
(which was `plan_validity`, whose index on that day goes: the morning's question scans the
accounts anyway). Two fifths fewer values to write, a third fewer bytes to commit. The rows are
derived data, so both tables start empty with the schedule's stamp in `app_meta`: the next start
recomputes them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # autogenerate writes sqlmodel.sql.sqltypes.AutoString()
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STAMP = "DELETE FROM app_meta WHERE key IN ('schedule.computed_for', 'schedule.rules_sha256')"


def _text() -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString()


def upgrade() -> None:
    op.execute(_STAMP)
    with op.batch_alter_table("plan_validity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_validity_valid_until"))
    op.drop_table("plan_validity")
    with op.batch_alter_table("scheduled_touch", schema=None) as batch_op:
        batch_op.drop_index("ix_scheduled_touch_due")
    op.drop_table("scheduled_touch")

    op.create_table(
        "scheduled_touch",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("kind", _text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("rule_id", _text(), nullable=False),
        sa.Column("label", _text(), nullable=False),
        sa.Column("latest_on", sa.Date(), nullable=True),
        sa.Column("snoozed_until", sa.Date(), nullable=True),
        sa.Column("snooze_reason", _text(), nullable=True),
        sa.Column("reason", _text(), nullable=False),
        sa.Column("pin_rule", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_scheduled_touch_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "kind", name=op.f("pk_scheduled_touch")),
    )
    with op.batch_alter_table("scheduled_touch", schema=None) as batch_op:
        batch_op.create_index("ix_scheduled_touch_due", ["due_on"], unique=False)
    op.create_table(
        "account_plan",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("band", _text(), nullable=False),
        sa.Column("effective_priority", _text(), nullable=False),
        sa.Column("escalation_level", sa.Integer(), nullable=True),
        sa.Column("breach_at", sa.Date(), nullable=True),
        sa.Column("pin_always", sa.Boolean(), nullable=False),
        sa.Column("last_touch_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_account_plan_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_plan")),
    )


def downgrade() -> None:
    """Back to revision 0004's tables, empty (derived rows: a 0004 csm-tui recomputes them)."""
    op.execute(_STAMP)
    op.drop_table("account_plan")
    with op.batch_alter_table("scheduled_touch", schema=None) as batch_op:
        batch_op.drop_index("ix_scheduled_touch_due")
    op.drop_table("scheduled_touch")

    moment = sa.DateTime(timezone=True)
    op.create_table(
        "scheduled_touch",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", moment, nullable=False),
        sa.Column("updated_at", moment, nullable=False),
        sa.Column("deleted_at", moment, nullable=True),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("kind", _text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("rule_id", _text(), nullable=False),
        sa.Column("label", _text(), nullable=False),
        sa.Column("latest_on", sa.Date(), nullable=True),
        sa.Column("snoozed_until", sa.Date(), nullable=True),
        sa.Column("snooze_reason", _text(), nullable=True),
        sa.Column("reason", _text(), nullable=False),
        sa.Column("band", _text(), nullable=False),
        sa.Column("effective_priority", _text(), nullable=False),
        sa.Column("escalation_level", sa.Integer(), nullable=True),
        sa.Column("breach_at", sa.Date(), nullable=True),
        sa.Column("pin_always", sa.Boolean(), nullable=False),
        sa.Column("pin_rule", sa.Boolean(), nullable=False),
        sa.Column("last_touch_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_scheduled_touch_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_touch")),
        sa.UniqueConstraint("account_id", "kind", name=op.f("uq_scheduled_touch_account_id_kind")),
    )
    with op.batch_alter_table("scheduled_touch", schema=None) as batch_op:
        batch_op.create_index("ix_scheduled_touch_due", ["due_on"], unique=False)
    op.create_table(
        "plan_validity",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_plan_validity_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_plan_validity")),
    )
    with op.batch_alter_table("plan_validity", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_validity_valid_until"), ["valid_until"], unique=False
        )
