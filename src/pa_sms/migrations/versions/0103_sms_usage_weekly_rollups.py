"""sms usage weekly rollups: per-user and per-number sums of each week's daily rows

Weeks start on Monday. The new tables are filled from the daily rollups
already there, so reports are right straight after the upgrade.

Revision ID: 0103
Revises: 0102
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0103"
down_revision: str | Sequence[str] | None = "0102"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COUNTS = (
    "messages_in",
    "messages_out",
    "segments_in",
    "segments_out",
    "delivered",
    "failed",
    "undelivered",
)
_MONEY = ("cost_known_micros", "cost_estimated_micros")


def _count_columns() -> list[sa.Column[Any]]:
    return [
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _COUNTS),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in _MONEY),
        sa.Column("currency", sa.String(length=3), nullable=False),
    ]


def _week_of(column: str) -> str:
    """SQL for the Monday starting the week of the date ``column``, per dialect."""
    if op.get_bind().dialect.name == "postgresql":
        return f"CAST(date_trunc('week', {column}) AS DATE)"
    return (
        f"date({column}, '-' || ((CAST(strftime('%w', {column}) AS INTEGER) + 6) % 7) || ' days')"
    )


def upgrade() -> None:
    op.create_table(
        "sms_usage_weekly_user",
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("user_id", sa.String(length=26), nullable=False),
        *_count_columns(),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_sms_usage_weekly_user_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("week", "user_id", name=op.f("pk_sms_usage_weekly_user")),
    )
    with op.batch_alter_table("sms_usage_weekly_user", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sms_usage_weekly_user_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "sms_usage_weekly_number",
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("number_id", sa.String(length=26), nullable=False),
        sa.Column("phone_number", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=26), nullable=True),
        *_count_columns(),
        sa.ForeignKeyConstraint(
            ["number_id"],
            ["user_phone_numbers.id"],
            name=op.f("fk_sms_usage_weekly_number_number_id_user_phone_numbers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_sms_usage_weekly_number_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("week", "number_id", name=op.f("pk_sms_usage_weekly_number")),
    )
    with op.batch_alter_table("sms_usage_weekly_number", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sms_usage_weekly_number_number_id"), ["number_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sms_usage_weekly_number_user_id"), ["user_id"], unique=False
        )

    sums = ", ".join(f"SUM({name})" for name in (*_COUNTS, *_MONEY))
    names = ", ".join((*_COUNTS, *_MONEY))
    op.execute(
        f"INSERT INTO sms_usage_weekly_user (week, user_id, {names}, currency) "  # noqa: S608 (constant names)
        f"SELECT {_week_of('day')}, user_id, {sums}, MAX(currency) "
        f"FROM sms_usage_daily_user GROUP BY {_week_of('day')}, user_id"
    )
    op.execute(
        f"INSERT INTO sms_usage_weekly_number "  # noqa: S608 (constant names)
        f"(week, number_id, phone_number, user_id, {names}, currency) "
        f"SELECT {_week_of('day')}, number_id, MAX(phone_number), MAX(user_id), {sums}, "
        f"MAX(currency) FROM sms_usage_daily_number GROUP BY {_week_of('day')}, number_id"
    )


def downgrade() -> None:
    with op.batch_alter_table("sms_usage_weekly_number", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sms_usage_weekly_number_user_id"))
        batch_op.drop_index(batch_op.f("ix_sms_usage_weekly_number_number_id"))

    op.drop_table("sms_usage_weekly_number")
    with op.batch_alter_table("sms_usage_weekly_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sms_usage_weekly_user_user_id"))

    op.drop_table("sms_usage_weekly_user")
