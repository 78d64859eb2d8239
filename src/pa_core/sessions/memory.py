"""In-memory session store: the embedded default and the test double."""

from __future__ import annotations

from datetime import datetime, timedelta

from pa_core.sessions.base import TOUCH_INTERVAL, Session

__all__ = ["MemorySessionStore"]

SWEEP_INTERVAL = timedelta(minutes=10)
"""How often :meth:`MemorySessionStore.create` drops every expired session."""


class MemorySessionStore:
    """Sessions in a dict plus a per-user index in creation order.

    No operation awaits, so each is atomic under concurrent tasks of one event
    loop. Expired sessions are dropped when touched and, every
    :data:`SWEEP_INTERVAL`, all at once on a login, so memory stays bounded.
    """

    def __init__(self) -> None:
        self._sessions: dict[str, Session] = {}
        self._by_user: dict[str, dict[str, None]] = {}
        self._next_sweep: datetime | None = None

    def _drop(self, session_id: str) -> Session | None:
        session = self._sessions.pop(session_id, None)
        if session is not None:
            ids = self._by_user.get(session.user_id, {})
            ids.pop(session_id, None)
            if not ids:
                self._by_user.pop(session.user_id, None)
        return session

    def _live(self, session_id: str, now: datetime) -> Session | None:
        session = self._sessions.get(session_id)
        if session is not None and not session.alive(now):
            self._drop(session_id)
            return None
        return session

    def _live_ids(self, user_id: str, now: datetime) -> list[str]:
        """The user's live session ids, oldest first; dead ones are dropped."""
        return [
            sid for sid in list(self._by_user.get(user_id, {})) if self._live(sid, now) is not None
        ]

    def _sweep(self, now: datetime) -> None:
        if self._next_sweep is not None and now < self._next_sweep:
            return
        self._next_sweep = now + SWEEP_INTERVAL
        for sid in [sid for sid, s in self._sessions.items() if not s.alive(now)]:
            self._drop(sid)

    async def create(self, session: Session, max_per_user: int, now: datetime) -> list[str]:
        """Store ``session``; evict the oldest of the user's sessions beyond the limit."""
        self._sweep(now)
        self._drop(session.id)
        older = self._live_ids(session.user_id, now)
        self._sessions[session.id] = session
        self._by_user.setdefault(session.user_id, {})[session.id] = None
        evicted = older[: max(0, len(older) + 1 - max_per_user)]
        for sid in evicted:
            self._drop(sid)
        return evicted

    async def get(self, session_id: str, now: datetime) -> Session | None:
        """The live session, or ``None``."""
        return self._live(session_id, now)

    async def get_and_touch(
        self, session_id: str, now: datetime, interval: timedelta = TOUCH_INTERVAL
    ) -> Session | None:
        """The live session, its ``last_seen_at`` moved to ``now`` if ``interval`` passed."""
        session = self._live(session_id, now)
        if session is None:
            return None
        touched = session.touched(now, interval)
        self._sessions[session_id] = touched
        return touched

    async def list_for_user(self, user_id: str, now: datetime) -> list[Session]:
        """The user's live sessions, newest first."""
        return [self._sessions[sid] for sid in reversed(self._live_ids(user_id, now))]

    async def revoke(self, session_id: str, now: datetime, user_id: str | None = None) -> bool:
        """End a live session (of ``user_id``, if given)."""
        session = self._live(session_id, now)
        if session is None or (user_id is not None and session.user_id != user_id):
            return False
        self._drop(session_id)
        return True

    async def revoke_user(
        self, user_id: str, now: datetime, except_session_id: str | None = None
    ) -> list[str]:
        """End every live session of ``user_id`` but ``except_session_id``."""
        ended = [sid for sid in self._live_ids(user_id, now) if sid != except_session_id]
        for sid in ended:
            self._drop(sid)
        return ended

    async def ping(self) -> None:
        """Always answers."""

    async def close(self) -> None:
        """Nothing to release."""
