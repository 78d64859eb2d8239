"""RateLimiter and FailureBackoff, run against every key-value backend (memory, Redis)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import anyio
import pytest

from pa_core.clock import FrozenClock
from pa_core.errors import RateLimited
from pa_core.kv import KeyValueStore, MemoryKeyValueStore
from pa_core.kv.redis import RedisKeyValueStore
from pa_core.ratelimit import FailureBackoff, Lockout, RateLimit, RateLimiter

pytestmark = pytest.mark.anyio

Elapse = Callable[[timedelta], Awaitable[None]]

SHORT = timedelta(milliseconds=150)
"""Windows and locks that tests wait out (real time on Redis, the frozen clock in memory)."""


@pytest.fixture(
    params=[
        pytest.param("memory", marks=pytest.mark.memory),
        pytest.param("redis", marks=pytest.mark.redis),
    ]
)
async def backend(
    request: pytest.FixtureRequest, clock: FrozenClock
) -> AsyncIterator[tuple[KeyValueStore, Elapse]]:
    if request.param == "memory":

        async def advance(delta: timedelta) -> None:
            clock.advance(delta)

        yield MemoryKeyValueStore(clock), advance
        return

    async def sleep(delta: timedelta) -> None:
        await anyio.sleep(delta.total_seconds() + 0.05)

    # A roomy timeout: a hundred concurrent connections on a loaded 2-core machine can
    # take longer than the production default to open, and these tests count attempts.
    store = RedisKeyValueStore.from_url(
        request.getfixturevalue("redis_url"), namespace="test", timeout=5.0
    )
    yield store, sleep
    await store.close()


@pytest.fixture
def store(backend: tuple[KeyValueStore, Elapse]) -> KeyValueStore:
    return backend[0]


@pytest.fixture
def elapse(backend: tuple[KeyValueStore, Elapse]) -> Elapse:
    return backend[1]


@pytest.fixture
def limiter(store: KeyValueStore) -> RateLimiter:
    return RateLimiter(store)


def backoff(store: KeyValueStore, **kwargs: object) -> FailureBackoff:
    settings: dict[str, object] = {
        "max_failures": 3,
        "window": timedelta(minutes=15),
        "base_delay": SHORT,
        "max_delay": SHORT * 4,
    }
    settings.update(kwargs)
    if "base_delay" in kwargs and "max_delay" not in kwargs:
        settings["max_delay"] = kwargs["base_delay"] * 4  # type: ignore[operator]
    return FailureBackoff(store, **settings)  # type: ignore[arg-type]


# --- RateLimit ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "limit", "window"),
    [
        ("5/15m", 5, timedelta(minutes=15)),
        ("20/m", 20, timedelta(minutes=1)),
        ("3/1h", 3, timedelta(hours=1)),
        ("100/1d", 100, timedelta(days=1)),
        (" 10 / 30s ", 10, timedelta(seconds=30)),
    ],
)
def test_a_rate_limit_is_read_from_its_setting(text: str, limit: int, window: timedelta) -> None:
    assert RateLimit.parse(text) == RateLimit(limit, window)


@pytest.mark.parametrize("text", ["5", "5/", "five/m", "5/15x", "-1/m", "5/1.5m", ""])
def test_a_malformed_rate_limit_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="rate limit like"):
        RateLimit.parse(text)


@pytest.mark.parametrize("text", ["0/m", "5/0m"])
def test_a_rate_limit_that_allows_nothing_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="at least"):
        RateLimit.parse(text)


@pytest.mark.parametrize(
    ("limit", "text"),
    [
        (RateLimit(5, timedelta(minutes=15)), "5/15m"),
        (RateLimit(3, timedelta(hours=2)), "3/2h"),
        (RateLimit(1, timedelta(days=1)), "1/1d"),
        (RateLimit(9, timedelta(seconds=90)), "9/90s"),
        (RateLimit(2, timedelta(milliseconds=1500)), "2/1.5s"),
    ],
)
def test_a_rate_limit_prints_as_its_setting(limit: RateLimit, text: str) -> None:
    assert str(limit) == text


# --- RateLimiter -------------------------------------------------------------


async def test_hits_up_to_the_limit_pass_and_say_what_is_left(limiter: RateLimiter) -> None:
    limit = RateLimit(3, timedelta(minutes=1))
    assert [await limiter.hit("login:ip", "203.0.113.7", limit) for _ in range(3)] == [2, 1, 0]


async def test_a_hit_beyond_the_limit_is_refused_until_the_window_ends(
    limiter: RateLimiter,
) -> None:
    limit = RateLimit(2, timedelta(minutes=15))
    await limiter.hit("forgot", "a@example.com", limit)
    await limiter.hit("forgot", "a@example.com", limit)
    with pytest.raises(RateLimited) as caught:
        await limiter.hit("forgot", "a@example.com", limit)
    assert caught.value.retry_after == 15 * 60


async def test_the_counter_starts_again_after_the_window(
    limiter: RateLimiter, elapse: Elapse
) -> None:
    limit = RateLimit(1, SHORT)
    await limiter.hit("register", "ip", limit)
    with pytest.raises(RateLimited):
        await limiter.hit("register", "ip", limit)
    await elapse(SHORT)
    assert await limiter.hit("register", "ip", limit) == 0


async def test_the_window_does_not_slide_with_refused_hits(
    limiter: RateLimiter, elapse: Elapse
) -> None:
    limit = RateLimit(1, SHORT * 3)
    await limiter.hit("n", "k", limit)
    await elapse(SHORT)
    with pytest.raises(RateLimited):
        await limiter.hit("n", "k", limit)
    await elapse(SHORT * 2)
    await limiter.hit("n", "k", limit)


async def test_keys_and_names_are_counted_apart(limiter: RateLimiter) -> None:
    limit = RateLimit(1, timedelta(minutes=1))
    await limiter.hit("forgot", "a@example.com", limit)
    await limiter.hit("forgot", "b@example.com", limit)
    await limiter.hit("resend", "a@example.com", limit)
    assert await limiter.peek("forgot", "a@example.com") == 1


async def test_check_refuses_once_the_limit_is_used_up_without_counting(
    limiter: RateLimiter,
) -> None:
    limit = RateLimit(2, timedelta(minutes=1))
    await limiter.check("n", "k", limit)
    await limiter.hit("n", "k", limit)
    await limiter.check("n", "k", limit)
    await limiter.hit("n", "k", limit)
    with pytest.raises(RateLimited) as caught:
        await limiter.check("n", "k", limit)
    assert caught.value.retry_after == 60
    assert await limiter.peek("n", "k") == 2


async def test_reset_forgets_the_attempts(limiter: RateLimiter) -> None:
    limit = RateLimit(1, timedelta(minutes=1))
    await limiter.hit("n", "k", limit)
    await limiter.reset("n", "k")
    assert await limiter.peek("n", "k") == 0
    await limiter.hit("n", "k", limit)


async def test_concurrent_hits_never_pass_more_than_the_limit(limiter: RateLimiter) -> None:
    limit = RateLimit(5, timedelta(minutes=1))
    passed: list[int] = []

    async def attempt() -> None:
        with contextlib.suppress(RateLimited):
            passed.append(await limiter.hit("n", "k", limit))

    async with anyio.create_task_group() as tg:
        for _ in range(30):
            tg.start_soon(attempt)
    assert sorted(passed) == [0, 1, 2, 3, 4]


async def test_keys_are_stored_as_digests_not_as_given(store: KeyValueStore) -> None:
    limiter = RateLimiter(store, namespace="rl")
    secret_limiter = RateLimiter(store, namespace="rl2", key_secret=b"k" * 32)
    limit = RateLimit(1, timedelta(minutes=1))
    await limiter.hit("forgot", "a@example.com", limit)
    await secret_limiter.hit("forgot", "a@example.com", limit)
    plain = limiter._key("forgot", "a@example.com")
    keyed = secret_limiter._key("forgot", "a@example.com")
    assert "example" not in plain
    assert plain != keyed
    assert await store.with_namespace("rl").get(plain) == b"1"


def test_a_limit_needs_a_name() -> None:
    with pytest.raises(ValueError, match="name"):
        RateLimiter(MemoryKeyValueStore())._key("", "k")


@pytest.mark.parametrize("secret", [b"short", b"x" * 65])
def test_a_key_secret_of_the_wrong_size_is_refused(secret: bytes) -> None:
    with pytest.raises(ValueError, match="key_secret"):
        RateLimiter(MemoryKeyValueStore(), key_secret=secret)


# --- FailureBackoff ----------------------------------------------------------


async def fail(
    guard: FailureBackoff, key: str = "alice", source: str | None = "ip-a"
) -> Lockout | None:
    """One reserved attempt that turns out wrong; the lock it imposed."""
    attempt = await guard.reserve(key, source)
    return await attempt.failed()


async def succeed(guard: FailureBackoff, key: str = "alice", source: str | None = "ip-a") -> None:
    attempt = await guard.reserve(key, source)
    await attempt.succeeded()


async def test_failures_below_the_limit_do_not_lock(store: KeyValueStore) -> None:
    guard = backoff(store)
    assert await fail(guard) is None
    assert await fail(guard) is None
    await succeed(guard)


async def test_reaching_the_limit_locks_the_source_out_of_the_account(
    store: KeyValueStore,
) -> None:
    guard = backoff(store, base_delay=timedelta(minutes=1), max_delay=timedelta(hours=1))
    for _ in range(2):
        await fail(guard)
    assert await fail(guard) == Lockout("source", timedelta(minutes=1))
    with pytest.raises(RateLimited) as caught:
        await guard.reserve("alice", "ip-a")
    assert caught.value.retry_after == 60


async def test_a_lock_ends_after_its_delay(store: KeyValueStore, elapse: Elapse) -> None:
    guard = backoff(store)
    for _ in range(3):
        await fail(guard)
    with pytest.raises(RateLimited):  # locked until the delay has passed...
        await guard.reserve("alice", "ip-a")
    await elapse(SHORT)
    await succeed(guard)  # ...and free again after it


async def test_each_failure_beyond_the_limit_doubles_the_lock_up_to_the_maximum(
    store: KeyValueStore, elapse: Elapse
) -> None:
    guard = backoff(store)
    for _ in range(2):
        await fail(guard)
    delays = []
    for _ in range(4):
        lock = await fail(guard)
        assert lock is not None
        delays.append(lock.delay)
        await elapse(lock.delay)
    assert delays == [SHORT, SHORT * 2, SHORT * 4, SHORT * 4]


async def test_the_back_off_level_outlives_the_failure_window(
    store: KeyValueStore, elapse: Elapse
) -> None:
    guard = backoff(store, window=SHORT, base_delay=SHORT / 10, max_delay=SHORT)
    for _ in range(3):
        await fail(guard)
    await elapse(SHORT)
    for _ in range(2):
        assert await fail(guard) is None
    assert await fail(guard) == Lockout("source", SHORT / 5)


async def test_a_success_clears_failures_and_lock(store: KeyValueStore, elapse: Elapse) -> None:
    guard = backoff(store)
    for _ in range(3):
        await fail(guard)
    with pytest.raises(RateLimited):  # locked until the delay has passed...
        await guard.reserve("alice", "ip-a")
    await elapse(SHORT)
    await succeed(guard)  # ...and free again after it
    assert await guard.failures("alice", "ip-a") == 0
    assert await fail(guard) is None


async def test_accounts_are_throttled_apart(store: KeyValueStore) -> None:
    guard = backoff(store, base_delay=timedelta(minutes=1), max_delay=timedelta(hours=1))
    for _ in range(3):
        await fail(guard, "alice")
    with pytest.raises(RateLimited):
        await guard.reserve("alice", "ip-a")
    await succeed(guard, "bob")


async def test_a_strangers_failures_from_one_source_leave_other_sources_free(
    store: KeyValueStore,
) -> None:
    guard = backoff(store, base_delay=timedelta(minutes=1), max_delay=timedelta(hours=1))
    for _ in range(3):
        await fail(guard, source="198.51.100.66")
    with pytest.raises(RateLimited):
        await guard.reserve("alice", "198.51.100.66")
    await succeed(guard, source="203.0.113.7")


async def test_failures_from_many_sources_lock_the_account_everywhere(
    store: KeyValueStore,
) -> None:
    guard = backoff(
        store,
        max_failures_account=10,
        base_delay=timedelta(minutes=1),
        max_delay=timedelta(hours=1),
    )
    locks = [await fail(guard, source=f"198.51.100.{n}") for n in range(10)]
    assert locks[:9] == [None] * 9
    assert locks[9] == Lockout("account", timedelta(minutes=1))
    with pytest.raises(RateLimited) as caught:
        await guard.reserve("alice", "203.0.113.7")
    assert caught.value.retry_after == 60


async def test_a_success_does_not_forget_the_account_wide_failures(store: KeyValueStore) -> None:
    guard = backoff(store, max_failures_account=4)
    for n in range(3):
        await fail(guard, source=f"198.51.100.{n}")
    await succeed(guard, source="203.0.113.7")
    assert await fail(guard, source="198.51.100.99") is not None


async def test_clearing_the_account_forgets_the_account_wide_lock(store: KeyValueStore) -> None:
    guard = backoff(store, max_failures_account=4, base_delay=timedelta(minutes=1))
    for n in range(4):
        await fail(guard, source=f"198.51.100.{n}")
    await guard.clear("alice", "203.0.113.7", account=True)
    await succeed(guard, source="203.0.113.7")


async def test_a_released_attempt_counts_for_nothing(store: KeyValueStore) -> None:
    guard = backoff(store)
    for _ in range(10):
        attempt = await guard.reserve("alice", "ip-a")
        await attempt.release()
    assert await guard.failures("alice", "ip-a") == 0
    assert await fail(guard) is None


async def test_an_attempt_left_unsettled_is_released_when_its_context_ends(
    store: KeyValueStore,
) -> None:
    guard = backoff(store, max_failures=1, max_failures_account=1)
    for _ in range(3):
        with pytest.raises(LookupError):
            async with guard.attempt("alice", "ip-a"):
                raise LookupError("the store of users failed")
    async with guard.attempt("alice", "ip-a") as attempt:
        assert await attempt.failed() is not None
    assert attempt.settled


async def test_a_settled_attempt_cannot_be_settled_again(store: KeyValueStore) -> None:
    guard = backoff(store)
    attempt = await guard.reserve("alice", "ip-a")
    await attempt.failed()
    await attempt.succeeded()
    await attempt.release()
    assert await guard.failures("alice", "ip-a") == 1


async def guess_concurrently(guard: FailureBackoff, sources: list[str | None]) -> tuple[int, int]:
    """One wrong guess per source, all at once; how many were evaluated and refused."""
    evaluated = refused = 0

    async def guess(source: str | None) -> None:
        nonlocal evaluated, refused
        try:
            async with guard.attempt("alice", source) as attempt:
                evaluated += 1
                await anyio.sleep(0.01)  # the password hash being checked
                await attempt.failed()
        except RateLimited:
            refused += 1

    async with anyio.create_task_group() as tg:
        for source in sources:
            tg.start_soon(guess, source)
    return evaluated, refused


async def test_concurrent_guesses_from_one_source_are_evaluated_at_most_up_to_the_limit(
    store: KeyValueStore,
) -> None:
    guard = backoff(store, max_failures=5, base_delay=timedelta(minutes=1))
    assert await guess_concurrently(guard, ["198.51.100.66"] * 100) == (5, 95)


async def test_concurrent_guesses_from_many_sources_are_evaluated_at_most_up_to_the_account_limit(
    store: KeyValueStore,
) -> None:
    guard = backoff(store, max_failures=5, max_failures_account=20, base_delay=timedelta(minutes=1))
    sources: list[str | None] = [f"198.51.100.{n}" for n in range(100)]
    assert await guess_concurrently(guard, sources) == (20, 80)


async def test_once_a_lock_passes_one_concurrent_guess_at_a_time_is_evaluated(
    store: KeyValueStore, elapse: Elapse
) -> None:
    guard = backoff(store, max_failures=3)
    await guess_concurrently(guard, ["ip-a"] * 3)
    await elapse(SHORT)
    assert await guess_concurrently(guard, ["ip-a"] * 50) == (1, 49)


def test_the_delay_is_capped_however_many_failures() -> None:
    guard = FailureBackoff(MemoryKeyValueStore())
    assert guard.delay(1) == timedelta(minutes=1)
    assert guard.delay(2) == timedelta(minutes=2)
    assert guard.delay(7) == timedelta(hours=1)
    assert guard.delay(10_000) == timedelta(hours=1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_failures": 0}, "max_failures"),
        ({"max_failures": 5, "max_failures_account": 4}, "max_failures_account"),
        ({"window": timedelta(0)}, "window"),
        ({"base_delay": timedelta(0)}, "base_delay"),
        ({"strike_memory": timedelta(0)}, "strike_memory"),
        ({"base_delay": timedelta(hours=2)}, "max_delay"),
    ],
)
def test_the_back_off_refuses_nonsense_settings(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FailureBackoff(MemoryKeyValueStore(), **kwargs)  # type: ignore[arg-type]
