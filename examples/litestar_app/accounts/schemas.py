"""Bodies of the account routes (``/api/v1/auth``: registration, login, tokens, passwords)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from examples.litestar_app.core.schemas import Email, NewPassword, Password, Token, _In
from pa_core.accounts import TokenPair

__all__ = [
    "ChangePasswordIn",
    "EmailIn",
    "LoginIn",
    "MfaChallengeOut",
    "RefreshIn",
    "RegisterIn",
    "ResetPasswordIn",
    "TokenIn",
    "TokenPairOut",
]


class RegisterIn(_In):
    """``POST /auth/register``."""

    email: Email
    password: NewPassword
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
    new_password: NewPassword


class ChangePasswordIn(_In):
    """``POST /auth/password/change``."""

    current_password: Password
    new_password: NewPassword


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
