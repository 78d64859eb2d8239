"""Refresh tokens: the storage contract and its value types.

A refresh token is 256 random bits, handed to the client once and stored only
as its SHA-256 hash. Tokens come in *families*: one family per login (and per
session). Each refresh spends the presented token and records its successor in
the same family; presenting a spent token again means it was copied, so the
whole family is revoked at once (RFC 6819 section 5.2.2.3, OAuth 2.0 Security
BCP section 4.14) and the caller is told to end the session.

Expiry is absolute: every token of a family expires when the family does,
``ttl`` after the login, however often it is rotated. The rules live in
:class:`pa_core.refresh_tokens.service.RefreshTokenService`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final, Protocol, runtime_checkable

__all__ = [
    "DEFAULT_REFRESH_TOKEN_TTL",
    "MAX_TOKEN_LENGTH",
    "TOKEN_BYTES",
    "RefreshToken",
    "RefreshTokenStore",
    "RotateResult",
    "RotateStatus",
]

DEFAULT_REFRESH_TOKEN_TTL: Final = timedelta(days=30)
"""Lifetime of a family (one login) unless ``PA_REFRESH_TOKEN_TTL`` says otherwise."""

TOKEN_BYTES: Final = 32
"""Random bytes in a refresh token (256 bits)."""

MAX_TOKEN_LENGTH: Final = 128
"""Longer presented tokens are refused without touching the store."""


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
