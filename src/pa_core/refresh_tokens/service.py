"""Issues and rotates refresh tokens, and detects the reuse of a spent one."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta

from pa_core.clock import Clock
from pa_core.errors import InvalidToken, TokenExpired, TokenReused
from pa_core.ids import new_id
from pa_core.refresh_tokens.base import (
    DEFAULT_REFRESH_TOKEN_TTL,
    MAX_TOKEN_LENGTH,
    TOKEN_BYTES,
    RefreshToken,
    RefreshTokenStore,
    RotateResult,
    RotateStatus,
)

__all__ = ["RefreshTokenService", "ReuseHandler", "hash_token", "new_refresh_token"]


def new_refresh_token() -> str:
    """A new opaque refresh token: 256 random bits, base64url (43 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """The stored form of ``token``: hex SHA-256.

    A fast unsalted hash is enough for 256-bit random tokens: nothing can be
    guessed, and a lookup by hash leaks nothing usable through timing.
    """
    return hashlib.sha256(token.encode()).hexdigest()


ReuseHandler = Callable[[RotateResult], Awaitable[None]]
"""Called with the family, session and user when reuse is detected (e.g. to end the session)."""


class RefreshTokenService:
    """Issues and rotates refresh tokens over a :class:`RefreshTokenStore`.

    Args:
        store: where token hashes live.
        clock: decides issue and expiry times.
        ttl: lifetime of a family, counted from login (absolute, not sliding).
        on_reuse: awaited when a spent token is presented, after its family and
            every family of its session are revoked; the place to end the session.
    """

    def __init__(
        self,
        store: RefreshTokenStore,
        clock: Clock,
        ttl: timedelta = DEFAULT_REFRESH_TOKEN_TTL,
        on_reuse: ReuseHandler | None = None,
    ) -> None:
        if ttl <= timedelta(0):
            raise ValueError("ttl must be positive")
        self.store = store
        self.clock = clock
        self.ttl = ttl
        self.on_reuse = on_reuse

    async def issue(
        self, user_id: str, session_id: str, family_id: str | None = None
    ) -> RefreshToken:
        """Start a family (one login) for ``user_id`` and ``session_id``; return its first token."""
        if not user_id or not session_id:
            raise ValueError("user_id and session_id must be non-empty")
        now = self.clock.now()
        family_id = family_id or new_id(now)
        token = new_refresh_token()
        expires_at = now + self.ttl
        await self.store.create(family_id, session_id, user_id, hash_token(token), expires_at, now)
        return RefreshToken(token, family_id, session_id, user_id, expires_at)

    async def rotate(self, token: str) -> RefreshToken:
        """Spend ``token`` and return its successor in the same family.

        Raises:
            TokenReused: ``token`` was spent already; every refresh token of its session
                is revoked. The error names the family, session and user, so that the
                caller (:meth:`pa_core.accounts.AccountService.refresh`) ends the session.
            TokenExpired: the family's absolute expiry has passed.
            InvalidToken: ``token`` is unknown or revoked.
        """
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken()
        successor = new_refresh_token()
        result = await self.store.rotate(hash_token(token), hash_token(successor), self.clock.now())
        family_id, session_id, user_id = result.family_id, result.session_id, result.user_id
        expires_at = result.expires_at
        if result.status is RotateStatus.OK and family_id and session_id and user_id and expires_at:
            return RefreshToken(successor, family_id, session_id, user_id, expires_at)
        if result.status is RotateStatus.REUSED:
            if result.session_id:
                await self.store.revoke_session(result.session_id)
            if self.on_reuse is not None:
                await self.on_reuse(result)
            raise TokenReused(family_id=family_id, session_id=session_id, user_id=user_id)
        if result.status is RotateStatus.EXPIRED:
            raise TokenExpired()
        raise InvalidToken()

    async def revoke_family(self, family_id: str) -> None:
        """Revoke every token of one login."""
        await self.store.revoke_family(family_id)

    async def revoke_session(self, session_id: str) -> None:
        """Revoke every refresh token of a session (logout)."""
        await self.store.revoke_session(session_id)

    async def revoke_user(self, user_id: str) -> None:
        """Revoke every refresh token of a user (password change, logout everywhere)."""
        await self.store.revoke_user(user_id)
