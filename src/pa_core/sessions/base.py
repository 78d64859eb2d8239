"""Server-side sessions: the record, the store contract, and the service over it.

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
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from pa_core.client_address import valid_ip
from pa_core.clock import Clock
from pa_core.errors import InvalidToken, NotFound

if TYPE_CHECKING:
    from pa_core.sessions.watch import SessionWatch

__all__ = [
    "DEFAULT_MAX_SESSIONS_PER_USER",
    "DEFAULT_SESSION_TTL",
    "MAX_USER_AGENT_LENGTH",
    "TOUCH_INTERVAL",
    "Session",
    "SessionService",
    "SessionStore",
    "new_session_id",
]

DEFAULT_SESSION_TTL = timedelta(hours=24)
"""Absolute lifetime of a session (``PA_SESSION_TTL``); activity does not extend it."""

DEFAULT_MAX_SESSIONS_PER_USER = 5
"""Concurrent sessions per user (``PA_SESSION_MAX_PER_USER``); the oldest is evicted."""

TOUCH_INTERVAL = timedelta(minutes=1)
"""``last_seen_at`` is written at most this often per session."""

MAX_USER_AGENT_LENGTH = 512
"""User agents are cut to this many characters before they are stored."""

SESSION_ID_BYTES = 24
"""Random bytes in a session id (32 URL-safe characters)."""

_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")


def new_session_id() -> str:
    """A new unguessable session id (URL-safe, from :mod:`secrets`)."""
    return secrets.token_urlsafe(SESSION_ID_BYTES)


def _plausible_id(session_id: str) -> bool:
    return _SESSION_ID.fullmatch(session_id) is not None


@dataclass(frozen=True, slots=True)
class Session:
    """One login of one user on one device.

    Attributes:
        id: Opaque, unguessable id; the ``sid`` claim of the tokens of this session.
        user_id: Owner of the session.
        created_at: When the user logged in.
        last_seen_at: Last authenticated request, to the :data:`TOUCH_INTERVAL`.
        expires_at: Absolute end of the session; activity does not move it.
        ip: Client address at login, if known; anything but a valid IP becomes ``None``.
        user_agent: Client user agent at login (cut to :data:`MAX_USER_AGENT_LENGTH`).
        mfa_method: The second factor passed at login (``"totp"``, ``"sms"``,
            ``"backup_code"``, ...), or ``None`` for a password-only login.
    """

    id: str
    user_id: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ip: str | None = None
    user_agent: str | None = None
    mfa_method: str | None = None

    def __post_init__(self) -> None:
        if self.ip is not None:  # only ever a valid IP: a stored non-IP is shown as none
            object.__setattr__(self, "ip", valid_ip(self.ip))

    def alive(self, now: datetime) -> bool:
        """Whether the session has not yet reached its absolute expiry at ``now``."""
        return now < self.expires_at

    def touched(self, now: datetime, interval: timedelta = TOUCH_INTERVAL) -> Session:
        """This session with ``last_seen_at`` moved to ``now`` if ``interval`` has passed."""
        if now - self.last_seen_at >= interval:
            return replace(self, last_seen_at=now)
        return self


@runtime_checkable
class SessionStore(Protocol):
    """Sessions with a per-user index; every operation is atomic.

    Methods take ``now`` wherever time matters, so that a session whose
    ``expires_at`` has passed is dead for every backend at exactly the same
    instant. Backends raise :class:`~pa_core.errors.ServiceUnavailable`
    (dependency ``"session_store"``) when they cannot be reached or do not
    answer in time, never a driver exception.
    """

    async def create(self, session: Session, max_per_user: int, now: datetime) -> list[str]:
        """Store ``session`` and evict the user's oldest sessions beyond ``max_per_user``.

        The new session is always the newest, so it is never the one evicted.

        Returns:
            The ids of the evicted sessions, oldest first.
        """
        ...

    async def get(self, session_id: str, now: datetime) -> Session | None:
        """The live session with ``session_id``; ``None`` if unknown, revoked or expired."""
        ...

    async def get_and_touch(
        self, session_id: str, now: datetime, interval: timedelta = TOUCH_INTERVAL
    ) -> Session | None:
        """Like :meth:`get`, and set ``last_seen_at`` to ``now`` if ``interval`` has passed.

        One round trip: this is the hot path of every authenticated request.
        """
        ...

    async def list_for_user(self, user_id: str, now: datetime) -> list[Session]:
        """The user's live sessions, newest first."""
        ...

    async def revoke(self, session_id: str, now: datetime, user_id: str | None = None) -> bool:
        """End a live session; with ``user_id``, only if it belongs to that user.

        Returns:
            Whether a live session (of ``user_id``, if given) was ended.
        """
        ...

    async def revoke_user(
        self, user_id: str, now: datetime, except_session_id: str | None = None
    ) -> list[str]:
        """End every session of ``user_id`` but ``except_session_id``; return the ids ended."""
        ...

    async def ping(self) -> None:
        """Check the backend answers; raise ``ServiceUnavailable`` otherwise."""
        ...

    async def close(self) -> None:
        """Release connections held by the store."""
        ...


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
