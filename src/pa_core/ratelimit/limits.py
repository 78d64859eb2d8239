"""Rate limits over a :class:`~pa_core.kv.base.KeyValueStore`.

:class:`RateLimiter` counts attempts in fixed windows (``20/1m`` per IP,
``3/1h`` per email) and raises :class:`~pa_core.errors.RateLimited` with the
seconds left in the window once the limit is passed. It is atomic on every
backend because it rests on the store's atomic
:meth:`~pa_core.kv.base.KeyValueStore.increment`.

Keys (emails, addresses) are never stored as given: each is replaced by a
BLAKE2b digest, keyed with ``key_secret`` when one is given, so Redis holds no
raw addresses and a dump cannot be matched against a list of known emails.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta

from pa_core.errors import RateLimited
from pa_core.kv.base import KeyValueStore

__all__ = ["RateLimit", "RateLimiter"]

_UNITS = {
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
}
_LIMIT = re.compile(r"\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*")
_DIGEST_SIZE = 16


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``limit`` attempts per ``window``.

    Write it in settings as ``"5/15m"``: a count, a slash, an optional number and a
    unit among ``s``, ``m``, ``h``, ``d`` (``"20/m"`` is twenty a minute).
    """

    limit: int
    window: timedelta

    def __post_init__(self) -> None:
        if isinstance(self.limit, bool) or self.limit < 1:
            raise ValueError("a rate limit allows at least one attempt")
        if self.window < timedelta(milliseconds=1):
            raise ValueError("a rate limit window must be at least a millisecond")

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        """Read ``"5/15m"``, ``"20/m"``, ``"3/1h"``, ``"100/1d"``, ``"10/30s"``.

        Raises:
            ValueError: ``text`` is not of that form, or allows nothing.
        """
        match = _LIMIT.fullmatch(text)
        if match is None:
            raise ValueError(f"{text!r} is not a rate limit like '5/15m' (units s, m, h, d)")
        count, amount, unit = match.groups()
        return cls(int(count), int(amount or 1) * _UNITS[unit])

    def __str__(self) -> str:
        for unit in ("d", "h", "m", "s"):
            amount, rest = divmod(self.window, _UNITS[unit])
            if amount and not rest:
                return f"{self.limit}/{amount}{unit}"
        return f"{self.limit}/{self.window.total_seconds()}s"


def _digest(key: str, secret: bytes) -> str:
    return hashlib.blake2b(key.encode(), digest_size=_DIGEST_SIZE, key=secret).hexdigest()


def _check_secret(secret: bytes | None) -> bytes:
    if secret is not None and not 16 <= len(secret) <= hashlib.blake2b.MAX_KEY_SIZE:
        raise ValueError("key_secret must be 16 to 64 bytes")
    return secret or b""


class RateLimiter:
    """Fixed-window counters: ``limit.limit`` hits per ``limit.window`` for each key.

    Args:
        store: Where counters live (Redis across processes, memory embedded).
        namespace: Prefix of the limiter's keys in ``store``.
        key_secret: 16 to 64 bytes keying the digest of keys (e.g.
            ``settings.purpose_key("ratelimit")``); without it the digest is plain.
    """

    def __init__(
        self,
        store: KeyValueStore,
        *,
        namespace: str = "ratelimit",
        key_secret: bytes | None = None,
    ) -> None:
        self.store = store.with_namespace(namespace)
        self._secret = _check_secret(key_secret)

    def _key(self, name: str, key: str) -> str:
        if not name:
            raise ValueError("a rate limit needs a name")
        return f"{name}:{_digest(key, self._secret)}"

    async def _retry_after(self, full_key: str, limit: RateLimit) -> float:
        left = await self.store.expires_in(full_key)
        return (left or limit.window).total_seconds()

    async def hit(self, name: str, key: str, limit: RateLimit) -> int:
        """Count one attempt of ``key`` against the limit ``name``.

        Args:
            name: Which limit (``"login:ip"``, ``"forgot:email"``); counters of
                different names are independent.
            key: Whom it limits (an address, a normalised email).
            limit: How many attempts per window.

        Returns:
            How many attempts are left in the window.

        Raises:
            RateLimited: This attempt is beyond the limit; ``retry_after`` is
                the time left in the window.
        """
        full = self._key(name, key)
        count = await self.store.increment(full, ttl=limit.window)
        if count > limit.limit:
            raise RateLimited(await self._retry_after(full, limit))
        return limit.limit - count

    async def check(self, name: str, key: str, limit: RateLimit) -> None:
        """Raise if the next :meth:`hit` would be refused; counts nothing.

        Raises:
            RateLimited: The window's attempts are used up.
        """
        full = self._key(name, key)
        if await self.peek(name, key) >= limit.limit:
            raise RateLimited(await self._retry_after(full, limit))

    async def peek(self, name: str, key: str) -> int:
        """Attempts of ``key`` counted in the current window."""
        raw = await self.store.get(self._key(name, key))
        return int(raw) if raw is not None else 0

    async def reset(self, name: str, key: str) -> None:
        """Forget the attempts of ``key`` (e.g. after a success)."""
        await self.store.delete(self._key(name, key))
