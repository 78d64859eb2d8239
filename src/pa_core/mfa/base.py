"""The MFA storage contracts: second factors, backup codes, remembered devices.

A factor (a TOTP secret, encrypted, or an SMS phone number) exists from its
set-up and is *active* once confirmed (:attr:`MfaFactor.confirmed_at` set); a
user has at most one factor of each kind. A :class:`BackupCodeStore` keeps the
hashes of each user's current backup codes and spends each one at most once; a
:class:`TrustedDeviceStore` keeps remembered devices by the hash of their token.
The embedded backends are in :mod:`pa_core.mfa.memory`, the SQL ones in
:mod:`pa_core.mfa.sqlalchemy` (tables in :mod:`pa_core.mfa.models`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

__all__ = [
    "FACTOR_KINDS",
    "BackupCodeStore",
    "FactorKind",
    "MfaFactor",
    "MfaFactorStore",
    "TrustedDevice",
    "TrustedDeviceStore",
]

FactorKind = Literal["totp", "sms"]
"""The kinds of stored factor (backup codes live in a :class:`~pa_core.mfa.BackupCodeStore`)."""

FACTOR_KINDS: tuple[FactorKind, ...] = ("totp", "sms")
"""Every :data:`FactorKind`, in the order they are offered."""


@dataclass(frozen=True, slots=True)
class MfaFactor:
    """One second factor of one user.

    ``secret_encrypted`` is set for TOTP (a :class:`~pa_core.crypto.FieldEncryptor`
    ciphertext, never the secret itself), ``phone`` (E.164) for SMS.
    ``last_used_step`` is the TOTP time step of the last accepted code.
    """

    id: str
    user_id: str
    kind: FactorKind
    created_at: datetime
    secret_encrypted: str | None = None
    phone: str | None = None
    confirmed_at: datetime | None = None
    last_used_step: int | None = None

    @property
    def active(self) -> bool:
        """Whether the factor has been confirmed (and so guards the login)."""
        return self.confirmed_at is not None


@runtime_checkable
class MfaFactorStore(Protocol):
    """Keeps at most one factor of each kind per user.

    Backends raise :class:`pa_core.errors.ServiceUnavailable` when they cannot be reached.
    """

    async def get(self, user_id: str, kind: FactorKind) -> MfaFactor | None:
        """The user's factor of ``kind`` (pending or active), or ``None``."""
        ...

    async def list_for_user(self, user_id: str) -> list[MfaFactor]:
        """Every factor of the user, pending ones included, in :data:`FACTOR_KINDS` order."""
        ...

    async def put(self, factor: MfaFactor) -> MfaFactor:
        """Store ``factor``, replacing the user's factor of the same kind if any."""
        ...

    async def confirm(self, factor_id: str, at: datetime) -> bool:
        """Mark the factor active; whether it still existed."""
        ...

    async def advance_step(self, factor_id: str, step: int) -> bool:
        """Record ``step`` as the last used TOTP step if it is newer, atomically.

        Returns:
            Whether the step was newer (``False``: a replay, or no such factor).
            Of concurrent calls with the same step exactly one gets ``True``.
        """
        ...

    async def set_secret(self, factor_id: str, secret_encrypted: str) -> None:
        """Replace the encrypted secret (re-encryption under a new key)."""
        ...

    async def delete(self, user_id: str, kind: FactorKind) -> bool:
        """Remove the user's factor of ``kind``; whether there was one."""
        ...


@runtime_checkable
class BackupCodeStore(Protocol):
    """Holds the hashes of each user's current backup codes; spends each at most once.

    Backends raise :class:`pa_core.errors.ServiceUnavailable` when they cannot be reached.
    """

    async def replace(self, user_id: str, hashes: Sequence[str]) -> None:
        """Make ``hashes`` the user's set, voiding every earlier code (an empty set removes all).

        Args:
            user_id: the owner.
            hashes: distinct hashes from :meth:`pa_core.mfa.backup_codes.BackupCodes.hash`.
        """
        ...

    async def consume(self, user_id: str, code_hash: str) -> bool:
        """Spend the code with ``code_hash``; whether it was there (one caller wins)."""
        ...

    async def remaining(self, user_id: str) -> int:
        """How many unspent codes the user has (0 for a user without a set)."""
        ...


@dataclass(frozen=True, slots=True)
class TrustedDevice:
    """One remembered device of one user (the token itself is never stored)."""

    id: str
    user_id: str
    token_hash: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    user_agent: str | None = None
    last_used_at: datetime | None = None

    def alive(self, now: datetime) -> bool:
        """Neither revoked nor expired at ``now``."""
        return self.revoked_at is None and now < self.expires_at


@runtime_checkable
class TrustedDeviceStore(Protocol):
    """Keeps remembered devices by the hash of their token.

    Backends raise :class:`pa_core.errors.ServiceUnavailable` when they cannot be reached.
    """

    async def add(self, device: TrustedDevice) -> None:
        """Store a new device."""
        ...

    async def get_by_hash(self, token_hash: str) -> TrustedDevice | None:
        """The device whose token has ``token_hash`` (alive or not), or ``None``."""
        ...

    async def list_for_user(self, user_id: str, now: datetime) -> list[TrustedDevice]:
        """The user's devices alive at ``now``, newest first."""
        ...

    async def touch(self, device_id: str, now: datetime) -> None:
        """Record a use of the device."""
        ...

    async def revoke(self, user_id: str, device_id: str, now: datetime) -> bool:
        """Revoke one live device of the user; whether there was one to revoke."""
        ...

    async def revoke_all(self, user_id: str, now: datetime) -> int:
        """Revoke every live device of the user; how many were revoked."""
        ...
