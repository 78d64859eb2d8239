"""The Redis session store under concurrency, and when Redis is down or silent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import anyio
import pytest
from redis.asyncio import Redis

from pa_core.clock import SystemClock
from pa_core.errors import ServiceUnavailable
from pa_core.sessions import SessionService
from pa_core.sessions.redis import RedisSessionStore

pytestmark = pytest.mark.anyio

LOGINS = 50
LIMIT = 5


@pytest.fixture
async def store(redis_url: str) -> AsyncIterator[RedisSessionStore]:
    store = RedisSessionStore.from_url(redis_url, namespace="test:sessions")
    yield store
    await store.close()


@pytest.mark.redis
async def test_concurrent_logins_for_one_user_leave_exactly_the_limit(
    store: RedisSessionStore, redis_client: Redis
) -> None:
    sessions = SessionService(store, SystemClock(), max_per_user=LIMIT)
    started: list[str] = []

    async def login() -> None:
        started.append((await sessions.start("alice")).id)

    async with anyio.create_task_group() as tg:
        for _ in range(LOGINS):
            tg.start_soon(login)

    listed = await sessions.list("alice")
    assert len(started) == LOGINS
    assert len(listed) == LIMIT
    assert {s.id for s in listed} <= set(started)
    assert await redis_client.zcard("test:sessions:u:alice") == LIMIT
    assert len(await redis_client.keys("test:sessions:s:*")) == LIMIT


@pytest.mark.redis
async def test_nothing_outlives_a_session_in_redis(
    store: RedisSessionStore, redis_client: Redis
) -> None:
    sessions = SessionService(store, SystemClock(), ttl=timedelta(milliseconds=100))
    await sessions.start("alice")
    assert await redis_client.keys("*")
    await anyio.sleep(0.3)
    assert await redis_client.keys("*") == []


@pytest.mark.redis
async def test_checking_a_session_is_one_round_trip(
    store: RedisSessionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions = SessionService(store, SystemClock(), touch_interval=timedelta(0))
    started = await sessions.start("alice")
    await sessions.check(started.id)  # loads the script once
    commands: list[object] = []
    original: Callable[..., Awaitable[Any]] = store.client.execute_command

    async def counting(*args: Any, **kwargs: Any) -> Any:
        commands.append(args[0])
        return await original(*args, **kwargs)

    monkeypatch.setattr(store.client, "execute_command", counting)
    await sessions.check(started.id)
    assert commands == ["EVALSHA"]


async def test_an_unreachable_redis_is_service_unavailable() -> None:
    store = RedisSessionStore.from_url("redis://127.0.0.1:1/0", timeout=0.2)
    sessions = SessionService(store, SystemClock())
    try:
        with pytest.raises(ServiceUnavailable) as caught:
            await sessions.check("some-session-id")
        assert caught.value.dependency == "session_store"
        with pytest.raises(ServiceUnavailable):
            await sessions.start("alice")
    finally:
        await store.close()


@pytest.fixture
async def silent_server_url() -> AsyncIterator[str]:
    """A TCP server that accepts connections and never answers."""
    connections: list[asyncio.StreamWriter] = []

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        await reader.read()

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"redis://127.0.0.1:{port}/0"
    for writer in connections:
        writer.close()
    server.close()
    await server.wait_closed()


@pytest.mark.parametrize("operation", ["check", "start", "list", "revoke_all", "ping"])
async def test_a_redis_that_never_answers_is_service_unavailable(
    silent_server_url: str, operation: str
) -> None:
    store = RedisSessionStore.from_url(silent_server_url, timeout=0.2)
    sessions = SessionService(store, SystemClock())
    calls = {
        "check": lambda: sessions.check("some-session-id"),
        "start": lambda: sessions.start("alice"),
        "list": lambda: sessions.list("alice"),
        "revoke_all": lambda: sessions.revoke_all("alice"),
        "ping": store.ping,
    }
    try:
        with pytest.raises(ServiceUnavailable) as caught:
            await calls[operation]()
        assert caught.value.dependency == "session_store"
    finally:
        await store.close()
