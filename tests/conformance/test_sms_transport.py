"""The SmsTransport contract over every transport: recording, console, Twilio (via the fake)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from pa_core.errors import NotFound, ValidationFailed
from pa_core.sms import SmsSender
from pa_sms.errors import InvalidPhoneNumber, MessageTooLong
from pa_sms.segments import MAX_MESSAGE_CHARS
from pa_sms.transports import ConsoleTransport, OutboundSms, RecordingTransport, SmsTransport
from pa_sms.transports.twilio import TwilioTransport, build_twilio_client
from tests.sms.conftest import _fake_twilio_server, fake_twilio  # noqa: F401 - fixtures
from tests.sms.fake_twilio import FakeTwilio

pytestmark = pytest.mark.anyio

SENDER = "+15005550006"
RECIPIENT = "+15551234567"


@pytest.fixture(
    params=[
        pytest.param("recording", marks=pytest.mark.memory),
        pytest.param("console", marks=pytest.mark.memory),
        "twilio",
    ]
)
async def transport(request: pytest.FixtureRequest) -> AsyncIterator[SmsTransport]:
    if request.param == "recording":
        yield RecordingTransport(from_number=SENDER)
    elif request.param == "console":
        yield ConsoleTransport(from_number=SENDER)
    else:
        fake: FakeTwilio = request.getfixturevalue("fake_twilio")
        client = build_twilio_client(
            fake.state.account_sid, fake.state.auth_token, api_base_url=fake.url
        )
        twilio = TwilioTransport(
            client, from_number=SENDER, status_callback="https://pa.example/status"
        )
        yield twilio
        await twilio.close()


def message(body: str = "Time for your 3pm check-in", to: str = RECIPIENT) -> OutboundSms:
    return OutboundSms(to=to, from_=SENDER, body=body)


async def test_a_transport_is_an_sms_sender(transport: SmsTransport) -> None:
    assert isinstance(transport, SmsSender)
    assert isinstance(transport, SmsTransport)


async def test_send_returns_a_message_sid(transport: SmsTransport) -> None:
    result = await transport.send(message())
    assert result.sid.startswith("SM")
    assert len(result.sid) == 34


async def test_send_reports_the_segment_count(transport: SmsTransport) -> None:
    assert (await transport.send(message("a" * 161))).segments == 2


async def test_each_message_gets_its_own_sid(transport: SmsTransport) -> None:
    first = await transport.send(message())
    second = await transport.send(message())
    assert first.sid != second.sid


async def test_a_sent_message_can_be_fetched_by_sid(transport: SmsTransport) -> None:
    sent = await transport.send(message())
    fetched = await transport.fetch(sent.sid)
    assert fetched.sid == sent.sid
    assert fetched.segments == sent.segments


async def test_fetching_an_unknown_sid_is_not_found(transport: SmsTransport) -> None:
    with pytest.raises(NotFound):
        await transport.fetch("SM" + "0" * 32)


async def test_a_new_message_has_no_price_yet(transport: SmsTransport) -> None:
    assert (await transport.send(message())).price is None


async def test_send_text_sends_from_the_default_number(transport: SmsTransport) -> None:
    sid = await transport.send_text(RECIPIENT, "Your code is 123456")
    assert (await transport.fetch(sid)).sid == sid


async def test_a_number_not_in_e164_is_refused(transport: SmsTransport) -> None:
    with pytest.raises(InvalidPhoneNumber) as caught:
        await transport.send(message(to="555-1234"))
    assert caught.value.code == "invalid_phone_number"
    assert caught.value.errors[0].field == "to"


async def test_an_empty_body_is_refused(transport: SmsTransport) -> None:
    with pytest.raises(ValidationFailed):
        await transport.send(message(body=""))


async def test_a_body_over_1600_characters_is_refused(transport: SmsTransport) -> None:
    with pytest.raises(MessageTooLong):
        await transport.send(message(body="a" * (MAX_MESSAGE_CHARS + 1)))


async def test_a_body_of_exactly_1600_characters_is_sent(transport: SmsTransport) -> None:
    assert (await transport.send(message(body="a" * MAX_MESSAGE_CHARS))).segments == 11


async def test_an_emoji_message_is_counted_in_ucs2(transport: SmsTransport) -> None:
    assert (await transport.send(message(body="\N{GRINNING FACE}" * 36))).segments == 2
