"""Typed SQLAlchemy models of ``pa_sms``'s tables, on ``pa_core``'s ``Base`` (one metadata).

Importing this module also registers ``pa_sms``'s migrations with
:func:`pa_core.migrations.register_version_location`, so the tables known to the
metadata and the migrations that create them always come together.

Erase behaviour: a user's numbers outlive the user (``user_id`` is set to
``NULL``: the number must still be released at the provider); the user's
message log goes with the user; webhook settings go with their number.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column

import pa_sms.migrations  # noqa: F401  (registers the migrations that create these tables)
from pa_core.database.schema import Base

__all__ = [
    "DecimalText",
    "PhoneNumberRow",
    "SmsMessageRow",
    "SmsOptOutRow",
    "WebhookConfigurationRow",
]

_PRICE_LENGTH = 32


class DecimalText(TypeDecorator[Decimal]):
    """Exact decimals stored as text (SQLite has no decimal type; money must not be a float)."""

    impl = String(_PRICE_LENGTH)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(str(value))


class PhoneNumberRow(Base):
    """``user_phone_numbers``: a number bought for a user; kept (released) after release."""

    __tablename__ = "user_phone_numbers"

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    phone_number: Mapped[str] = mapped_column(String(16), index=True)
    provider_sid: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    capabilities: Mapped[dict[str, bool]] = mapped_column(JSON, default=dict)
    friendly_name: Mapped[str | None] = mapped_column(String(64))
    monthly_price: Mapped[Decimal | None] = mapped_column(DecimalText())
    price_unit: Mapped[str | None] = mapped_column(String(3))
    provisioned_at: Mapped[datetime]
    released_at: Mapped[datetime | None]


class WebhookConfigurationRow(Base):
    """``webhook_configurations``: the webhooks we set on a number, and the drift last found."""

    __tablename__ = "webhook_configurations"

    number_id: Mapped[str] = mapped_column(
        ForeignKey("user_phone_numbers.id", ondelete="CASCADE"), primary_key=True
    )
    phone_number: Mapped[str] = mapped_column(String(16))
    sms_url: Mapped[str] = mapped_column(String(2048))
    sms_fallback_url: Mapped[str] = mapped_column(String(2048))
    status_callback_url: Mapped[str] = mapped_column(String(2048))
    method: Mapped[str] = mapped_column(String(8))
    last_verified_at: Mapped[datetime | None]
    drift: Mapped[str | None] = mapped_column(String(1024))


class SmsMessageRow(Base):
    """``sms_messages``: one row per message in either direction; never the body."""

    __tablename__ = "sms_messages"

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    sid: Mapped[str] = mapped_column(String(64), unique=True)
    direction: Mapped[str] = mapped_column(String(8))
    from_number: Mapped[str] = mapped_column(String(16))
    to_number: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    number_id: Mapped[str | None] = mapped_column(
        ForeignKey("user_phone_numbers.id", ondelete="SET NULL"), index=True
    )
    segments: Mapped[int] = mapped_column(Integer)
    encoding: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[int | None] = mapped_column(Integer)
    price: Mapped[Decimal | None] = mapped_column(DecimalText())
    price_unit: Mapped[str | None] = mapped_column(String(3))
    estimated_cost: Mapped[Decimal | None] = mapped_column(DecimalText())
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_sms_messages_created_at", "created_at"),)


class SmsOptOutRow(Base):
    """``sms_opt_outs``: a handset that replied STOP to one of our numbers."""

    __tablename__ = "sms_opt_outs"

    phone_number: Mapped[str] = mapped_column(String(16), primary_key=True)
    handset: Mapped[str] = mapped_column(String(16), primary_key=True)
    opted_out_at: Mapped[datetime]


# The usage rollups (migration 0102) ride along, so metadata and migrations stay in step.
from pa_sms.usage import models as _usage_models  # noqa: E402, F401
