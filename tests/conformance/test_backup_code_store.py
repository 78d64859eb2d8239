"""The BackupCodeStore contract, run against memory, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest

from pa_core.clock import FrozenClock
from pa_core.mfa.base import BackupCodeStore
from pa_core.mfa.memory import MemoryBackupCodeStore
from pa_core.mfa.sqlalchemy import SqlBackupCodeStore
from tests.conformance.mfa_support import database_with_users

pytestmark = pytest.mark.anyio

HASHES = [f"{i:064x}" for i in range(10)]


@pytest.fixture(
    params=[
        pytest.param("memory", marks=pytest.mark.memory),
        pytest.param("sqlite", marks=pytest.mark.sqlite),
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
async def store(
    request: pytest.FixtureRequest, clock: FrozenClock
) -> AsyncIterator[BackupCodeStore]:
    """Each backend, empty."""
    if request.param == "memory":
        yield MemoryBackupCodeStore()
        return
    db = await database_with_users(request.getfixturevalue(f"{request.param}_url"))
    yield SqlBackupCodeStore(db, clock)
    await db.dispose()


async def test_the_store_fits_the_protocol(store: BackupCodeStore) -> None:
    assert isinstance(store, BackupCodeStore)


async def test_a_user_without_codes_has_none_remaining(store: BackupCodeStore) -> None:
    assert await store.remaining("nobody") == 0


async def test_replace_stores_a_set(store: BackupCodeStore) -> None:
    await store.replace("u1", HASHES)
    assert await store.remaining("u1") == 10


async def test_consume_spends_a_code_once(store: BackupCodeStore) -> None:
    await store.replace("u1", HASHES)
    assert await store.consume("u1", HASHES[4])
    assert not await store.consume("u1", HASHES[4])
    assert await store.remaining("u1") == 9


async def test_consuming_an_unknown_hash_changes_nothing(store: BackupCodeStore) -> None:
    await store.replace("u1", HASHES)
    assert not await store.consume("u1", "f" * 64)
    assert await store.remaining("u1") == 10


async def test_consuming_without_a_set_is_refused(store: BackupCodeStore) -> None:
    assert not await store.consume("nobody", HASHES[0])


async def test_replace_voids_the_previous_set(store: BackupCodeStore) -> None:
    await store.replace("u1", HASHES[:5])
    await store.replace("u1", HASHES[5:])
    assert not await store.consume("u1", HASHES[0])
    assert await store.consume("u1", HASHES[5])
    assert await store.remaining("u1") == 4


async def test_replacing_with_nothing_removes_every_code(store: BackupCodeStore) -> None:
    await store.replace("u1", HASHES)
    await store.replace("u1", [])
    assert await store.remaining("u1") == 0
    assert not await store.consume("u1", HASHES[0])


async def test_users_do_not_share_codes(store: BackupCodeStore) -> None:
    await store.replace("u1", HASHES)
    await store.replace("u2", HASHES[:3])
    assert not await store.consume("u2", HASHES[5])
    assert await store.consume("u2", HASHES[0])
    assert await store.remaining("u1") == 10
    assert await store.remaining("u2") == 2


async def test_concurrent_uses_of_one_code_let_exactly_one_through(
    store: BackupCodeStore,
) -> None:
    await store.replace("u1", HASHES)
    outcomes: list[bool] = []

    async def attempt() -> None:
        outcomes.append(await store.consume("u1", HASHES[0]))

    async with anyio.create_task_group() as tg:
        for _ in range(10):
            tg.start_soon(attempt)
    assert outcomes.count(True) == 1
    assert await store.remaining("u1") == 9
