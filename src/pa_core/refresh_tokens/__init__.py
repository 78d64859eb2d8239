"""Opaque refresh tokens with rotation and reuse detection.

:class:`RefreshTokenService` over a :class:`RefreshTokenStore`. The Redis store
lives in :mod:`pa_core.refresh_tokens.redis` (``redis`` extra) and is never
imported here.
"""

from pa_core.refresh_tokens.base import (
    DEFAULT_REFRESH_TOKEN_TTL,
    MAX_TOKEN_LENGTH,
    TOKEN_BYTES,
    RefreshToken,
    RefreshTokenStore,
    RotateResult,
    RotateStatus,
)
from pa_core.refresh_tokens.memory import MemoryRefreshTokenStore
from pa_core.refresh_tokens.service import (
    RefreshTokenService,
    ReuseHandler,
    hash_token,
    new_refresh_token,
)

__all__ = [
    "DEFAULT_REFRESH_TOKEN_TTL",
    "MAX_TOKEN_LENGTH",
    "TOKEN_BYTES",
    "MemoryRefreshTokenStore",
    "RefreshToken",
    "RefreshTokenService",
    "RefreshTokenStore",
    "ReuseHandler",
    "RotateResult",
    "RotateStatus",
    "hash_token",
    "new_refresh_token",
]
