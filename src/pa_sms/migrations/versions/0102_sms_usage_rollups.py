"""sms usage rollups: daily per-user and per-number rollups, refresh state, quota notices

Revision ID: 0102
Revises: 0101
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0102"
down_revision: str | Sequence[str] | None = "0101"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sms_usage_state",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("watermark", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sms_usage_state")),
    )
    op.create_table(
        "sms_quota_notices",
        sa.Column("user_id", sa.String(length=26), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_sms_quota_notices_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "month", name=op.f("pk_sms_quota_notices")),
    )
    op.create_table(
        "sms_usage_daily_user",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("user_id", sa.String(length=26), nullable=False),
        sa.Column("messages_in", sa.Integer(), nullable=False),
        sa.Column("messages_out", sa.Integer(), nullable=False),
        sa.Column("segments_in", sa.Integer(), nullable=False),
        sa.Column("segments_out", sa.Integer(), nullable=False),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("undelivered", sa.Integer(), nullable=False),
        sa.Column("cost_known_micros", sa.BigInteger(), nullable=False),
        sa.Column("cost_estimated_micros", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_sms_usage_daily_user_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("day", "user_id", name=op.f("pk_sms_usage_daily_user")),
    )
    with op.batch_alter_table("sms_usage_daily_user", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sms_usage_daily_user_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "sms_usage_daily_number",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("number_id", sa.String(length=26), nullable=False),
        sa.Column("phone_number", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=26), nullable=True),
        sa.Column("messages_in", sa.Integer(), nullable=False),
        sa.Column("messages_out", sa.Integer(), nullable=False),
        sa.Column("segments_in", sa.Integer(), nullable=False),
        sa.Column("segments_out", sa.Integer(), nullable=False),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("undelivered", sa.Integer(), nullable=False),
        sa.Column("cost_known_micros", sa.BigInteger(), nullable=False),
        sa.Column("cost_estimated_micros", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.ForeignKeyConstraint(
            ["number_id"],
            ["user_phone_numbers.id"],
            name=op.f("fk_sms_usage_daily_number_number_id_user_phone_numbers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_sms_usage_daily_number_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("day", "number_id", name=op.f("pk_sms_usage_daily_number")),
    )
    with op.batch_alter_table("sms_usage_daily_number", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sms_usage_daily_number_number_id"), ["number_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sms_usage_daily_number_user_id"), ["user_id"], unique=False
        )

    with op.batch_alter_table("sms_messages", schema=None) as batch_op:
        batch_op.create_index("ix_sms_messages_updated_at", ["updated_at"], unique=False)
        batch_op.create_index(
            "ix_sms_messages_user_id_created_at", ["user_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sms_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_sms_messages_user_id_created_at")
        batch_op.drop_index("ix_sms_messages_updated_at")

    with op.batch_alter_table("sms_usage_daily_number", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sms_usage_daily_number_user_id"))
        batch_op.drop_index(batch_op.f("ix_sms_usage_daily_number_number_id"))

    op.drop_table("sms_usage_daily_number")
    with op.batch_alter_table("sms_usage_daily_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sms_usage_daily_user_user_id"))

    op.drop_table("sms_usage_daily_user")
    op.drop_table("sms_quota_notices")
    op.drop_table("sms_usage_state")
