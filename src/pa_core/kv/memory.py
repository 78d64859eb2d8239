"""In-memory key-value store: the embedded default and the test double of the contract."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pa_core.clock import Clock, SystemClock
from pa_core.kv.base import KeyValueStore, normalize_ttl

__all__ = ["MemoryKeyValueStore"]


@dataclass(slots=True)
class _Entry:
    value: bytes
    expires_at: datetime | None

    def alive(self, now: datetime) -> bool:
        return self.expires_at is None or now < self.expires_at


def _as_bytes(value: bytes | str) -> bytes:
    return value.encode() if isinstance(value, str) else value


class MemoryKeyValueStore:
    """A dict with expiries.

    Each operation runs without awaiting, so it is atomic under concurrent tasks of
    one event loop. Namespaced siblings share the dict, as Redis ones share a client.
    """

    def __init__(
        self,
        clock: Clock | None = None,
        namespace: str | None = None,
        *,
        _data: dict[str, _Entry] | None = None,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.namespace = namespace
        self._data: dict[str, _Entry] = _data if _data is not None else {}

    def _key(self, key: str) -> str:
        return f"{self.namespace}:{key}" if self.namespace else key

    def _expiry(self, ttl: timedelta | None) -> datetime | None:
        ttl = normalize_ttl(ttl)
        return None if ttl is None else self.clock.now() + ttl

    def _live(self, key: str) -> _Entry | None:
        entry = self._data.get(key)
        if entry is None:
            return None
        if not entry.alive(self.clock.now()):
            del self._data[key]
            return None
        return entry

    async def get(self, key: str) -> bytes | None:
        """Return the value under ``key``, or ``None``."""
        entry = self._live(self._key(key))
        return None if entry is None else entry.value

    async def set(self, key: str, value: bytes | str, ttl: timedelta | None = None) -> None:
        """Store ``value`` under ``key``."""
        self._data[self._key(key)] = _Entry(_as_bytes(value), self._expiry(ttl))

    async def set_if_absent(
        self, key: str, value: bytes | str, ttl: timedelta | None = None
    ) -> bool:
        """Store ``value`` only if ``key`` is free."""
        full = self._key(key)
        expires_at = self._expiry(ttl)
        if self._live(full) is not None:
            return False
        self._data[full] = _Entry(_as_bytes(value), expires_at)
        return True

    async def get_and_delete(self, key: str) -> bytes | None:
        """Remove ``key`` and return its value."""
        full = self._key(key)
        entry = self._live(full)
        if entry is None:
            return None
        del self._data[full]
        return entry.value

    async def delete(self, key: str) -> bool:
        """Remove ``key``."""
        full = self._key(key)
        existed = self._live(full) is not None
        self._data.pop(full, None)
        return existed

    async def exists(self, key: str) -> bool:
        """Whether ``key`` is live."""
        return self._live(self._key(key)) is not None

    async def expires_in(self, key: str) -> timedelta | None:
        """Time left before ``key`` expires."""
        entry = self._live(self._key(key))
        if entry is None or entry.expires_at is None:
            return None
        return entry.expires_at - self.clock.now()

    async def increment(self, key: str, amount: int = 1, ttl: timedelta | None = None) -> int:
        """Atomically add ``amount``; ``ttl`` applies on creation only."""
        full = self._key(key)
        expires_at = self._expiry(ttl)
        entry = self._live(full)
        if entry is None:
            entry = _Entry(b"0", expires_at)
            self._data[full] = entry
        try:
            current = int(entry.value)
        except ValueError as exc:
            raise ValueError(f"value under {key!r} is not an integer") from exc
        entry.value = str(current + amount).encode()
        return current + amount

    def with_namespace(self, namespace: str) -> KeyValueStore:
        """A sibling under ``namespace``, sharing the data."""
        nested = f"{self.namespace}:{namespace}" if self.namespace else namespace
        return MemoryKeyValueStore(self.clock, nested, _data=self._data)

    async def delete_all(self) -> None:
        """Remove every key of this namespace."""
        if not self.namespace:
            raise RuntimeError("delete_all needs a namespace; use with_namespace() first")
        prefix = f"{self.namespace}:"
        for key in [k for k in self._data if k.startswith(prefix)]:
            del self._data[key]

    async def ping(self) -> None:
        """Always answers."""

    async def close(self) -> None:
        """Nothing to release."""
