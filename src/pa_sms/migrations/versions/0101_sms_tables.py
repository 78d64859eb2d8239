"""sms tables: user_phone_numbers, webhook_configurations, sms_messages, sms_opt_outs

Revision ID: 0101
Revises: (a branch of its own, label pa_sms; depends on pa_core's 0002)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0101"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("pa_sms",)
depends_on: str | Sequence[str] | None = "0002"


def upgrade() -> None:
    op.create_table(
        "sms_opt_outs",
        sa.Column("phone_number", sa.String(length=16), nullable=False),
        sa.Column("handset", sa.String(length=16), nullable=False),
        sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("phone_number", "handset", name=op.f("pk_sms_opt_outs")),
    )
    op.create_table(
        "user_phone_numbers",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("user_id", sa.String(length=26), nullable=True),
        sa.Column("phone_number", sa.String(length=16), nullable=False),
        sa.Column("provider_sid", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("capabilities", sa.JSON(), nullable=False),
        sa.Column("friendly_name", sa.String(length=64), nullable=True),
        sa.Column("monthly_price", sa.String(length=32), nullable=True),
        sa.Column("price_unit", sa.String(length=3), nullable=True),
        sa.Column("provisioned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_phone_numbers_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_phone_numbers")),
        sa.UniqueConstraint("provider_sid", name=op.f("uq_user_phone_numbers_provider_sid")),
    )
    with op.batch_alter_table("user_phone_numbers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_user_phone_numbers_phone_number"), ["phone_number"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_user_phone_numbers_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "sms_messages",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("sid", sa.String(length=64), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("from_number", sa.String(length=16), nullable=False),
        sa.Column("to_number", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=26), nullable=True),
        sa.Column("number_id", sa.String(length=26), nullable=True),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.Column("encoding", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("price", sa.String(length=32), nullable=True),
        sa.Column("price_unit", sa.String(length=3), nullable=True),
        sa.Column("estimated_cost", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["number_id"],
            ["user_phone_numbers.id"],
            name=op.f("fk_sms_messages_number_id_user_phone_numbers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_sms_messages_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_messages")),
        sa.UniqueConstraint("sid", name=op.f("uq_sms_messages_sid")),
    )
    with op.batch_alter_table("sms_messages", schema=None) as batch_op:
        batch_op.create_index("ix_sms_messages_created_at", ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_sms_messages_number_id"), ["number_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sms_messages_user_id"), ["user_id"], unique=False)

    op.create_table(
        "webhook_configurations",
        sa.Column("number_id", sa.String(length=26), nullable=False),
        sa.Column("phone_number", sa.String(length=16), nullable=False),
        sa.Column("sms_url", sa.String(length=2048), nullable=False),
        sa.Column("sms_fallback_url", sa.String(length=2048), nullable=False),
        sa.Column("status_callback_url", sa.String(length=2048), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("last_verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("drift", sa.String(length=1024), nullable=True),
        sa.ForeignKeyConstraint(
            ["number_id"],
            ["user_phone_numbers.id"],
            name=op.f("fk_webhook_configurations_number_id_user_phone_numbers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("number_id", name=op.f("pk_webhook_configurations")),
    )


def downgrade() -> None:
    op.drop_table("webhook_configurations")
    with op.batch_alter_table("sms_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sms_messages_user_id"))
        batch_op.drop_index(batch_op.f("ix_sms_messages_number_id"))
        batch_op.drop_index("ix_sms_messages_created_at")

    op.drop_table("sms_messages")
    with op.batch_alter_table("user_phone_numbers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_phone_numbers_user_id"))
        batch_op.drop_index(batch_op.f("ix_user_phone_numbers_phone_number"))

    op.drop_table("user_phone_numbers")
    op.drop_table("sms_opt_outs")
