"""Typed SQLAlchemy model of the ``preferences`` table; the migrations mirror it exactly."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pa_core.database.schema import Base

__all__ = ["PreferencesRow"]


class PreferencesRow(Base):
    """``preferences``: one row per user who saved preferences; erased with the user."""

    __tablename__ = "preferences"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    quiet_start: Mapped[str | None] = mapped_column(String(5))
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    preferred_channel: Mapped[str] = mapped_column(String(8))
    reminder_lead_minutes: Mapped[int] = mapped_column(Integer)
    daily_digest_time: Mapped[str | None] = mapped_column(String(5))
    nudge_max: Mapped[int] = mapped_column(Integer)
    tone: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime]
