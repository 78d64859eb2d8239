"""Fixtures for pa_sms tests: a local fake of Twilio's REST API and a client pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from pa_sms.transports.twilio import build_twilio_client
from tests.sms.fake_twilio import FakeTwilio


@pytest.fixture(scope="session")
def _fake_twilio_server() -> Iterator[FakeTwilio]:
    fake = FakeTwilio()
    with fake.running():
        yield fake


@pytest.fixture
def fake_twilio(_fake_twilio_server: FakeTwilio) -> Iterator[FakeTwilio]:
    """The fake Twilio (``.url``, ``.state``, ``.reset()``), emptied before and after each test."""
    _fake_twilio_server.reset()
    yield _fake_twilio_server
    _fake_twilio_server.reset()


@pytest.fixture
async def twilio_client(fake_twilio: FakeTwilio) -> AsyncIterator[Any]:
    """An official ``twilio.rest.Client`` (async HTTP client) whose api and pricing hit the fake."""
    client = build_twilio_client(
        fake_twilio.state.account_sid,
        fake_twilio.state.auth_token,
        api_base_url=fake_twilio.url,
    )
    yield client
    await client.http_client.close()
