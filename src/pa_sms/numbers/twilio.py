"""Numbers at Twilio through the official client (needs the ``twilio`` extra)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from twilio.base import values

from pa_core.errors import NotFound
from pa_sms.numbers.base import (
    DEFAULT_SEARCH_LIMIT,
    LOCAL_NUMBER_TYPE,
    AvailableNumber,
    ProvisionedNumber,
    SmsMethod,
)
from pa_sms.numbers.checks import check_number, check_search, check_webhooks, country_of
from pa_sms.transports.twilio import provider_price, twilio_errors
from pa_sms.webhooks import PHONE_NUMBER_SID, require_provider_sid

__all__ = ["TwilioNumberProvider"]


def _capabilities(raw: Mapping[str, Any] | None) -> dict[str, bool]:
    """Capabilities with lower-case keys (Twilio writes ``SMS`` in searches, ``sms`` elsewhere)."""
    caps = {str(key).lower(): bool(value) for key, value in (raw or {}).items()}
    for key in ("sms", "mms", "voice"):
        caps.setdefault(key, False)
    return caps


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
        check_search(country, area_code, limit)
        with twilio_errors():
            records = await self.client.available_phone_numbers(country).local.list_async(
                area_code=area_code if area_code is not None else values.unset,
                sms_enabled=True if sms else values.unset,
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
        check_number(phone_number)
        check_webhooks(sms_url, sms_fallback_url, sms_method)
        with twilio_errors():
            instance = await self.client.incoming_phone_numbers.create_async(
                phone_number=phone_number,
                sms_url=sms_url,
                sms_method=sms_method,
                sms_fallback_url=sms_fallback_url,
                sms_fallback_method=sms_method,
                friendly_name=friendly_name if friendly_name is not None else values.unset,
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
        check_webhooks(sms_url, sms_fallback_url, sms_method)
        with twilio_errors():
            instance = await self.client.incoming_phone_numbers(sid).update_async(
                sms_url=sms_url,
                sms_method=sms_method,
                sms_fallback_url=sms_fallback_url,
                sms_fallback_method=sms_method,
            )
        return _provisioned(instance)

    async def release(self, sid: str) -> None:
        """See :meth:`NumberProvider.release`."""
        with twilio_errors():
            await self.client.incoming_phone_numbers(sid).delete_async()

    async def list_owned(self) -> list[ProvisionedNumber]:
        """See :meth:`NumberProvider.list_owned` (every page)."""
        with twilio_errors():
            records = await self.client.incoming_phone_numbers.list_async()
        return [_provisioned(record) for record in records]

    async def monthly_price(self, country: str = "US") -> Decimal | None:
        """See :meth:`NumberProvider.monthly_price` (Pricing v1 PhoneNumbers Countries)."""
        price, _unit = await self._local_price(country)
        return price

    async def _local_price(self, country: str) -> tuple[Decimal | None, str | None]:
        try:
            with twilio_errors():
                record = await self.client.pricing.v1.phone_numbers.countries(country).fetch_async()
        except NotFound:
            return None, None
        for entry in record.phone_number_prices or []:
            if entry.get("number_type") == LOCAL_NUMBER_TYPE:
                price = provider_price(entry.get("current_price"))
                unit = str(record.price_unit).upper() if record.price_unit else None
                return price, unit if price is not None else None
        return None, None
