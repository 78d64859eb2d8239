"""Usage and analytics are fresh: a text counts at once, through the API, on PostgreSQL.

The rollups are refreshed first (and not again: an hour apart), then an inbound
SMS arrives through the signed webhook and the assistant answers; the user's
usage and the administrator's analytics both count the two messages at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from examples.litestar_app.app import create_app
from pa_sms.simulate import inbound_form, signed_webhook
from pa_sms.webhooks import INBOUND_PATH, webhook_auth_token
from tests.app.conftest import make_settings
from tests.app.helpers import bearer, in_app, register_and_login

pytestmark = [pytest.mark.anyio, pytest.mark.postgres]

PUBLIC = "https://pa.example"
HANDSET = "+15550000001"


@pytest.fixture
async def client(tmp_path: Path, postgres_url: str) -> AsyncIterator[AsyncTestClient[Any]]:
    settings = make_settings(
        tmp_path,
        database_url=postgres_url,
        auto_migrate=False,
        public_base_url=PUBLIC,
        sms_usage_refresh_seconds=3600,
    )
    async with AsyncTestClient(app=create_app(settings)) as test_client:
        test_client.app.state.test_settings = settings
        yield test_client


async def texted(client: AsyncTestClient[Any]) -> dict[str, Any]:
    """An administrator with a number, the rollups refreshed, then one text in and its reply."""
    services = client.app.state.services
    session = await register_and_login(client, "ada@example.com")
    user_id = session["user"]["id"]
    await in_app(client, services.administration.set_roles, None, user_id, ["administrator"])
    number = await in_app(client, services.sms.numbers.provision, user_id)
    await in_app(client, services.sms_usage.usage.refresh)
    settings = client.app.state.test_settings
    form = inbound_form(to=number.phone_number, from_=HANDSET, body="remind me at 5")
    webhook = signed_webhook(webhook_auth_token(settings), PUBLIC + INBOUND_PATH, form)
    response = await client.post(INBOUND_PATH, content=webhook.body, headers=webhook.headers)
    assert response.status_code == 200
    await in_app(client, services.sms_queue.join)
    return {"headers": bearer(session["access_token"]), "id": user_id}


async def test_a_text_counts_in_the_users_usage_at_once(client: AsyncTestClient[Any]) -> None:
    ada = await texted(client)
    response = await client.get("/api/v1/sms/usage", headers=ada["headers"])
    assert response.status_code == 200
    totals = response.json()["totals"]
    assert (totals["messages_in"], totals["messages_out"]) == (1, 1)


async def test_a_text_counts_in_the_analytics_at_once(client: AsyncTestClient[Any]) -> None:
    ada = await texted(client)
    response = await client.get(
        "/api/v1/admin/sms/analytics", params={"group_by": "user"}, headers=ada["headers"]
    )
    assert response.status_code == 200
    [item] = response.json()["items"]
    assert (item["key"], item["messages_in"], item["messages_out"]) == (ada["id"], 1, 1)
