"""Security headers on every answer, no-store caching, bundled API docs, guarded /metrics."""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from examples.litestar_app.app import create_app
from examples.litestar_app.core.settings import AppSettings
from examples.litestar_app.operations.metrics import metrics_controllers
from examples.litestar_app.sms_app import create_sms_app
from tests.app.conftest import make_settings
from tests.app.helpers import PASSWORD, register

pytestmark = pytest.mark.anyio

COMMON = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def assert_secure(response: Any) -> None:
    for name, value in COMMON.items():
        assert response.headers[name] == value, name
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/health", 200),
        ("GET", "/api/v1/users/me", 401),
        ("GET", "/api/v1/no-such-route", 404),
        ("POST", "/health", 405),
        ("GET", "/schema/openapi.json", 200),
    ],
)
async def test_every_answer_carries_the_security_headers_and_no_store(
    client: AsyncTestClient[Any], method: str, path: str, status: int
) -> None:
    response = await client.request(method, path)
    assert response.status_code == status
    assert_secure(response)
    assert response.headers["cache-control"] == "no-store"


async def test_an_answer_carrying_tokens_is_never_stored(client: AsyncTestClient[Any]) -> None:
    await register(client)
    response = await client.post(
        "/api/v1/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
    )
    assert "access_token" in response.json()
    assert response.headers["cache-control"] == "no-store"
    assert_secure(response)
    assert response.headers["content-security-policy"].startswith("default-src 'none'")


async def test_the_sms_service_carries_the_headers_too(tmp_path: Path) -> None:
    async with AsyncTestClient(app=create_sms_app(make_settings(tmp_path))) as client:
        response = await client.get("/health")
    assert_secure(response)
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", ["/schema", "/schema/swagger"])
async def test_the_api_docs_load_only_bundled_assets_under_a_strict_csp(
    client: AsyncTestClient[Any], path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert_secure(response)
    csp = dict(
        part.strip().split(" ", 1)
        for part in response.headers["content-security-policy"].split(";")
    )
    assert csp["script-src"] == "'self'"
    assert csp["default-src"] == "'none'"
    page = response.text
    assert "http://" not in page
    assert "https://" not in page
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.DOTALL)
    assert scripts
    assert all("src=" in attrs and not body.strip() for attrs, body in scripts)  # none inline
    for asset in re.findall(r'(?:src|href)="([^"]+)"', page):
        served = await client.get(asset)
        assert served.status_code == 200, asset
        assert served.headers["cache-control"] == "public, max-age=86400"


async def test_the_bundled_swagger_ui_reads_openapi_3_1(client: AsyncTestClient[Any]) -> None:
    bundle = await client.get("/schema/swagger/assets/swagger-ui-bundle.js")
    assert re.search(rb'"5\.\d+\.\d+"', bundle.content)  # Swagger UI 5 renders OpenAPI 3.1


async def test_only_the_bundled_files_are_served(client: AsyncTestClient[Any]) -> None:
    for name in ("index.html", "..%2F__init__.py", "swagger-editor.js"):
        response = await client.get(f"/schema/swagger/assets/{name}")
        assert response.status_code == 404
        assert response.headers["cache-control"] == "no-store"


async def test_the_openapi_document_can_be_turned_off(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, openapi_enabled=False)
    async with AsyncTestClient(app=create_app(settings)) as client:
        for path in ("/schema", "/schema/openapi.json", "/schema/swagger/assets/start.js"):
            assert (await client.get(path)).status_code == 404


async def test_metrics_need_the_metrics_token_when_one_is_set(tmp_path: Path) -> None:
    token = secrets.token_urlsafe(32)
    async with AsyncTestClient(app=create_app(make_settings(tmp_path, metrics_token=token))) as c:
        missing = await c.get("/metrics")
        wrong = await c.get("/metrics", headers={"Authorization": f"Bearer {token}x"})
        right = await c.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert (missing.status_code, missing.json()["code"]) == (401, "not_authenticated")
    assert (wrong.status_code, wrong.json()["code"]) == (401, "invalid_token")
    assert right.status_code == 200
    assert "pa_request_duration_seconds" in right.text
    assert token not in missing.text + wrong.text


def production(**values: Any) -> AppSettings:
    return AppSettings(_env_file=None, env="production", **values)  # type: ignore[call-arg]


def test_production_serves_no_metrics_and_no_docs_unless_configured() -> None:
    assert metrics_controllers(production()) == []
    assert not production().serves_openapi
    assert metrics_controllers(production(metrics_token="t" * 8))[0].guards
    assert production(openapi_enabled=True).serves_openapi
