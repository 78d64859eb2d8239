"""The SessionStore contract, run through SessionService against every backend (memory, Redis)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from pa_core.clock import FrozenClock
from pa_core.errors import InvalidToken, NotFound
from pa_core.sessions import MemorySessionStore, Session, SessionService, SessionStore
from pa_core.sessions.base import MAX_USER_AGENT_LENGTH
from pa_core.sessions.cache import CachedSessionStore, LocalRevocationChannel
from pa_core.sessions.memory import SWEEP_INTERVAL
from pa_core.sessions.redis import RedisSessionStore
from pa_core.sessions.redis_revocations import RedisRevocationChannel
from tests.conformance.session_cache_helpers import wait_until_fresh

pytestmark = pytest.mark.anyio

TTL = timedelta(hours=24)
LIMIT = 3


@pytest.fixture(
    params=[
        pytest.param("memory", marks=pytest.mark.memory),
        pytest.param("redis", marks=pytest.mark.redis),
        pytest.param("cached-memory", marks=pytest.mark.memory),
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
        request.getfixturevalue("redis_url"), namespace="test:sessions"
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
    return SessionService(store, clock, ttl=TTL, max_per_user=LIMIT)


# --- start and check ---------------------------------------------------------


async def test_a_started_session_is_alive(sessions: SessionService) -> None:
    started = await sessions.start("alice")
    assert await sessions.check(started.id) == started


async def test_a_session_keeps_what_was_known_at_login(
    sessions: SessionService, store: SessionStore, clock: FrozenClock
) -> None:
    started = await sessions.start(
        "alice", ip="203.0.113.7", user_agent="Firefox/140", mfa_method="totp"
    )
    assert started.created_at == started.last_seen_at == clock.now()
    assert started.expires_at == clock.now() + TTL
    assert await store.get(started.id, clock.now()) == started


async def test_a_password_only_session_has_no_optional_fields(
    sessions: SessionService, store: SessionStore, clock: FrozenClock
) -> None:
    started = await sessions.start("alice", ip="", user_agent="")
    stored = await store.get(started.id, clock.now())
    assert stored is not None
    assert (stored.ip, stored.user_agent, stored.mfa_method) == (None, None, None)


@pytest.mark.parametrize(
    "address", ["<img src=x onerror=alert(1)>", "unknown", "example.com", "203.0.113.7:443"]
)
async def test_a_session_never_holds_an_address_that_is_not_an_ip(
    sessions: SessionService, store: SessionStore, clock: FrozenClock, address: str
) -> None:
    started = await sessions.start("alice", ip=address)
    assert started.ip is None
    assert [s.ip for s in await store.list_for_user("alice", clock.now())] == [None]


async def test_a_session_keeps_an_ipv6_address_in_canonical_form(
    sessions: SessionService, store: SessionStore, clock: FrozenClock
) -> None:
    started = await sessions.start("alice", ip="2001:DB8:0:0::1")
    stored = await store.get(started.id, clock.now())
    assert stored is not None
    assert stored.ip == "2001:db8::1"


async def test_times_survive_the_store_to_the_microsecond(
    sessions: SessionService, store: SessionStore, clock: FrozenClock
) -> None:
    clock.advance(timedelta(microseconds=123_457))
    started = await sessions.start("alice")
    assert await store.get(started.id, clock.now()) == started


async def test_a_long_user_agent_is_cut(sessions: SessionService) -> None:
    started = await sessions.start("alice", user_agent="x" * 5000)
    assert started.user_agent == "x" * MAX_USER_AGENT_LENGTH


async def test_session_ids_are_unguessable_and_distinct(sessions: SessionService) -> None:
    ids = {(await sessions.start(f"user{i}")).id for i in range(20)}
    assert len(ids) == 20
    assert all(len(sid) >= 32 for sid in ids)


async def test_an_unknown_session_is_an_invalid_token(sessions: SessionService) -> None:
    with pytest.raises(InvalidToken):
        await sessions.check("no-such-session")


async def test_a_malformed_session_id_is_an_invalid_token(sessions: SessionService) -> None:
    with pytest.raises(InvalidToken):
        await sessions.check("bad id:with*stuff")


async def test_a_session_of_another_user_than_the_token_is_refused(
    sessions: SessionService,
) -> None:
    started = await sessions.start("alice")
    with pytest.raises(InvalidToken):
        await sessions.check(started.id, user_id="mallory")
    assert (await sessions.check(started.id, user_id="alice")).id == started.id


# --- absolute expiry ---------------------------------------------------------


async def test_a_session_dies_at_its_absolute_expiry(
    sessions: SessionService, clock: FrozenClock
) -> None:
    started = await sessions.start("alice")
    clock.advance(TTL - timedelta(microseconds=1))
    await sessions.check(started.id)
    clock.advance(timedelta(microseconds=1))
    with pytest.raises(InvalidToken):
        await sessions.check(started.id)


async def test_activity_does_not_extend_a_session(
    sessions: SessionService, clock: FrozenClock
) -> None:
    started = await sessions.start("alice")
    for _ in range(23):
        clock.advance(timedelta(hours=1))
        assert (await sessions.check(started.id)).expires_at == started.expires_at
    clock.advance(timedelta(hours=1))
    with pytest.raises(InvalidToken):
        await sessions.check(started.id)


async def test_get_does_not_return_an_expired_session(
    sessions: SessionService, store: SessionStore, clock: FrozenClock
) -> None:
    started = await sessions.start("alice")
    clock.advance(TTL)
    assert await store.get(started.id, clock.now()) is None


# --- last seen ---------------------------------------------------------------


async def test_last_seen_is_written_at_most_once_a_minute(
    sessions: SessionService, store: SessionStore, clock: FrozenClock
) -> None:
    started = await sessions.start("alice")
    clock.advance(30)
    assert (await sessions.check(started.id)).last_seen_at == started.created_at
    clock.advance(30)
    seen = clock.now()
    assert (await sessions.check(started.id)).last_seen_at == seen
    clock.advance(59)
    assert (await sessions.check(started.id)).last_seen_at == seen
    stored = await store.get(started.id, clock.now())
    assert stored is not None
    assert stored.last_seen_at == seen


# --- the per-user limit ------------------------------------------------------


async def test_the_oldest_session_is_evicted_beyond_the_limit(
    sessions: SessionService, clock: FrozenClock
) -> None:
    started = []
    for _ in range(LIMIT + 1):
        started.append(await sessions.start("alice"))
        clock.advance(1)
    with pytest.raises(InvalidToken):
        await sessions.check(started[0].id)
    for session in started[1:]:
        await sessions.check(session.id)


async def test_create_reports_the_evicted_sessions_oldest_first(
    store: SessionStore, clock: FrozenClock
) -> None:
    made = [_session(f"s{i}", clock, offset=i) for i in range(4)]
    for session in made:
        assert await store.create(session, 4, clock.now()) == []
    newest = _session("s9", clock, offset=10)
    assert await store.create(newest, 2, clock.now()) == ["s0", "s1", "s2"]
    assert [s.id for s in await store.list_for_user("alice", clock.now())] == ["s9", "s3"]


async def test_a_new_session_survives_even_when_created_at_the_same_instant(
    sessions: SessionService,
) -> None:
    started = [await sessions.start("alice") for _ in range(LIMIT + 3)]
    listed = await sessions.list("alice")
    assert [s.id for s in listed] == [s.id for s in reversed(started[-LIMIT:])]
    await sessions.check(started[-1].id)


async def test_the_limit_is_per_user(sessions: SessionService) -> None:
    for _ in range(LIMIT):
        await sessions.start("alice")
    bob = await sessions.start("bob")
    assert len(await sessions.list("alice")) == LIMIT
    await sessions.check(bob.id)


async def test_expired_sessions_do_not_count_towards_the_limit(
    sessions: SessionService, clock: FrozenClock
) -> None:
    for _ in range(LIMIT):
        await sessions.start("alice")
    clock.advance(TTL)
    fresh = [await sessions.start("alice") for _ in range(LIMIT)]
    assert [s.id for s in await sessions.list("alice")] == [s.id for s in reversed(fresh)]


# --- listing -----------------------------------------------------------------


async def test_sessions_are_listed_newest_first(
    sessions: SessionService, clock: FrozenClock
) -> None:
    first = await sessions.start("alice", user_agent="phone")
    clock.advance(60)
    second = await sessions.start("alice", user_agent="laptop")
    assert await sessions.list("alice") == [second, first]


async def test_the_list_leaves_out_expired_sessions(
    sessions: SessionService, clock: FrozenClock
) -> None:
    await sessions.start("alice")
    clock.advance(TTL / 2)
    later = await sessions.start("alice")
    clock.advance(TTL / 2)
    assert await sessions.list("alice") == [later]


async def test_a_user_without_sessions_has_an_empty_list(sessions: SessionService) -> None:
    assert await sessions.list("nobody") == []


# --- revocation --------------------------------------------------------------


async def test_a_revoked_session_is_dead(sessions: SessionService) -> None:
    started = await sessions.start("alice")
    await sessions.revoke("alice", started.id)
    with pytest.raises(InvalidToken):
        await sessions.check(started.id)
    assert await sessions.list("alice") == []


async def test_revoking_someone_elses_session_is_not_found_and_leaves_it_alive(
    sessions: SessionService,
) -> None:
    bobs = await sessions.start("bob")
    with pytest.raises(NotFound):
        await sessions.revoke("alice", bobs.id)
    await sessions.check(bobs.id)


@pytest.mark.parametrize("session_id", ["no-such-session", "bad id:*", ""])
async def test_revoking_an_unknown_session_is_not_found(
    sessions: SessionService, session_id: str
) -> None:
    with pytest.raises(NotFound):
        await sessions.revoke("alice", session_id)


async def test_revoking_a_session_twice_is_not_found(sessions: SessionService) -> None:
    started = await sessions.start("alice")
    await sessions.revoke("alice", started.id)
    with pytest.raises(NotFound):
        await sessions.revoke("alice", started.id)


async def test_revoking_an_expired_session_is_not_found(
    sessions: SessionService, clock: FrozenClock
) -> None:
    started = await sessions.start("alice")
    clock.advance(TTL)
    with pytest.raises(NotFound):
        await sessions.revoke("alice", started.id)


async def test_the_store_revokes_without_an_owner_check(
    sessions: SessionService, store: SessionStore, clock: FrozenClock
) -> None:
    started = await sessions.start("alice")
    assert await store.revoke(started.id, clock.now())
    assert await store.get(started.id, clock.now()) is None


async def test_revoke_all_ends_every_session_of_the_user_and_no_other(
    sessions: SessionService,
) -> None:
    alices = {(await sessions.start("alice")).id for _ in range(LIMIT)}
    bob = await sessions.start("bob")
    assert set(await sessions.revoke_all("alice")) == alices
    assert await sessions.list("alice") == []
    for sid in alices:
        with pytest.raises(InvalidToken):
            await sessions.check(sid)
    await sessions.check(bob.id)


async def test_revoke_others_keeps_only_the_current_session(
    sessions: SessionService,
) -> None:
    current = await sessions.start("alice")
    others = {(await sessions.start("alice")).id for _ in range(LIMIT - 1)}
    assert set(await sessions.revoke_others("alice", current.id)) == others
    assert [s.id for s in await sessions.list("alice")] == [current.id]


async def test_revoke_all_leaves_out_expired_sessions(
    sessions: SessionService, clock: FrozenClock
) -> None:
    await sessions.start("alice")
    clock.advance(TTL)
    assert await sessions.revoke_all("alice") == []


async def test_the_store_answers_a_ping(store: SessionStore) -> None:
    await store.ping()


# --- service configuration and the embedded store ---------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ttl": timedelta(0)}, "ttl"),
        ({"max_per_user": 0}, "max_per_user"),
        ({"touch_interval": timedelta(seconds=-1)}, "touch_interval"),
    ],
)
def test_the_service_refuses_nonsense_settings(
    clock: FrozenClock, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        SessionService(MemorySessionStore(), clock, **kwargs)  # type: ignore[arg-type]


async def test_the_memory_store_sweeps_expired_sessions_of_every_user(
    clock: FrozenClock,
) -> None:
    store = MemorySessionStore()
    service = SessionService(store, clock, ttl=timedelta(minutes=1))
    for user in ("a", "b", "c"):
        await service.start(user)
    clock.advance(SWEEP_INTERVAL)
    await service.start("d")
    assert len(store._sessions) == 1


def _session(session_id: str, clock: FrozenClock, offset: float) -> Session:
    at = clock.now() + timedelta(seconds=offset)
    return Session(session_id, "alice", at, at, at + TTL)
