"""Sids that Twilio's REST API answers are checked before they are stored or used."""

from __future__ import annotations

from typing import Any

import pytest

from pa_sms.errors import SmsProviderError
from pa_sms.numbers.twilio import TwilioNumberProvider
from pa_sms.transports import OutboundSms
from pa_sms.transports.twilio import TwilioTransport
from tests.sms import fake_twilio as fake_module
from tests.sms.fake_twilio import FakeTwilio

pytestmark = [pytest.mark.anyio, pytest.mark.twilio]

SMS_URL = "https://pa.example/sms/inbound"


@pytest.fixture
def malformed_sids(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fake hands out sids of the right prefix but the wrong shape."""
    monkeypatch.setattr(fake_module, "_sid", lambda prefix: prefix + "../Accounts/AC1")


async def test_a_provisioned_number_with_a_malformed_sid_is_refused(
    twilio_client: Any, fake_twilio: FakeTwilio, malformed_sids: None
) -> None:
    provider = TwilioNumberProvider(twilio_client)
    [offer] = await provider.search(area_code="415", limit=1)
    with pytest.raises(SmsProviderError):
        await provider.provision(offer.phone_number, SMS_URL, SMS_URL)


async def test_a_sent_message_with_a_malformed_sid_is_refused(
    twilio_client: Any, fake_twilio: FakeTwilio, malformed_sids: None
) -> None:
    transport = TwilioTransport(twilio_client, from_number="+15005550006")
    with pytest.raises(SmsProviderError):
        await transport.send(OutboundSms(to="+15551234567", from_="+15005550006", body="hi"))


async def test_well_formed_sids_are_kept(twilio_client: Any, fake_twilio: FakeTwilio) -> None:
    provider = TwilioNumberProvider(twilio_client)
    [offer] = await provider.search(area_code="415", limit=1)
    number = await provider.provision(offer.phone_number, SMS_URL, SMS_URL)
    assert number.sid.startswith("PN")
    transport = TwilioTransport(twilio_client, from_number="+15005550006")
    sent = await transport.send(OutboundSms(to="+15551234567", from_="+15005550006", body="hi"))
    assert sent.sid.startswith("SM")
