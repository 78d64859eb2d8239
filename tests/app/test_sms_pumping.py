"""SMS pumping through the app: refused destinations are 422 on phone, the daily cap is 429."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from examples.litestar_app.app import create_app
from pa_core.clock import FrozenClock
from tests.app.conftest import make_settings
from tests.app.helpers import bearer, register_and_login

pytestmark = pytest.mark.anyio


@pytest.fixture
async def client(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[AsyncTestClient[Any]]:
    settings = make_settings(tmp_path, sms_codes_per_day=1)
    async with AsyncTestClient(app=create_app(settings, clock)) as test_client:
        yield test_client


async def setup_sms(client: AsyncTestClient[Any], token: str, phone: str) -> Any:
    return await client.post(
        "/api/v1/auth/mfa/sms/setup", json={"phone": phone}, headers=bearer(token)
    )


@pytest.mark.parametrize(
    "phone",
    [
        pytest.param("+44 909 876 5432", id="uk-premium-rate"),
        pytest.param("+1 800 253 0000", id="us-toll-free"),
        pytest.param("+33 1 23 45 67 89", id="french-fixed-line"),
        pytest.param("+55 11 96123 4567", id="country-not-allowed"),
    ],
)
async def test_a_destination_that_may_not_be_texted_is_422_on_phone(
    client: AsyncTestClient[Any], phone: str
) -> None:
    account = await register_and_login(client)
    response = await setup_sms(client, account["access_token"], phone)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert [e["field"] for e in response.json()["errors"]] == ["phone"]


async def test_the_daily_cap_of_the_service_is_429_with_retry_after(
    client: AsyncTestClient[Any],
) -> None:
    ada = await register_and_login(client)
    bob = await register_and_login(client, "bob@example.com")
    assert (await setup_sms(client, ada["access_token"], "+33 6 12 34 56 78")).status_code == 202
    refused = await setup_sms(client, bob["access_token"], "+1 415 555 0123")
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert int(refused.headers["retry-after"]) > 0
