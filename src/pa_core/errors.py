"""The one error hierarchy of ``pa_core``.

Every error carries a stable ``code`` (snake_case) that clients may rely on and
an HTTP-neutral meaning given by the branch of the tree it sits in; the reference
app maps branches to status codes in exactly one place.

.. code-block:: text

    PAError                       (never raised directly)
    ├── InvalidInput              the caller sent something unacceptable
    │   ├── ValidationFailed          validation_error (field errors)
    │   ├── WeakPassword              weak_password (names the rule)
    │   ├── InvalidPassword           invalid_password (confirming a sensitive action)
    │   ├── InvalidOneTimeToken       invalid_token (a spent/bad emailed token)
    │   └── MalformedRequest          malformed_request
    ├── AuthenticationFailed      the caller is not who they claim
    │   ├── NotAuthenticated          not_authenticated
    │   ├── InvalidCredentials        invalid_credentials
    │   ├── InvalidToken              invalid_token
    │   │   └── TokenExpired              token_expired is still ``invalid_token``
    │   ├── TokenReused               token_reused
    │   └── InvalidMfaCode            invalid_mfa_code
    ├── Forbidden                 known caller, not allowed
    │   ├── PermissionDenied          permission_denied
    │   ├── EmailNotVerified          email_not_verified
    │   └── AccountDisabled           account_disabled
    ├── NotFound                  not_found (also: someone else's resource)
    ├── Conflict                  the state forbids it
    │   ├── EmailTaken                email_taken
    │   └── LastAdministrator         last_administrator
    ├── RateLimited               rate_limited (carries ``retry_after`` seconds)
    ├── PayloadTooLarge           payload_too_large
    ├── ServiceUnavailable        service_unavailable (a backend is down or slow)
    └── ImproperlyConfigured      improperly_configured (refused at start-up)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "AccountDisabled",
    "AuthenticationFailed",
    "Conflict",
    "EmailNotVerified",
    "EmailTaken",
    "FieldError",
    "Forbidden",
    "ImproperlyConfigured",
    "InvalidCredentials",
    "InvalidInput",
    "InvalidMfaCode",
    "InvalidOneTimeToken",
    "InvalidPassword",
    "InvalidToken",
    "LastAdministrator",
    "MalformedRequest",
    "NotAuthenticated",
    "NotFound",
    "PAError",
    "PayloadTooLarge",
    "PermissionDenied",
    "RateLimited",
    "ServiceUnavailable",
    "TokenExpired",
    "TokenReused",
    "ValidationFailed",
    "WeakPassword",
]


class PAError(Exception):
    """Root of every error raised by ``pa_core`` and ``pa_sms``; never raised itself."""

    code: str = "error"
    """Stable, snake_case identifier clients can rely on."""
    title: str = "Error"
    """Short human summary of the error class."""

    def __init__(self, detail: str | None = None) -> None:
        self.detail = detail or self.title
        super().__init__(self.detail)


# --- invalid input -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one input field."""

    field: str
    message: str


class InvalidInput(PAError):
    """The caller sent something that cannot be accepted."""

    code = "invalid_input"
    title = "Invalid input"


class ValidationFailed(InvalidInput):
    """Input failed validation; ``errors`` says which fields and why."""

    code = "validation_error"
    title = "Validation failed"

    def __init__(self, detail: str | None = None, errors: Sequence[FieldError] = ()) -> None:
        super().__init__(detail)
        self.errors = tuple(errors)

    @classmethod
    def for_field(cls, field: str, message: str) -> ValidationFailed:
        """Build the error for a single field."""
        return cls(f"{field}: {message}", [FieldError(field, message)])


class WeakPassword(InvalidInput):
    """A new password breaks the password policy; ``rule`` names the rule."""

    code = "weak_password"
    title = "Password does not meet the policy"

    def __init__(self, detail: str, rule: str) -> None:
        super().__init__(detail)
        self.rule = rule


class InvalidPassword(InvalidInput):
    """The password given to confirm a sensitive action is wrong."""

    code = "invalid_password"
    title = "Wrong password"


class InvalidOneTimeToken(InvalidInput):
    """An emailed token (verification, reset) is bad, expired or already used."""

    code = "invalid_token"
    title = "Invalid or expired token"


class MalformedRequest(InvalidInput):
    """The request could not be parsed at all."""

    code = "malformed_request"
    title = "Malformed request"


# --- authentication ----------------------------------------------------------


class AuthenticationFailed(PAError):
    """The caller could not be authenticated."""

    code = "authentication_failed"
    title = "Authentication failed"


class NotAuthenticated(AuthenticationFailed):
    """No credentials were presented."""

    code = "not_authenticated"
    title = "Not authenticated"


class InvalidCredentials(AuthenticationFailed):
    """Email or password is wrong (the two are never told apart)."""

    code = "invalid_credentials"
    title = "Invalid email or password"


class InvalidToken(AuthenticationFailed):
    """A token is malformed, forged, of another purpose, revoked or expired.

    One class on purpose: the answer is no oracle about what was wrong.
    """

    code = "invalid_token"
    title = "Invalid token"


class TokenExpired(InvalidToken):
    """A token was well formed and genuine but its lifetime is over."""

    title = "Token expired"


class TokenReused(AuthenticationFailed):
    """A spent refresh token was presented again; its whole family is revoked."""

    code = "token_reused"
    title = "Refresh token reused"

    def __init__(
        self,
        detail: str | None = None,
        *,
        family_id: str | None = None,
        session_id: str | None = None,
        user_id: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.family_id = family_id
        """The revoked family (the login), when known; never shown to the client."""
        self.session_id = session_id
        """The session the family belonged to, which the caller must end."""
        self.user_id = user_id
        """The owner of the family."""


class InvalidMfaCode(AuthenticationFailed):
    """A second-factor code is wrong, expired, replayed or out of tries."""

    code = "invalid_mfa_code"
    title = "Invalid verification code"


# --- authorisation -----------------------------------------------------------


class Forbidden(PAError):
    """The caller is known but may not do this."""

    code = "forbidden"
    title = "Forbidden"


class PermissionDenied(Forbidden):
    """The caller lacks a permission."""

    code = "permission_denied"
    title = "Permission denied"


class EmailNotVerified(Forbidden):
    """The account's email address must be verified first."""

    code = "email_not_verified"
    title = "Email address not verified"


class AccountDisabled(Forbidden):
    """The account is disabled."""

    code = "account_disabled"
    title = "Account disabled"


# --- state -------------------------------------------------------------------


class NotFound(PAError):
    """No such resource, or it belongs to someone else (indistinguishable)."""

    code = "not_found"
    title = "Not found"


class Conflict(PAError):
    """The current state forbids the operation."""

    code = "conflict"
    title = "Conflict"


class EmailTaken(Conflict):
    """An account with this email address exists already."""

    code = "email_taken"
    title = "Email address already registered"


class LastAdministrator(Conflict):
    """The operation would leave the system without an administrator."""

    code = "last_administrator"
    title = "Cannot remove the last administrator"


class RateLimited(PAError):
    """Too many attempts; try again after ``retry_after`` seconds."""

    code = "rate_limited"
    title = "Too many requests"

    def __init__(self, retry_after: float, detail: str | None = None) -> None:
        super().__init__(detail)
        self.retry_after = max(1, math.ceil(retry_after))


class PayloadTooLarge(PAError):
    """The request body exceeds the allowed size."""

    code = "payload_too_large"
    title = "Payload too large"


class ServiceUnavailable(PAError):
    """A backend (database, session store, ...) is down or did not answer in time."""

    code = "service_unavailable"
    title = "Service unavailable"

    def __init__(self, detail: str | None = None, dependency: str | None = None) -> None:
        super().__init__(detail)
        self.dependency = dependency


class ImproperlyConfigured(PAError):
    """The configuration is unsafe or inconsistent; raised at start-up, naming the setting."""

    code = "improperly_configured"
    title = "Improper configuration"
