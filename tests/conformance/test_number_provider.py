"""The NumberProvider contract, run against the in-memory double and Twilio (via the fake)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from pa_core.errors import NotFound, ValidationFailed
from pa_sms.errors import NumberUnavailable
from pa_sms.numbers import MemoryNumberProvider, NumberProvider
from pa_sms.numbers.twilio import TwilioNumberProvider
from pa_sms.transports.twilio import build_twilio_client
from tests.sms.conftest import _fake_twilio_server, fake_twilio  # noqa: F401 - fixtures
from tests.sms.fake_twilio import FakeTwilio

pytestmark = pytest.mark.anyio

SMS_URL = "https://pa.example/webhooks/twilio/sms"
FALLBACK_URL = "https://pa.example/webhooks/twilio/sms-fallback"


@pytest.fixture(params=[pytest.param("memory", marks=pytest.mark.memory), "twilio"])
async def provider(request: pytest.FixtureRequest) -> AsyncIterator[NumberProvider]:
    if request.param == "memory":
        yield MemoryNumberProvider()
        return
    fake: FakeTwilio = request.getfixturevalue("fake_twilio")
    client = build_twilio_client(
        fake.state.account_sid, fake.state.auth_token, api_base_url=fake.url
    )
    yield TwilioNumberProvider(client)
    await client.http_client.close()


async def buy(provider: NumberProvider, area_code: str = "415") -> str:
    [offer] = await provider.search(area_code=area_code, limit=1)
    number = await provider.provision(offer.phone_number, SMS_URL, FALLBACK_URL)
    return number.sid


async def test_a_provider_satisfies_the_protocol(provider: NumberProvider) -> None:
    assert isinstance(provider, NumberProvider)


async def test_search_by_area_code_returns_numbers_in_it(provider: NumberProvider) -> None:
    found = await provider.search(country="US", area_code="415")
    assert found
    assert all(n.phone_number.startswith("+1415") for n in found)
    assert all(n.iso_country == "US" for n in found)


async def test_search_for_sms_returns_only_sms_capable_numbers(provider: NumberProvider) -> None:
    found = await provider.search(area_code="415", sms=True)
    assert all(n.capabilities["sms"] for n in found)


async def test_search_without_the_sms_filter_includes_voice_only_numbers(
    provider: NumberProvider,
) -> None:
    with_sms = await provider.search(area_code="415", sms=True)
    everything = await provider.search(area_code="415", sms=False)
    assert len(everything) > len(with_sms)
    assert any(not n.capabilities["sms"] for n in everything)


async def test_search_honours_the_limit(provider: NumberProvider) -> None:
    assert len(await provider.search(area_code="415", limit=3)) == 3


async def test_search_in_an_area_code_without_stock_is_empty(provider: NumberProvider) -> None:
    assert await provider.search(area_code="907") == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"country": "usa"}, "country"),
        ({"area_code": "41"}, "area_code"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
    ],
)
async def test_search_refuses_malformed_criteria(
    provider: NumberProvider, kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await provider.search(**kwargs)  # type: ignore[arg-type]
    assert caught.value.errors[0].field == field


async def test_provision_sets_the_sms_webhooks(provider: NumberProvider) -> None:
    [offer] = await provider.search(area_code="415", limit=1)
    number = await provider.provision(
        offer.phone_number, SMS_URL, FALLBACK_URL, friendly_name="user 42"
    )
    assert number.sid.startswith("PN")
    assert number.phone_number == offer.phone_number
    assert (number.sms_url, number.sms_method, number.sms_fallback_url) == (
        SMS_URL,
        "POST",
        FALLBACK_URL,
    )
    assert number.friendly_name == "user 42"
    assert number.capabilities["sms"]


async def test_provision_reports_the_monthly_price(provider: NumberProvider) -> None:
    [offer] = await provider.search(area_code="415", limit=1)
    number = await provider.provision(offer.phone_number, SMS_URL, FALLBACK_URL)
    assert number.monthly_price == Decimal("1.15")
    assert number.price_unit == "USD"


async def test_a_provisioned_number_is_listed_as_owned(provider: NumberProvider) -> None:
    sid = await buy(provider)
    owned = await provider.list_owned()
    assert [n.sid for n in owned] == [sid]
    assert owned[0].sms_url == SMS_URL


async def test_a_provisioned_number_is_no_longer_offered(provider: NumberProvider) -> None:
    [offer] = await provider.search(area_code="415", limit=1)
    await provider.provision(offer.phone_number, SMS_URL, FALLBACK_URL)
    found = await provider.search(area_code="415")
    assert offer.phone_number not in {n.phone_number for n in found}


async def test_a_number_cannot_be_provisioned_twice(provider: NumberProvider) -> None:
    [offer] = await provider.search(area_code="415", limit=1)
    await provider.provision(offer.phone_number, SMS_URL, FALLBACK_URL)
    with pytest.raises(NumberUnavailable) as caught:
        await provider.provision(offer.phone_number, SMS_URL, FALLBACK_URL)
    assert caught.value.code == "number_unavailable"


async def test_a_number_not_in_stock_cannot_be_provisioned(provider: NumberProvider) -> None:
    with pytest.raises(NumberUnavailable):
        await provider.provision("+19075550100", SMS_URL, FALLBACK_URL)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("4155550100", SMS_URL, FALLBACK_URL, "POST"), "phone_number"),
        (("+14155550100", "ftp://x", FALLBACK_URL, "POST"), "sms_url"),
        (("+14155550100", SMS_URL, "", "POST"), "sms_fallback_url"),
        (("+14155550100", SMS_URL, FALLBACK_URL, "PUT"), "sms_method"),
    ],
)
async def test_provision_refuses_malformed_input(
    provider: NumberProvider, args: tuple[str, str, str, str], field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await provider.provision(*args)  # type: ignore[arg-type]
    assert caught.value.errors[0].field == field


async def test_update_webhooks_changes_the_urls(provider: NumberProvider) -> None:
    sid = await buy(provider)
    updated = await provider.update_webhooks(
        sid, "https://new.example/sms", "https://new.example/fallback", "GET"
    )
    assert (updated.sms_url, updated.sms_fallback_url, updated.sms_method) == (
        "https://new.example/sms",
        "https://new.example/fallback",
        "GET",
    )
    [owned] = await provider.list_owned()
    assert owned.sms_url == "https://new.example/sms"


async def test_updating_an_unknown_number_is_not_found(provider: NumberProvider) -> None:
    with pytest.raises(NotFound):
        await provider.update_webhooks("PN" + "0" * 32, SMS_URL, FALLBACK_URL)


async def test_release_gives_the_number_back(provider: NumberProvider) -> None:
    sid = await buy(provider)
    await provider.release(sid)
    assert await provider.list_owned() == []


async def test_releasing_an_unknown_number_is_not_found(provider: NumberProvider) -> None:
    with pytest.raises(NotFound):
        await provider.release("PN" + "0" * 32)


async def test_list_owned_is_empty_at_first(provider: NumberProvider) -> None:
    assert await provider.list_owned() == []


async def test_monthly_price_of_a_local_us_number(provider: NumberProvider) -> None:
    assert await provider.monthly_price("US") == Decimal("1.15")


async def test_monthly_price_of_an_unknown_country_is_none(provider: NumberProvider) -> None:
    assert await provider.monthly_price("ZZ") is None
