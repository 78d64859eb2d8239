"""SMS usage and analytics through the app: own usage only, analytics:read, CSV, quotas."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from examples.litestar_app.app import create_app
from examples.litestar_app.sms.usage_services import QUOTA_NOTICE_SUBJECT
from pa_core.clock import FrozenClock
from pa_sms.errors import QuotaExceeded
from pa_sms.records.base import PhoneNumber, SmsRecord
from pa_sms.transports import RecordingTransport
from pa_sms.usage.reports import REPORT_FIELDS
from tests.app.conftest import make_settings
from tests.app.helpers import bearer, register_and_login
from tests.sms.usage_support import utc

pytestmark = pytest.mark.anyio

NOW = utc(2025, 1, 31, 18)


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[AsyncTestClient[Any]]:
    settings = make_settings(
        tmp_path,
        rate_limit_register_per_ip="1000/1h",
        rate_limit_login_per_ip="1000/1m",
        sms_reporting_timezone="America/New_York",
        sms_monthly_segment_quota_user=2,
        sms_segment_prices='{"GB": {"outbound": "0.04"}}',
    )
    app = create_app(settings, clock=FrozenClock(NOW))
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


def services(client: AsyncTestClient[Any]) -> Any:
    return client.app.state.services


async def account(client: AsyncTestClient[Any], name: str, *roles: str) -> dict[str, Any]:
    session = await register_and_login(client, f"{name}@example.com")
    if roles:
        await services(client).administration.set_roles(None, session["user"]["id"], roles)
    return {"headers": bearer(session["access_token"]), "id": session["user"]["id"]}


async def number_for(client: AsyncTestClient[Any], user_id: str) -> PhoneNumber:
    return await services(client).sms.numbers.provision(user_id)  # type: ignore[no-any-return]


async def log(client: AsyncTestClient[Any], number: PhoneNumber, sid: str, **kw: Any) -> None:
    at = kw.pop("at", utc(2025, 1, 20, 15))
    values: dict[str, Any] = {
        "id": sid,
        "sid": sid,
        "direction": "outbound",
        "from_number": number.phone_number,
        "to_number": "+14155559999",
        "user_id": number.user_id,
        "number_id": number.id,
        "segments": 1,
        "encoding": "GSM-7",
        "status": "delivered",
        "created_at": at,
        "updated_at": NOW,
        "estimated_cost": Decimal("0.0079"),
    }
    values.update(kw)
    await services(client).sms.store.add_message(SmsRecord(**values))


async def usage_of_two_users(client: AsyncTestClient[Any]) -> tuple[dict[str, Any], ...]:
    ada, bob = await account(client, "ada"), await account(client, "bob")
    ada_number, bob_number = (
        await number_for(client, ada["id"]),
        await number_for(client, bob["id"]),
    )
    await log(client, ada_number, "SMA1", segments=2, price=Decimal("0.0158"))
    await log(client, ada_number, "SMA2", status="failed")
    await log(client, bob_number, "SMB1", status="undelivered")
    await services(client).sms_usage.usage.refresh()
    return ada, bob


async def test_a_user_sees_only_their_own_usage(client: AsyncTestClient[Any]) -> None:
    ada, _ = await usage_of_two_users(client)
    response = await client.get(
        "/api/v1/sms/usage",
        params={"since": "2025-01-20", "until": "2025-01-20"},
        headers=ada["headers"],
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [item["day"] for item in body["items"]] == ["2025-01-20"]
    assert body["totals"]["messages_out"] == 2
    assert body["totals"]["segments"] == 3
    assert body["totals"]["cost"] == "0.0237"
    assert body["totals"]["estimated_cost"] == "0.0079"
    assert body["totals"]["currency"] == "USD"
    assert body["totals"]["rental_cost"] == "0.00"  # the number came on the 31st


async def test_a_plain_user_may_not_read_analytics(client: AsyncTestClient[Any]) -> None:
    ada, _ = await usage_of_two_users(client)
    response = await client.get("/api/v1/admin/sms/analytics", headers=ada["headers"])
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


async def test_analytics_read_sees_everyone_by_user(client: AsyncTestClient[Any]) -> None:
    ada, bob = await usage_of_two_users(client)
    root = await account(client, "root", "administrator")
    response = await client.get(
        "/api/v1/admin/sms/analytics",
        params={"since": "2025-01-01", "until": "2025-01-31", "group_by": "user"},
        headers=root["headers"],
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["group_by"], body["since"], body["until"]) == ("user", "2025-01-01", "2025-01-31")
    items = {item["key"]: item for item in body["items"]}
    assert set(items) == {ada["id"], bob["id"]}
    assert (items[ada["id"]]["delivered"], items[ada["id"]]["failed"]) == (1, 1)
    assert items[bob["id"]]["undelivered"] == 1
    assert body["totals"]["messages_out"] == 3
    assert body["totals"]["key"] is None


async def test_analytics_by_number_as_csv(client: AsyncTestClient[Any]) -> None:
    await usage_of_two_users(client)
    root = await account(client, "root", "administrator")
    response = await client.get(
        "/api/v1/admin/sms/analytics",
        params={"group_by": "number", "format": "csv"},
        headers=root["headers"],
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == list(REPORT_FIELDS)
    assert all(row[0].startswith("+") for row in rows[1:])
    assert len(rows) == 3


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2025-13-01"}, "since"),
        ({"until": "tomorrow"}, "until"),
        ({"group_by": "week"}, "group_by"),
        ({"format": "xml"}, "format"),
        ({"since": "2025-02-01", "until": "2025-01-01"}, "since"),
    ],
)
async def test_bad_query_values_are_422_naming_the_field(
    client: AsyncTestClient[Any], params: dict[str, str], field: str
) -> None:
    root = await account(client, "root", "administrator")
    response = await client.get(
        "/api/v1/admin/sms/analytics", params=params, headers=root["headers"]
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["errors"][0]["field"] == field


async def test_the_quota_refuses_a_message_and_the_user_is_told_once(
    client: AsyncTestClient[Any],
) -> None:
    ada = await account(client, "ada")
    number = await number_for(client, ada["id"])
    outbound = services(client).sms.outbound
    await outbound.send_as_user(ada["id"], number.phone_number, "+14155559999", "one")
    to_gb = await outbound.send_as_user(ada["id"], number.phone_number, "+447400123456", "two")
    assert to_gb.estimated_cost == Decimal("0.04")
    for _ in range(2):
        with pytest.raises(QuotaExceeded):
            await outbound.send_as_user(ada["id"], number.phone_number, "+14155559999", "three")
    transport = services(client).sms_sender
    assert isinstance(transport, RecordingTransport)
    assert len(transport.sent) == 2
    told = services(client).email.sent_to("ada@example.com")
    assert [m.subject for m in told].count(QUOTA_NOTICE_SUBJECT) == 1


async def test_premium_users_get_the_higher_quota(client: AsyncTestClient[Any]) -> None:
    bob = await account(client, "bob", "premium")
    assert await services(client).sms_usage.quotas.remaining(bob["id"]) == 5000
