"""The enrolment contract of API.md through the app: password or a recent login, sign-out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from litestar.testing import AsyncTestClient

from examples.litestar_app.app import create_app
from examples.litestar_app.core.settings import AppSettings
from pa_core.clock import FrozenClock
from tests.app.helpers import PASSWORD, bearer, login, register_and_login

pytestmark = pytest.mark.anyio

PHONE = "+14155550123"
LATER = timedelta(minutes=5, seconds=1)
ME = "/api/v1/users/me"


@pytest.fixture
async def client(settings: AppSettings, clock: FrozenClock) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(app=create_app(settings, clock)) as test_client:
        yield test_client


async def test_totp_setup_needs_no_body_right_after_login(client: AsyncTestClient[Any]) -> None:
    tokens = await register_and_login(client)
    response = await client.post(
        "/api/v1/auth/mfa/totp/setup", headers=bearer(tokens["access_token"])
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("path", "body"),
    [("/api/v1/auth/mfa/totp/setup", {}), ("/api/v1/auth/mfa/sms/setup", {"phone": PHONE})],
)
async def test_setup_without_the_password_later_is_a_validation_error_on_password(
    client: AsyncTestClient[Any], clock: FrozenClock, path: str, body: dict[str, str]
) -> None:
    tokens = await register_and_login(client)
    clock.advance(LATER)
    response = await client.post(path, json=body, headers=bearer(tokens["access_token"]))
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert [e["field"] for e in problem["errors"]] == ["password"]


@pytest.mark.parametrize(
    ("path", "body"),
    [("/api/v1/auth/mfa/totp/setup", {}), ("/api/v1/auth/mfa/sms/setup", {"phone": PHONE})],
)
async def test_setup_with_a_wrong_password_is_invalid_password(
    client: AsyncTestClient[Any], path: str, body: dict[str, str]
) -> None:
    tokens = await register_and_login(client)
    response = await client.post(
        path, json={**body, "password": "not my password"}, headers=bearer(tokens["access_token"])
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_password"


async def test_setup_with_the_password_works_long_after_login(
    client: AsyncTestClient[Any], clock: FrozenClock
) -> None:
    tokens = await register_and_login(client)
    clock.advance(timedelta(minutes=10))  # the access token still lives (15 minutes)
    response = await client.post(
        "/api/v1/auth/mfa/totp/setup",
        json={"password": PASSWORD},
        headers=bearer(tokens["access_token"]),
    )
    assert response.status_code == 200


async def test_confirming_with_sign_out_other_sessions_ends_them(
    client: AsyncTestClient[Any], clock: FrozenClock
) -> None:
    other = await register_and_login(client)
    current = await login(client)
    headers = bearer(current["access_token"])
    secret = (await client.post("/api/v1/auth/mfa/totp/setup", headers=headers)).json()["secret"]
    confirm = await client.post(
        "/api/v1/auth/mfa/totp/confirm",
        json={"code": pyotp.TOTP(secret).at(clock.now()), "sign_out_other_sessions": True},
        headers=headers,
    )
    assert confirm.status_code == 200, confirm.text
    assert (await client.get(ME, headers=bearer(other["access_token"]))).status_code == 401
    assert (await client.get(ME, headers=headers)).status_code == 200


async def test_confirming_keeps_other_sessions_by_default(
    client: AsyncTestClient[Any], clock: FrozenClock
) -> None:
    other = await register_and_login(client)
    current = await login(client)
    headers = bearer(current["access_token"])
    secret = (await client.post("/api/v1/auth/mfa/totp/setup", headers=headers)).json()["secret"]
    confirm = await client.post(
        "/api/v1/auth/mfa/totp/confirm",
        json={"code": pyotp.TOTP(secret).at(clock.now())},
        headers=headers,
    )
    assert confirm.status_code == 200
    assert (await client.get(ME, headers=bearer(other["access_token"]))).status_code == 200
