"""Rate limits and brute-force back-off over a :class:`~pa_core.stores.KeyValueStore`.

Two tools, both atomic on every backend because they rest on
:meth:`KeyValueStore.increment <pa_core.stores.KeyValueStore.increment>`:

- :class:`RateLimiter` counts attempts in fixed windows (``20/1m`` per IP,
  ``3/1h`` per email) and raises :class:`~pa_core.errors.RateLimited` with the
  seconds left in the window once the limit is passed.
- :class:`FailureBackoff` counts failures per account: after ``max_failures``
  within ``window`` the account is locked, and each further failure doubles the
  lock (1, 2, 4, ... minutes up to ``max_delay``). A success clears it.

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
from pa_core.stores.base import KeyValueStore

__all__ = [
    "DEFAULT_BASE_DELAY",
    "DEFAULT_FAILURE_WINDOW",
    "DEFAULT_MAX_DELAY",
    "DEFAULT_MAX_FAILURES",
    "DEFAULT_STRIKE_MEMORY",
    "FailureBackoff",
    "RateLimit",
    "RateLimiter",
]

DEFAULT_MAX_FAILURES = 5
"""Failed logins of one account allowed within :data:`DEFAULT_FAILURE_WINDOW`."""

DEFAULT_FAILURE_WINDOW = timedelta(minutes=15)
"""The window in which failures of one account are counted."""

DEFAULT_BASE_DELAY = timedelta(minutes=1)
"""The first lock once the failures reach the limit; it doubles with each further failure."""

DEFAULT_MAX_DELAY = timedelta(hours=1)
"""The longest lock."""

DEFAULT_STRIKE_MEMORY = timedelta(hours=24)
"""How long the back-off level is remembered after the first lock."""

_UNITS = {
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
}
_LIMIT = re.compile(r"\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*")
_DIGEST_SIZE = 16
_MAX_DOUBLINGS = 40  # 2**40 base delays exceed any sensible max_delay


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


class FailureBackoff:
    """Locks an account after repeated failures, longer with each further failure.

    Use it around a login: :meth:`check` before verifying the password,
    :meth:`record_failure` when it is wrong, :meth:`record_success` when right.

    After ``max_failures`` failures within ``window`` the key is locked for
    ``base_delay``; every further failure (possible once the lock has passed)
    doubles the lock, up to ``max_delay``. The doubling level is remembered for
    ``strike_memory`` after the first lock, so waiting out the failure window
    does not start the back-off again from the bottom.

    Args:
        store: Where counters and locks live.
        name: Prefix of this back-off's keys (one per purpose).
        max_failures: Failures allowed within ``window`` before the first lock.
        window: The window in which failures are counted.
        base_delay: The first lock.
        max_delay: The longest lock.
        strike_memory: How long the doubling level is kept.
        key_secret: 16 to 64 bytes keying the digest of keys.
    """

    def __init__(
        self,
        store: KeyValueStore,
        *,
        name: str = "login",
        max_failures: int = DEFAULT_MAX_FAILURES,
        window: timedelta = DEFAULT_FAILURE_WINDOW,
        base_delay: timedelta = DEFAULT_BASE_DELAY,
        max_delay: timedelta = DEFAULT_MAX_DELAY,
        strike_memory: timedelta = DEFAULT_STRIKE_MEMORY,
        key_secret: bytes | None = None,
    ) -> None:
        if max_failures < 1:
            raise ValueError("max_failures must be at least 1")
        for label, value in (
            ("window", window),
            ("base_delay", base_delay),
            ("strike_memory", strike_memory),
        ):
            if value < timedelta(milliseconds=1):
                raise ValueError(f"{label} must be at least a millisecond")
        if max_delay < base_delay:
            raise ValueError("max_delay must not be shorter than base_delay")
        self.store = store.with_namespace(f"backoff:{name}")
        self.max_failures = max_failures
        self.window = window
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.strike_memory = strike_memory
        self._secret = _check_secret(key_secret)

    def _keys(self, key: str) -> tuple[str, str, str]:
        digest = _digest(key, self._secret)
        return f"fail:{digest}", f"strike:{digest}", f"lock:{digest}"

    def delay(self, strikes: int) -> timedelta:
        """The lock after the ``strikes``-th failure at or beyond the limit (1-based)."""
        doublings = min(max(strikes, 1) - 1, _MAX_DOUBLINGS)
        return min(self.base_delay * (1 << doublings), self.max_delay)

    async def check(self, key: str) -> None:
        """Raise while ``key`` is locked; one store round trip.

        Raises:
            RateLimited: ``key`` is locked; ``retry_after`` is the time left.
        """
        _, _, lock = self._keys(key)
        left = await self.store.expires_in(lock)
        if left is not None:
            raise RateLimited(left.total_seconds())

    async def failures(self, key: str) -> int:
        """Failures of ``key`` counted in the current window."""
        fail, _, _ = self._keys(key)
        raw = await self.store.get(fail)
        return int(raw) if raw is not None else 0

    async def record_failure(self, key: str) -> timedelta | None:
        """Count a failure of ``key``; lock it once the limit is reached.

        Returns:
            The lock this failure imposed, or ``None`` while under the limit.
        """
        fail, strike, lock = self._keys(key)
        count = await self.store.increment(fail, ttl=self.window)
        if count < self.max_failures:
            return None
        strikes = await self.store.increment(strike, ttl=self.strike_memory)
        delay = self.delay(strikes)
        await self.store.set(lock, b"1", ttl=delay)
        return delay

    async def record_success(self, key: str) -> None:
        """Clear the failures, the back-off level and any lock of ``key``."""
        for full in self._keys(key):
            await self.store.delete(full)
