"""Remembered devices: after a second factor, skip it on that device for a while.

A device token is 256 random bits handed to the client once; the server keeps
only its keyed hash (HMAC-SHA256), so a copy of the table lets nobody in. A
token is good for :data:`DEFAULT_TRUST_TTL` unless revoked earlier: one by one,
or all at once (logout-all, password change or reset).

:class:`DeviceTrust` holds those rules over a :class:`TrustedDeviceStore`;
:class:`MemoryTrustedDeviceStore` is the embedded store.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from pa_core.clock import Clock
from pa_core.errors import ImproperlyConfigured, NotFound
from pa_core.ids import new_id

__all__ = [
    "DEFAULT_TRUST_TTL",
    "KEY_PURPOSE",
    "DeviceTrust",
    "MemoryTrustedDeviceStore",
    "TrustedDevice",
    "TrustedDeviceStore",
]

DEFAULT_TRUST_TTL = timedelta(days=30)
"""How long a remembered device skips the second factor."""

KEY_PURPOSE = "device-tokens"
"""Purpose name for the hash key: ``settings.purpose_key(KEY_PURPOSE)``."""

_TOKEN_BYTES = 32
_MIN_KEY_LENGTH = 16
_MAX_TOKEN_LENGTH = 256
_MAX_USER_AGENT = 512


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


class DeviceTrust:
    """Issues, checks, lists and revokes remembered-device tokens.

    Args:
        store: where devices are kept.
        clock: the time source.
        hmac_key: key of the token hashes, e.g. ``settings.purpose_key(KEY_PURPOSE)``.
        ttl: how long a device stays trusted.

    Raises:
        ImproperlyConfigured: a short key or a non-positive ``ttl``.
    """

    def __init__(
        self,
        store: TrustedDeviceStore,
        clock: Clock,
        hmac_key: bytes,
        *,
        ttl: timedelta = DEFAULT_TRUST_TTL,
    ) -> None:
        if len(hmac_key) < _MIN_KEY_LENGTH:
            raise ImproperlyConfigured(f"hmac_key must be at least {_MIN_KEY_LENGTH} bytes")
        if ttl <= timedelta(0):
            raise ImproperlyConfigured("the device trust ttl must be positive")
        self.store = store
        self.clock = clock
        self.ttl = ttl
        self._key = hmac_key

    def hash(self, token: str) -> str:
        """HMAC-SHA256 (hex) of a device token: what the store keeps."""
        return hmac.new(self._key, token.encode(), hashlib.sha256).hexdigest()

    async def trust(self, user_id: str, user_agent: str | None = None) -> tuple[TrustedDevice, str]:
        """Remember a new device of ``user_id``; return it and its token (give the token once)."""
        now = self.clock.now()
        token = secrets.token_urlsafe(_TOKEN_BYTES)
        device = TrustedDevice(
            id=new_id(now),
            user_id=user_id,
            token_hash=self.hash(token),
            created_at=now,
            expires_at=now + self.ttl,
            user_agent=user_agent[:_MAX_USER_AGENT] if user_agent else None,
        )
        await self.store.add(device)
        return device, token

    async def is_trusted(self, user_id: str, token: str) -> bool:
        """Whether ``token`` is a live device of ``user_id`` (recording the use if so)."""
        if not token or len(token) > _MAX_TOKEN_LENGTH:
            return False
        device = await self.store.get_by_hash(self.hash(token))
        now = self.clock.now()
        if device is None or device.user_id != user_id or not device.alive(now):
            return False
        await self.store.touch(device.id, now)
        return True

    async def list(self, user_id: str) -> list[TrustedDevice]:
        """The user's live devices, newest first."""
        return await self.store.list_for_user(user_id, self.clock.now())

    async def revoke(self, user_id: str, device_id: str) -> None:
        """Revoke one device of the user.

        Raises:
            NotFound: no live device ``device_id`` of this user (another user's too).
        """
        if not await self.store.revoke(user_id, device_id, self.clock.now()):
            raise NotFound()

    async def revoke_all(self, user_id: str) -> int:
        """Revoke every device of the user; how many were live."""
        return await self.store.revoke_all(user_id, self.clock.now())
