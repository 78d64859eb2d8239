"""The app's client address: the socket's peer, or X-Forwarded-For from PA_TRUSTED_PROXIES only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from examples.litestar_app.app import create_app
from examples.litestar_app.core import cli
from tests.app.conftest import make_settings
from tests.app.helpers import PASSWORD, bearer, register
from tests.conftest import TestClientPeer

pytestmark = pytest.mark.anyio

PROXY = "192.0.2.10"  # the address the test client connects from


async def session_ips(tmp_path: Path, forwarded_for: str, **settings: Any) -> list[Any]:
    """Log in with ``X-Forwarded-For: forwarded_for`` and list the sessions' addresses."""
    async with AsyncTestClient(app=create_app(make_settings(tmp_path, **settings))) as client:
        await register(client)
        response = await client.post(
            "/api/v1/auth/login",
            json={"email": "ada@example.com", "password": PASSWORD},
            headers={"X-Forwarded-For": forwarded_for},
        )
        assert response.status_code == 200, response.text
        listed = await client.get(
            "/api/v1/auth/sessions", headers=bearer(response.json()["access_token"])
        )
        return [item["ip"] for item in listed.json()["items"]]


async def test_a_forwarded_address_from_an_untrusted_peer_is_ignored(tmp_path: Path) -> None:
    assert await session_ips(tmp_path, "203.0.113.9") == [PROXY]


async def test_a_trusted_proxy_names_the_right_most_untrusted_address(tmp_path: Path) -> None:
    ips = await session_ips(tmp_path, "6.6.6.6, 203.0.113.9", trusted_proxies=f"{PROXY}/32")
    assert ips == ["203.0.113.9"]


async def test_the_session_list_never_shows_a_forwarded_value_that_is_not_an_ip(
    tmp_path: Path,
) -> None:
    ips = await session_ips(tmp_path, "<img src=x onerror=alert(1)>", trusted_proxies=PROXY)
    assert ips == [PROXY]


async def test_an_ipv6_client_behind_a_trusted_ipv6_proxy(tmp_path: Path) -> None:
    TestClientPeer.host = "::1"
    assert await session_ips(tmp_path, "2001:DB8::7", trusted_proxies="::1") == ["2001:db8::7"]


async def test_rotating_a_spoofed_header_does_not_escape_the_per_ip_login_limit(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, rate_limit_login_per_ip="3/1m")
    async with AsyncTestClient(app=create_app(settings)) as client:
        statuses = [
            (
                await client.post(
                    "/api/v1/auth/login",
                    json={"email": "nobody@example.com", "password": "x" * 12},
                    headers={"X-Forwarded-For": f"203.0.113.{i}"},
                )
            ).status_code
            for i in range(4)
        ]
    assert statuses == [401, 401, 401, 429]


@pytest.mark.parametrize("command", ["serve", "serve-sms"])
def test_uvicorn_is_told_to_trust_no_proxy_header(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, command: str
) -> None:
    import uvicorn

    seen: dict[str, Any] = {}
    monkeypatch.setenv("PA_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(cli, "upgrade", lambda url: None)
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.update(kwargs))
    assert cli.main([command]) == 0
    assert seen["proxy_headers"] is False
    assert "forwarded_allow_ips" not in seen
