"""What the account flows issue and take: value types, their limits and lifetimes, and the MFA gate.

Nothing here does work: the flows beside this module (:mod:`.registration`,
:mod:`.sign_in`, :mod:`.sign_out`, :mod:`.password_flows`) hold the rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from pa_core.ratelimit import RateLimit
from pa_core.users.base import User

__all__ = [
    "DEFAULT_EMAIL_PER_ADDRESS",
    "DEFAULT_EMAIL_PER_IP",
    "DEFAULT_LOGIN_PER_IP",
    "DEFAULT_REGISTER_PER_IP",
    "AccountLimits",
    "AccountTimes",
    "LoginResult",
    "MfaChallenge",
    "SecondFactorGate",
    "TokenPair",
]


@dataclass(frozen=True, slots=True)
class AccountTimes:
    """Lifetimes of what the account flows issue."""

    access_token: timedelta = timedelta(minutes=15)
    email_verification: timedelta = timedelta(hours=24)
    password_reset: timedelta = timedelta(hours=1)
    mfa_challenge: timedelta = timedelta(minutes=5)


DEFAULT_LOGIN_PER_IP = RateLimit(20, timedelta(minutes=1))
DEFAULT_REGISTER_PER_IP = RateLimit(10, timedelta(hours=1))
DEFAULT_EMAIL_PER_ADDRESS = RateLimit(3, timedelta(hours=1))
DEFAULT_EMAIL_PER_IP = RateLimit(20, timedelta(hours=1))


@dataclass(frozen=True, slots=True)
class AccountLimits:
    """Rate limits of the account flows (brute-force and abuse protection)."""

    login_per_ip: RateLimit = DEFAULT_LOGIN_PER_IP
    register_per_ip: RateLimit = DEFAULT_REGISTER_PER_IP
    email_per_address: RateLimit = DEFAULT_EMAIL_PER_ADDRESS
    """forgot-password and resend-verification, each, per email address."""
    email_per_ip: RateLimit = DEFAULT_EMAIL_PER_IP
    """forgot-password and resend-verification, each, per client address."""


@dataclass(frozen=True, slots=True)
class TokenPair:
    """What a successful login or refresh returns."""

    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "bearer"


@dataclass(frozen=True, slots=True)
class MfaChallenge:
    """A correct password for a user with a second factor: the login is not done yet."""

    mfa_token: str
    methods: tuple[str, ...]


LoginResult = TokenPair | MfaChallenge


class SecondFactorGate(Protocol):
    """What the login needs to know of multi-factor authentication."""

    async def methods_for(self, user: User) -> list[str]:
        """The user's active second-factor methods (empty: none)."""
        ...

    async def device_trusted(self, user: User, device_token: str) -> bool:
        """Whether ``device_token`` is a live remembered device of ``user``."""
        ...

    async def forget_devices(self, user_id: str) -> None:
        """Revoke every remembered device of the user (all sessions are being ended)."""
        ...
