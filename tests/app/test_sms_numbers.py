"""Numbers through the app: the caller's list, provisioning and release by an administrator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from examples.litestar_app.app import create_app
from tests.app.conftest import make_settings
from tests.app.helpers import bearer, register_and_login

pytestmark = pytest.mark.anyio


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[AsyncTestClient[Any]]:
    settings = make_settings(
        tmp_path, rate_limit_register_per_ip="1000/1h", rate_limit_login_per_ip="1000/1m"
    )
    async with AsyncTestClient(app=create_app(settings)) as test_client:
        yield test_client


async def account(client: AsyncTestClient[Any], name: str, *roles: str) -> dict[str, Any]:
    session = await register_and_login(client, f"{name}@example.com")
    if roles:
        services = client.app.state.services
        await services.administration.set_roles(None, session["user"]["id"], roles)
    return {**session, "headers": bearer(session["access_token"]), "id": session["user"]["id"]}


async def test_an_administrator_provisions_a_number_for_a_user(
    client: AsyncTestClient[Any],
) -> None:
    root = await account(client, "root", "administrator")
    ada = await account(client, "ada")
    response = await client.post(
        "/api/v1/admin/sms/numbers",
        json={"user_id": ada["id"], "country": "US", "area_code": "212"},
        headers=root["headers"],
    )
    assert response.status_code == 201, response.text
    number = response.json()
    assert number["user_id"] == ada["id"]
    assert number["phone_number"].startswith("+1212")
    assert number["status"] == "active"
    assert number["capabilities"] == {"sms": True, "mms": True, "voice": True}
    assert number["created_at"].endswith("Z")

    mine = await client.get("/api/v1/sms/numbers", headers=ada["headers"])
    assert mine.status_code == 200
    assert mine.json() == {"items": [{k: v for k, v in number.items() if k != "user_id"}]}
    theirs = await client.get("/api/v1/sms/numbers", headers=root["headers"])
    assert theirs.json() == {"items": []}


async def test_a_released_number_is_no_longer_listed(client: AsyncTestClient[Any]) -> None:
    root = await account(client, "root", "administrator")
    ada = await account(client, "ada")
    created = await client.post(
        "/api/v1/admin/sms/numbers", json={"user_id": ada["id"]}, headers=root["headers"]
    )
    number_id = created.json()["id"]
    response = await client.delete(
        f"/api/v1/admin/sms/numbers/{number_id}", headers=root["headers"]
    )
    assert response.status_code == 204
    mine = await client.get("/api/v1/sms/numbers", headers=ada["headers"])
    assert mine.json() == {"items": []}
    again = await client.delete(f"/api/v1/admin/sms/numbers/{number_id}", headers=root["headers"])
    assert again.status_code == 404


async def test_provisioning_for_an_unknown_user_is_not_found(
    client: AsyncTestClient[Any],
) -> None:
    root = await account(client, "root", "administrator")
    response = await client.post(
        "/api/v1/admin/sms/numbers", json={"user_id": "nobody"}, headers=root["headers"]
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


async def test_a_bad_area_code_is_a_validation_error(client: AsyncTestClient[Any]) -> None:
    root = await account(client, "root", "administrator")
    response = await client.post(
        "/api/v1/admin/sms/numbers",
        json={"user_id": root["id"], "area_code": "12"},
        headers=root["headers"],
    )
    assert response.status_code in (400, 422)


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/api/v1/admin/sms/numbers"), ("DELETE", "/api/v1/admin/sms/numbers/any")],
)
async def test_a_plain_user_may_not_manage_numbers(
    client: AsyncTestClient[Any], method: str, path: str
) -> None:
    ada = await account(client, "ada")
    body = {"user_id": ada["id"]} if method == "POST" else None
    response = await client.request(method, path, json=body, headers=ada["headers"])
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    anonymous = await client.request(method, path, json=body)
    assert anonymous.status_code == 401


async def test_listing_numbers_needs_a_login(client: AsyncTestClient[Any]) -> None:
    assert (await client.get("/api/v1/sms/numbers")).status_code == 401
