"""Who is calling: the bearer token of a request checked against its live session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pa_core.errors import InvalidToken, NotAuthenticated
from pa_core.sessions.service import SessionService
from pa_core.tokens import TokenPurpose, TokenService

__all__ = ["MAX_AUTHORIZATION_LENGTH", "Authenticator", "Principal", "bearer_token"]

MAX_AUTHORIZATION_LENGTH = 4096
"""An ``Authorization`` header longer than this is refused unread."""


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller of one request."""

    user_id: str
    session_id: str
    token_id: str
    expires_at: datetime
    mfa_method: str | None = None


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header.

    Raises:
        NotAuthenticated: no header, or another scheme, or no token after ``Bearer``.
        InvalidToken: the header is absurdly long.
    """
    if not authorization:
        raise NotAuthenticated("an Authorization: Bearer header is required")
    if len(authorization) > MAX_AUTHORIZATION_LENGTH:
        raise InvalidToken()
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise NotAuthenticated("an Authorization: Bearer header is required")
    return token


class Authenticator:
    """Turns an ``Authorization`` header into a :class:`Principal`, or refuses.

    The JWT is verified locally; the session is then checked in the session
    store (one round trip), so logout and revocation take effect at the next
    request. A store that does not answer raises ``ServiceUnavailable``: never access.
    """

    def __init__(self, tokens: TokenService, sessions: SessionService) -> None:
        self.tokens = tokens
        self.sessions = sessions

    async def authenticate(self, authorization: str | None) -> Principal:
        """Verify the bearer access token and its session.

        Raises:
            NotAuthenticated: no bearer credentials.
            InvalidToken: a bad, expired, wrong-purpose or revoked token.
            ServiceUnavailable: the session store is down or silent.
        """
        claims = self.tokens.verify(bearer_token(authorization), TokenPurpose.ACCESS)
        if claims.session_id is None:
            raise InvalidToken()
        session = await self.sessions.check(claims.session_id, user_id=claims.subject)
        return Principal(
            user_id=claims.subject,
            session_id=session.id,
            token_id=claims.jti,
            expires_at=claims.expires_at,
            mfa_method=session.mfa_method,
        )
