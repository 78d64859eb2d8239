"""The fake Twilio itself: signing helpers and running it as a program."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from twilio.request_validator import RequestValidator

from pa_sms.transports import OutboundSms
from pa_sms.transports.twilio import TwilioTransport
from tests.sms.fake_twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, FakeTwilio

ROOT = Path(__file__).resolve().parents[2]
CALLBACK = "https://pa.example/webhooks/twilio/status"


@pytest.mark.anyio
async def test_a_status_callback_is_signed_like_twilio(
    twilio_client: Any, fake_twilio: FakeTwilio
) -> None:
    transport = TwilioTransport(twilio_client, status_callback=CALLBACK)
    result = await transport.send(OutboundSms("+15551234567", "+15005550006", "hi"))
    fake_twilio.state.fail_delivery(result.sid, error_code=30003)
    url, params, signature = fake_twilio.state.status_callback(result.sid)
    assert url == CALLBACK
    assert (params["MessageStatus"], params["ErrorCode"]) == ("undelivered", "30003")
    assert RequestValidator(DEFAULT_AUTH_TOKEN).validate(url, params, signature)


@pytest.mark.anyio
async def test_a_message_without_a_callback_has_no_status_callback(
    twilio_client: Any, fake_twilio: FakeTwilio
) -> None:
    result = await TwilioTransport(twilio_client).send(
        OutboundSms("+15551234567", "+15005550006", "hi")
    )
    with pytest.raises(ValueError, match="no status callback"):
        fake_twilio.state.status_callback(result.sid)


def test_an_inbound_message_is_signed_like_twilio(fake_twilio: FakeTwilio) -> None:
    url = "https://pa.example/webhooks/twilio/sms?tenant=1"
    params, signature = fake_twilio.state.inbound(
        url, to="+14155550100", from_="+15551234567", body="remind me at 5"
    )
    assert params["Body"] == "remind me at 5"
    assert params["MessageSid"].startswith("SM")
    assert RequestValidator(DEFAULT_AUTH_TOKEN).validate(url, params, signature)
    assert not RequestValidator("other").validate(url, params, signature)


def test_wrong_credentials_get_twilios_authenticate_error(fake_twilio: FakeTwilio) -> None:
    response = httpx.get(
        f"{fake_twilio.url}/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Messages.json",
        auth=(DEFAULT_ACCOUNT_SID, "wrong"),
    )
    assert response.status_code == 401
    assert response.json()["code"] == 20003


def test_the_fake_runs_as_a_program() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.sms.fake_twilio", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/v1/PhoneNumbers/Countries/US"
        for _ in range(200):
            try:
                response = httpx.get(url, auth=(DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN))
                break
            except httpx.TransportError:
                time.sleep(0.05)
        else:
            pytest.fail("the fake did not start")
        assert response.json()["phone_number_prices"][0]["number_type"] == "local"
    finally:
        process.terminate()
        process.wait(timeout=10)
