"""No log line carries a handset's full number: webhooks, replies, callbacks and MFA codes.

The app runs with the console transport (the development default, which logs
each message it "sends"); every record is captured at DEBUG and searched,
message and extra fields alike, for the full number. The database drivers'
own DEBUG records are left out: they print every SQL parameter (all the data,
not only numbers), which is why they never run at DEBUG outside a developer's
machine.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from examples.litestar_app.app import create_app
from pa_sms.errors import SmsRetryableError
from pa_sms.webhooks import webhook_auth_token
from tests.app.conftest import make_settings
from tests.app.helpers import bearer
from tests.app.test_sms_webhooks import PUBLIC, STATUS, Twilio, user_with_number
from tests.sms.fake_twilio import FakeTwilioState

pytestmark = pytest.mark.anyio

HANDSET = "+14155559876"
MASKED = "+1******9876"
DRIVER_LOGGERS = ("aiosqlite", "asyncpg", "sqlalchemy")


def leaks(records: list[logging.LogRecord], secret: str) -> list[str]:
    """Every captured record whose message or any attribute contains ``secret``."""
    found = []
    for record in records:
        if record.name.startswith(DRIVER_LOGGERS):
            continue
        text = record.getMessage() + " " + " ".join(repr(v) for v in vars(record).values())
        if secret in text or secret.lstrip("+") in text:
            found.append(f"{record.name}: {record.getMessage()}")
    return found


@pytest.fixture
async def console_app(tmp_path: Path) -> Any:
    settings = make_settings(
        tmp_path,
        public_base_url=PUBLIC,
        sms_transport="console",
        rate_limit_register_per_ip="1000/1h",
        rate_limit_login_per_ip="1000/1m",
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        yield Twilio(client, FakeTwilioState(auth_token=webhook_auth_token(settings)))


async def test_a_handsets_number_is_only_ever_logged_masked(
    console_app: Twilio, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    twilio = console_app
    number = await user_with_number(twilio.client, "alice")
    services = twilio.services

    # Inbound webhook and the reply sent out (through the console transport).
    assert (await twilio.text(number.phone_number, HANDSET, "remind me at 5")).status_code == 200
    [sid] = [r.args[0] for r in caplog.records if r.name == "pa_sms.console"]  # type: ignore[index]

    # A delivery status callback for the reply, a failure that opts the pair out.
    form = {
        "AccountSid": twilio.state.account_sid,
        "MessageSid": str(sid),
        "MessageStatus": "failed",
        "ErrorCode": "21610",
        "From": number.phone_number,
        "To": HANDSET,
    }
    assert (await twilio.post("/sms/status", form, twilio.state.sign(STATUS, form))).status_code
    # STOP, a message then suppressed, START, a reply that must be retried.
    await twilio.text(number.phone_number, HANDSET, "STOP")
    await twilio.text(number.phone_number, HANDSET, "anyone?")
    await twilio.text(number.phone_number, HANDSET, "START")
    services.sms.outbound._sleep = _no_wait
    services.sms_sender.send = _fails_once(services.sms_sender.send)
    await twilio.text(number.phone_number, HANDSET, "again")
    # A message to a number that is no user's.
    await twilio.text("+14155550199", HANDSET, "hello?")

    # An SMS MFA code sent to the same handset.
    tokens = await _login(twilio.client)
    setup = await twilio.client.post(
        "/api/v1/auth/mfa/sms/setup", json={"phone": HANDSET}, headers=bearer(tokens)
    )
    assert setup.status_code == 202, setup.text

    assert leaks(caplog.records, HANDSET) == []
    assert any(MASKED in r.getMessage() for r in caplog.records if r.name == "pa_sms.console")
    assert any(MASKED in r.getMessage() for r in caplog.records if r.name == "pa_sms.router")
    assert any(
        getattr(r, "phone", None) == MASKED for r in caplog.records if r.name.startswith("pa_core")
    )


async def _no_wait(seconds: float) -> None:
    return None


def _fails_once(send: Any) -> Any:
    failed = False

    async def flaky(message: Any) -> Any:
        nonlocal failed
        if not failed:
            failed = True
            raise SmsRetryableError(f"Twilio: cannot reach {message.to} now")
        return await send(message)

    return flaky


async def _login(client: AsyncTestClient[Any]) -> str:
    response = await client.post(
        "/api/v1/auth/login",
        json={"email": "alice@example.com", "password": "correct horse battery staple"},
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token
