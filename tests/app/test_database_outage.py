"""A database that goes away becomes 503 with nothing of the SQL, and the service
recovers by itself when it comes back (no restart)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.engine import make_url

from examples.litestar_app.app import create_app
from tests.app.conftest import make_settings
from tests.app.helpers import bearer, register_and_login
from tests.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.anyio, pytest.mark.postgres]


@pytest.fixture
def proxied_postgres(postgres_url: str) -> Iterator[tuple[str, TcpProxy]]:
    url = make_url(postgres_url)
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    yield url.set(port=proxy.port).render_as_string(hide_password=False), proxy
    proxy.cut()


async def test_a_lost_database_is_503_and_recovers_without_restart(
    tmp_path: Path, proxied_postgres: tuple[str, TcpProxy]
) -> None:
    url, proxy = proxied_postgres
    settings = make_settings(tmp_path, database_url=url, db_connect_timeout=1.0)
    async with AsyncTestClient(app=create_app(settings)) as client:
        tokens = await register_and_login(client)
        me = "/api/v1/users/me"
        assert (await client.get(me, headers=bearer(tokens["access_token"]))).status_code == 200

        proxy.cut()
        down = await client.get(me, headers=bearer(tokens["access_token"]))
        assert down.status_code == 503
        assert down.json()["code"] == "service_unavailable"
        for leak in ("SELECT", "users", "asyncpg", "Traceback"):
            assert leak not in down.text
        ready = await client.get("/ready")
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"].startswith("unavailable")

        proxy.start()
        back = await client.get(me, headers=bearer(tokens["access_token"]))
        assert back.status_code == 200
        assert (await client.get("/ready")).status_code == 200
