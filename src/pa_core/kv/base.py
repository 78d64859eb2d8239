"""The key-value contract behind sessions, rate limits, one-time codes and idempotency keys."""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol, runtime_checkable

__all__ = ["KeyValueStore", "normalize_ttl"]


def normalize_ttl(ttl: timedelta | None) -> timedelta | None:
    """Validate a TTL once for every backend: ``None`` (no expiry) or strictly positive."""
    if ttl is not None and ttl <= timedelta(0):
        raise ValueError("ttl must be positive")
    return ttl


@runtime_checkable
class KeyValueStore(Protocol):
    """Bytes under string keys, each with an optional expiry; every operation is atomic.

    Backends raise :class:`pa_core.errors.ServiceUnavailable` when they cannot be
    reached or do not answer in time, never a driver exception.
    """

    namespace: str | None

    async def get(self, key: str) -> bytes | None:
        """Return the value under ``key``, or ``None`` if absent or expired."""
        ...

    async def set(self, key: str, value: bytes | str, ttl: timedelta | None = None) -> None:
        """Store ``value`` under ``key``, replacing any value, expiring after ``ttl``."""
        ...

    async def set_if_absent(
        self, key: str, value: bytes | str, ttl: timedelta | None = None
    ) -> bool:
        """Store ``value`` only if ``key`` holds nothing; return whether it was stored."""
        ...

    async def get_and_delete(self, key: str) -> bytes | None:
        """Remove ``key`` and return what it held (``None`` if nothing): one caller wins."""
        ...

    async def delete(self, key: str) -> bool:
        """Remove ``key``; return whether it existed."""
        ...

    async def exists(self, key: str) -> bool:
        """Whether ``key`` holds a live value."""
        ...

    async def expires_in(self, key: str) -> timedelta | None:
        """Time left before ``key`` expires; ``None`` if absent or without expiry."""
        ...

    async def increment(self, key: str, amount: int = 1, ttl: timedelta | None = None) -> int:
        """Add ``amount`` to the integer under ``key`` (0 if absent) and return the result.

        ``ttl`` is applied only when the key is created, so a window never slides.
        """
        ...

    def with_namespace(self, namespace: str) -> KeyValueStore:
        """A sibling store whose keys live under ``namespace`` (nested with ``:``)."""
        ...

    async def delete_all(self) -> None:
        """Remove every key of this namespace; refuses to run on a store without one."""
        ...

    async def ping(self) -> None:
        """Check the backend answers; raise ``ServiceUnavailable`` otherwise."""
        ...

    async def close(self) -> None:
        """Release connections held by the store."""
        ...
