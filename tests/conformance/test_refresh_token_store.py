"""The RefreshTokenStore contract, directly and through RefreshTokenService, on every backend."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import anyio
import pytest
from redis.asyncio import Redis

from pa_core.clock import FrozenClock
from pa_core.errors import InvalidToken, ServiceUnavailable, TokenExpired, TokenReused
from pa_core.refresh_tokens import (
    MemoryRefreshTokenStore,
    RefreshTokenService,
    RefreshTokenStore,
    RotateResult,
    RotateStatus,
    hash_token,
    new_refresh_token,
)
from pa_core.refresh_tokens.memory import SWEEP_INTERVAL
from pa_core.refresh_tokens.redis import RedisRefreshTokenStore

pytestmark = pytest.mark.anyio

TTL = timedelta(days=30)


@pytest.fixture(
    params=[
        pytest.param("memory", marks=pytest.mark.memory),
        pytest.param("redis", marks=pytest.mark.redis),
    ]
)
async def store(request: pytest.FixtureRequest) -> AsyncIterator[RefreshTokenStore]:
    if request.param == "memory":
        yield MemoryRefreshTokenStore()
        return
    store = RedisRefreshTokenStore.from_url(
        request.getfixturevalue("redis_url"), namespace="test:refresh"
    )
    yield store
    await store.close()


@pytest.fixture
def refresh(store: RefreshTokenStore, clock: FrozenClock) -> RefreshTokenService:
    return RefreshTokenService(store, clock, ttl=TTL)


async def start(
    store: RefreshTokenStore,
    clock: FrozenClock,
    family: str = "fam-1",
    session: str = "sess-1",
    user: str = "alice",
) -> str:
    """Create a family with one token; return the token's hash."""
    token_hash = hash_token(new_refresh_token())
    await store.create(family, session, user, token_hash, clock.now() + TTL, clock.now())
    return token_hash


# --- the store ---------------------------------------------------------------------


async def test_a_live_token_rotates_within_its_family(
    store: RefreshTokenStore, clock: FrozenClock
) -> None:
    first = await start(store, clock)
    result = await store.rotate(first, hash_token("next"), clock.now())
    assert result == RotateResult(RotateStatus.OK, "fam-1", "sess-1", "alice", clock.now() + TTL)


async def test_a_chain_of_rotations_keeps_working(
    store: RefreshTokenStore, clock: FrozenClock
) -> None:
    current = await start(store, clock)
    for step in range(5):
        clock.advance(timedelta(hours=1))
        successor = hash_token(f"step-{step}")
        assert (await store.rotate(current, successor, clock.now())).status is RotateStatus.OK
        current = successor


async def test_an_unknown_token_is_unknown(store: RefreshTokenStore, clock: FrozenClock) -> None:
    result = await store.rotate(hash_token("never issued"), hash_token("x"), clock.now())
    assert result == RotateResult(RotateStatus.UNKNOWN)


async def test_a_spent_token_presented_again_is_reuse(
    store: RefreshTokenStore, clock: FrozenClock
) -> None:
    first = await start(store, clock)
    await store.rotate(first, hash_token("second"), clock.now())
    result = await store.rotate(first, hash_token("third"), clock.now())
    assert result == RotateResult(
        RotateStatus.REUSED, "fam-1", "sess-1", "alice", clock.now() + TTL
    )


async def test_reuse_kills_the_familys_newest_token(
    store: RefreshTokenStore, clock: FrozenClock
) -> None:
    first = await start(store, clock)
    await store.rotate(first, hash_token("second"), clock.now())
    await store.rotate(first, hash_token("attacker"), clock.now())
    result = await store.rotate(hash_token("second"), hash_token("third"), clock.now())
    assert result.status is RotateStatus.REVOKED
    assert result.session_id == "sess-1"


async def test_reuse_does_not_record_the_successor(
    store: RefreshTokenStore, clock: FrozenClock
) -> None:
    first = await start(store, clock)
    await store.rotate(first, hash_token("second"), clock.now())
    await store.rotate(first, hash_token("attacker"), clock.now())
    result = await store.rotate(hash_token("attacker"), hash_token("more"), clock.now())
    assert result.status is RotateStatus.UNKNOWN


async def test_reuse_leaves_other_families_alone(
    store: RefreshTokenStore, clock: FrozenClock
) -> None:
    mine = await start(store, clock)
    other = await start(store, clock, family="fam-2", session="sess-2")
    await store.rotate(mine, hash_token("second"), clock.now())
    await store.rotate(mine, hash_token("again"), clock.now())
    assert (await store.rotate(other, hash_token("x"), clock.now())).status is RotateStatus.OK


async def test_twenty_concurrent_rotations_have_one_winner(
    store: RefreshTokenStore, clock: FrozenClock
) -> None:
    first = await start(store, clock)
    results: dict[str, RotateResult] = {}

    async def attempt(i: int) -> None:
        successor = hash_token(f"racer-{i}")
        results[successor] = await store.rotate(first, successor, clock.now())

    async with anyio.create_task_group() as tg:
        for i in range(20):
            tg.start_soon(attempt, i)
    winners = [h for h, r in results.items() if r.status is RotateStatus.OK]
    assert len(winners) == 1
    assert any(r.status is RotateStatus.REUSED for r in results.values())
    after = await store.rotate(winners[0], hash_token("after"), clock.now())
    assert after.status is RotateStatus.REVOKED


async def test_a_token_expires_at_the_familys_absolute_expiry(
    store: RefreshTokenStore, clock: FrozenClock
) -> None:
    first = await start(store, clock)
    expiry = clock.now() + TTL
    clock.set(expiry - timedelta(microseconds=1))
    assert (await store.rotate(first, hash_token("second"), clock.now())).status is RotateStatus.OK
    clock.set(expiry)
    result = await store.rotate(hash_token("second"), hash_token("third"), clock.now())
    assert result.status is RotateStatus.EXPIRED
    assert result.expires_at == expiry


async def test_rotation_does_not_extend_the_expiry(
    store: RefreshTokenStore, clock: FrozenClock
) -> None:
    first = await start(store, clock)
    expiry = clock.now() + TTL
    clock.advance(timedelta(days=29))
    result = await store.rotate(first, hash_token("second"), clock.now())
    assert result.expires_at == expiry


async def test_revoking_a_family_kills_its_token(
    store: RefreshTokenStore, clock: FrozenClock
) -> None:
    first = await start(store, clock)
    await store.revoke_family("fam-1")
    result = await store.rotate(first, hash_token("second"), clock.now())
    assert result.status is RotateStatus.REVOKED


async def test_revoking_a_session_kills_its_families_only(
    store: RefreshTokenStore, clock: FrozenClock
) -> None:
    a = await start(store, clock, family="fam-a", session="sess-1")
    b = await start(store, clock, family="fam-b", session="sess-1")
    c = await start(store, clock, family="fam-c", session="sess-2")
    await store.revoke_session("sess-1")
    assert (await store.rotate(a, hash_token("a2"), clock.now())).status is RotateStatus.REVOKED
    assert (await store.rotate(b, hash_token("b2"), clock.now())).status is RotateStatus.REVOKED
    assert (await store.rotate(c, hash_token("c2"), clock.now())).status is RotateStatus.OK


async def test_revoking_a_user_kills_every_family_of_theirs_only(
    store: RefreshTokenStore, clock: FrozenClock
) -> None:
    a = await start(store, clock, family="fam-a", session="sess-1")
    b = await start(store, clock, family="fam-b", session="sess-2")
    bob = await start(store, clock, family="fam-c", session="sess-3", user="bob")
    await store.rotate(a, hash_token("a2"), clock.now())
    await store.revoke_user("alice")
    assert (await store.rotate(hash_token("a2"), "x", clock.now())).status is RotateStatus.REVOKED
    assert (await store.rotate(b, hash_token("b2"), clock.now())).status is RotateStatus.REVOKED
    assert (await store.rotate(bob, hash_token("c2"), clock.now())).status is RotateStatus.OK


async def test_revoking_what_does_not_exist_is_harmless(store: RefreshTokenStore) -> None:
    await store.revoke_family("nope")
    await store.revoke_session("nope")
    await store.revoke_user("nope")


async def test_an_existing_family_is_refused(store: RefreshTokenStore, clock: FrozenClock) -> None:
    await start(store, clock)
    with pytest.raises(ValueError, match="family"):
        await start(store, clock)


async def test_an_existing_token_hash_is_refused(
    store: RefreshTokenStore, clock: FrozenClock
) -> None:
    first = await start(store, clock)
    with pytest.raises(ValueError, match="token hash"):
        await store.create("fam-2", "s", "u", first, clock.now() + TTL, clock.now())


async def test_an_expiry_in_the_past_is_refused(
    store: RefreshTokenStore, clock: FrozenClock
) -> None:
    with pytest.raises(ValueError, match="expires_at"):
        await store.create("fam", "s", "u", hash_token("t"), clock.now(), clock.now())


async def test_a_successor_hash_in_use_is_refused_and_nothing_is_spent(
    store: RefreshTokenStore, clock: FrozenClock
) -> None:
    first = await start(store, clock)
    other = await start(store, clock, family="fam-2")
    with pytest.raises(ValueError, match="token hash"):
        await store.rotate(first, other, clock.now())
    assert (await store.rotate(first, hash_token("fresh"), clock.now())).status is RotateStatus.OK


async def test_a_family_created_after_a_session_revocation_is_alive(
    store: RefreshTokenStore, clock: FrozenClock
) -> None:
    await start(store, clock, family="fam-a", session="sess-1")
    await store.revoke_session("sess-1")
    fresh = await start(store, clock, family="fam-b", session="sess-1")
    assert (await store.rotate(fresh, hash_token("b2"), clock.now())).status is RotateStatus.OK


# --- the service -------------------------------------------------------------------


async def test_issue_hands_out_an_opaque_256_bit_token(
    refresh: RefreshTokenService, clock: FrozenClock
) -> None:
    issued = await refresh.issue("alice", "sess-1")
    assert len(issued.token) == 43
    assert (issued.user_id, issued.session_id) == ("alice", "sess-1")
    assert issued.expires_at == clock.now() + TTL
    assert issued.token not in repr(issued)


async def test_only_the_hash_is_stored(refresh: RefreshTokenService, clock: FrozenClock) -> None:
    issued = await refresh.issue("alice", "sess-1", family_id="fam-1")
    result = await refresh.store.rotate(hash_token(issued.token), hash_token("n"), clock.now())
    assert result.status is RotateStatus.OK
    assert hash_token(issued.token) != issued.token


async def test_rotate_returns_a_new_token_of_the_same_family(
    refresh: RefreshTokenService, clock: FrozenClock
) -> None:
    issued = await refresh.issue("alice", "sess-1")
    clock.advance(timedelta(days=1))
    rotated = await refresh.rotate(issued.token)
    assert rotated.token != issued.token
    assert (rotated.family_id, rotated.session_id, rotated.user_id) == (
        issued.family_id,
        "sess-1",
        "alice",
    )
    assert rotated.expires_at == issued.expires_at
    assert (await refresh.rotate(rotated.token)).family_id == issued.family_id


async def test_a_reused_token_raises_and_kills_the_session(
    store: RefreshTokenStore, clock: FrozenClock
) -> None:
    ended: list[RotateResult] = []

    async def end_session(result: RotateResult) -> None:
        ended.append(result)

    refresh = RefreshTokenService(store, clock, ttl=TTL, on_reuse=end_session)
    issued = await refresh.issue("alice", "sess-1")
    sibling = await refresh.issue("alice", "sess-1")
    rotated = await refresh.rotate(issued.token)
    with pytest.raises(TokenReused):
        await refresh.rotate(issued.token)
    assert [(r.family_id, r.session_id, r.user_id) for r in ended] == [
        (issued.family_id, "sess-1", "alice")
    ]
    for dead in (rotated.token, sibling.token):
        with pytest.raises(InvalidToken):
            await refresh.rotate(dead)


async def test_reuse_without_a_handler_still_raises(refresh: RefreshTokenService) -> None:
    issued = await refresh.issue("alice", "sess-1")
    await refresh.rotate(issued.token)
    with pytest.raises(TokenReused):
        await refresh.rotate(issued.token)


async def test_concurrent_refreshes_with_one_token_have_one_winner(
    refresh: RefreshTokenService,
) -> None:
    issued = await refresh.issue("alice", "sess-1")
    outcomes: list[str] = []

    async def attempt() -> None:
        try:
            await refresh.rotate(issued.token)
            outcomes.append("ok")
        except TokenReused:
            outcomes.append("reused")
        except InvalidToken:
            outcomes.append("invalid")

    async with anyio.create_task_group() as tg:
        for _ in range(20):
            tg.start_soon(attempt)
    assert outcomes.count("ok") == 1
    assert len(outcomes) == 20


async def test_an_expired_login_raises_token_expired(
    refresh: RefreshTokenService, clock: FrozenClock
) -> None:
    issued = await refresh.issue("alice", "sess-1")
    clock.advance(TTL)
    with pytest.raises(TokenExpired):
        await refresh.rotate(issued.token)


@pytest.mark.parametrize("token", ["", "x" * 129, "not-a-token"])
async def test_a_bad_token_is_invalid(refresh: RefreshTokenService, token: str) -> None:
    with pytest.raises(InvalidToken) as caught:
        await refresh.rotate(token)
    assert type(caught.value) is InvalidToken


@pytest.mark.parametrize("scope", ["family", "session", "user"])
async def test_revocation_through_the_service(refresh: RefreshTokenService, scope: str) -> None:
    issued = await refresh.issue("alice", "sess-1")
    if scope == "family":
        await refresh.revoke_family(issued.family_id)
    elif scope == "session":
        await refresh.revoke_session("sess-1")
    else:
        await refresh.revoke_user("alice")
    with pytest.raises(InvalidToken):
        await refresh.rotate(issued.token)


async def test_issue_needs_a_user_and_a_session(refresh: RefreshTokenService) -> None:
    with pytest.raises(ValueError, match="session_id"):
        await refresh.issue("alice", "")


def test_a_non_positive_ttl_is_refused(clock: FrozenClock) -> None:
    with pytest.raises(ValueError, match="ttl"):
        RefreshTokenService(MemoryRefreshTokenStore(), clock, ttl=timedelta(0))


# --- backend specifics -------------------------------------------------------------


async def test_memory_forgets_expired_families_on_a_later_login(clock: FrozenClock) -> None:
    store = MemoryRefreshTokenStore()
    old = await start(store, clock, family="old")
    clock.advance(TTL + SWEEP_INTERVAL)
    await start(store, clock, family="new", session="sess-2")
    assert (await store.rotate(old, hash_token("x"), clock.now())).status is RotateStatus.UNKNOWN
    await store.revoke_session("sess-1")
    await store.close()


@pytest.mark.redis
async def test_redis_keys_expire_with_the_family(redis_client: Redis, clock: FrozenClock) -> None:
    store = RedisRefreshTokenStore(redis_client, namespace="test:refresh")
    first = await start(store, clock)
    await store.rotate(first, hash_token("second"), clock.now())
    for key in (
        f"test:refresh:t:{first}",
        f"test:refresh:t:{hash_token('second')}",
        "test:refresh:f:fam-1",
        "test:refresh:s:sess-1",
        "test:refresh:u:alice",
    ):
        left = await redis_client.pttl(key)
        assert timedelta(days=29) < timedelta(milliseconds=left) <= TTL, key


@pytest.mark.redis
async def test_redis_prunes_expired_families_from_the_indexes(
    redis_client: Redis, clock: FrozenClock
) -> None:
    store = RedisRefreshTokenStore(redis_client, namespace="test:refresh")
    await start(store, clock, family="old")
    clock.advance(TTL)
    await start(store, clock, family="new")
    members = await redis_client.zrange("test:refresh:u:alice", 0, -1)
    assert members == [b"new"]


async def test_an_unreachable_redis_is_service_unavailable(clock: FrozenClock) -> None:
    store = RedisRefreshTokenStore.from_url("redis://127.0.0.1:1/0", timeout=0.2)
    try:
        with pytest.raises(ServiceUnavailable) as caught:
            await store.rotate("a", "b", clock.now())
        assert caught.value.dependency == "refresh_token_store"
        with pytest.raises(ServiceUnavailable):
            await store.ping()
    finally:
        await store.close()
