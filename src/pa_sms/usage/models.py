"""SQLAlchemy models of the usage rollups (migration ``0102``), on ``pa_core``'s ``Base``.

Erase behaviour: rollup rows are derived from a user's message log, which goes
with the user (``ON DELETE CASCADE``); so do the user's rows of both rollups
and the record of quota notices. A number's rows also go with the number row
(``CASCADE``), which is never deleted, only released. A rebuild after an
erasure therefore gives the same rows as the cascade left.

Weekly rollups (``sms_usage_weekly_user``, ``sms_usage_weekly_number``; weeks
start on Monday) hold the sums of the daily rows of each week. They are derived
from the daily rollups in the same transaction that recomputes a day, so a long
report reads one row per key and week instead of seven (see
:meth:`~pa_sms.usage.sqlalchemy.SqlUsageStore.totals`). They go with a
user or a number the same way as the daily rows.

Two indexes are added to ``sms_messages`` for the rollups: ``updated_at`` (the
refresh finds changed messages) and ``(user_id, created_at)`` (the quota counts a
user's month exactly from the raw log).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pa_core.database.schema import Base
from pa_sms.records.models import SmsMessageRow

__all__ = [
    "SmsQuotaNoticeRow",
    "SmsUsageDailyNumberRow",
    "SmsUsageDailyUserRow",
    "SmsUsageStateRow",
    "SmsUsageWeeklyNumberRow",
    "SmsUsageWeeklyUserRow",
]

Index("ix_sms_messages_updated_at", SmsMessageRow.updated_at)
Index("ix_sms_messages_user_id_created_at", SmsMessageRow.user_id, SmsMessageRow.created_at)


class _Counts:
    """The counted columns shared by both rollups (money in micro-units of ``currency``)."""

    messages_in: Mapped[int] = mapped_column(Integer)
    messages_out: Mapped[int] = mapped_column(Integer)
    segments_in: Mapped[int] = mapped_column(Integer)
    segments_out: Mapped[int] = mapped_column(Integer)
    delivered: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer)
    undelivered: Mapped[int] = mapped_column(Integer)
    cost_known_micros: Mapped[int] = mapped_column(BigInteger)
    cost_estimated_micros: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))


class SmsUsageDailyUserRow(_Counts, Base):
    """``sms_usage_daily_user``: one user's messages of one day (reporting timezone)."""

    __tablename__ = "sms_usage_daily_user"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class SmsUsageDailyNumberRow(_Counts, Base):
    """``sms_usage_daily_number``: one number's messages of one day (reporting timezone)."""

    __tablename__ = "sms_usage_daily_number"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    number_id: Mapped[str] = mapped_column(
        ForeignKey("user_phone_numbers.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    phone_number: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )


class SmsUsageWeeklyUserRow(_Counts, Base):
    """``sms_usage_weekly_user``: one user's messages of one week (Monday to Sunday)."""

    __tablename__ = "sms_usage_weekly_user"

    week: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class SmsUsageWeeklyNumberRow(_Counts, Base):
    """``sms_usage_weekly_number``: one number's messages of one week (Monday to Sunday)."""

    __tablename__ = "sms_usage_weekly_number"

    week: Mapped[date] = mapped_column(Date, primary_key=True)
    number_id: Mapped[str] = mapped_column(
        ForeignKey("user_phone_numbers.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    phone_number: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )


class SmsUsageStateRow(Base):
    """``sms_usage_state``: where the incremental refresh stands, and in which timezone."""

    __tablename__ = "sms_usage_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))
    watermark: Mapped[datetime]


class SmsQuotaNoticeRow(Base):
    """``sms_quota_notices``: the user was told their monthly SMS quota ran out (once a month)."""

    __tablename__ = "sms_quota_notices"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    notified_at: Mapped[datetime]
