"""Numbers in a dictionary: the embedded default and the test double of a number provider."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from decimal import Decimal

from pa_core.errors import NotFound
from pa_sms.errors import NumberUnavailable
from pa_sms.numbers.base import (
    DEFAULT_SEARCH_LIMIT,
    AvailableNumber,
    ProvisionedNumber,
    SmsMethod,
)
from pa_sms.numbers.checks import check_number, check_search, check_webhooks, country_of

__all__ = ["MemoryNumberProvider"]


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
        check_search(country, area_code, limit)
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
        check_number(phone_number)
        check_webhooks(sms_url, sms_fallback_url, sms_method)
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
        check_webhooks(sms_url, sms_fallback_url, sms_method)
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
