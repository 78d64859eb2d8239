"""Shared fixtures: the anyio backend, clocks, and real service databases per test run.

Databases are cloned from templates migrated once per run: ``sqlite_url`` and
``postgres_url`` hold the newest schema; ``empty_sqlite_url`` and
``empty_postgres_url`` hold nothing (for the migration tests).
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from litestar.testing.transport import TestClientTransport
from redis import Redis as SyncRedis
from redis.asyncio import Redis
from sqlalchemy.engine import make_url

import pa_sms.records.models  # noqa: F401 - pa_sms tables and their migrations
from pa_core.clock import FrozenClock
from pa_core.database import Database
from pa_core.migrations import upgrade
from tests.services import POSTGRES_URL, REDIS_URL, need, unique_name


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


# --- SQLite ------------------------------------------------------------------------

_sqlite_template: Path | None = None


def migrated_sqlite_template() -> Path:
    """A SQLite file at the newest schema, made once per test run."""
    global _sqlite_template
    if _sqlite_template is None:
        folder = Path(tempfile.mkdtemp(prefix="pa-template-"))
        path = folder / "pa.sqlite3"
        upgrade(f"sqlite+aiosqlite:///{path}")
        _sqlite_template = path
    return _sqlite_template


def sqlite_copy(folder: Path) -> str:
    """A migrated SQLite database in ``folder`` (a copy of the template); its URL."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "pa.sqlite3"
    shutil.copyfile(migrated_sqlite_template(), target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A migrated SQLite database for one test."""
    return sqlite_copy(tmp_path)


@pytest.fixture
def empty_sqlite_url(tmp_path: Path) -> str:
    """An empty SQLite database for one test."""
    return f"sqlite+aiosqlite:///{tmp_path}/empty.sqlite3"


# --- PostgreSQL --------------------------------------------------------------------


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


def _database_url(server_url: str, name: str) -> str:
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_template(postgres_server_url: str) -> Iterator[str]:
    """The name of a PostgreSQL database at the newest schema, made once per run."""
    name = unique_name("pa_template")
    _admin(postgres_server_url, f'CREATE DATABASE "{name}"')
    upgrade(_database_url(postgres_server_url, name))
    yield name
    _admin(postgres_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _scratch_database(server_url: str, template: str | None) -> Iterator[str]:
    name = unique_name("pa_test")
    clause = f' TEMPLATE "{template}"' if template else ""
    _admin(server_url, f'CREATE DATABASE "{name}"{clause}')
    yield _database_url(server_url, name)
    _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url(postgres_server_url: str, postgres_template: str) -> Iterator[str]:
    """A fresh PostgreSQL database at the newest schema, for one test; dropped afterwards.

    Synchronous on purpose, so async fixtures can pick it with ``getfixturevalue``.
    """
    yield from _scratch_database(postgres_server_url, postgres_template)


@pytest.fixture
def empty_postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test; dropped afterwards."""
    yield from _scratch_database(postgres_server_url, None)


# --- Redis ---------------------------------------------------------------------------


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


# --- both SQL backends -------------------------------------------------------------------


async def migrated_database(url: str) -> Database:
    """A :class:`Database` on a URL from ``sqlite_url`` / ``postgres_url`` (already migrated)."""
    return Database(url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database(request: pytest.FixtureRequest) -> AsyncIterator[Database]:
    """A migrated database on each SQL backend."""
    db = Database(request.getfixturevalue(f"{request.param}_url"))
    yield db
    await db.dispose()


# --- the test client's address -------------------------------------------------------


class TestClientPeer:
    """The socket address that Litestar's test clients present to the app.

    Litestar's test transport says its peer is ``"testclient"``, which is not an
    IP; a client address is always one (``pa_core.client_address``), so the
    test clients connect "from" :attr:`host` instead (a documentation address),
    which a test may change to act as a proxy or another client.
    """

    __test__ = False
    host = "192.0.2.10"


_parse_request = TestClientTransport.parse_request


def _parse_request_from_peer(self: TestClientTransport[Any], request: Any) -> dict[str, Any]:
    scope = _parse_request(self, request)
    scope["client"] = (TestClientPeer.host, 50000)
    return scope


TestClientTransport.parse_request = _parse_request_from_peer  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _reset_test_client_peer() -> Iterator[None]:
    yield
    TestClientPeer.host = "192.0.2.10"
