"""In-memory MFA stores: the embedded defaults and the test doubles.

Each operation runs without awaiting, so it is atomic under the tasks of one event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from pa_core.mfa.base import FACTOR_KINDS, FactorKind, MfaFactor, TrustedDevice

__all__ = ["MemoryBackupCodeStore", "MemoryMfaFactorStore", "MemoryTrustedDeviceStore"]


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


class MemoryBackupCodeStore:
    """Backup-code hashes in a dict; atomic under the tasks of one event loop."""

    def __init__(self) -> None:
        self._sets: dict[str, set[str]] = {}

    async def replace(self, user_id: str, hashes: Sequence[str]) -> None:
        """Make ``hashes`` the user's set."""
        if hashes:
            self._sets[user_id] = set(hashes)
        else:
            self._sets.pop(user_id, None)

    async def consume(self, user_id: str, code_hash: str) -> bool:
        """Spend one code."""
        codes = self._sets.get(user_id)
        if codes is None or code_hash not in codes:
            return False
        codes.remove(code_hash)
        return True

    async def remaining(self, user_id: str) -> int:
        """Unspent codes left."""
        return len(self._sets.get(user_id, ()))


class MemoryTrustedDeviceStore:
    """Devices in a dict; atomic under the tasks of one event loop."""

    def __init__(self) -> None:
        self._devices: dict[str, TrustedDevice] = {}

    async def add(self, device: TrustedDevice) -> None:
        """Store a new device."""
        self._devices[device.id] = device

    async def get_by_hash(self, token_hash: str) -> TrustedDevice | None:
        """The device with this token hash."""
        return next((d for d in self._devices.values() if d.token_hash == token_hash), None)

    async def list_for_user(self, user_id: str, now: datetime) -> list[TrustedDevice]:
        """Live devices of the user, newest first."""
        live = [d for d in self._devices.values() if d.user_id == user_id and d.alive(now)]
        return sorted(live, key=lambda d: (d.created_at, d.id), reverse=True)

    async def touch(self, device_id: str, now: datetime) -> None:
        """Record a use."""
        device = self._devices.get(device_id)
        if device is not None:
            self._devices[device_id] = replace(device, last_used_at=now)

    async def revoke(self, user_id: str, device_id: str, now: datetime) -> bool:
        """Revoke one live device."""
        device = self._devices.get(device_id)
        if device is None or device.user_id != user_id or not device.alive(now):
            return False
        self._devices[device_id] = replace(device, revoked_at=now)
        return True

    async def revoke_all(self, user_id: str, now: datetime) -> int:
        """Revoke every live device of the user."""
        live = [d for d in self._devices.values() if d.user_id == user_id and d.alive(now)]
        for device in live:
            self._devices[device.id] = replace(device, revoked_at=now)
        return len(live)
