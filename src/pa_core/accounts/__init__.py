"""Accounts: registration, email verification, login, refresh, logout, password reset and change.

:class:`AccountService` holds every rule of these flows, so that any web
framework only parses requests and calls it. It composes one class per flow
(:mod:`.registration`, :mod:`.sign_in`, :mod:`.sign_out`, :mod:`.password_flows`);
the value types and the :class:`SecondFactorGate` contract are in :mod:`.base`.
"""

from pa_core.accounts.base import (
    AccountLimits,
    AccountTimes,
    LoginResult,
    MfaChallenge,
    SecondFactorGate,
    TokenPair,
)
from pa_core.accounts.fields import normalize_email, validate_timezone
from pa_core.accounts.service import AccountService
from pa_core.names import MAX_DISPLAY_NAME, normalize_display_name

__all__ = [
    "MAX_DISPLAY_NAME",
    "AccountLimits",
    "AccountService",
    "AccountTimes",
    "LoginResult",
    "MfaChallenge",
    "SecondFactorGate",
    "TokenPair",
    "normalize_display_name",
    "normalize_email",
    "validate_timezone",
]
