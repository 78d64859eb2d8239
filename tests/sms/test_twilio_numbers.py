"""The Twilio number provider against the local fake: the calls it makes and the errors it maps."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from pa_sms.errors import SmsRetryableError
from pa_sms.numbers.checks import country_of
from pa_sms.numbers.twilio import TwilioNumberProvider
from tests.sms.fake_twilio import FakeTwilio

pytestmark = pytest.mark.anyio

SMS_URL = "https://pa.example/webhooks/twilio/sms"
FALLBACK_URL = "https://pa.example/webhooks/twilio/sms-fallback"


@pytest.fixture
def provider(twilio_client: Any) -> TwilioNumberProvider:
    return TwilioNumberProvider(twilio_client)


def requests_to(fake: FakeTwilio, method: str, fragment: str) -> list[dict[str, str]]:
    return [p for m, path, p in fake.state.requests if m == method and fragment in path]


async def test_provisioning_sets_the_sms_webhooks_in_the_same_call(
    provider: TwilioNumberProvider, fake_twilio: FakeTwilio
) -> None:
    number = await provider.provision("+14155550100", SMS_URL, FALLBACK_URL)
    [create] = requests_to(fake_twilio, "POST", "IncomingPhoneNumbers")
    assert create["PhoneNumber"] == "+14155550100"
    assert (create["SmsUrl"], create["SmsMethod"], create["SmsFallbackUrl"]) == (
        SMS_URL,
        "POST",
        FALLBACK_URL,
    )
    owned = fake_twilio.state.numbers[number.sid]
    assert (owned.sms_url, owned.sms_fallback_url) == (SMS_URL, FALLBACK_URL)


async def test_provisioning_leaves_the_voice_status_callback_alone(
    provider: TwilioNumberProvider, fake_twilio: FakeTwilio
) -> None:
    number = await provider.provision("+14155550100", SMS_URL, FALLBACK_URL)
    [create] = requests_to(fake_twilio, "POST", "IncomingPhoneNumbers")
    assert "StatusCallback" not in create
    assert fake_twilio.state.numbers[number.sid].status_callback == ""


async def test_search_asks_for_the_area_code_and_sms(
    provider: TwilioNumberProvider, fake_twilio: FakeTwilio
) -> None:
    await provider.search(area_code="212", limit=5)
    [query] = requests_to(fake_twilio, "GET", "AvailablePhoneNumbers/US/Local.json")
    assert (query["AreaCode"], query["SmsEnabled"], query["PageSize"]) == ("212", "true", "5")


async def test_search_without_the_sms_filter_does_not_send_it(
    provider: TwilioNumberProvider, fake_twilio: FakeTwilio
) -> None:
    await provider.search(sms=False)
    [query] = requests_to(fake_twilio, "GET", "AvailablePhoneNumbers")
    assert "SmsEnabled" not in query
    assert "AreaCode" not in query


async def test_search_normalises_twilio_capability_keys(provider: TwilioNumberProvider) -> None:
    [number] = await provider.search(area_code="415", limit=1)
    assert number.capabilities == {"voice": True, "sms": True, "mms": True, "fax": False}
    assert (number.locality, number.region) == ("San Francisco", "CA")
    assert number.friendly_name == "(415) 555-0100"


async def test_search_in_another_country(provider: TwilioNumberProvider) -> None:
    [number] = await provider.search(country="GB")
    assert number.iso_country == "GB"


async def test_list_owned_reads_every_page(
    provider: TwilioNumberProvider, fake_twilio: FakeTwilio
) -> None:
    for n in range(60):
        fake_twilio.state.add_owned(f"+1646555{n:04d}", sms_url=SMS_URL)
    owned = await provider.list_owned()
    assert len(owned) == 60
    assert len(requests_to(fake_twilio, "GET", "IncomingPhoneNumbers.json")) == 2


async def test_list_owned_shows_drift_made_outside_the_application(
    provider: TwilioNumberProvider, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.state.add_owned("+16465550000", sms_url="https://old.example/sms", sms_method="GET")
    [number] = await provider.list_owned()
    assert (number.sms_url, number.sms_method, number.sms_fallback_url) == (
        "https://old.example/sms",
        "GET",
        "",
    )
    assert number.monthly_price is None


async def test_release_deletes_the_number_at_twilio(
    provider: TwilioNumberProvider, fake_twilio: FakeTwilio
) -> None:
    number = await provider.provision("+14155550100", SMS_URL, FALLBACK_URL)
    await provider.release(number.sid)
    assert fake_twilio.state.numbers == {}


async def test_a_number_abroad_is_priced_in_its_country(provider: TwilioNumberProvider) -> None:
    number = await provider.provision("+442071838750", SMS_URL, FALLBACK_URL)
    assert (number.monthly_price, number.price_unit) == (Decimal("1.00"), "USD")


async def test_a_country_without_a_local_price_has_none(
    provider: TwilioNumberProvider, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.state.number_prices["CA"] = {"toll free": Decimal("2.15")}
    assert await provider.monthly_price("CA") is None


async def test_rate_limiting_during_a_search_is_retryable(
    provider: TwilioNumberProvider, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.state.fail_next(status=429, code=20429)
    with pytest.raises(SmsRetryableError):
        await provider.search()


async def test_a_server_error_while_listing_is_retryable(
    provider: TwilioNumberProvider, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.state.fail_next(status=500, code=20500)
    with pytest.raises(SmsRetryableError):
        await provider.list_owned()


async def test_pricing_being_down_is_retryable(
    provider: TwilioNumberProvider, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.state.fail_next(status=503, code=20503)
    with pytest.raises(SmsRetryableError):
        await provider.monthly_price("US")


def test_country_of_a_number() -> None:
    assert country_of("+14155550100") == "US"
    assert country_of("+442071838750") == "GB"
    assert country_of("+999") is None
    assert country_of("not a number") is None
