"""A user's second factors as stored: a TOTP secret (encrypted) or an SMS phone number.

A factor exists from its set-up and is *active* once confirmed
(:attr:`MfaFactor.confirmed_at` set). A user has at most one factor of each
kind. :class:`MfaFactorStore` is the storage contract;
:class:`MemoryMfaFactorStore` is the embedded one, and
:class:`pa_core.stores.sqlalchemy.mfa.SqlMfaFactorStore` the SQL one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

__all__ = ["FACTOR_KINDS", "FactorKind", "MemoryMfaFactorStore", "MfaFactor", "MfaFactorStore"]

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


class MemoryMfaFactorStore:
    """Factors in a dict; atomic under the tasks of one event loop."""

    def __init__(self) -> None:
        self._factors: dict[tuple[str, str], MfaFactor] = {}

    def _by_id(self, factor_id: str) -> MfaFactor | None:
        return next((f for f in self._factors.values() if f.id == factor_id), None)

    def _save(self, factor: MfaFactor) -> None:
        self._factors[(factor.user_id, factor.kind)] = factor

    async def get(self, user_id: str, kind: FactorKind) -> MfaFactor | None:
        """The user's factor of ``kind``."""
        return self._factors.get((user_id, kind))

    async def list_for_user(self, user_id: str) -> list[MfaFactor]:
        """Every factor of the user."""
        found = (self._factors.get((user_id, kind)) for kind in FACTOR_KINDS)
        return [factor for factor in found if factor is not None]

    async def put(self, factor: MfaFactor) -> MfaFactor:
        """Store ``factor``."""
        self._save(factor)
        return factor

    async def confirm(self, factor_id: str, at: datetime) -> bool:
        """Mark the factor active."""
        factor = self._by_id(factor_id)
        if factor is None:
            return False
        self._save(replace(factor, confirmed_at=at))
        return True

    async def advance_step(self, factor_id: str, step: int) -> bool:
        """Compare-and-set of the last used step."""
        factor = self._by_id(factor_id)
        if factor is None or (factor.last_used_step is not None and factor.last_used_step >= step):
            return False
        self._save(replace(factor, last_used_step=step))
        return True

    async def set_secret(self, factor_id: str, secret_encrypted: str) -> None:
        """Replace the encrypted secret."""
        factor = self._by_id(factor_id)
        if factor is not None:
            self._save(replace(factor, secret_encrypted=secret_encrypted))

    async def delete(self, user_id: str, kind: FactorKind) -> bool:
        """Remove the user's factor of ``kind``."""
        return self._factors.pop((user_id, kind), None) is not None
