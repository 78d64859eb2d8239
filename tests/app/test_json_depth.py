"""JSON bodies nest at most 32 deep: beyond, 400 malformed_request and no error logged."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

pytestmark = pytest.mark.anyio


def login_body(depth: int) -> bytes:
    """A login body nesting ``depth`` levels: the object, then lists inside ``email``."""
    inner = depth - 1
    return b'{"email": ' + b"[" * inner + b"]" * inner + b', "password": "x"}'


async def post(client: AsyncTestClient[Any], body: bytes, content_type: str) -> Any:
    return await client.post(
        "/api/v1/auth/login", content=body, headers={"Content-Type": content_type}
    )


async def test_a_body_32_deep_is_decoded(client: AsyncTestClient[Any]) -> None:
    response = await post(client, login_body(32), "application/json")
    assert response.status_code == 422  # decoded, then refused by the schema
    assert response.json()["code"] == "validation_error"


@pytest.mark.parametrize("depth", [33, 100_000])
@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
async def test_a_deeper_body_is_malformed_and_logs_no_traceback(
    client: AsyncTestClient[Any], caplog: pytest.LogCaptureFixture, depth: int, content_type: str
) -> None:
    with caplog.at_level(logging.DEBUG):
        response = await post(client, login_body(depth), content_type)
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
