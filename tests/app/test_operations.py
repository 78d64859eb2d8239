"""/health, /ready, /metrics, the OpenAPI document and X-Request-ID."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from examples.litestar_app.app import create_app
from tests.app.conftest import make_settings

pytestmark = pytest.mark.anyio


async def test_health_answers_ok(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_checks_the_database_and_the_session_store(
    client: AsyncTestClient[Any],
) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "session_store": "ok"},
    }


async def test_ready_names_an_unreachable_session_store(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, redis_url="redis://127.0.0.1:1/0", redis_timeout=0.2)
    async with AsyncTestClient(app=create_app(settings)) as client:
        response = await client.get("/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["session_store"].startswith("unavailable")


async def test_ready_names_an_unreachable_database(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        database_url="postgresql+asyncpg://postgres@127.0.0.1:1/none",
        auto_migrate=False,
        db_connect_timeout=0.5,
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        response = await client.get("/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"].startswith("unavailable")
    assert "SELECT" not in response.text
    assert body["checks"]["session_store"] == "ok"


async def test_every_response_carries_a_new_request_id(client: AsyncTestClient[Any]) -> None:
    first = (await client.get("/health")).headers["x-request-id"]
    second = (await client.get("/health")).headers["x-request-id"]
    assert first
    assert first != second


async def test_a_valid_incoming_request_id_is_echoed(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"


async def test_an_invalid_incoming_request_id_is_replaced(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/health", headers={"X-Request-ID": "bad id\twith spaces"})
    assert response.headers["x-request-id"] != "bad id\twith spaces"


async def test_errors_carry_the_request_id_too(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/nowhere", headers={"X-Request-ID": "trace-1"})
    assert response.status_code == 404
    assert response.headers["x-request-id"] == "trace-1"


async def test_an_unknown_path_is_a_not_found_problem(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "not_found"
    assert body["status"] == 404
    assert {"type", "title", "detail"} <= body.keys()


async def test_a_wrong_method_is_method_not_allowed(client: AsyncTestClient[Any]) -> None:
    response = await client.post("/health")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


async def test_metrics_are_prometheus_text_by_route_template(
    client: AsyncTestClient[Any],
) -> None:
    await client.get("/health")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'path="/health"' in response.text
    assert "pa_request_duration_seconds" in response.text


async def test_openapi_document_lists_the_operations(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    assert {"/health", "/ready"} <= document["paths"].keys()


async def test_the_embedded_database_is_created_under_the_data_dir(tmp_path: Path) -> None:
    async with AsyncTestClient(app=create_app(make_settings(tmp_path))) as client:
        assert (await client.get("/ready")).status_code == 200
    assert (tmp_path / "pa.sqlite3").exists()
