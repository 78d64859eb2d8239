"""The password policy of NIST SP 800-63B: length and a blocklist, no composition rules.

A new password is NFKC-normalised, then refused when it

- holds a control character (``control_characters``),
- is shorter than the minimum, 12 characters by default (``too_short``),
- is longer than the maximum, 128 characters (``too_long``),
- is in the bundled list of 30,000 common or breached passwords, compared
  case-insensitively (``common``),
- contains the local part of the account's email address (``contains_email``).

Each refusal is a :class:`~pa_core.errors.WeakPassword` whose ``rule`` names the
rule; its message never repeats the password. Lengths count Unicode code points
after normalisation; spaces and every printable character are allowed.

The blocklist is ``pa_core/data/common_passwords.txt`` (the "passwords" list of
zxcvbn, MIT licence), read once per process and held in a :class:`frozenset`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from pa_core.errors import ImproperlyConfigured, WeakPassword
from pa_core.passwords import normalize_password

if TYPE_CHECKING:
    from pa_core.config import Settings

__all__ = [
    "DEFAULT_MAX_LENGTH",
    "DEFAULT_MIN_LENGTH",
    "MIN_EMAIL_PART_LENGTH",
    "NIST_MIN_LENGTH",
    "PasswordPolicy",
    "PasswordRule",
    "load_common_passwords",
]

DEFAULT_MIN_LENGTH = 12
"""Minimum length in characters unless configured otherwise."""
DEFAULT_MAX_LENGTH = 128
"""Maximum length; long enough for passphrases, short enough to bound hashing input."""
NIST_MIN_LENGTH = 8
"""The lowest minimum NIST SP 800-63B allows; a policy is never built below it."""
MIN_EMAIL_PART_LENGTH = 3
"""Email local parts shorter than this are not searched for (``"al"`` is in too many words)."""

_COMMON_PASSWORDS_RESOURCE = "common_passwords.txt"
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs"})  # control characters, lone surrogates


class PasswordRule:
    """The ``rule`` names carried by :class:`~pa_core.errors.WeakPassword`."""

    CONTROL_CHARACTERS = "control_characters"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    COMMON = "common"
    CONTAINS_EMAIL = "contains_email"


def _fold(text: str) -> str:
    return normalize_password(text).casefold()


@cache
def load_common_passwords() -> frozenset[str]:
    """The bundled blocklist, case-folded; read from package data once per process."""
    text = (
        resources.files("pa_core.data")
        .joinpath(_COMMON_PASSWORDS_RESOURCE)
        .read_text(encoding="utf-8")
    )
    return frozenset(
        _fold(line) for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def _email_local_part(email: str) -> str:
    local = email.rpartition("@")[0] or email
    return local.partition("+")[0]  # drop a sub-address: "ann+shop" -> "ann"


class PasswordPolicy:
    """Checks new passwords against the policy.

    Args:
        min_length: fewest characters accepted, at least :data:`NIST_MIN_LENGTH`.
        max_length: most characters accepted.
        blocklist: refused passwords (compared case-insensitively); the bundled
            list of common passwords by default.

    Raises:
        ImproperlyConfigured: the lengths are inconsistent or below NIST's minimum.
    """

    def __init__(
        self,
        min_length: int = DEFAULT_MIN_LENGTH,
        max_length: int = DEFAULT_MAX_LENGTH,
        blocklist: Iterable[str] | None = None,
    ) -> None:
        if min_length < NIST_MIN_LENGTH:
            raise ImproperlyConfigured(
                f"PA_PASSWORD_MIN_LENGTH must be at least {NIST_MIN_LENGTH} (NIST SP 800-63B)"
            )
        if max_length < min_length:
            raise ImproperlyConfigured("the password maximum length is below the minimum")
        self.min_length = min_length
        self.max_length = max_length
        self.blocklist: frozenset[str] = (
            load_common_passwords()
            if blocklist is None
            else frozenset(_fold(entry) for entry in blocklist)
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> PasswordPolicy:
        """The policy configured by ``PA_PASSWORD_MIN_LENGTH``, with the bundled blocklist."""
        return cls(min_length=settings.password_min_length)

    def check(self, password: str, email: str | None = None) -> str:
        """Return ``password`` NFKC-normalised when the policy accepts it.

        Args:
            password: the new password as typed.
            email: the account's email address, whose local part may not appear in it.

        Raises:
            WeakPassword: naming the first rule the password breaks.
        """
        normalized = normalize_password(password)
        if any(unicodedata.category(char) in _REFUSED_CATEGORIES for char in normalized):
            raise WeakPassword(
                "Password must not contain control characters.", PasswordRule.CONTROL_CHARACTERS
            )
        length = len(normalized)
        if length < self.min_length:
            raise WeakPassword(
                f"Password must be at least {self.min_length} characters long.",
                PasswordRule.TOO_SHORT,
            )
        if length > self.max_length:
            raise WeakPassword(
                f"Password must be at most {self.max_length} characters long.",
                PasswordRule.TOO_LONG,
            )
        folded = normalized.casefold()
        if folded in self.blocklist:
            raise WeakPassword(
                "Password is too common: it appears in lists of breached passwords.",
                PasswordRule.COMMON,
            )
        if email:
            local = _fold(_email_local_part(email))
            if len(local) >= MIN_EMAIL_PART_LENGTH and local in folded:
                raise WeakPassword(
                    "Password must not contain your email address.", PasswordRule.CONTAINS_EMAIL
                )
        return normalized
