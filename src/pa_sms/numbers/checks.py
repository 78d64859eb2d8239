"""Checks every number provider makes, and the country of a number.

Each backend (:mod:`pa_sms.numbers.memory`, :mod:`pa_sms.numbers.twilio`) runs the
same checks before it calls anything, so bad input gets the same
:class:`~pa_core.errors.ValidationFailed` from every provider.
"""

from __future__ import annotations

import functools
import re

import phonenumbers

from pa_core.errors import ValidationFailed
from pa_sms.numbers.base import MAX_SEARCH_LIMIT
from pa_sms.transports.shared import E164_PATTERN

__all__ = ["check_number", "check_search", "check_webhooks", "country_of"]


_COUNTRY = re.compile(r"^[A-Z]{2}$")
_AREA_CODE = re.compile(r"^[2-9]\d{2}$")
_METHODS = frozenset({"GET", "POST"})


@functools.lru_cache(maxsize=4096)
def country_of(phone_number: str) -> str | None:
    """The ISO country of an E.164 number (``"US"`` for ``+14155550100``), or ``None``.

    Remembered for the last few thousand numbers: parsing costs more than a message's routing.
    """
    try:
        parsed = phonenumbers.parse(phone_number, None)
    except phonenumbers.NumberParseException:
        return None
    region: str | None = phonenumbers.region_code_for_number(parsed)
    return region if region and region != "ZZ" else None


def check_search(country: str, area_code: str | None, limit: int) -> None:
    if not _COUNTRY.match(country):
        raise ValidationFailed.for_field("country", "must be an ISO 3166 alpha-2 code such as US")
    if area_code is not None and not _AREA_CODE.match(area_code):
        raise ValidationFailed.for_field("area_code", "must be three digits such as 415")
    if not 1 <= limit <= MAX_SEARCH_LIMIT:
        raise ValidationFailed.for_field("limit", f"must be between 1 and {MAX_SEARCH_LIMIT}")


def check_webhooks(sms_url: str, sms_fallback_url: str, sms_method: str) -> None:
    for name, url in (("sms_url", sms_url), ("sms_fallback_url", sms_fallback_url)):
        if not url.startswith(("https://", "http://")):
            raise ValidationFailed.for_field(name, "must be an http(s) URL")
    if sms_method not in _METHODS:
        raise ValidationFailed.for_field("sms_method", "must be GET or POST")


def check_number(phone_number: str) -> None:
    if not E164_PATTERN.match(phone_number):
        raise ValidationFailed.for_field("phone_number", "must be an E.164 number")
