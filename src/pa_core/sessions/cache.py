"""A session cache in front of a shared store, kept honest by revocation broadcasts.

Checking a session costs a round trip to the session store on every request.
:class:`CachedSessionStore` answers repeated checks from process memory instead,
without weakening revocation:

- every revocation (logout, revoke-all, eviction by the session limit, refresh
  token reuse) drops the session here at once and is broadcast on a
  :class:`RevocationChannel`, which drops it in every other process;
- the cache answers only while its channel has proved alive within
  ``staleness`` (heartbeats): when the channel breaks or the store hangs, every
  check goes to the store, which raises ``ServiceUnavailable``, so a cache never
  grants access that the store could not confirm;
- after a reconnect the cache starts empty (a broadcast may have been missed);
- a broadcast that fails after the revocation was stored does not fail the
  revocation: the channel must let other processes learn of it another way
  (the Redis channel reads the store's revocation epoch on every heartbeat)
  and stop trusting this process's cache until it is proven again;
- ``last_seen_at`` still reaches the store once per touch interval, which also
  re-validates the entry.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from pa_core.errors import ServiceUnavailable
from pa_core.sessions.base import TOUCH_INTERVAL, Session, SessionStore

__all__ = [
    "DEFAULT_MAX_CACHED_SESSIONS",
    "CachedSessionStore",
    "LocalRevocationChannel",
    "RevocationChannel",
    "RevocationHandler",
]

logger = logging.getLogger(__name__)

DEFAULT_MAX_CACHED_SESSIONS = 100_000
"""Sessions kept in memory per process; the least recently used are dropped first."""

RevocationHandler = Callable[[Sequence[str] | None], None]
"""Called with revoked session ids, or ``None`` meaning "forget everything"."""


class RevocationChannel(Protocol):
    """Carries revoked session ids to every process sharing the store."""

    def start(self, on_revoked: RevocationHandler) -> None:
        """Begin delivering revocations (from any process) to ``on_revoked``."""
        ...

    def fresh(self) -> bool:
        """Whether the channel has proved alive recently enough to trust the cache."""
        ...

    async def publish(self, session_ids: Sequence[str]) -> None:
        """Tell every process that ``session_ids`` are revoked.

        Raises:
            ServiceUnavailable: the broadcast failed. The channel is then not
                :meth:`fresh` until it is proven again, and other processes
                must learn of the revocation another way (an epoch in the store).
        """
        ...

    async def close(self) -> None:
        """Stop delivering and release resources."""
        ...


class LocalRevocationChannel:
    """In-process channel: for one process, or several caches in one test."""

    def __init__(self) -> None:
        self._handlers: list[RevocationHandler] = []

    def start(self, on_revoked: RevocationHandler) -> None:
        """Register ``on_revoked``."""
        self._handlers.append(on_revoked)

    def fresh(self) -> bool:
        """Always: nothing can be missed in-process."""
        return True

    async def publish(self, session_ids: Sequence[str]) -> None:
        """Deliver at once to every registered cache."""
        for handler in self._handlers:
            handler(session_ids)

    async def close(self) -> None:
        """Forget the handlers."""
        self._handlers.clear()


class CachedSessionStore:
    """A :class:`SessionStore` answering repeated checks from memory (see the module doc)."""

    def __init__(
        self,
        inner: SessionStore,
        channel: RevocationChannel,
        *,
        max_entries: int = DEFAULT_MAX_CACHED_SESSIONS,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.inner = inner
        self.channel = channel
        self.max_entries = max_entries
        self._cache: OrderedDict[str, Session] = OrderedDict()
        self._generation = 0
        channel.start(self._on_revoked)

    def _on_revoked(self, session_ids: Sequence[str] | None) -> None:
        self._generation += 1
        if session_ids is None:
            self._cache.clear()
            return
        for session_id in session_ids:
            self._cache.pop(session_id, None)

    def _remember(self, session: Session, generation: int) -> None:
        # A revocation that arrived while we asked the store wins: do not cache.
        if generation != self._generation or not self.channel.fresh():
            return
        self._cache[session.id] = session
        self._cache.move_to_end(session.id)
        while len(self._cache) > self.max_entries:
            self._cache.popitem(last=False)

    async def _revoked(self, session_ids: Sequence[str]) -> None:
        if not session_ids:
            return
        self._on_revoked(session_ids)
        try:
            await self.channel.publish(session_ids)
        except ServiceUnavailable:
            # The revocation is stored; the channel's epoch tells the other processes.
            logger.warning("session revocation not broadcast; other processes rely on the epoch")

    async def create(self, session: Session, max_per_user: int, now: datetime) -> list[str]:
        """Create in the store; evicted sessions are revoked everywhere."""
        evicted = await self.inner.create(session, max_per_user, now)
        await self._revoked(evicted)
        return evicted

    async def get(self, session_id: str, now: datetime) -> Session | None:
        """Straight from the store."""
        return await self.inner.get(session_id, now)

    async def get_and_touch(
        self, session_id: str, now: datetime, interval: timedelta = TOUCH_INTERVAL
    ) -> Session | None:
        """From memory while fresh and not due for a touch; otherwise one store round trip."""
        if self.channel.fresh():
            cached = self._cache.get(session_id)
            if cached is not None and cached.alive(now) and now - cached.last_seen_at < interval:
                return cached
        generation = self._generation
        session = await self.inner.get_and_touch(session_id, now, interval)
        if session is None:
            self._cache.pop(session_id, None)
            return None
        self._remember(session, generation)
        return session

    async def list_for_user(self, user_id: str, now: datetime) -> list[Session]:
        """Straight from the store."""
        return await self.inner.list_for_user(user_id, now)

    async def revoke(self, session_id: str, now: datetime, user_id: str | None = None) -> bool:
        """Revoke in the store, then here and everywhere."""
        ended = await self.inner.revoke(session_id, now, user_id)
        if ended:
            await self._revoked([session_id])
        return ended

    async def revoke_user(
        self, user_id: str, now: datetime, except_session_id: str | None = None
    ) -> list[str]:
        """Revoke in the store, then here and everywhere."""
        ended = await self.inner.revoke_user(user_id, now, except_session_id)
        await self._revoked(ended)
        return ended

    async def ping(self) -> None:
        """Ask the store."""
        await self.inner.ping()

    async def close(self) -> None:
        """Close the channel, then the store."""
        await self.channel.close()
        await self.inner.close()
