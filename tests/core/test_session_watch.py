"""A live message stream ends with its session or its token, however busy it is.

Run against every session backend: memory, Redis, and both behind the
broadcast-invalidated cache.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import anyio
import pytest

from pa_core.clock import FrozenClock
from pa_core.conversations import (
    ConversationService,
    Heartbeat,
    MemoryConversationRepository,
    MemoryMessageBroker,
    Message,
    MessageStream,
)
from pa_core.errors import ServiceUnavailable
from pa_core.sessions import (
    WATCH_INTERVAL,
    MemorySessionStore,
    Session,
    SessionEnd,
    SessionService,
    SessionStore,
)
from pa_core.sessions.cache import CachedSessionStore, LocalRevocationChannel
from pa_core.sessions.redis import RedisSessionStore
from pa_core.sessions.redis_revocations import RedisRevocationChannel
from tests.conformance.session_cache_helpers import wait_until_fresh

pytestmark = pytest.mark.anyio

TOKEN_LIFE = timedelta(minutes=15)
NEVER_QUIET = timedelta(minutes=1)  # heartbeats never come to the rescue in these tests
POSTING_EVERY = 0.02
ENDS_WITHIN = WATCH_INTERVAL.total_seconds() + 0.5


@pytest.fixture(
    params=[
        pytest.param("memory", marks=pytest.mark.memory),
        pytest.param("cached-memory", marks=pytest.mark.memory),
        pytest.param("redis", marks=pytest.mark.redis),
        pytest.param("cached-redis", marks=pytest.mark.redis),
    ]
)
async def store(request: pytest.FixtureRequest) -> AsyncIterator[SessionStore]:
    if request.param == "memory":
        yield MemorySessionStore()
        return
    if request.param == "cached-memory":
        yield CachedSessionStore(MemorySessionStore(), LocalRevocationChannel())
        return
    redis_store = RedisSessionStore.from_url(
        request.getfixturevalue("redis_url"), namespace="test:watch"
    )
    if request.param == "redis":
        yield redis_store
        await redis_store.close()
        return
    channel = RedisRevocationChannel.for_store(redis_store)
    cached = CachedSessionStore(redis_store, channel)
    await wait_until_fresh(channel)
    yield cached
    await cached.close()


@pytest.fixture
def sessions(store: SessionStore, clock: FrozenClock) -> SessionService:
    return SessionService(store, clock)


@pytest.fixture
def conversations(clock: FrozenClock) -> ConversationService:
    return ConversationService(MemoryConversationRepository(), MemoryMessageBroker(), clock)


async def _watched_stream(
    sessions: SessionService, conversations: ConversationService, session: Session
) -> tuple[MessageStream, str]:
    conversation = await conversations.create(session.user_id)
    watch = sessions.watch(
        session.id, user_id=session.user_id, until=sessions.clock.now() + TOKEN_LIFE
    )
    stream = await conversations.open_stream(
        session.user_id, conversation.id, watch=watch, heartbeat=NEVER_QUIET
    )
    return stream, conversation.id


async def _ends_while_busy(
    stream: MessageStream,
    conversations: ConversationService,
    owner: str,
    conversation_id: str,
    end_it: object,
) -> tuple[list[str], list[str], float]:
    """Post continuously; after three deliveries call ``end_it``; read the stream to its end.

    Returns the ids delivered, the ids posted after ``end_it`` returned, and the
    seconds between that moment and the end of the stream.
    """
    delivered: list[str] = []
    posted_after: list[str] = []
    ended_at: float | None = None
    done_at: float | None = None

    async def post_forever() -> None:
        while True:
            started = anyio.current_time()
            message = await conversations.post_message(owner, conversation_id, "tick")
            if done_at is not None and started >= done_at:
                posted_after.append(message.id)
            await anyio.sleep(POSTING_EVERY)

    async with anyio.create_task_group() as tg:
        tg.start_soon(post_forever)
        with anyio.fail_after(10):
            async for item in stream:
                if isinstance(item, Heartbeat):
                    continue
                assert isinstance(item, Message)
                delivered.append(item.id)
                if len(delivered) == 3:
                    await end_it()  # type: ignore[operator]
                    done_at = anyio.current_time()
            ended_at = anyio.current_time()
        tg.cancel_scope.cancel()
    assert done_at is not None
    assert ended_at is not None
    return delivered, posted_after, ended_at - done_at


async def test_a_busy_stream_ends_at_once_when_its_session_is_revoked(
    sessions: SessionService, conversations: ConversationService
) -> None:
    session = await sessions.start("ada")
    stream, cid = await _watched_stream(sessions, conversations, session)

    async def logout() -> None:
        await sessions.revoke("ada", session.id)

    delivered, posted_after, took = await _ends_while_busy(
        stream, conversations, "ada", cid, logout
    )
    assert took < ENDS_WITHIN
    assert not set(posted_after) & set(delivered)
    assert stream.ended == SessionEnd.SESSION_ENDED


async def test_a_busy_stream_ends_when_every_other_session_is_revoked(
    sessions: SessionService, conversations: ConversationService
) -> None:
    streaming = await sessions.start("ada")
    changing_password = await sessions.start("ada")
    stream, cid = await _watched_stream(sessions, conversations, streaming)

    async def sign_out_others() -> None:
        await sessions.revoke_others("ada", changing_password.id)

    delivered, posted_after, took = await _ends_while_busy(
        stream, conversations, "ada", cid, sign_out_others
    )
    assert took < ENDS_WITHIN
    assert not set(posted_after) & set(delivered)


async def test_a_busy_stream_ends_when_its_token_expires(
    sessions: SessionService, conversations: ConversationService, clock: FrozenClock
) -> None:
    session = await sessions.start("ada")
    stream, cid = await _watched_stream(sessions, conversations, session)

    async def expire() -> None:
        clock.advance(TOKEN_LIFE)

    delivered, posted_after, took = await _ends_while_busy(
        stream, conversations, "ada", cid, expire
    )
    assert took < ENDS_WITHIN
    assert not set(posted_after) & set(delivered)
    assert stream.ended == SessionEnd.TOKEN_EXPIRED


async def test_a_quiet_stream_ends_within_the_watch_interval_of_a_revocation(
    sessions: SessionService, conversations: ConversationService
) -> None:
    session = await sessions.start("ada")
    stream, _ = await _watched_stream(sessions, conversations, session)
    iterator = aiter(stream)
    waiting = anyio.Event()

    async def read_to_end() -> None:
        waiting.set()
        assert [item async for item in iterator] == []

    async with anyio.create_task_group() as tg:
        tg.start_soon(read_to_end)
        await waiting.wait()
        await anyio.sleep(0.05)
        await sessions.revoke("ada", session.id)
        with anyio.fail_after(ENDS_WITHIN):
            while stream.ended is None:  # noqa: ASYNC110 - the stream exposes a flag
                await anyio.sleep(0.01)
    assert stream.ended == SessionEnd.SESSION_ENDED


async def test_a_stream_for_an_already_revoked_session_delivers_nothing(
    sessions: SessionService, conversations: ConversationService
) -> None:
    session = await sessions.start("ada")
    stream, cid = await _watched_stream(sessions, conversations, session)
    await conversations.post_message("ada", cid, "before")
    await sessions.revoke("ada", session.id)
    with anyio.fail_after(5):
        assert [item async for item in stream] == []


async def test_a_stream_cannot_watch_someone_elses_session(
    sessions: SessionService, conversations: ConversationService
) -> None:
    session = await sessions.start("bob")
    conversation = await conversations.create("ada")
    watch = sessions.watch(session.id, user_id="bob", until=sessions.clock.now() + TOKEN_LIFE)
    with pytest.raises(ValueError, match="owner"):
        await conversations.open_stream("ada", conversation.id, watch=watch)


# --- the watch on its own ----------------------------------------------------------


async def test_a_watch_is_alive_until_the_token_expires(
    sessions: SessionService, clock: FrozenClock
) -> None:
    session = await sessions.start("ada")
    watch = sessions.watch(session.id, user_id="ada", until=clock.now() + TOKEN_LIFE)
    assert await watch.alive()
    clock.advance(TOKEN_LIFE)
    assert not await watch.alive()
    assert watch.ended == SessionEnd.TOKEN_EXPIRED


async def test_a_watch_refuses_a_session_of_another_user(
    sessions: SessionService, clock: FrozenClock
) -> None:
    session = await sessions.start("bob")
    watch = sessions.watch(session.id, user_id="ada", until=clock.now() + TOKEN_LIFE)
    assert not await watch.alive()
    assert watch.ended == SessionEnd.SESSION_ENDED


async def test_a_watch_that_ended_stays_ended(sessions: SessionService, clock: FrozenClock) -> None:
    session = await sessions.start("ada")
    watch = sessions.watch(session.id, user_id="ada", until=clock.now() + TOKEN_LIFE)
    await sessions.revoke("ada", session.id)
    assert not await watch.alive()
    await sessions.start("ada")
    assert not await watch.alive()


async def test_a_watch_never_waits_past_its_interval_or_the_token_expiry(
    sessions: SessionService, clock: FrozenClock
) -> None:
    session = await sessions.start("ada")
    watch = sessions.watch(session.id, user_id="ada", until=clock.now() + timedelta(seconds=10))
    assert watch.wait_for(timedelta(minutes=1)) == WATCH_INTERVAL
    assert watch.wait_for(timedelta(milliseconds=100)) == timedelta(milliseconds=100)
    clock.advance(timedelta(seconds=9.8))
    assert watch.wait_for(timedelta(minutes=1)) == timedelta(milliseconds=200)


async def test_iterating_a_watch_stops_when_the_session_is_revoked(
    sessions: SessionService, clock: FrozenClock
) -> None:
    session = await sessions.start("ada")
    watch = sessions.watch(session.id, user_id="ada", until=clock.now() + TOKEN_LIFE)
    ticks = 0
    with anyio.fail_after(5):
        async for _ in watch:
            ticks += 1
            if ticks == 2:
                await sessions.revoke("ada", session.id)
    assert ticks == 2


async def test_a_watch_fails_closed_when_the_session_store_is_down(clock: FrozenClock) -> None:
    class DownStore(MemorySessionStore):
        async def get_and_touch(self, *args: object) -> Session | None:
            raise ServiceUnavailable("down", dependency="session_store")

    sessions = SessionService(DownStore(), clock)
    session = await sessions.start("ada")
    watch = sessions.watch(session.id, user_id="ada", until=clock.now() + TOKEN_LIFE)
    with pytest.raises(ServiceUnavailable):
        await watch.alive()


def test_a_watch_interval_must_be_positive(clock: FrozenClock) -> None:
    from pa_core.sessions import SessionWatch

    sessions = SessionService(MemorySessionStore(), clock)
    with pytest.raises(ValueError, match="interval"):
        SessionWatch(sessions, "sid", user_id="ada", until=clock.now(), interval=timedelta(0))
