"""Typed SQLAlchemy models of the user tables; the migrations mirror them exactly."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pa_core.database.schema import Base

__all__ = ["UserRoleRow", "UserRow"]


class UserRow(Base):
    """``users``: one row per account."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    locale: Mapped[str] = mapped_column(String(35), default="en")
    email_verified_at: Mapped[datetime | None]
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    roles: Mapped[list[UserRoleRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", passive_deletes=True
    )

    __table_args__ = (Index("ix_users_created_at_id", "created_at", "id"),)


class UserRoleRow(Base):
    """``user_roles``: the roles a user holds directly; erased with the user."""

    __tablename__ = "user_roles"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    granted_at: Mapped[datetime]
