"""Phone numbers at the provider: search the stock, buy one with its webhooks, change, release.

:class:`NumberProvider` is the contract; :class:`TwilioNumberProvider` talks to
Twilio through the official client (IncomingPhoneNumbers, AvailablePhoneNumbers
and the Pricing API) and :class:`MemoryNumberProvider` is the test double with
the same behaviour. Neither keeps a database: which user owns which number is
the caller's business.

A number is provisioned with ``sms_url``, ``sms_method`` and
``sms_fallback_url`` set in the same call. Its own ``status_callback`` is
Twilio's *voice* status callback and is left alone: message status callbacks
are set on each outbound message by the transport.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, Protocol, runtime_checkable

import phonenumbers

from pa_core.errors import NotFound, ValidationFailed
from pa_sms.errors import NumberUnavailable
from pa_sms.transports.base import E164_PATTERN
from pa_sms.webhooks import PHONE_NUMBER_SID, require_provider_sid

__all__ = [
    "DEFAULT_SEARCH_LIMIT",
    "LOCAL_NUMBER_TYPE",
    "MAX_SEARCH_LIMIT",
    "AvailableNumber",
    "MemoryNumberProvider",
    "NumberProvider",
    "ProvisionedNumber",
    "SmsMethod",
    "TwilioNumberProvider",
    "country_of",
]

SmsMethod = Literal["GET", "POST"]

DEFAULT_SEARCH_LIMIT = 20
"""Numbers returned by a search unless asked otherwise."""
MAX_SEARCH_LIMIT = 100
"""Most numbers one search may return."""
LOCAL_NUMBER_TYPE = "local"
"""The Pricing API's name for the kind of number we buy."""

_COUNTRY = re.compile(r"^[A-Z]{2}$")
_AREA_CODE = re.compile(r"^[2-9]\d{2}$")
_METHODS = frozenset({"GET", "POST"})


def _capabilities(raw: Mapping[str, Any] | None) -> dict[str, bool]:
    """Capabilities with lower-case keys (Twilio writes ``SMS`` in searches, ``sms`` elsewhere)."""
    caps = {str(key).lower(): bool(value) for key, value in (raw or {}).items()}
    for key in ("sms", "mms", "voice"):
        caps.setdefault(key, False)
    return caps


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


def _check_search(country: str, area_code: str | None, limit: int) -> None:
    if not _COUNTRY.match(country):
        raise ValidationFailed.for_field("country", "must be an ISO 3166 alpha-2 code such as US")
    if area_code is not None and not _AREA_CODE.match(area_code):
        raise ValidationFailed.for_field("area_code", "must be three digits such as 415")
    if not 1 <= limit <= MAX_SEARCH_LIMIT:
        raise ValidationFailed.for_field("limit", f"must be between 1 and {MAX_SEARCH_LIMIT}")


def _check_webhooks(sms_url: str, sms_fallback_url: str, sms_method: str) -> None:
    for name, url in (("sms_url", sms_url), ("sms_fallback_url", sms_fallback_url)):
        if not url.startswith(("https://", "http://")):
            raise ValidationFailed.for_field(name, "must be an http(s) URL")
    if sms_method not in _METHODS:
        raise ValidationFailed.for_field("sms_method", "must be GET or POST")


def _check_number(phone_number: str) -> None:
    if not E164_PATTERN.match(phone_number):
        raise ValidationFailed.for_field("phone_number", "must be an E.164 number")


# --- in memory ----------------------------------------------------------------------


def _default_stock() -> list[AvailableNumber]:
    stock: list[AvailableNumber] = []
    for area, locality, region in (("415", "San Francisco", "CA"), ("212", "New York", "NY")):
        for n in range(10):
            sms = n != 9
            stock.append(
                AvailableNumber(
                    phone_number=f"+1{area}555{100 + n:04d}",
                    friendly_name=f"({area}) 555-{100 + n:04d}",
                    iso_country="US",
                    capabilities={"sms": sms, "mms": sms, "voice": True},
                    locality=locality,
                    region=region,
                )
            )
    return stock


@dataclass
class MemoryNumberProvider:
    """Numbers in a dictionary: the embedded default and the test double.

    ``stock`` is what :meth:`search` offers (twenty US numbers in area codes 415
    and 212 by default, the last of each ten voice-only); ``prices`` the monthly
    price of a local number by country.
    """

    stock: list[AvailableNumber] = field(default_factory=_default_stock)
    prices: dict[str, Decimal] = field(default_factory=lambda: {"US": Decimal("1.15")})
    price_unit: str = "USD"
    owned: dict[str, ProvisionedNumber] = field(default_factory=dict)

    async def search(
        self,
        country: str = "US",
        area_code: str | None = None,
        sms: bool = True,
        limit: int = DEFAULT_SEARCH_LIMIT,
    ) -> list[AvailableNumber]:
        """See :meth:`NumberProvider.search`."""
        _check_search(country, area_code, limit)
        taken = {n.phone_number for n in self.owned.values()}
        found = [
            number
            for number in self.stock
            if number.iso_country == country
            and number.phone_number not in taken
            and (area_code is None or number.phone_number.startswith(f"+1{area_code}"))
            and (not sms or number.capabilities.get("sms", False))
        ]
        return found[:limit]

    async def provision(
        self,
        phone_number: str,
        sms_url: str,
        sms_fallback_url: str,
        sms_method: SmsMethod = "POST",
        friendly_name: str | None = None,
    ) -> ProvisionedNumber:
        """See :meth:`NumberProvider.provision`."""
        _check_number(phone_number)
        _check_webhooks(sms_url, sms_fallback_url, sms_method)
        taken = {n.phone_number for n in self.owned.values()}
        offer = next((n for n in self.stock if n.phone_number == phone_number), None)
        if offer is None or phone_number in taken:
            raise NumberUnavailable(f"{phone_number} is not available")
        self.stock.remove(offer)
        country = country_of(phone_number) or offer.iso_country
        price = await self.monthly_price(country)
        number = ProvisionedNumber(
            sid="PN" + secrets.token_hex(16),
            phone_number=phone_number,
            capabilities=dict(offer.capabilities),
            sms_url=sms_url,
            sms_method=sms_method,
            sms_fallback_url=sms_fallback_url,
            friendly_name=friendly_name or offer.friendly_name,
            monthly_price=price,
            price_unit=self.price_unit if price is not None else None,
        )
        self.owned[number.sid] = number
        return number

    async def update_webhooks(
        self,
        sid: str,
        sms_url: str,
        sms_fallback_url: str,
        sms_method: SmsMethod = "POST",
    ) -> ProvisionedNumber:
        """See :meth:`NumberProvider.update_webhooks`."""
        _check_webhooks(sms_url, sms_fallback_url, sms_method)
        current = self._get(sid)
        updated = replace(
            current, sms_url=sms_url, sms_fallback_url=sms_fallback_url, sms_method=sms_method
        )
        self.owned[sid] = updated
        return updated

    async def release(self, sid: str) -> None:
        """See :meth:`NumberProvider.release`; a released number is not offered again."""
        self._get(sid)
        del self.owned[sid]

    async def list_owned(self) -> list[ProvisionedNumber]:
        """See :meth:`NumberProvider.list_owned` (without prices, like Twilio's listing)."""
        return [replace(n, monthly_price=None, price_unit=None) for n in self.owned.values()]

    async def monthly_price(self, country: str = "US") -> Decimal | None:
        """See :meth:`NumberProvider.monthly_price`."""
        return self.prices.get(country)

    def _get(self, sid: str) -> ProvisionedNumber:
        try:
            return self.owned[sid]
        except KeyError:
            raise NotFound(f"no number {sid}") from None


# --- Twilio ---------------------------------------------------------------------------


@contextmanager
def _twilio_errors() -> Iterator[None]:
    # Imported here so that ``pa_sms.numbers`` works without the twilio extra.
    from pa_sms.transports.twilio import twilio_errors

    with twilio_errors():
        yield


def _unset() -> object:
    from twilio.base import values

    return values.unset


def _price(value: object) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def _provisioned(instance: Any) -> ProvisionedNumber:
    return ProvisionedNumber(
        sid=require_provider_sid(PHONE_NUMBER_SID, instance.sid),
        phone_number=instance.phone_number,
        capabilities=_capabilities(instance.capabilities),
        sms_url=instance.sms_url or "",
        sms_method=(instance.sms_method or "POST").upper(),
        sms_fallback_url=instance.sms_fallback_url or "",
        friendly_name=instance.friendly_name,
    )


class TwilioNumberProvider:
    """Numbers at Twilio through the official client (built on ``AsyncTwilioHttpClient``).

    The client is shared, not owned: whoever built it closes it (see
    :meth:`pa_sms.transports.twilio.TwilioTransport.close`).
    """

    def __init__(self, client: Any) -> None:
        self.client = client

    async def search(
        self,
        country: str = "US",
        area_code: str | None = None,
        sms: bool = True,
        limit: int = DEFAULT_SEARCH_LIMIT,
    ) -> list[AvailableNumber]:
        """See :meth:`NumberProvider.search` (AvailablePhoneNumbers, local numbers)."""
        _check_search(country, area_code, limit)
        with _twilio_errors():
            records = await self.client.available_phone_numbers(country).local.list_async(
                area_code=area_code if area_code is not None else _unset(),
                sms_enabled=True if sms else _unset(),
                limit=limit,
            )
        return [
            AvailableNumber(
                phone_number=record.phone_number,
                friendly_name=record.friendly_name or record.phone_number,
                iso_country=record.iso_country or country,
                capabilities=_capabilities(record.capabilities),
                locality=record.locality,
                region=record.region,
            )
            for record in records
        ]

    async def provision(
        self,
        phone_number: str,
        sms_url: str,
        sms_fallback_url: str,
        sms_method: SmsMethod = "POST",
        friendly_name: str | None = None,
    ) -> ProvisionedNumber:
        """See :meth:`NumberProvider.provision` (one IncomingPhoneNumbers create call)."""
        _check_number(phone_number)
        _check_webhooks(sms_url, sms_fallback_url, sms_method)
        with _twilio_errors():
            instance = await self.client.incoming_phone_numbers.create_async(
                phone_number=phone_number,
                sms_url=sms_url,
                sms_method=sms_method,
                sms_fallback_url=sms_fallback_url,
                sms_fallback_method=sms_method,
                friendly_name=friendly_name if friendly_name is not None else _unset(),
            )
        country = country_of(phone_number)
        price, unit = await self._local_price(country) if country else (None, None)
        return replace(_provisioned(instance), monthly_price=price, price_unit=unit)

    async def update_webhooks(
        self,
        sid: str,
        sms_url: str,
        sms_fallback_url: str,
        sms_method: SmsMethod = "POST",
    ) -> ProvisionedNumber:
        """See :meth:`NumberProvider.update_webhooks`."""
        _check_webhooks(sms_url, sms_fallback_url, sms_method)
        with _twilio_errors():
            instance = await self.client.incoming_phone_numbers(sid).update_async(
                sms_url=sms_url,
                sms_method=sms_method,
                sms_fallback_url=sms_fallback_url,
                sms_fallback_method=sms_method,
            )
        return _provisioned(instance)

    async def release(self, sid: str) -> None:
        """See :meth:`NumberProvider.release`."""
        with _twilio_errors():
            await self.client.incoming_phone_numbers(sid).delete_async()

    async def list_owned(self) -> list[ProvisionedNumber]:
        """See :meth:`NumberProvider.list_owned` (every page)."""
        with _twilio_errors():
            records = await self.client.incoming_phone_numbers.list_async()
        return [_provisioned(record) for record in records]

    async def monthly_price(self, country: str = "US") -> Decimal | None:
        """See :meth:`NumberProvider.monthly_price` (Pricing v1 PhoneNumbers Countries)."""
        price, _unit = await self._local_price(country)
        return price

    async def _local_price(self, country: str) -> tuple[Decimal | None, str | None]:
        try:
            with _twilio_errors():
                record = await self.client.pricing.v1.phone_numbers.countries(country).fetch_async()
        except NotFound:
            return None, None
        for entry in record.phone_number_prices or []:
            if entry.get("number_type") == LOCAL_NUMBER_TYPE:
                price = _price(entry.get("current_price"))
                unit = str(record.price_unit).upper() if record.price_unit else None
                return price, unit if price is not None else None
        return None, None
