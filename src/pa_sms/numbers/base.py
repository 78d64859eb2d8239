"""Phone numbers at the provider: search the stock, buy one with its webhooks, change, release.

:class:`NumberProvider` is the contract (this module holds it and its value
types only); :class:`~pa_sms.numbers.twilio.TwilioNumberProvider` talks to
Twilio through the official client (IncomingPhoneNumbers, AvailablePhoneNumbers
and the Pricing API) and :class:`~pa_sms.numbers.memory.MemoryNumberProvider`
is the test double with the same behaviour. Neither keeps a database: which
user owns which number is the caller's business.

A number is provisioned with ``sms_url``, ``sms_method`` and
``sms_fallback_url`` set in the same call. Its own ``status_callback`` is
Twilio's *voice* status callback and is left alone: message status callbacks
are set on each outbound message by the transport.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, Protocol, runtime_checkable

__all__ = [
    "DEFAULT_SEARCH_LIMIT",
    "LOCAL_NUMBER_TYPE",
    "MAX_SEARCH_LIMIT",
    "AvailableNumber",
    "NumberProvider",
    "ProvisionedNumber",
    "SmsMethod",
]


SmsMethod = Literal["GET", "POST"]

DEFAULT_SEARCH_LIMIT = 20
"""Numbers returned by a search unless asked otherwise."""
MAX_SEARCH_LIMIT = 100
"""Most numbers one search may return."""
LOCAL_NUMBER_TYPE = "local"


@dataclass(frozen=True, slots=True)
class AvailableNumber:
    """A number in the provider's stock that can be bought."""

    phone_number: str
    friendly_name: str
    iso_country: str
    capabilities: dict[str, bool]
    """``{"sms": bool, "mms": bool, "voice": bool, ...}``"""
    locality: str | None = None
    region: str | None = None


@dataclass(frozen=True, slots=True)
class ProvisionedNumber:
    """A number the account owns, with the webhook settings the provider holds for it.

    ``monthly_price`` is filled in by :meth:`NumberProvider.provision` (from the
    Pricing API); :meth:`NumberProvider.list_owned` leaves it ``None``.
    """

    sid: str
    phone_number: str
    capabilities: dict[str, bool]
    sms_url: str
    sms_method: str
    sms_fallback_url: str
    friendly_name: str | None = None
    monthly_price: Decimal | None = None
    price_unit: str | None = None


@runtime_checkable
class NumberProvider(Protocol):
    """Buys, configures and releases phone numbers at an SMS provider."""

    async def search(
        self,
        country: str = "US",
        area_code: str | None = None,
        sms: bool = True,
        limit: int = DEFAULT_SEARCH_LIMIT,
    ) -> list[AvailableNumber]:
        """Local numbers for sale in ``country`` (and ``area_code``), SMS-capable if ``sms``.

        Raises:
            ValidationFailed: a malformed country, area code or limit.
            SmsRetryableError: the provider is down or rate limiting.
        """
        ...

    async def provision(
        self,
        phone_number: str,
        sms_url: str,
        sms_fallback_url: str,
        sms_method: SmsMethod = "POST",
        friendly_name: str | None = None,
    ) -> ProvisionedNumber:
        """Buy ``phone_number`` with its SMS webhooks set in the same call.

        Raises:
            ValidationFailed: a malformed number, URL or method.
            NumberUnavailable: the number is not (or no longer) for sale.
            SmsRetryableError: the provider is down or rate limiting.
        """
        ...

    async def update_webhooks(
        self,
        sid: str,
        sms_url: str,
        sms_fallback_url: str,
        sms_method: SmsMethod = "POST",
    ) -> ProvisionedNumber:
        """Point an owned number's SMS webhooks at new URLs.

        Raises:
            NotFound: the account owns no number ``sid``.
        """
        ...

    async def release(self, sid: str) -> None:
        """Give an owned number back to the provider.

        Raises:
            NotFound: the account owns no number ``sid``.
        """
        ...

    async def list_owned(self) -> list[ProvisionedNumber]:
        """Every number the account owns, with its webhook settings."""
        ...

    async def monthly_price(self, country: str = "US") -> Decimal | None:
        """The monthly price of a local number in ``country``, or ``None`` if unknown."""
        ...
