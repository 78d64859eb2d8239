"""The Twilio transport against the local fake: what it sends and how Twilio's errors map."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from pa_core.errors import Conflict, ImproperlyConfigured, NotFound, ServiceUnavailable
from pa_sms.config import SmsSettings
from pa_sms.errors import (
    InvalidPhoneNumber,
    NumberUnavailable,
    RecipientOptedOut,
    SmsError,
    SmsProviderError,
    SmsRetryableError,
)
from pa_sms.transports import OutboundSms
from pa_sms.transports.twilio import (
    DEFAULT_STATUS_CALLBACK_PATH,
    TwilioTransport,
    build_twilio_client,
    provider_price,
    twilio_errors,
)
from tests.sms.fake_twilio import FakeTwilio

pytestmark = pytest.mark.anyio

SENDER = "+15005550006"
RECIPIENT = "+15551234567"
CALLBACK = "https://pa.example/webhooks/twilio/status"


@pytest.fixture
def transport(twilio_client: Any) -> TwilioTransport:
    return TwilioTransport(twilio_client, from_number=SENDER, status_callback=CALLBACK)


def sms(to: str = RECIPIENT, body: str = "Water the plants", callback: str | None = None) -> Any:
    return OutboundSms(to=to, from_=SENDER, body=body, status_callback=callback)


def settings(fake: FakeTwilio, **overrides: Any) -> SmsSettings:
    values: dict[str, Any] = {
        "twilio_account_sid": fake.state.account_sid,
        "twilio_auth_token": SecretStr(fake.state.auth_token),
        "twilio_from_number": SENDER,
        "twilio_api_base_url": fake.url,
        "public_base_url": "https://pa.example",
        **overrides,
    }
    return SmsSettings(_env_file=None, **values)  # type: ignore[call-arg]


# --- what goes to Twilio --------------------------------------------------------------


async def test_the_message_reaches_twilio_with_its_parameters(
    transport: TwilioTransport, fake_twilio: FakeTwilio
) -> None:
    result = await transport.send(sms())
    [sent] = fake_twilio.state.sent
    assert sent.sid == result.sid
    assert sent.params["To"] == RECIPIENT
    assert sent.params["From"] == SENDER
    assert sent.params["Body"] == "Water the plants"


async def test_every_message_carries_the_default_status_callback(
    transport: TwilioTransport, fake_twilio: FakeTwilio
) -> None:
    await transport.send(sms())
    await transport.send_text(RECIPIENT, "Your code is 123456")
    assert [m.status_callback for m in fake_twilio.state.sent] == [CALLBACK, CALLBACK]


async def test_a_message_may_name_its_own_status_callback(
    transport: TwilioTransport, fake_twilio: FakeTwilio
) -> None:
    await transport.send(sms(callback="https://other.example/status?m=1"))
    assert fake_twilio.state.sent[0].status_callback == "https://other.example/status?m=1"


async def test_without_any_callback_none_is_sent(
    twilio_client: Any, fake_twilio: FakeTwilio
) -> None:
    await TwilioTransport(twilio_client).send(sms())
    assert "StatusCallback" not in fake_twilio.state.sent[0].params


async def test_the_first_answer_is_queued_without_a_price(transport: TwilioTransport) -> None:
    result = await transport.send(sms())
    assert (result.status, result.price, result.price_unit) == ("queued", None, "USD")


async def test_the_price_arrives_after_delivery(
    transport: TwilioTransport, fake_twilio: FakeTwilio
) -> None:
    result = await transport.send(sms(body="a" * 200))
    fake_twilio.state.deliver(result.sid, price=Decimal("0.0079"))
    fetched = await transport.fetch(result.sid)
    assert fetched.status == "delivered"
    assert fetched.price == Decimal("0.0158")  # positive, although Twilio reports -0.01580
    assert fetched.price_unit == "USD"
    assert fetched.segments == 2


async def test_a_failed_delivery_reports_its_error_code(
    transport: TwilioTransport, fake_twilio: FakeTwilio
) -> None:
    result = await transport.send(sms())
    fake_twilio.state.fail_delivery(result.sid, error_code=30003)
    fetched = await transport.fetch(result.sid)
    assert (fetched.status, fetched.error_code) == ("undelivered", 30003)


async def test_send_text_uses_the_default_sender(
    transport: TwilioTransport, fake_twilio: FakeTwilio
) -> None:
    sid = await transport.send_text(RECIPIENT, "Your code is 123456")
    assert fake_twilio.state.messages[sid].from_ == SENDER


async def test_send_text_without_a_sender_is_a_configuration_error(twilio_client: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="PA_TWILIO_FROM_NUMBER"):
        await TwilioTransport(twilio_client).send_text(RECIPIENT, "hi")


async def test_a_synchronous_client_is_refused() -> None:
    client = Client("AC" + "0" * 32, "token", http_client=TwilioHttpClient())
    with pytest.raises(ImproperlyConfigured, match="AsyncTwilioHttpClient"):
        TwilioTransport(client)


# --- Twilio's errors, mapped at one boundary --------------------------------------------


async def test_an_opted_out_recipient_is_a_permanent_refusal(
    transport: TwilioTransport, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.state.opted_out.add(RECIPIENT)
    with pytest.raises(RecipientOptedOut) as caught:
        await transport.send(sms())
    error = caught.value
    assert (error.code, error.provider_code, error.retryable) == (
        "recipient_opted_out",
        21610,
        False,
    )
    assert isinstance(error, Conflict)
    assert isinstance(error.__cause__, TwilioRestException)


@pytest.mark.parametrize(("number", "code"), [("+15005550001", 21211), ("+15005550009", 21614)])
async def test_an_invalid_or_non_mobile_number_is_invalid_phone_number(
    transport: TwilioTransport, number: str, code: int
) -> None:
    with pytest.raises(InvalidPhoneNumber) as caught:
        await transport.send(sms(to=number))
    assert caught.value.provider_code == code
    assert caught.value.errors[0].field == "to"


async def test_twilio_rate_limiting_is_retryable(
    transport: TwilioTransport, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.state.fail_next(status=429, code=20429)
    with pytest.raises(SmsRetryableError) as caught:
        await transport.send(sms())
    error = caught.value
    assert (error.code, error.provider_code, error.status) == (
        "sms_provider_unavailable",
        20429,
        429,
    )
    assert error.retryable
    assert error.retry_after > 0
    assert isinstance(error, ServiceUnavailable)


async def test_a_rate_limit_passes_and_the_retry_succeeds(
    transport: TwilioTransport, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.state.fail_next(status=429, code=20429)
    with pytest.raises(SmsRetryableError):
        await transport.send(sms())
    assert (await transport.send(sms())).status == "queued"
    assert len(fake_twilio.state.sent) == 1


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_a_twilio_server_error_is_retryable(
    transport: TwilioTransport, fake_twilio: FakeTwilio, status: int
) -> None:
    fake_twilio.state.fail_next(status=status, code=20500)
    with pytest.raises(SmsRetryableError) as caught:
        await transport.send(sms())
    assert caught.value.status == status


async def test_another_twilio_refusal_is_a_permanent_provider_error(
    transport: TwilioTransport,
) -> None:
    with pytest.raises(SmsProviderError) as caught:
        await transport.send(sms(to="+15005550002"))  # 21612: cannot route
    assert (caught.value.code, caught.value.provider_code) == ("sms_provider_error", 21612)
    assert not caught.value.retryable


async def test_wrong_credentials_are_a_permanent_provider_error(fake_twilio: FakeTwilio) -> None:
    client = build_twilio_client(
        fake_twilio.state.account_sid, "wrong", api_base_url=fake_twilio.url
    )
    try:
        with pytest.raises(SmsProviderError) as caught:
            await TwilioTransport(client).send(sms())
        assert caught.value.provider_code == 20003
    finally:
        await client.http_client.close()


async def test_an_unreachable_twilio_is_retryable() -> None:
    client = build_twilio_client("AC" + "0" * 32, "token", api_base_url="http://127.0.0.1:9")
    try:
        with pytest.raises(SmsRetryableError) as caught:
            await TwilioTransport(client).send(sms())
        assert isinstance(caught.value.__cause__, aiohttp.ClientError)
    finally:
        await client.http_client.close()


async def test_a_timeout_is_retryable() -> None:
    with pytest.raises(SmsRetryableError) as caught, twilio_errors():
        raise TimeoutError
    assert isinstance(caught.value.__cause__, TimeoutError)


async def test_a_problem_details_error_is_mapped_too() -> None:
    problem = TwilioServiceException(
        type_uri="https://www.twilio.com/docs/errors/20429",
        title="Too Many Requests",
        status=429,
        code=20429,
    )
    with pytest.raises(SmsRetryableError), twilio_errors():
        raise problem


async def test_a_failed_list_page_is_mapped_by_its_status() -> None:
    with pytest.raises(SmsRetryableError), twilio_errors():
        raise TwilioException("Unable to fetch page", Response(503, "{}"))
    with pytest.raises(SmsProviderError), twilio_errors():
        raise TwilioException("Unable to fetch page")


async def test_number_unavailable_is_mapped() -> None:
    with pytest.raises(NumberUnavailable), twilio_errors():
        raise TwilioRestException(400, "/x", "not available", code=21422)


async def test_every_mapped_error_is_an_sms_error(
    transport: TwilioTransport, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.state.fail_next(status=500, code=20500)
    with pytest.raises(SmsError):
        await transport.send(sms())


async def test_fetching_an_unknown_message_is_not_found(transport: TwilioTransport) -> None:
    with pytest.raises(NotFound):
        await transport.fetch("SM" + "f" * 32)


# --- settings ---------------------------------------------------------------------------


async def test_from_settings_sends_through_the_configured_base_url(
    fake_twilio: FakeTwilio,
) -> None:
    transport = TwilioTransport.from_settings(settings(fake_twilio))
    try:
        sid = await transport.send_text(RECIPIENT, "hello")
    finally:
        await transport.close()
    sent = fake_twilio.state.messages[sid]
    assert sent.from_ == SENDER
    assert sent.status_callback == "https://pa.example" + DEFAULT_STATUS_CALLBACK_PATH


async def test_from_settings_accepts_an_explicit_status_callback(fake_twilio: FakeTwilio) -> None:
    transport = TwilioTransport.from_settings(settings(fake_twilio), status_callback=CALLBACK)
    await transport.close()
    assert transport.status_callback == CALLBACK


@pytest.mark.parametrize("missing", ["twilio_account_sid", "twilio_auth_token"])
async def test_from_settings_without_credentials_is_refused(
    fake_twilio: FakeTwilio, missing: str
) -> None:
    with pytest.raises(ImproperlyConfigured, match="PA_TWILIO_"):
        TwilioTransport.from_settings(settings(fake_twilio, **{missing: None}))


async def test_the_base_url_overrides_edge_and_region(fake_twilio: FakeTwilio) -> None:
    client = build_twilio_client(
        fake_twilio.state.account_sid, fake_twilio.state.auth_token, api_base_url=fake_twilio.url
    )
    try:
        assert client.api.base_url == fake_twilio.url
        assert client.pricing.base_url == fake_twilio.url
        assert (client.edge, client.region) == (None, None)
    finally:
        await client.http_client.close()


@pytest.mark.parametrize(
    ("reported", "price"),
    [("-0.00790", Decimal("0.00790")), ("1.15", Decimal("1.15")), (None, None), ("", None)],
    ids=["message debit", "number price", "absent", "empty"],
)
def test_a_twilio_price_is_read_as_a_positive_cost_by_one_parser(
    reported: str | None, price: Decimal | None
) -> None:
    assert provider_price(reported) == price


def test_a_malformed_twilio_price_is_unknown() -> None:
    assert provider_price("n/a") is None
