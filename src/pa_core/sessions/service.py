"""The session service: starts, checks, lists and revokes sessions.

A session is created at login and named by the ``sid`` claim of every token
issued for it. Every authenticated request asks :meth:`SessionService.check`
whether its session is alive, in one store round trip, so that logout and
revocation take effect at once. A store that cannot be reached raises
:class:`~pa_core.errors.ServiceUnavailable`: the caller fails closed.
"""

from __future__ import annotations

import builtins
import re
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pa_core.clock import Clock
from pa_core.errors import InvalidToken, NotFound
from pa_core.sessions.base import (
    DEFAULT_MAX_SESSIONS_PER_USER,
    DEFAULT_SESSION_TTL,
    MAX_USER_AGENT_LENGTH,
    TOUCH_INTERVAL,
    Session,
    SessionStore,
)

if TYPE_CHECKING:
    from pa_core.sessions.watch import SessionWatch

__all__ = ["SESSION_ID_BYTES", "SessionService", "new_session_id"]

SESSION_ID_BYTES = 24
"""Random bytes in a session id (32 URL-safe characters)."""

_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")


def new_session_id() -> str:
    """A new unguessable session id (URL-safe, from :mod:`secrets`)."""
    return secrets.token_urlsafe(SESSION_ID_BYTES)


def _plausible_id(session_id: str) -> bool:
    return _SESSION_ID.fullmatch(session_id) is not None


class SessionService:
    """Starts, checks, lists and revokes sessions.

    Args:
        store: Where sessions live.
        clock: The source of time.
        ttl: Absolute lifetime of a session (``PA_SESSION_TTL``).
        max_per_user: Concurrent sessions per user (``PA_SESSION_MAX_PER_USER``);
            a login beyond it evicts the oldest.
        touch_interval: How often ``last_seen_at`` is written at most.
    """

    def __init__(
        self,
        store: SessionStore,
        clock: Clock,
        *,
        ttl: timedelta = DEFAULT_SESSION_TTL,
        max_per_user: int = DEFAULT_MAX_SESSIONS_PER_USER,
        touch_interval: timedelta = TOUCH_INTERVAL,
    ) -> None:
        if ttl <= timedelta(0):
            raise ValueError("ttl must be positive")
        if max_per_user < 1:
            raise ValueError("max_per_user must be at least 1")
        if touch_interval < timedelta(0):
            raise ValueError("touch_interval must not be negative")
        self.store = store
        self.clock = clock
        self.ttl = ttl
        self.max_per_user = max_per_user
        self.touch_interval = touch_interval

    async def start(
        self,
        user_id: str,
        *,
        ip: str | None = None,
        user_agent: str | None = None,
        mfa_method: str | None = None,
    ) -> Session:
        """Create a session for ``user_id`` at login, evicting the oldest beyond the limit."""
        now = self.clock.now()
        session = Session(
            id=new_session_id(),
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + self.ttl,
            ip=ip or None,
            user_agent=(user_agent or None) and user_agent[:MAX_USER_AGENT_LENGTH],
            mfa_method=mfa_method,
        )
        await self.store.create(session, self.max_per_user, now)
        return session

    async def check(self, session_id: str, *, user_id: str | None = None) -> Session:
        """The live session ``session_id``, its ``last_seen_at`` refreshed; one round trip.

        Args:
            session_id: The ``sid`` claim of the presented token.
            user_id: If given (the token's subject), the session must belong to it.

        Raises:
            InvalidToken: The session is unknown, revoked, expired or someone else's.
            ServiceUnavailable: The store did not answer; never grant access then.
        """
        if not _plausible_id(session_id):
            raise InvalidToken()
        session = await self.store.get_and_touch(session_id, self.clock.now(), self.touch_interval)
        if session is None or (user_id is not None and session.user_id != user_id):
            raise InvalidToken()
        return session

    def watch(self, session_id: str, *, user_id: str, until: datetime) -> SessionWatch:
        """A :class:`~pa_core.sessions.watch.SessionWatch` for a response that stays open.

        Args:
            session_id: The token's ``sid``.
            user_id: The token's subject.
            until: The token's expiry: the response ends then at the latest.
        """
        from pa_core.sessions.watch import SessionWatch

        return SessionWatch(self, session_id, user_id=user_id, until=until)

    async def list(self, user_id: str) -> builtins.list[Session]:
        """The user's live sessions, newest first."""
        return await self.store.list_for_user(user_id, self.clock.now())

    async def revoke(self, user_id: str, session_id: str) -> None:
        """End one of the user's sessions.

        Raises:
            NotFound: No live session ``session_id`` belongs to ``user_id``
                (someone else's session looks exactly like a missing one).
        """
        if not _plausible_id(session_id):
            raise NotFound()
        if not await self.store.revoke(session_id, self.clock.now(), user_id=user_id):
            raise NotFound()

    async def revoke_all(self, user_id: str) -> builtins.list[str]:
        """End every session of the user (logout everywhere); return the ids ended."""
        return await self.store.revoke_user(user_id, self.clock.now())

    async def revoke_others(self, user_id: str, current_session_id: str) -> builtins.list[str]:
        """End every session of the user but the current one; return the ids ended."""
        return await self.store.revoke_user(
            user_id, self.clock.now(), except_session_id=current_session_id
        )
