"""Refresh tokens: the storage contract and :class:`RefreshTokenService`.

A refresh token is 256 random bits, handed to the client once and stored only
as its SHA-256 hash. Tokens come in *families*: one family per login (and per
session). Each refresh spends the presented token and records its successor in
the same family; presenting a spent token again means it was copied, so the
whole family is revoked at once (RFC 6819 section 5.2.2.3, OAuth 2.0 Security
BCP section 4.14) and the caller is told to end the session.

Expiry is absolute: every token of a family expires when the family does,
``ttl`` after the login, however often it is rotated.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final, Protocol, runtime_checkable

from pa_core.clock import Clock
from pa_core.errors import InvalidToken, TokenExpired, TokenReused
from pa_core.ids import new_id

__all__ = [
    "DEFAULT_REFRESH_TOKEN_TTL",
    "MAX_TOKEN_LENGTH",
    "TOKEN_BYTES",
    "RefreshToken",
    "RefreshTokenService",
    "RefreshTokenStore",
    "ReuseHandler",
    "RotateResult",
    "RotateStatus",
    "hash_token",
    "new_refresh_token",
]

DEFAULT_REFRESH_TOKEN_TTL: Final = timedelta(days=30)
"""Lifetime of a family (one login) unless ``PA_REFRESH_TOKEN_TTL`` says otherwise."""

TOKEN_BYTES: Final = 32
"""Random bytes in a refresh token (256 bits)."""

MAX_TOKEN_LENGTH: Final = 128
"""Longer presented tokens are refused without touching the store."""


def new_refresh_token() -> str:
    """A new opaque refresh token: 256 random bits, base64url (43 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """The stored form of ``token``: hex SHA-256.

    A fast unsalted hash is enough for 256-bit random tokens: nothing can be
    guessed, and a lookup by hash leaks nothing usable through timing.
    """
    return hashlib.sha256(token.encode()).hexdigest()


class RotateStatus(StrEnum):
    """What became of a token presented to :meth:`RefreshTokenStore.rotate`."""

    OK = "ok"
    """The token was live; it is now spent and its successor recorded."""
    REUSED = "reused"
    """The token was spent already; its family has just been revoked."""
    UNKNOWN = "unknown"
    """No such token (never issued, or forgotten after its expiry)."""
    EXPIRED = "expired"
    """The token's family has reached its absolute expiry."""
    REVOKED = "revoked"
    """The token's family was revoked earlier."""


@dataclass(frozen=True, slots=True)
class RotateResult:
    """The outcome of a rotation; the ids are set whenever the token was known."""

    status: RotateStatus
    family_id: str | None = None
    session_id: str | None = None
    user_id: str | None = None
    expires_at: datetime | None = None


@runtime_checkable
class RefreshTokenStore(Protocol):
    """Refresh-token hashes grouped in families; :meth:`rotate` is atomic.

    ``now`` comes from the caller's clock and decides expiry exactly; backends
    may forget a family once it has expired. Backends raise
    :class:`pa_core.errors.ServiceUnavailable` when unreachable.
    """

    async def create(
        self,
        family_id: str,
        session_id: str,
        user_id: str,
        token_hash: str,
        expires_at: datetime,
        now: datetime,
    ) -> None:
        """Start family ``family_id`` with its first token, all of it expiring at ``expires_at``.

        Raises:
            ValueError: the family or the token hash exists already, or ``expires_at`` is not
                after ``now``.
        """
        ...

    async def rotate(self, old_hash: str, new_hash: str, now: datetime) -> RotateResult:
        """Spend ``old_hash`` and record ``new_hash`` in its family, in one atomic step.

        Only a live, unspent token is rotated (``OK``). A spent one revokes its family
        in the same step (``REUSED``); of concurrent calls with one token, exactly one
        gets ``OK``. The successor keeps the family's expiry.

        Raises:
            ValueError: ``new_hash`` exists already (nothing is changed).
        """
        ...

    async def revoke_family(self, family_id: str) -> None:
        """Revoke every token of the family."""
        ...

    async def revoke_session(self, session_id: str) -> None:
        """Revoke every family of the session."""
        ...

    async def revoke_user(self, user_id: str) -> None:
        """Revoke every family of the user."""
        ...

    async def close(self) -> None:
        """Release connections held by the store."""
        ...


@dataclass(frozen=True, slots=True)
class RefreshToken:
    """A refresh token handed to a client, with what it belongs to."""

    token: str = field(repr=False)
    family_id: str
    session_id: str
    user_id: str
    expires_at: datetime


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
