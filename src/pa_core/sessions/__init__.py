"""Server-side sessions: :class:`SessionService` over a :class:`SessionStore`.

The Redis store lives in :mod:`pa_core.sessions.redis` (``redis`` extra) and is
never imported here.
"""

from pa_core.sessions.base import (
    DEFAULT_MAX_SESSIONS_PER_USER,
    DEFAULT_SESSION_TTL,
    TOUCH_INTERVAL,
    Session,
    SessionStore,
)
from pa_core.sessions.memory import MemorySessionStore
from pa_core.sessions.service import SessionService, new_session_id
from pa_core.sessions.watch import WATCH_INTERVAL, SessionEnd, SessionWatch

__all__ = [
    "DEFAULT_MAX_SESSIONS_PER_USER",
    "DEFAULT_SESSION_TTL",
    "TOUCH_INTERVAL",
    "WATCH_INTERVAL",
    "MemorySessionStore",
    "Session",
    "SessionEnd",
    "SessionService",
    "SessionStore",
    "SessionWatch",
    "new_session_id",
]
