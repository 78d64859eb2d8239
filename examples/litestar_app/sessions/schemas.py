"""Bodies of the caller's sessions routes (``/api/v1/auth/sessions``)."""

from __future__ import annotations

import msgspec

from examples.litestar_app.core.schemas import rfc3339
from pa_core.sessions import Session

__all__ = ["SessionOut", "SessionsOut"]


class SessionOut(msgspec.Struct):
    """One session of the caller."""

    id: str
    created_at: str
    last_seen_at: str
    expires_at: str
    ip: str | None
    user_agent: str | None
    current: bool

    @classmethod
    def of(cls, session: Session, current_id: str) -> SessionOut:
        """From the library's session."""
        return cls(
            id=session.id,
            created_at=rfc3339(session.created_at) or "",
            last_seen_at=rfc3339(session.last_seen_at) or "",
            expires_at=rfc3339(session.expires_at) or "",
            ip=session.ip,
            user_agent=session.user_agent,
            current=session.id == current_id,
        )


class SessionsOut(msgspec.Struct):
    """The caller's sessions, newest first."""

    items: list[SessionOut]
    next_cursor: str | None = None
