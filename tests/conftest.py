"""Shared fixtures: the anyio backend, clocks, and real service databases per test run."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor

import asyncpg
import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis
from sqlalchemy.engine import make_url

from pa_core.clock import FrozenClock
from pa_core.migrations import upgrade_async
from pa_core.stores.sqlalchemy import Database
from tests.services import POSTGRES_URL, REDIS_URL, need, unique_name


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    need(POSTGRES_URL, "PostgreSQL", "PA_TEST_DATABASE_URL")
    return POSTGRES_URL


def _plain_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _admin(server_url: str, sql: str) -> None:
    """Run one administrative statement, in a thread of its own (callers may be in a loop)."""

    async def run() -> None:
        conn = await asyncpg.connect(_plain_dsn(server_url))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test; dropped afterwards.

    Synchronous on purpose, so async fixtures can pick it with ``getfixturevalue``.
    """
    name = unique_name("pa_test")
    _admin(postgres_server_url, f'CREATE DATABASE "{name}"')
    yield make_url(postgres_server_url).set(database=name).render_as_string(hide_password=False)
    _admin(postgres_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: object) -> str:
    return f"sqlite+aiosqlite:///{tmp_path}/test.sqlite3"


@pytest.fixture(scope="session")
def redis_server_url() -> str:
    need(REDIS_URL, "Redis", "PA_TEST_REDIS_URL")
    return REDIS_URL


@pytest.fixture
def redis_url(redis_server_url: str) -> Iterator[str]:
    """The test Redis database, emptied before and after the test."""
    client = SyncRedis.from_url(redis_server_url)
    client.flushdb()
    yield redis_server_url
    client.flushdb()
    client.close()


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[Redis]:
    """An async client on the emptied test Redis database."""
    client: Redis = Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def migrated_database(url: str) -> Database:
    await upgrade_async(url)
    return Database(url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database(request: pytest.FixtureRequest) -> AsyncIterator[Database]:
    """A migrated database on each SQL backend."""
    if request.param == "sqlite":
        url = request.getfixturevalue("sqlite_url")
    else:
        url = request.getfixturevalue("postgres_url")
    db = await migrated_database(url)
    yield db
    await db.dispose()
