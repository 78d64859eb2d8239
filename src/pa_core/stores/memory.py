"""In-memory backends: the embedded defaults and the test doubles of every contract."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from pa_core.audit import AuditEvent, AuditFilter, sanitise_event
from pa_core.clock import Clock, SystemClock
from pa_core.errors import EmailTaken, NotFound
from pa_core.pagination import Page, PageRequest, decode_cursor, page_of
from pa_core.stores.base import KeyValueStore, normalize_ttl
from pa_core.users import User

__all__ = ["MemoryAuditLog", "MemoryKeyValueStore", "MemoryUserRepository"]


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


class MemoryUserRepository:
    """Users in a dict; the embedded test double of :class:`~pa_core.users.UserRepository`."""

    def __init__(self) -> None:
        self._users: dict[str, User] = {}

    async def add(self, user: User) -> User:
        """Insert ``user``; ``EmailTaken`` on a duplicate email."""
        if await self.get_by_email(user.email) is not None:
            raise EmailTaken()
        self._users[user.id] = user
        return user

    async def get(self, user_id: str) -> User | None:
        """The user with ``user_id``."""
        return self._users.get(user_id)

    async def get_by_email(self, email: str) -> User | None:
        """The user with this email (case-insensitive)."""
        wanted = email.casefold()
        return next((u for u in self._users.values() if u.email.casefold() == wanted), None)

    async def update(self, user: User) -> User:
        """Replace the stored user."""
        if user.id not in self._users:
            raise NotFound()
        other = await self.get_by_email(user.email)
        if other is not None and other.id != user.id:
            raise EmailTaken()
        self._users[user.id] = user
        return user

    async def delete(self, user_id: str) -> bool:
        """Delete the user."""
        return self._users.pop(user_id, None) is not None

    async def list(self, page: PageRequest) -> Page[User]:
        """Users in creation order."""
        ordered = sorted(self._users.values(), key=lambda u: (u.created_at, u.id))
        if page.cursor:
            at, uid = decode_cursor(page.cursor, 2)
            position = (datetime.fromisoformat(at), uid)
            ordered = [u for u in ordered if (u.created_at, u.id) > position]
        return page_of(ordered, page.limit, lambda u: [u.created_at.isoformat(), u.id])

    async def count_with_role(self, role: str) -> int:
        """How many users hold ``role``."""
        return sum(1 for u in self._users.values() if role in u.roles)


class MemoryAuditLog:
    """Audit events in a list; the embedded test double of :class:`~pa_core.audit.AuditLog`."""

    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    async def record(self, event: AuditEvent) -> None:
        """Append ``event``, sanitised as by every backend (``sanitise_event``)."""
        self.events.append(sanitise_event(event))

    @asynccontextmanager
    async def atomic(self) -> AsyncIterator[None]:
        """Groups a change with its events; in memory neither can fail half-way."""
        yield

    async def list(self, filters: AuditFilter, page: PageRequest) -> Page[AuditEvent]:
        """Events matching ``filters``, newest first."""
        matching = [
            e
            for e in self.events
            if (filters.actor_id is None or e.actor_id == filters.actor_id)
            and (filters.action is None or e.action == filters.action)
            and (filters.since is None or e.at >= filters.since)
        ]
        matching.sort(key=lambda e: (e.at, e.id), reverse=True)
        if page.cursor:
            at, eid = decode_cursor(page.cursor, 2)
            position = (datetime.fromisoformat(at), eid)
            matching = [e for e in matching if (e.at, e.id) < position]
        return page_of(matching, page.limit, lambda e: [e.at.isoformat(), e.id])
