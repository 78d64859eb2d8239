"""Fail closed: with the session store down, authenticated requests get 503, never access;
and the service recovers by itself when Redis is back (no restart)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from litestar.testing import AsyncTestClient

from examples.litestar_app.app import create_app
from pa_core.sessions.redis_revocations import STALENESS
from tests.app.conftest import make_settings
from tests.app.helpers import bearer, register_and_login
from tests.services import free_port, services_required

pytestmark = [pytest.mark.anyio, pytest.mark.redis]


class RedisProcess:
    """A private redis-server this test may stop and start at will."""

    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.tmp = tmp
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.tmp),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisProcess]:
    if shutil.which("redis-server") is None:
        message = "redis-server is not installed; needed to stop and restart Redis"
        if services_required():
            pytest.fail(message)
        pytest.skip(message)
    server = RedisProcess(tmp_path)
    server.start()
    yield server
    server.stop()


async def test_authenticated_requests_get_503_while_redis_is_down_and_recover(
    tmp_path: Path, private_redis: RedisProcess
) -> None:
    settings = make_settings(tmp_path, redis_url=private_redis.url, redis_timeout=0.3)
    async with AsyncTestClient(app=create_app(settings)) as client:
        tokens = await register_and_login(client)
        assert (
            await client.get("/api/v1/users/me", headers=bearer(tokens["access_token"]))
        ).status_code == 200

        private_redis.stop()
        # A process may answer from its session cache until the revocation channel's
        # heartbeat is overdue (STALENESS); after that every check goes to Redis: 503.
        deadline = time.monotonic() + STALENESS + 1.0
        while True:
            down = await client.get("/api/v1/users/me", headers=bearer(tokens["access_token"]))
            assert down.status_code in (200, 503)
            if down.status_code == 503 or time.monotonic() > deadline:
                break
            await anyio.sleep(0.05)
        assert down.status_code == 503
        body: dict[str, Any] = down.json()
        assert body["code"] == "service_unavailable"
        assert "Traceback" not in down.text
        ready = await client.get("/ready")
        assert ready.status_code == 503
        assert ready.json()["checks"]["session_store"].startswith("unavailable")

        private_redis.start()
        # Sessions were in the Redis that died (it keeps nothing on disk): the token is
        # refused as revoked, but the service answers again without a restart.
        back = await client.get("/api/v1/users/me", headers=bearer(tokens["access_token"]))
        assert back.status_code == 401
        assert (await client.get("/ready")).status_code == 200
        again = await register_and_login(client, "bob@example.com")
        me = await client.get("/api/v1/users/me", headers=bearer(again["access_token"]))
        assert me.status_code == 200
