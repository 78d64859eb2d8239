"""Phone numbers: validated and stored in E.164, masked for display and logs."""

from __future__ import annotations

import phonenumbers

from pa_core.errors import ValidationFailed

__all__ = ["MASK_KEEP_DIGITS", "mask_phone", "normalize_phone"]

MASK_KEEP_DIGITS = 4
"""Trailing digits :func:`mask_phone` leaves visible."""

_FIELD = "phone"
_MAX_INPUT_LENGTH = 64
_FULLY_MASKED = "+" + "*" * 8


def normalize_phone(raw: str, default_region: str | None = None) -> str:
    """Parse a phone number as typed and return it in E.164 (``+14155550123``).

    Args:
        raw: the number as the user typed it, spaces and punctuation allowed.
        default_region: ISO 3166 country code (``"US"``) used when ``raw`` has
            no ``+`` prefix; without it the ``+`` and country code are required.

    Raises:
        ValidationFailed: on the ``phone`` field, when the number cannot be
            parsed, is impossible, or is not a valid number of its country.
    """
    text = raw.strip()
    if not text or len(text) > _MAX_INPUT_LENGTH:
        raise ValidationFailed.for_field(_FIELD, "enter a phone number")
    if default_region is None and not text.startswith("+"):
        raise ValidationFailed.for_field(
            _FIELD, "include the country code, starting with + (for example +14155550123)"
        )
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationFailed.for_field(_FIELD, "not a phone number") from exc
    if not phonenumbers.is_possible_number(number) or not phonenumbers.is_valid_number(number):
        raise ValidationFailed.for_field(_FIELD, "not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str) -> str:
    """Hide all but the country code and the last digits: ``+1******4567``.

    Safe for logs and pages; never raises (an unparseable value is fully masked).
    """
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return _FULLY_MASKED
    national = phonenumbers.national_significant_number(number)
    if len(national) <= MASK_KEEP_DIGITS:
        return _FULLY_MASKED
    hidden = len(national) - MASK_KEEP_DIGITS
    return f"+{number.country_code}{'*' * hidden}{national[hidden:]}"
