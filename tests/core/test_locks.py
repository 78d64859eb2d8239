"""held_lock: one holder at a time, released afterwards, a clear error when busy."""

from __future__ import annotations

from datetime import timedelta

import anyio
import pytest

from pa_core.errors import ServiceUnavailable
from pa_core.kv import MemoryKeyValueStore
from pa_core.kv.locks import held_lock

pytestmark = pytest.mark.anyio


async def test_holders_take_turns() -> None:
    store = MemoryKeyValueStore()
    inside: list[int] = []
    overlap: list[bool] = []

    async def work(i: int) -> None:
        async with held_lock(store, "job"):
            overlap.append(bool(inside))
            inside.append(i)
            await anyio.sleep(0.01)
            inside.remove(i)

    async with anyio.create_task_group() as group:
        for i in range(3):
            group.start_soon(work, i)
    assert overlap == [False, False, False]
    assert not await store.exists("lock:job")


async def test_a_lock_held_too_long_is_service_unavailable() -> None:
    store = MemoryKeyValueStore()
    async with held_lock(store, "job"):
        with pytest.raises(ServiceUnavailable) as caught:
            async with held_lock(store, "job", wait=timedelta(milliseconds=30)):
                pass
    assert caught.value.dependency == "lock"


async def test_an_expired_lock_taken_by_another_is_not_released_by_the_first() -> None:
    store = MemoryKeyValueStore()
    async with held_lock(store, "job", ttl=timedelta(milliseconds=20)):
        await anyio.sleep(0.05)
        await store.set("lock:job", "someone else")
    assert await store.get("lock:job") == b"someone else"
