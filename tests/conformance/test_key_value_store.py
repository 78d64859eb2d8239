"""The KeyValueStore contract, run against every backend (memory, Redis)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import anyio
import pytest
from redis.asyncio import Redis

from pa_core.errors import ServiceUnavailable
from pa_core.kv import KeyValueStore, MemoryKeyValueStore
from pa_core.kv.redis import RedisKeyValueStore

pytestmark = pytest.mark.anyio


@pytest.fixture(
    params=[
        pytest.param("memory", marks=pytest.mark.memory),
        pytest.param("redis", marks=pytest.mark.redis),
    ]
)
async def store(request: pytest.FixtureRequest) -> AsyncIterator[KeyValueStore]:
    if request.param == "memory":
        yield MemoryKeyValueStore().with_namespace("test")
        return
    store = RedisKeyValueStore.from_url(request.getfixturevalue("redis_url"), namespace="test")
    yield store
    await store.close()


async def test_get_returns_none_for_a_missing_key(store: KeyValueStore) -> None:
    assert await store.get("nope") is None


async def test_set_then_get_returns_the_bytes(store: KeyValueStore) -> None:
    await store.set("k", "value")
    assert await store.get("k") == b"value"


async def test_set_replaces_an_existing_value(store: KeyValueStore) -> None:
    await store.set("k", b"one")
    await store.set("k", b"two")
    assert await store.get("k") == b"two"


async def test_a_value_expires_after_its_ttl(store: KeyValueStore) -> None:
    await store.set("k", b"v", ttl=timedelta(milliseconds=50))
    assert await store.exists("k")
    await anyio.sleep(0.12)
    assert await store.get("k") is None
    assert not await store.exists("k")


async def test_expires_in_reports_the_time_left(store: KeyValueStore) -> None:
    await store.set("k", b"v", ttl=timedelta(seconds=60))
    left = await store.expires_in("k")
    assert left is not None
    assert timedelta(seconds=58) < left <= timedelta(seconds=60)


async def test_expires_in_is_none_without_ttl_or_key(store: KeyValueStore) -> None:
    await store.set("k", b"v")
    assert await store.expires_in("k") is None
    assert await store.expires_in("missing") is None


async def test_a_non_positive_ttl_is_refused(store: KeyValueStore) -> None:
    with pytest.raises(ValueError, match="ttl"):
        await store.set("k", b"v", ttl=timedelta(0))


async def test_set_if_absent_stores_only_once(store: KeyValueStore) -> None:
    assert await store.set_if_absent("k", b"first", ttl=timedelta(seconds=10))
    assert not await store.set_if_absent("k", b"second")
    assert await store.get("k") == b"first"


async def test_set_if_absent_has_one_winner_under_concurrency(store: KeyValueStore) -> None:
    results: list[bool] = []

    async def attempt(i: int) -> None:
        results.append(await store.set_if_absent("race", str(i), ttl=timedelta(seconds=10)))

    async with anyio.create_task_group() as tg:
        for i in range(20):
            tg.start_soon(attempt, i)
    assert results.count(True) == 1


async def test_get_and_delete_hands_the_value_to_one_caller(store: KeyValueStore) -> None:
    await store.set("k", b"v")
    assert await store.get_and_delete("k") == b"v"
    assert await store.get_and_delete("k") is None


async def test_delete_reports_whether_the_key_existed(store: KeyValueStore) -> None:
    await store.set("k", b"v")
    assert await store.delete("k")
    assert not await store.delete("k")


async def test_increment_counts_from_zero(store: KeyValueStore) -> None:
    assert await store.increment("n") == 1
    assert await store.increment("n", 5) == 6


async def test_increment_sets_the_ttl_only_on_creation(store: KeyValueStore) -> None:
    await store.increment("n", ttl=timedelta(seconds=30))
    await store.increment("n", ttl=timedelta(seconds=300))
    left = await store.expires_in("n")
    assert left is not None
    assert left <= timedelta(seconds=30)


async def test_increment_refuses_a_non_integer(store: KeyValueStore) -> None:
    await store.set("k", b"text")
    with pytest.raises(ValueError, match="integer"):
        await store.increment("k")


async def test_namespaces_do_not_see_each_others_keys(store: KeyValueStore) -> None:
    a = store.with_namespace("a")
    b = store.with_namespace("b")
    await a.set("k", b"in a")
    assert await b.get("k") is None
    assert a.namespace == "test:a"


async def test_delete_all_clears_only_its_namespace(store: KeyValueStore) -> None:
    a = store.with_namespace("a")
    b = store.with_namespace("b")
    for i in range(3):
        await a.set(f"k{i}", b"v")
    await b.set("k", b"v")
    await a.delete_all()
    assert await a.get("k0") is None
    assert await b.get("k") == b"v"


async def test_ping_answers(store: KeyValueStore) -> None:
    await store.ping()


async def test_delete_all_without_namespace_is_refused() -> None:
    with pytest.raises(RuntimeError, match="namespace"):
        await MemoryKeyValueStore().delete_all()


@pytest.mark.redis
async def test_redis_delete_all_without_namespace_is_refused(redis_client: Redis) -> None:
    with pytest.raises(RuntimeError, match="namespace"):
        await RedisKeyValueStore(redis_client).delete_all()


async def test_an_unreachable_redis_is_service_unavailable() -> None:
    store = RedisKeyValueStore.from_url("redis://127.0.0.1:1/0", timeout=0.2)
    try:
        with pytest.raises(ServiceUnavailable) as caught:
            await store.get("k")
        assert caught.value.dependency == "redis"
    finally:
        await store.close()
