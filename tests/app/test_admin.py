"""Roles and permissions through the app: guards, administration routes, the permissions route."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from examples.litestar_app.app import create_app
from pa_core.migrations import upgrade
from tests.app.conftest import make_settings
from tests.app.helpers import bearer, register_and_login

pytestmark = pytest.mark.anyio

ADMIN_ROUTES = [
    ("GET", "/api/v1/admin/users"),
    ("PUT", "/api/v1/admin/users/{id}/roles"),
    ("GET", "/api/v1/admin/audit"),
]


@pytest.fixture(scope="module")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per module; each test starts from a copy (fast start-up)."""
    path = tmp_path_factory.mktemp("admin-template") / "pa.sqlite3"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
async def client(tmp_path: Path, migrated_template: Path) -> AsyncIterator[AsyncTestClient[Any]]:
    shutil.copyfile(migrated_template, tmp_path / "pa.sqlite3")
    settings = make_settings(
        tmp_path, rate_limit_register_per_ip="1000/1h", rate_limit_login_per_ip="1000/1m"
    )
    async with AsyncTestClient(app=create_app(settings)) as test_client:
        yield test_client


async def account(client: AsyncTestClient[Any], name: str, *roles: str) -> dict[str, Any]:
    """A logged-in account holding ``roles`` (given through the library, as the CLI does)."""
    session = await register_and_login(client, f"{name}@example.com")
    if roles:
        services = client.app.state.services
        await services.administration.set_roles(None, session["user"]["id"], roles)
    return {**session, "headers": bearer(session["access_token"]), "id": session["user"]["id"]}


async def call(
    client: AsyncTestClient[Any], method: str, path: str, headers: dict[str, str], user_id: str
) -> Any:
    body = {"roles": ["user"]} if method == "PUT" else None
    return await client.request(method, path.format(id=user_id), headers=headers, json=body)


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
async def test_a_plain_user_gets_permission_denied(
    client: AsyncTestClient[Any], method: str, path: str
) -> None:
    ada = await account(client, "ada")
    response = await call(client, method, path, ada["headers"], ada["id"])
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


async def test_a_premium_user_is_no_administrator(client: AsyncTestClient[Any]) -> None:
    bob = await account(client, "bob", "premium")
    response = await client.get("/api/v1/admin/users", headers=bob["headers"])
    assert response.status_code == 403


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
async def test_an_anonymous_caller_gets_not_authenticated(
    client: AsyncTestClient[Any], method: str, path: str
) -> None:
    response = await call(client, method, path, {}, "someone")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


async def test_a_denial_is_audited_with_the_request(client: AsyncTestClient[Any]) -> None:
    ada = await account(client, "ada")
    await client.get("/api/v1/admin/audit", headers={**ada["headers"], "X-Request-ID": "deny-1"})
    root = await account(client, "root", "administrator")
    response = await client.get(
        "/api/v1/admin/audit", params={"action": "rbac.denied"}, headers=root["headers"]
    )
    [event] = response.json()["items"]
    assert event["actor_id"] == ada["id"]
    assert event["outcome"] == "denied"
    assert event["request_id"] == "deny-1"
    assert event["details"] == {"permission": "audit:read"}
    assert event["at"].endswith("Z")


async def test_an_administrator_lists_users_page_by_page(client: AsyncTestClient[Any]) -> None:
    root = await account(client, "root", "administrator")
    for name in ("ada", "bob", "cyd"):
        await account(client, name)
    first = await client.get("/api/v1/admin/users", params={"limit": 3}, headers=root["headers"])
    assert first.status_code == 200
    body = first.json()
    assert [u["email"] for u in body["items"]] == [
        "root@example.com",
        "ada@example.com",
        "bob@example.com",
    ]
    assert body["items"][0]["roles"] == ["administrator"]
    assert {"id", "email_verified", "mfa", "created_at"} <= body["items"][0].keys()
    second = await client.get(
        "/api/v1/admin/users",
        params={"limit": 3, "cursor": body["next_cursor"]},
        headers=root["headers"],
    )
    assert [u["email"] for u in second.json()["items"]] == ["cyd@example.com"]
    assert second.json()["next_cursor"] is None


@pytest.mark.parametrize("limit", [0, 101])
async def test_a_limit_out_of_range_is_a_validation_error(
    client: AsyncTestClient[Any], limit: int
) -> None:
    root = await account(client, "root", "administrator")
    response = await client.get(
        "/api/v1/admin/users", params={"limit": limit}, headers=root["headers"]
    )
    assert response.status_code == 422


async def test_an_administrator_sets_roles_and_they_apply_at_the_next_request(
    client: AsyncTestClient[Any],
) -> None:
    root = await account(client, "root", "administrator")
    ada = await account(client, "ada")
    before = await client.get("/api/v1/auth/permissions", headers=ada["headers"])
    assert "sms:quota:premium" not in before.json()["permissions"]
    response = await client.put(
        f"/api/v1/admin/users/{ada['id']}/roles",
        json={"roles": ["premium"]},
        headers=root["headers"],
    )
    assert response.status_code == 200
    assert response.json()["roles"] == ["premium"]
    assert response.json()["email"] == "ada@example.com"
    after = await client.get("/api/v1/auth/permissions", headers=ada["headers"])
    assert "sms:quota:premium" in after.json()["permissions"]


async def test_a_role_change_is_audited(client: AsyncTestClient[Any]) -> None:
    root = await account(client, "root", "administrator")
    ada = await account(client, "ada")
    await client.put(
        f"/api/v1/admin/users/{ada['id']}/roles",
        json={"roles": ["user", "premium"]},
        headers=root["headers"],
    )
    response = await client.get(
        "/api/v1/admin/audit",
        params={"action": "rbac.roles_changed", "user_id": root["id"]},
        headers=root["headers"],
    )
    [event] = response.json()["items"]
    assert event["target_type"] == "user"
    assert event["target_id"] == ada["id"]
    assert event["details"] == {"before": ["user"], "after": ["premium", "user"]}
    assert set(event) == {
        "id",
        "at",
        "actor_id",
        "action",
        "outcome",
        "target_type",
        "target_id",
        "ip",
        "user_agent",
        "request_id",
        "details",
    }


async def test_a_promoted_administrator_gets_in_at_once(client: AsyncTestClient[Any]) -> None:
    root = await account(client, "root", "administrator")
    ada = await account(client, "ada")
    assert (await client.get("/api/v1/admin/users", headers=ada["headers"])).status_code == 403
    await client.put(
        f"/api/v1/admin/users/{ada['id']}/roles",
        json={"roles": ["administrator"]},
        headers=root["headers"],
    )
    assert (await client.get("/api/v1/admin/users", headers=ada["headers"])).status_code == 200


async def test_an_unknown_role_is_a_validation_error(client: AsyncTestClient[Any]) -> None:
    root = await account(client, "root", "administrator")
    response = await client.put(
        f"/api/v1/admin/users/{root['id']}/roles",
        json={"roles": ["administrator", "wizard"]},
        headers=root["headers"],
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["errors"][0]["field"] == "roles"


async def test_an_unknown_field_is_a_validation_error(client: AsyncTestClient[Any]) -> None:
    root = await account(client, "root", "administrator")
    response = await client.put(
        f"/api/v1/admin/users/{root['id']}/roles",
        json={"roles": ["user"], "admin": True},
        headers=root["headers"],
    )
    assert response.status_code == 422


async def test_roles_of_an_unknown_user_are_not_found(client: AsyncTestClient[Any]) -> None:
    root = await account(client, "root", "administrator")
    response = await client.put(
        "/api/v1/admin/users/nobody/roles", json={"roles": ["user"]}, headers=root["headers"]
    )
    assert response.status_code == 404


async def test_the_last_administrator_cannot_be_removed(client: AsyncTestClient[Any]) -> None:
    root = await account(client, "root", "administrator")
    response = await client.put(
        f"/api/v1/admin/users/{root['id']}/roles", json={"roles": ["user"]}, headers=root["headers"]
    )
    assert response.status_code == 409
    assert response.json()["code"] == "last_administrator"
    me = await client.get("/api/v1/users/me", headers=root["headers"])
    assert me.json()["roles"] == ["administrator"]


async def test_an_administrator_may_step_down_while_another_remains(
    client: AsyncTestClient[Any],
) -> None:
    root = await account(client, "root", "administrator")
    await account(client, "second", "administrator")
    response = await client.put(
        f"/api/v1/admin/users/{root['id']}/roles", json={"roles": ["user"]}, headers=root["headers"]
    )
    assert response.status_code == 200
    assert (await client.get("/api/v1/admin/users", headers=root["headers"])).status_code == 403


async def test_the_audit_trail_pages_newest_first(client: AsyncTestClient[Any]) -> None:
    root = await account(client, "root", "administrator")
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, "action": "auth.login"}
        if cursor:
            params["cursor"] = cursor
        body = (
            await client.get("/api/v1/admin/audit", params=params, headers=root["headers"])
        ).json()
        seen.extend(e["id"] for e in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) >= 1
    assert seen == sorted(seen, reverse=True)


async def test_the_audit_trail_filters_by_user_and_action(client: AsyncTestClient[Any]) -> None:
    root = await account(client, "root", "administrator")
    ada = await account(client, "ada")
    await client.get("/api/v1/admin/users", headers=ada["headers"])
    response = await client.get(
        "/api/v1/admin/audit", params={"user_id": ada["id"]}, headers=root["headers"]
    )
    items = response.json()["items"]
    assert items
    assert {e["actor_id"] for e in items} == {ada["id"]}
    assert "rbac.denied" in {e["action"] for e in items}


@pytest.mark.parametrize(
    "since", ["2000-01-01", "2000-01-01T00:00:00Z", "2000-01-01T02:00:00+02:00"]
)
async def test_since_takes_a_date_or_an_rfc3339_time(
    client: AsyncTestClient[Any], since: str
) -> None:
    root = await account(client, "root", "administrator")
    response = await client.get(
        "/api/v1/admin/audit", params={"since": since}, headers=root["headers"]
    )
    assert response.status_code == 200
    assert response.json()["items"]


async def test_since_in_the_future_finds_nothing(client: AsyncTestClient[Any]) -> None:
    root = await account(client, "root", "administrator")
    response = await client.get(
        "/api/v1/admin/audit", params={"since": "2999-01-01"}, headers=root["headers"]
    )
    assert response.json() == {"items": [], "next_cursor": None}


@pytest.mark.parametrize("since", ["yesterday", "2026-13-01", "2026-01-01T00:00:00"])
async def test_an_invalid_since_is_a_validation_error(
    client: AsyncTestClient[Any], since: str
) -> None:
    root = await account(client, "root", "administrator")
    response = await client.get(
        "/api/v1/admin/audit", params={"since": since}, headers=root["headers"]
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "since"


async def test_administrative_reads_are_audited(client: AsyncTestClient[Any]) -> None:
    root = await account(client, "root", "administrator")
    await client.get("/api/v1/admin/users", headers=root["headers"])
    response = await client.get(
        "/api/v1/admin/audit", params={"user_id": root["id"]}, headers=root["headers"]
    )
    assert "admin.users_listed" in {e["action"] for e in response.json()["items"]}


async def test_permissions_of_a_user(client: AsyncTestClient[Any]) -> None:
    ada = await account(client, "ada")
    response = await client.get("/api/v1/auth/permissions", headers=ada["headers"])
    assert response.status_code == 200
    body = response.json()
    assert body["roles"] == ["user"]
    assert "conversations:read" in body["permissions"]
    assert "users:manage" not in body["permissions"]
    assert body["permissions"] == sorted(body["permissions"])


async def test_permissions_of_an_administrator_include_inherited_ones(
    client: AsyncTestClient[Any],
) -> None:
    root = await account(client, "root", "administrator")
    body = (await client.get("/api/v1/auth/permissions", headers=root["headers"])).json()
    assert body["roles"] == ["administrator", "premium", "user"]
    assert {"users:manage", "audit:read", "sms:quota:premium", "conversations:read"} <= set(
        body["permissions"]
    )


async def test_permissions_need_authentication(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/api/v1/auth/permissions")
    assert response.status_code == 401


async def test_allowed_checks_are_counted(client: AsyncTestClient[Any]) -> None:
    root = await account(client, "root", "administrator")
    await client.get("/api/v1/admin/users", headers=root["headers"])
    counts = client.app.state.services.permissions.allowed_counts()
    assert counts["users:read"] == 1
