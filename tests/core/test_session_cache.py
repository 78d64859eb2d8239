"""CachedSessionStore: checks from memory, revocation still immediate, fail closed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import anyio
import pytest

from pa_core.clock import FrozenClock
from pa_core.errors import InvalidToken, NotFound, ServiceUnavailable
from pa_core.sessions import MemorySessionStore, Session, SessionService
from pa_core.sessions.cache import CachedSessionStore, LocalRevocationChannel
from pa_core.sessions.redis import RedisSessionStore
from pa_core.sessions.redis_revocations import HEARTBEAT, RedisRevocationChannel
from tests.conformance.session_cache_helpers import wait_until_fresh, wait_until_stale

pytestmark = pytest.mark.anyio


class CountingStore(MemorySessionStore):
    """A memory store that counts the hot-path calls reaching it."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    async def get_and_touch(
        self, session_id: str, now: datetime, interval: timedelta = timedelta(minutes=1)
    ) -> Session | None:
        self.reads += 1
        return await super().get_and_touch(session_id, now, interval)


class StaleChannel(LocalRevocationChannel):
    """A channel that has lost its heartbeat."""

    def fresh(self) -> bool:
        return False


async def test_repeated_checks_are_answered_from_memory(clock: FrozenClock) -> None:
    inner = CountingStore()
    sessions = SessionService(CachedSessionStore(inner, LocalRevocationChannel()), clock)
    started = await sessions.start("ada")
    for _ in range(10):
        await sessions.check(started.id)
    assert inner.reads == 1


async def test_the_store_is_asked_again_once_the_touch_interval_passed(clock: FrozenClock) -> None:
    inner = CountingStore()
    sessions = SessionService(CachedSessionStore(inner, LocalRevocationChannel()), clock)
    started = await sessions.start("ada")
    await sessions.check(started.id)
    clock.advance(timedelta(minutes=1))
    checked = await sessions.check(started.id)
    assert inner.reads == 2
    assert checked.last_seen_at == clock.now()


async def test_a_stale_channel_sends_every_check_to_the_store(clock: FrozenClock) -> None:
    inner = CountingStore()
    sessions = SessionService(CachedSessionStore(inner, StaleChannel()), clock)
    started = await sessions.start("ada")
    for _ in range(3):
        await sessions.check(started.id)
    assert inner.reads == 3


async def test_revocation_in_one_process_is_seen_by_another_at_its_next_check(
    clock: FrozenClock,
) -> None:
    shared_store, channel = MemorySessionStore(), LocalRevocationChannel()
    here = SessionService(CachedSessionStore(shared_store, channel), clock)
    there = SessionService(CachedSessionStore(shared_store, channel), clock)
    started = await here.start("ada")
    await there.check(started.id)
    await here.revoke("ada", started.id)
    with pytest.raises(InvalidToken):
        await there.check(started.id)


async def test_eviction_by_the_session_limit_reaches_other_caches(clock: FrozenClock) -> None:
    shared_store, channel = MemorySessionStore(), LocalRevocationChannel()
    here = SessionService(CachedSessionStore(shared_store, channel), clock, max_per_user=1)
    there = SessionService(CachedSessionStore(shared_store, channel), clock, max_per_user=1)
    oldest = await here.start("ada")
    await there.check(oldest.id)
    await here.start("ada")
    with pytest.raises(InvalidToken):
        await there.check(oldest.id)


async def test_a_revocation_during_a_store_read_is_not_undone_by_caching(
    clock: FrozenClock,
) -> None:
    class SlowStore(MemorySessionStore):
        cache: CachedSessionStore

        async def get_and_touch(
            self, session_id: str, now: datetime, interval: timedelta = timedelta(minutes=1)
        ) -> Session | None:
            found = await super().get_and_touch(session_id, now, interval)
            self.cache._on_revoked([session_id])  # the broadcast lands mid-read
            return found

    inner = SlowStore()
    cache = CachedSessionStore(inner, LocalRevocationChannel())
    inner.cache = cache
    sessions = SessionService(cache, clock)
    started = await sessions.start("ada")
    await sessions.check(started.id)
    assert started.id not in cache._cache


async def test_the_cache_keeps_at_most_max_entries(clock: FrozenClock) -> None:
    cache = CachedSessionStore(MemorySessionStore(), LocalRevocationChannel(), max_entries=2)
    sessions = SessionService(cache, clock)
    ids = [(await sessions.start(f"user{i}")).id for i in range(3)]
    for session_id in ids:
        await sessions.check(session_id)
    assert list(cache._cache) == ids[1:]


async def test_a_failed_broadcast_does_not_fail_the_revocation(clock: FrozenClock) -> None:
    class BrokenChannel(LocalRevocationChannel):
        async def publish(self, session_ids: Sequence[str]) -> None:
            raise ServiceUnavailable("down", dependency="session_store")

    shared = MemorySessionStore()
    sessions = SessionService(CachedSessionStore(shared, BrokenChannel()), clock)
    started = await sessions.start("ada")
    await sessions.check(started.id)
    await sessions.revoke("ada", started.id)
    assert await shared.get(started.id, clock.now()) is None
    with pytest.raises(InvalidToken):
        await sessions.check(started.id)


def test_max_entries_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_entries"):
        CachedSessionStore(MemorySessionStore(), LocalRevocationChannel(), max_entries=0)


# --- over Redis -----------------------------------------------------------------


@pytest.fixture
async def two_processes(
    redis_url: str, clock: FrozenClock
) -> AsyncIterator[tuple[SessionService, SessionService]]:
    stores = []
    for _ in range(2):
        inner = RedisSessionStore.from_url(redis_url, namespace="test:cache")
        channel = RedisRevocationChannel.for_store(inner)
        stores.append(CachedSessionStore(inner, channel))
        await wait_until_fresh(channel)
    yield SessionService(stores[0], clock), SessionService(stores[1], clock)
    for store in stores:
        await store.close()


@pytest.mark.redis
async def test_redis_broadcast_revokes_in_the_other_process(
    two_processes: tuple[SessionService, SessionService],
) -> None:
    here, there = two_processes
    started = await here.start("ada")
    await there.check(started.id)
    await here.revoke_all("ada")
    with anyio.fail_after(2):
        while True:
            try:
                await there.check(started.id)
            except InvalidToken:
                break
            await anyio.sleep(0.005)


def _break_publishing(service: SessionService, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make this process's broadcasts fail after the store has recorded the revocation."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    async def refuse(*args: object, **kwargs: object) -> int:
        raise RedisConnectionError("publish lost")

    store = service.store
    assert isinstance(store, CachedSessionStore)
    assert isinstance(store.channel, RedisRevocationChannel)
    monkeypatch.setattr(store.channel.client, "publish", refuse)


@pytest.mark.redis
async def test_a_revocation_whose_broadcast_failed_reaches_the_other_process_within_a_heartbeat(
    two_processes: tuple[SessionService, SessionService], monkeypatch: pytest.MonkeyPatch
) -> None:
    here, there = two_processes
    started = await here.start("ada")
    await there.check(started.id)  # cached there, and the clock never moves
    _break_publishing(here, monkeypatch)
    await here.revoke_all("ada")
    with anyio.fail_after(2 * HEARTBEAT + 0.3):
        while True:
            try:
                await there.check(started.id)
            except InvalidToken:
                break
            await anyio.sleep(0.005)


@pytest.mark.redis
async def test_a_process_whose_broadcast_failed_bypasses_its_cache_until_its_channel_answers(
    two_processes: tuple[SessionService, SessionService], monkeypatch: pytest.MonkeyPatch
) -> None:
    here, _ = two_processes
    store = here.store
    assert isinstance(store, CachedSessionStore)
    bob = await here.start("bob")
    await here.check(bob.id)
    ada = await here.start("ada")
    _break_publishing(here, monkeypatch)
    await here.revoke("ada", ada.id)
    assert not store.channel.fresh()
    monkeypatch.undo()
    await wait_until_fresh(store.channel)
    await here.check(bob.id)  # the store is asked again once ...
    reads = 0
    original = store.inner.get_and_touch

    async def counted(*args: Any) -> Session | None:
        nonlocal reads
        reads += 1
        return await original(*args)

    monkeypatch.setattr(store.inner, "get_and_touch", counted)
    await here.check(bob.id)  # ... and the cache answers after that
    assert reads == 0


@pytest.mark.redis
async def test_each_stored_revocation_moves_the_epoch_once(
    redis_url: str, clock: FrozenClock
) -> None:
    store = RedisSessionStore.from_url(redis_url, namespace="test:epoch")
    await store.client.delete(store.epoch_key)
    sessions = SessionService(store, clock, max_per_user=1)
    first = await sessions.start("ada")
    assert await store.epoch() == 0
    second = await sessions.start("ada")  # evicts the first
    assert await store.epoch() == 1
    await sessions.revoke("ada", second.id)
    assert await store.epoch() == 2
    with pytest.raises(NotFound):
        await sessions.revoke("ada", first.id)  # nothing ended: no move
    await sessions.start("ada")
    await sessions.start("bob")
    assert await sessions.revoke_all("ada")
    assert await sessions.revoke_all("ada") == []
    assert await store.epoch() == 3
    await store.close()


@pytest.mark.redis
async def test_a_dead_redis_is_never_answered_from_the_cache(clock: FrozenClock) -> None:
    # A proxy we can cut stands in for a Redis that dies.
    import socket

    from pa_core.kv.redis import create_redis_client

    upstream = ("127.0.0.1", 6379)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()
    connections: list[anyio.abc.SocketStream] = []

    async def pipe(a: anyio.abc.SocketStream, b: anyio.abc.SocketStream) -> None:
        try:
            async for chunk in a:
                await b.send(chunk)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, anyio.EndOfStream):
            pass
        finally:
            await b.aclose()

    async with anyio.create_task_group() as group:

        async def handle(client: anyio.abc.SocketStream) -> None:
            server = await anyio.connect_tcp(*upstream)
            connections.extend([client, server])
            async with anyio.create_task_group() as inner:
                inner.start_soon(pipe, client, server)
                inner.start_soon(pipe, server, client)

        proxy = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=port)
        serving = anyio.CancelScope()

        async def serve() -> None:
            with serving:
                await proxy.serve(handle)

        group.start_soon(serve)
        client = create_redis_client(f"redis://127.0.0.1:{port}/15", 0.3)
        channel = RedisRevocationChannel(client, "test:cache:revoked")
        store = CachedSessionStore(RedisSessionStore(client, "test:cache"), channel)
        await wait_until_fresh(channel)
        sessions = SessionService(store, clock)
        started = await sessions.start("ada")
        await sessions.check(started.id)

        serving.cancel()
        for connection in connections:
            await connection.aclose()
        await wait_until_stale(channel)
        with pytest.raises(ServiceUnavailable):
            await sessions.check(started.id)
        await store.close()
        group.cancel_scope.cancel()


def test_heartbeat_must_be_shorter_than_staleness() -> None:
    from redis.asyncio import Redis

    with pytest.raises(ValueError, match="heartbeat"):
        RedisRevocationChannel(Redis(), heartbeat=2, staleness=1)


class _CancelSwallowingPubSub:
    """A subscription whose read loses a cancellation, as redis-py can: it raises
    TimeoutError, or answers "no message" as if the read had timed out."""

    def __init__(self, swallow_as: str) -> None:
        self.swallow_as = swallow_as

    async def subscribe(self, channel: str) -> None:
        return None

    async def ping(self) -> None:
        return None

    async def get_message(self, timeout: float) -> None:  # noqa: ASYNC109 - redis-py's signature
        try:
            await anyio.sleep(timeout)
        except BaseException as exc:  # the cancellation is lost here, as in redis-py
            if self.swallow_as == "timeout":
                raise TimeoutError("read timed out") from exc

    async def aclose(self) -> None:
        return None


class _CancelSwallowingClient:
    def __init__(self, swallow_as: str = "timeout") -> None:
        self.swallow_as = swallow_as

    def pubsub(self) -> _CancelSwallowingPubSub:
        return _CancelSwallowingPubSub(self.swallow_as)

    async def get(self, key: str) -> None:
        return None


@pytest.mark.parametrize("swallow_as", ["timeout", "no_message"])
async def test_closing_a_channel_ends_its_listener_even_when_a_read_swallows_the_cancel(
    swallow_as: str,
) -> None:
    client = _CancelSwallowingClient(swallow_as)
    channel = RedisRevocationChannel(client, heartbeat=0.05, staleness=1)  # type: ignore[arg-type]
    channel.start(lambda _ids: None)
    await anyio.sleep(0.1)
    with anyio.fail_after(2):
        await channel.close()


async def test_a_closed_channel_never_subscribes_again() -> None:
    channel = RedisRevocationChannel(_CancelSwallowingClient(), heartbeat=0.05, staleness=1)  # type: ignore[arg-type]
    channel.start(lambda _ids: None)
    await channel.close()
    assert channel.fresh() is False
    assert channel._task is None
