"""Request and response bodies of the HTTP API (msgspec: fast, strict, in the OpenAPI document).

Request structs forbid unknown fields, so a misspelt field is a ``422``, never ignored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import msgspec

from pa_core.accounts import TokenPair
from pa_core.sessions import Session
from pa_core.users import User

__all__ = [
    "ChangePasswordIn",
    "EmailIn",
    "LoginIn",
    "MfaChallengeOut",
    "MfaOut",
    "RefreshIn",
    "RegisterIn",
    "ResetPasswordIn",
    "SessionOut",
    "SessionsOut",
    "TokenIn",
    "TokenPairOut",
    "UserOut",
    "rfc3339",
]

Email = Annotated[str, msgspec.Meta(min_length=3, max_length=320)]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
Token = Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]


def rfc3339(value: datetime | None) -> str | None:
    """``2026-01-01T12:00:00Z``: RFC 3339 in UTC with a ``Z``."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class _In(msgspec.Struct, forbid_unknown_fields=True):
    """Base of request bodies."""


class RegisterIn(_In):
    """``POST /auth/register``."""

    email: Email
    password: Password
    display_name: Annotated[str, msgspec.Meta(max_length=100)] | None = None


class TokenIn(_In):
    """A body holding one emailed token."""

    token: Token


class EmailIn(_In):
    """A body holding one email address."""

    email: Email


class LoginIn(_In):
    """``POST /auth/login``; ``device_token`` skips the second factor on a remembered device."""

    email: Email
    password: Password
    device_token: Token | None = None


class RefreshIn(_In):
    """``POST /auth/refresh``."""

    refresh_token: Token


class ResetPasswordIn(_In):
    """``POST /auth/password/reset``."""

    token: Token
    new_password: Password


class ChangePasswordIn(_In):
    """``POST /auth/password/change``."""

    current_password: Password
    new_password: Password


class TokenPairOut(msgspec.Struct):
    """Access and refresh token."""

    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int

    @classmethod
    def of(cls, pair: TokenPair) -> TokenPairOut:
        """From the library's pair."""
        return cls(pair.access_token, pair.refresh_token, pair.token_type, pair.expires_in)


class MfaChallengeOut(msgspec.Struct):
    """The login needs a second factor."""

    mfa_required: bool
    mfa_token: str
    methods: list[str]


class MfaOut(msgspec.Struct):
    """Which second factors are active."""

    totp: bool = False
    sms: bool = False
    backup_codes_remaining: int = 0


class UserOut(msgspec.Struct):
    """A user as the API shows it."""

    id: str
    email: str
    email_verified: bool
    display_name: str | None
    timezone: str
    locale: str
    roles: list[str]
    mfa: MfaOut
    created_at: str

    @classmethod
    def of(cls, user: User, mfa: MfaOut | None = None) -> UserOut:
        """From the library's user."""
        return cls(
            id=user.id,
            email=user.email,
            email_verified=user.email_verified,
            display_name=user.display_name,
            timezone=user.timezone,
            locale=user.locale,
            roles=list(user.roles),
            mfa=mfa or MfaOut(),
            created_at=rfc3339(user.created_at) or "",
        )


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
