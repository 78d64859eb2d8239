"""Remembered devices: after a second factor, skip it on that device for a while.

A device token is 256 random bits handed to the client once; the server keeps
only its keyed hash (HMAC-SHA256), so a copy of the table lets nobody in. A
token is good for :data:`DEFAULT_TRUST_TTL` unless revoked earlier: one by one,
or all at once (logout-all, password change or reset).

:class:`DeviceTrust` holds those rules over a
:class:`~pa_core.mfa.base.TrustedDeviceStore`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from pa_core.clock import Clock
from pa_core.errors import ImproperlyConfigured, NotFound
from pa_core.ids import new_id
from pa_core.mfa.base import TrustedDevice, TrustedDeviceStore

__all__ = [
    "DEFAULT_TRUST_TTL",
    "KEY_PURPOSE",
    "DeviceTrust",
]

DEFAULT_TRUST_TTL = timedelta(days=30)
"""How long a remembered device skips the second factor."""

KEY_PURPOSE = "device-tokens"
"""Purpose name for the hash key: ``settings.purpose_key(KEY_PURPOSE)``."""

_TOKEN_BYTES = 32
_MIN_KEY_LENGTH = 16
_MAX_TOKEN_LENGTH = 256
_MAX_USER_AGENT = 512


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
