"""Builds every library service from the settings, once per process, and closes them.

This is wiring only: which backend each contract gets (embedded or real) follows
from the ``PA_`` settings. No business rule lives here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from pa_core.clock import Clock, SystemClock
from pa_core.config import Settings
from pa_core.migrations import upgrade_async
from pa_core.stores import KeyValueStore, MemoryKeyValueStore
from pa_core.stores.sqlalchemy import Database, SqlUserRepository
from pa_core.users import UserRepository

__all__ = ["Services", "build_services"]


@dataclass
class Services:
    """Everything the routes need, built from the settings."""

    settings: Settings
    clock: Clock
    database: Database
    kv: KeyValueStore
    users: UserRepository


def _key_value_store(settings: Settings, clock: Clock) -> KeyValueStore:
    if settings.redis_url:
        from pa_core.stores.redis import RedisKeyValueStore

        return RedisKeyValueStore.from_url(
            settings.redis_url, timeout=settings.redis_timeout, namespace="pa"
        )
    return MemoryKeyValueStore(clock, namespace="pa")


@asynccontextmanager
async def build_services(settings: Settings, clock: Clock | None = None) -> AsyncIterator[Services]:
    """Create the services for ``settings`` (migrating first if configured); close them after."""
    settings.check_production()
    clock = clock or SystemClock()
    url = settings.effective_database_url
    if settings.should_auto_migrate:
        await upgrade_async(url)
    database = Database(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        pool_recycle=settings.db_pool_recycle,
        pool_pre_ping=settings.db_pool_pre_ping,
        connect_timeout=settings.db_connect_timeout,
        echo=settings.db_echo,
    )
    kv = _key_value_store(settings, clock)
    services = Services(
        settings=settings,
        clock=clock,
        database=database,
        kv=kv,
        users=SqlUserRepository(database),
    )
    try:
        yield services
    finally:
        await kv.close()
        await database.dispose()
