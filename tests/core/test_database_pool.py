"""Pooled connections are tested before use only after sitting idle (``pre_ping_idle``)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from pa_core.database import Database
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.anyio


@pytest.fixture
def proxied(postgres_url: str) -> Iterator[tuple[str, TcpProxy]]:
    url = make_url(postgres_url)
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    yield url.set(port=proxy.port).render_as_string(hide_password=False), proxy
    proxy.cut()


def count_pings(database: Database, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    pings: list[int] = []
    dialect = database.engine.sync_engine.dialect
    original = dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings.append(1)
        return original(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counted)
    return pings


async def select_one(database: Database) -> int:
    async with database.session() as session:
        return int(await session.scalar(text("SELECT 1")) or 0)


@pytest.mark.postgres
async def test_a_connection_in_steady_use_is_not_pinged(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = Database(postgres_url, pool_size=1, pre_ping_idle=60)
    pings = count_pings(database, monkeypatch)
    try:
        for _ in range(5):
            assert await select_one(database) == 1
    finally:
        await database.dispose()
    assert pings == []


@pytest.mark.postgres
async def test_a_connection_idle_past_the_limit_is_pinged_at_checkout(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = Database(postgres_url, pool_size=1, pre_ping_idle=0.05)
    pings = count_pings(database, monkeypatch)
    try:
        await select_one(database)
        await asyncio.sleep(0.1)
        await select_one(database)
    finally:
        await database.dispose()
    assert pings == [1]


@pytest.mark.postgres
async def test_a_dead_idle_connection_is_replaced_before_it_is_used(
    proxied: tuple[str, TcpProxy],
) -> None:
    url, proxy = proxied
    database = Database(url, pool_size=1, max_overflow=0, pre_ping_idle=0.05)
    try:
        await select_one(database)
        proxy.cut()  # the pooled connection dies
        proxy.start()
        await asyncio.sleep(0.1)
        assert await select_one(database) == 1  # no error reaches the caller
    finally:
        await database.dispose()


@pytest.mark.postgres
async def test_zero_idle_pings_every_checkout_and_a_negative_one_is_refused(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = Database(postgres_url, pool_size=1, pre_ping_idle=0)
    pings = count_pings(database, monkeypatch)
    try:
        for _ in range(3):
            await select_one(database)
    finally:
        await database.dispose()
    assert len(pings) == 2  # every checkout but the first, on a brand-new connection
    with pytest.raises(ValueError, match="pre_ping_idle"):
        Database(postgres_url, pre_ping_idle=-1)


@pytest.mark.postgres
async def test_warming_opens_the_pool_before_the_first_request(postgres_url: str) -> None:
    database = Database(postgres_url, pool_size=3)
    try:
        assert await database.warm() == 3
        assert database.engine.sync_engine.pool.checkedin() == 3  # type: ignore[attr-defined]
    finally:
        await database.dispose()


@pytest.mark.postgres
async def test_warming_a_database_that_is_down_opens_nothing_and_raises_nothing(
    proxied: tuple[str, TcpProxy],
) -> None:
    url, proxy = proxied
    proxy.cut()
    database = Database(url, pool_size=2, connect_timeout=0.5)
    try:
        assert await database.warm() == 0
    finally:
        await database.dispose()


@pytest.mark.sqlite
async def test_sqlite_has_no_pool_to_warm(sqlite_url: str) -> None:
    database = Database(sqlite_url)
    try:
        assert await database.warm() == 0
    finally:
        await database.dispose()
