"""The TrustedDeviceStore contract, run against memory, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from pa_core.mfa.base import TrustedDevice, TrustedDeviceStore
from pa_core.mfa.memory import MemoryTrustedDeviceStore
from pa_core.mfa.sqlalchemy import SqlTrustedDeviceStore
from tests.conformance.mfa_support import database_with_users

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)


def device(device_id: str, user_id: str = "u1", created: datetime = NOW) -> TrustedDevice:
    return TrustedDevice(
        id=device_id,
        user_id=user_id,
        token_hash=f"{device_id:0>64}",
        created_at=created,
        expires_at=created + timedelta(days=30),
        user_agent="Firefox",
    )


@pytest.fixture(
    params=[
        pytest.param("memory", marks=pytest.mark.memory),
        pytest.param("sqlite", marks=pytest.mark.sqlite),
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
async def store(request: pytest.FixtureRequest) -> AsyncIterator[TrustedDeviceStore]:
    """Each backend, empty."""
    if request.param == "memory":
        yield MemoryTrustedDeviceStore()
        return
    db = await database_with_users(request.getfixturevalue(f"{request.param}_url"))
    yield SqlTrustedDeviceStore(db)
    await db.dispose()


async def test_the_store_fits_the_protocol(store: TrustedDeviceStore) -> None:
    assert isinstance(store, TrustedDeviceStore)


async def test_a_device_is_found_by_its_token_hash(store: TrustedDeviceStore) -> None:
    await store.add(device("d1"))
    assert await store.get_by_hash(device("d1").token_hash) == device("d1")
    assert await store.get_by_hash("f" * 64) is None


async def test_live_devices_are_listed_newest_first_per_user(store: TrustedDeviceStore) -> None:
    await store.add(device("d1"))
    await store.add(device("d2", created=NOW + timedelta(minutes=1)))
    await store.add(device("d3", user_id="u2"))
    assert [d.id for d in await store.list_for_user("u1", LATER)] == ["d2", "d1"]


async def test_expired_devices_are_not_listed(store: TrustedDeviceStore) -> None:
    await store.add(device("d1"))
    assert await store.list_for_user("u1", NOW + timedelta(days=31)) == []


async def test_touch_records_the_last_use(store: TrustedDeviceStore) -> None:
    await store.add(device("d1"))
    await store.touch("d1", LATER)
    found = await store.get_by_hash(device("d1").token_hash)
    assert found is not None
    assert found.last_used_at == LATER


async def test_revoke_ends_one_device_of_its_owner_only(store: TrustedDeviceStore) -> None:
    await store.add(device("d1"))
    await store.add(device("d2"))
    assert not await store.revoke("u2", "d1", LATER)
    assert await store.revoke("u1", "d1", LATER)
    assert not await store.revoke("u1", "d1", LATER)
    assert [d.id for d in await store.list_for_user("u1", LATER)] == ["d2"]
    found = await store.get_by_hash(device("d1").token_hash)
    assert found is not None
    assert found.revoked_at == LATER
    assert not found.alive(LATER)


async def test_revoke_all_ends_every_live_device_of_the_user(store: TrustedDeviceStore) -> None:
    await store.add(device("d1"))
    await store.add(device("d2"))
    await store.add(device("d3", user_id="u2"))
    assert await store.revoke_all("u1", LATER) == 2
    assert await store.revoke_all("u1", LATER) == 0
    assert await store.list_for_user("u1", LATER) == []
    assert len(await store.list_for_user("u2", LATER)) == 1
