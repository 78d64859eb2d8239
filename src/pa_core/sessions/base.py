"""Server-side sessions: the record and the store contract.

The service over them is :class:`pa_core.sessions.service.SessionService`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from pa_core.client_address import valid_ip

__all__ = [
    "DEFAULT_MAX_SESSIONS_PER_USER",
    "DEFAULT_SESSION_TTL",
    "MAX_USER_AGENT_LENGTH",
    "TOUCH_INTERVAL",
    "Session",
    "SessionStore",
]

DEFAULT_SESSION_TTL = timedelta(hours=24)
"""Absolute lifetime of a session (``PA_SESSION_TTL``); activity does not extend it."""

DEFAULT_MAX_SESSIONS_PER_USER = 5
"""Concurrent sessions per user (``PA_SESSION_MAX_PER_USER``); the oldest is evicted."""

TOUCH_INTERVAL = timedelta(minutes=1)
"""``last_seen_at`` is written at most this often per session."""

MAX_USER_AGENT_LENGTH = 512
"""User agents are cut to this many characters before they are stored."""


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
