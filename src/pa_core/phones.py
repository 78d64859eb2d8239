"""Phone numbers: validated and stored in E.164, masked for display and logs.

:class:`SmsDestinationPolicy` decides which numbers may be texted at all
(against SMS pumping): mobile numbers of allowed countries only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Protocol

import phonenumbers
from phonenumbers import PhoneNumberType

from pa_core.errors import ImproperlyConfigured, ValidationFailed

__all__ = [
    "DEFAULT_SMS_COUNTRIES",
    "MASK_KEEP_DIGITS",
    "TEXTABLE_TYPES",
    "CountrySettings",
    "SmsDestinationPolicy",
    "mask_phone",
    "normalize_phone",
    "parse_countries",
]

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


EU_COUNTRIES: Final = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    ]
)
"""The 27 member states of the European Union (ISO 3166-1 alpha-2)."""

DEFAULT_SMS_COUNTRIES: Final = frozenset({"US", "CA"}) | EU_COUNTRIES
"""Countries texted by default (``PA_SMS_ALLOWED_COUNTRIES``): US, Canada and the EU."""

TEXTABLE_TYPES: Final = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})
"""Number types that may receive a text.

``FIXED_LINE_OR_MOBILE`` is accepted because the metadata types every US and
Canadian number so; premium-rate, toll-free, shared-cost, VoIP, pager,
personal and fixed-line numbers are refused.
"""


def parse_countries(value: str) -> frozenset[str]:
    """``"US, ca,FR"`` as ``{"US", "CA", "FR"}``; an empty string allows no country.

    Raises:
        ImproperlyConfigured: a code that is not a region the phone metadata knows.
    """
    codes = frozenset(part.strip().upper() for part in value.split(",") if part.strip())
    unknown = sorted(codes - phonenumbers.SUPPORTED_REGIONS)
    if unknown:
        raise ImproperlyConfigured(f"unknown ISO 3166 country codes: {', '.join(unknown)}")
    return codes


class CountrySettings(Protocol):
    """What :meth:`SmsDestinationPolicy.from_settings` reads (``pa_core.config.Settings`` has it).

    A protocol, not the settings class: the settings validate their country list
    with :func:`parse_countries`, so this module must not depend on them.
    """

    @property
    def sms_allowed_countries(self) -> str:
        """``PA_SMS_ALLOWED_COUNTRIES``: ISO 3166 codes separated by commas."""
        ...


@dataclass(frozen=True, slots=True)
class SmsDestinationPolicy:
    """Which numbers may be texted: mobile numbers of the allowed countries only.

    Refusing premium-rate and other non-mobile numbers, and countries the
    service does not serve, stops SMS pumping (texts bought by an attacker to
    numbers that pay them). Used by :class:`~pa_core.mfa.sms_codes.SmsCodeService`
    for every code it sends.
    """

    allowed_countries: frozenset[str] = field(default=DEFAULT_SMS_COUNTRIES)

    def __post_init__(self) -> None:
        unknown = sorted(self.allowed_countries - phonenumbers.SUPPORTED_REGIONS)
        if unknown:
            raise ImproperlyConfigured(f"unknown ISO 3166 country codes: {', '.join(unknown)}")

    @classmethod
    def from_settings(cls, settings: CountrySettings) -> SmsDestinationPolicy:
        """The policy of ``PA_SMS_ALLOWED_COUNTRIES``."""
        return cls(parse_countries(settings.sms_allowed_countries))

    def check(self, raw: str) -> str:
        """``raw`` in E.164 when it may be texted.

        Raises:
            ValidationFailed: on the ``phone`` field: not a valid number (see
                :func:`normalize_phone`), not a mobile number, or a country
                not in :attr:`allowed_countries`.
        """
        e164 = normalize_phone(raw)
        number = phonenumbers.parse(e164, None)
        if phonenumbers.number_type(number) not in TEXTABLE_TYPES:
            raise ValidationFailed.for_field(
                _FIELD, "this number cannot receive text messages: use a mobile number"
            )
        if phonenumbers.region_code_for_number(number) not in self.allowed_countries:
            raise ValidationFailed.for_field(
                _FIELD, "text messages cannot be sent to numbers of this country"
            )
        return e164
