"""Keeping a long-lived response honest: it ends with its session and its token.

An ordinary request is authorised once, when it starts. A response that stays
open (a stream of live events) must keep asking: :class:`SessionWatch` answers
"may this still be delivered?" for one session and one access token:

- no longer once the token's ``exp`` has passed;
- no longer once the session is revoked (logout, logout everywhere, password
  change, ``DELETE /auth/sessions/{id}``, eviction) or has expired.

Ask :meth:`SessionWatch.alive` before every item delivered and wait at most
:meth:`SessionWatch.wait_for` between two questions, so that a quiet stream
notices too. Each question is one :meth:`SessionService.check`: a dictionary
lookup with the in-memory store or with
:class:`~pa_core.sessions.cache.CachedSessionStore` (whose revocation
broadcasts drop a revoked session at once in every process), one round trip
otherwise.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

import anyio

from pa_core.errors import InvalidToken

if TYPE_CHECKING:
    from pa_core.sessions.service import SessionService

__all__ = ["WATCH_INTERVAL", "SessionEnd", "SessionWatch"]

WATCH_INTERVAL = timedelta(milliseconds=500)
"""The longest a watched response goes without asking whether its session still stands."""

_SHORTEST_WAIT = timedelta(milliseconds=1)


class SessionEnd(StrEnum):
    """Why a watched response had to end."""

    TOKEN_EXPIRED = "token_expired"
    SESSION_ENDED = "session_ended"


class SessionWatch:
    """Whether one session, seen through one access token, may still receive anything.

    Args:
        sessions: The session service (its clock tells the time).
        session_id: The token's ``sid``.
        user_id: The token's subject; the session must belong to it.
        until: The token's expiry (``exp``): nothing is delivered from then on.
        interval: The longest wait between two checks (at most :data:`WATCH_INTERVAL`
            is a good choice; a shorter one costs more checks).
    """

    def __init__(
        self,
        sessions: SessionService,
        session_id: str,
        *,
        user_id: str,
        until: datetime,
        interval: timedelta = WATCH_INTERVAL,
    ) -> None:
        if interval <= timedelta(0):
            raise ValueError("interval must be positive")
        self.sessions = sessions
        self.session_id = session_id
        self.user_id = user_id
        self.until = until
        self.interval = interval
        self.ended: SessionEnd | None = None

    async def alive(self) -> bool:
        """Whether the token is unexpired and the session still stands; once ``False``, always.

        Raises:
            ServiceUnavailable: the session store did not answer (the caller
                must stop delivering: fail closed).
        """
        if self.ended is not None:
            return False
        if self.sessions.clock.now() >= self.until:
            self.ended = SessionEnd.TOKEN_EXPIRED
            return False
        try:
            await self.sessions.check(self.session_id, user_id=self.user_id)
        except InvalidToken:
            self.ended = SessionEnd.SESSION_ENDED
            return False
        return True

    def wait_for(self, wanted: timedelta) -> timedelta:
        """How long a caller that wants to wait ``wanted`` may wait before asking again.

        The least of ``wanted``, the interval and the time left to the token's
        expiry (never less than a millisecond, so that callers do not spin).
        """
        left = self.until - self.sessions.clock.now()
        return max(min(wanted, self.interval, left), _SHORTEST_WAIT)

    async def __aiter__(self) -> AsyncIterator[None]:
        """Tick at least every interval while alive; stop when the session or token ends.

        For a long-lived response that has nothing else to wait on: deliver
        after each tick, stop when the iteration stops.
        """
        while await self.alive():
            yield None
            await anyio.sleep(self.wait_for(self.interval).total_seconds())
