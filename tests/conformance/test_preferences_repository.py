"""The PreferencesRepository contract on memory, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import time

import pytest

from pa_core.clock import FrozenClock
from pa_core.ids import new_id
from pa_core.preferences import (
    Channel,
    MemoryPreferencesRepository,
    Preferences,
    PreferencesRepository,
    QuietHours,
    Tone,
)
from pa_core.preferences.sqlalchemy import SqlPreferencesRepository
from pa_core.users import User
from pa_core.users.sqlalchemy import SqlUserRepository
from tests.conftest import migrated_database

pytestmark = pytest.mark.anyio


@dataclass
class Store:
    repository: PreferencesRepository
    user_id: str


@pytest.fixture(
    params=[
        pytest.param("memory", marks=pytest.mark.memory),
        pytest.param("sqlite", marks=pytest.mark.sqlite),
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
async def store(request: pytest.FixtureRequest, clock: FrozenClock) -> AsyncIterator[Store]:
    if request.param == "memory":
        yield Store(MemoryPreferencesRepository(), new_id())
        return
    db = await migrated_database(request.getfixturevalue(f"{request.param}_url"))
    now = clock.now()
    user = User(new_id(now), "p@example.com", None, now, now)
    await SqlUserRepository(db).add(user)
    yield Store(SqlPreferencesRepository(db), user.id)
    await db.dispose()


async def test_preferences_never_saved_are_none(store: Store) -> None:
    assert await store.repository.get(store.user_id) is None


async def test_saved_preferences_are_read_back_and_replaced(
    store: Store, clock: FrozenClock
) -> None:
    custom = Preferences(
        quiet_hours=QuietHours(time(23, 30), time(6, 15)),
        preferred_channel=Channel.WEB,
        reminder_lead_minutes=45,
        daily_digest_time=None,
        nudge_max=5,
        tone=Tone.DETAILED,
        updated_at=clock.now(),
    )
    await store.repository.put(store.user_id, custom)
    assert await store.repository.get(store.user_id) == custom
    plain = Preferences(quiet_hours=None, updated_at=clock.now())
    await store.repository.put(store.user_id, plain)
    found = await store.repository.get(store.user_id)
    assert found == plain
    assert found is not None
    assert found.quiet_hours is None


async def test_deleted_preferences_are_gone(store: Store) -> None:
    await store.repository.put(store.user_id, Preferences())
    assert await store.repository.delete(store.user_id)
    assert await store.repository.get(store.user_id) is None
    assert not await store.repository.delete(store.user_id)
