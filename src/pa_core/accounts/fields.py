"""The fields of an account, normalised and validated: the email address and the time zone.

The display name's rules live in :mod:`pa_core.names` and are re-exported by
:mod:`pa_core.accounts` with these.
"""

from __future__ import annotations

import unicodedata
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email

from pa_core.errors import ValidationFailed
from pa_core.names import mixes_scripts

__all__ = ["normalize_email", "validate_timezone"]


def normalize_email(email: str) -> str:
    """The normalised form of an address (no deliverability lookup), or ``validation_error``.

    NFKC comes first, so that look-alike forms of one address (fullwidth
    letters, ligatures) are validated and compared as that address; then an
    address mixing writing systems in its local part or in a domain label
    (a Cyrillic U+0430 inside a Latin word) is refused (:mod:`pa_core.names`).
    """
    if not isinstance(email, str) or "\x00" in email or len(email) > 320:
        raise ValidationFailed.for_field("email", "is not a valid email address")
    email = unicodedata.normalize("NFKC", email)
    try:
        result = validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationFailed.for_field("email", "is not a valid email address") from exc
    if mixes_scripts(result.local_part) or any(
        mixes_scripts(label) for label in result.domain.split(".")
    ):
        raise ValidationFailed.for_field("email", "mixes alphabets (a look-alike address)")
    return str(result.normalized)


def validate_timezone(name: str) -> str:
    """``name`` if it is an IANA time zone, else ``validation_error`` on ``timezone``."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed.for_field("timezone", "is not an IANA time zone") from exc
    return name
