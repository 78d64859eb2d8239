"""Typed SQLAlchemy models of the MFA tables: factors, backup codes, remembered devices.

Every row belongs to a user and is erased with the user (``ON DELETE CASCADE``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pa_core.database.schema import Base

__all__ = ["BackupCodeRow", "MfaFactorRow", "TrustedDeviceRow"]


class MfaFactorRow(Base):
    """``mfa_factors``: one TOTP (encrypted secret) or SMS (E.164 phone) factor per kind."""

    __tablename__ = "mfa_factors"

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    secret_encrypted: Mapped[str | None] = mapped_column(String(512))
    phone: Mapped[str | None] = mapped_column(String(20))
    confirmed_at: Mapped[datetime | None]
    last_used_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("user_id", "kind", name="uq_mfa_factors_user_id_kind"),)


class BackupCodeRow(Base):
    """``backup_codes``: keyed hashes (HMAC-SHA256) of a user's current set; each spent once."""

    __tablename__ = "backup_codes"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_at: Mapped[datetime | None]


class TrustedDeviceRow(Base):
    """``trusted_devices``: remembered devices, found by the keyed hash of their token."""

    __tablename__ = "trusted_devices"

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    user_agent: Mapped[str | None] = mapped_column(String(512))
    last_used_at: Mapped[datetime | None]
