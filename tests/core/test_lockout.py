"""Lockouts as the services apply them, over each limiter store (memory, Redis).

Login and the MFA step reserve each attempt before verifying it (at most the
limit is ever evaluated, however many arrive at once), lock per account and
client address first and account-wide only at a much higher count, and the
password that confirms a sensitive action has a per-user back-off that ends
the guessing session.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import NoReturn

import anyio
import anyio.lowlevel
import pyotp
import pytest

from pa_core.accounts import AccountLimits, MfaChallenge, TokenPair
from pa_core.audit import AuditContext, AuditFilter
from pa_core.auth import Principal
from pa_core.clock import FrozenClock
from pa_core.errors import (
    InvalidCredentials,
    InvalidMfaCode,
    InvalidPassword,
    InvalidToken,
    RateLimited,
)
from pa_core.kv import KeyValueStore, MemoryKeyValueStore
from pa_core.kv.redis import RedisKeyValueStore
from pa_core.mfa import MfaMethod
from pa_core.pagination import PageRequest
from pa_core.passwords import PasswordHasher
from pa_core.ratelimit import FailureBackoff, RateLimit
from pa_core.tokens import TokenPurpose
from pa_core.users import User
from tests.core.test_mfa_service import EMAIL, PASSWORD, World, build, user_with_totp

pytestmark = pytest.mark.anyio

OWNER = "203.0.113.7"
STRANGER = "198.51.100.66"
WRONG = "not the password at all"


class CountingHasher(PasswordHasher):
    """The real hasher, counting every verification that actually ran."""

    def __init__(self) -> None:
        super().__init__()
        self.evaluated = 0

    async def verify_and_update(self, password: str, stored_hash: str) -> str | None:
        self.evaluated += 1
        return await super().verify_and_update(password, stored_hash)

    async def dummy_verify(self, password: str) -> NoReturn:
        self.evaluated += 1
        await super().dummy_verify(password)


@pytest.fixture(
    params=[
        pytest.param("memory", marks=pytest.mark.memory),
        pytest.param("redis", marks=pytest.mark.redis),
    ]
)
async def kv(request: pytest.FixtureRequest, clock: FrozenClock) -> AsyncIterator[KeyValueStore]:
    """The store behind every limit and back-off: in memory, or a real Redis."""
    if request.param == "memory":
        yield MemoryKeyValueStore(clock)
        return
    # A roomy timeout: a hundred concurrent connections on a loaded 2-core machine can
    # take longer than the production default to open, and these tests count attempts.
    store = RedisKeyValueStore.from_url(
        request.getfixturevalue("redis_url"), namespace="test", timeout=5.0
    )
    yield store
    await store.close()


@pytest.fixture
def hasher() -> CountingHasher:
    return CountingHasher()


@pytest.fixture
def world(clock: FrozenClock, kv: KeyValueStore, hasher: CountingHasher) -> World:
    # The per-address request limit is not what these tests are about.
    limits = AccountLimits(login_per_ip=RateLimit(10_000, timedelta(minutes=1)))
    return build(clock, kv=kv, hasher=hasher, limits=limits)


def at(ip: str) -> AuditContext:
    return AuditContext(ip=ip)


async def mfa_token(world: World, ip: str) -> str:
    """The MFA token of a login with the right password from ``ip``."""
    result = await world.accounts.login(EMAIL, PASSWORD, context=at(ip))
    assert isinstance(result, MfaChallenge)
    return result.mfa_token


async def all_at_once(count: int, attempt: Callable[[int], Awaitable[object]]) -> int:
    """Run ``attempt(0..count-1)`` concurrently; how many were refused with ``429``."""
    refused = 0

    async def one(n: int) -> None:
        nonlocal refused
        try:
            with contextlib.suppress(
                InvalidCredentials, InvalidMfaCode, InvalidPassword, InvalidToken
            ):
                await attempt(n)
        except RateLimited:
            refused += 1

    async with anyio.create_task_group() as tg:
        for n in range(count):
            tg.start_soon(one, n)
    return refused


async def actions(world: World) -> list[str]:
    page = await world.audit.log.list(AuditFilter(), PageRequest(limit=100))
    return [event.action for event in page.items]


# --- item 2: the lock cannot be raced ---------------------------------------------------


async def test_a_hundred_concurrent_wrong_passwords_are_evaluated_at_most_up_to_the_limit(
    world: World, hasher: CountingHasher
) -> None:
    await world.accounts.register(EMAIL, PASSWORD)
    hasher.evaluated = 0

    refused = await all_at_once(
        100, lambda _: world.accounts.login(EMAIL, WRONG, context=at(STRANGER))
    )

    assert hasher.evaluated == 5
    assert refused == 95


async def test_a_hundred_concurrent_wrong_codes_over_many_mfa_tokens_are_evaluated_up_to_the_limit(
    world: World,
) -> None:
    user, _, _ = await user_with_totp(world)
    tokens = [
        world.accounts.tokens.issue(TokenPurpose.MFA, user.id, timedelta(minutes=5)).token
        for _ in range(100)
    ]
    evaluated = 0
    check_method = world.mfa.challenge._check_method

    async def counting_check(user: User, method: str, code: str) -> MfaMethod:
        nonlocal evaluated
        evaluated += 1
        await anyio.sleep(0.001)  # the factor store's round trip (a database in production)
        return await check_method(user, method, code)

    world.mfa.challenge._check_method = counting_check  # type: ignore[method-assign]

    async def guess(n: int) -> None:
        await world.mfa.verify_login(tokens[n], "totp", "000000", context=at(STRANGER))

    refused = await all_at_once(100, guess)

    assert evaluated == 5
    assert refused == 95


# --- item 16: the lock applies to the attacker's source ---------------------------------


async def test_a_strangers_five_failures_do_not_stop_the_owner_logging_in_from_elsewhere(
    world: World,
) -> None:
    await world.accounts.register(EMAIL, PASSWORD)
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            await world.accounts.login(EMAIL, WRONG, context=at(STRANGER))
    with pytest.raises(RateLimited):
        await world.accounts.login(EMAIL, PASSWORD, context=at(STRANGER))

    assert isinstance(await world.accounts.login(EMAIL, PASSWORD, context=at(OWNER)), TokenPair)
    assert "auth.lockout" in await actions(world)


async def test_a_hundred_failures_from_many_addresses_lock_the_account_everywhere(
    world: World,
) -> None:
    await world.accounts.register(EMAIL, PASSWORD)

    refused = await all_at_once(
        100, lambda n: world.accounts.login(EMAIL, WRONG, context=at(f"198.51.{n // 50}.{n}"))
    )

    assert refused == 0
    with pytest.raises(RateLimited):
        await world.accounts.login(EMAIL, PASSWORD, context=at(OWNER))


async def test_a_strangers_wrong_codes_do_not_stop_the_owners_second_step_from_elsewhere(
    world: World,
) -> None:
    _, secret, _ = await user_with_totp(world)
    for _ in range(5):
        token = await mfa_token(world, STRANGER)
        with pytest.raises(InvalidMfaCode):
            await world.mfa.verify_login(token, "totp", "000000", context=at(STRANGER))
    token = await mfa_token(world, STRANGER)
    with pytest.raises(RateLimited):
        await world.mfa.verify_login(token, "totp", "000000", context=at(STRANGER))

    owner = await mfa_token(world, OWNER)
    code = pyotp.TOTP(secret).at(world.clock.now())
    login = await world.mfa.verify_login(owner, "totp", code, context=at(OWNER))
    assert login.method == "totp"
    assert "mfa.lockout" in await actions(world)


async def test_many_addresses_lock_the_second_step_account_wide(world: World) -> None:
    user, _, _ = await user_with_totp(world)
    world.mfa.challenge.backoff = FailureBackoff(
        world.mfa.challenge.one_time, name="mfa", max_failures_account=20
    )

    async def guess(n: int) -> None:
        token = world.accounts.tokens.issue(TokenPurpose.MFA, user.id, timedelta(minutes=5))
        await world.mfa.verify_login(token.token, "totp", "000000", context=at(f"198.51.0.{n}"))

    assert await all_at_once(100, guess) == 80
    token = world.accounts.tokens.issue(TokenPurpose.MFA, user.id, timedelta(minutes=5))
    with pytest.raises(RateLimited):
        await world.mfa.verify_login(token.token, "totp", "000000", context=at(OWNER))


async def test_resetting_the_password_lets_the_owner_in_again(world: World) -> None:
    user = await world.accounts.register(EMAIL, PASSWORD)
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            await world.accounts.login(EMAIL, WRONG, context=at(OWNER))
    reset = world.accounts.tokens.issue(
        TokenPurpose.PASSWORD_RESET,
        user.id,
        timedelta(hours=1),
        extra={"pwd": world.accounts.password_reset.fingerprint(user)},
    )
    await world.accounts.reset_password(reset.token, "a brand new passphrase", context=at(OWNER))
    result = await world.accounts.login(EMAIL, "a brand new passphrase", context=at(OWNER))
    assert isinstance(result, TokenPair)


# --- item 5: password re-confirmation has a limit -------------------------------------------


async def signed_in(world: World) -> tuple[User, Principal, TokenPair]:
    user = await world.accounts.register(EMAIL, PASSWORD)
    pair = await world.accounts.login(EMAIL, PASSWORD, context=at(OWNER))
    assert isinstance(pair, TokenPair)
    claims = world.accounts.tokens.verify(pair.access_token, TokenPurpose.ACCESS)
    assert claims.session_id is not None
    principal = Principal(user.id, claims.session_id, claims.jti, claims.expires_at)
    return user, principal, pair


async def change(world: World, principal: Principal, current: str) -> None:
    await world.accounts.change_password(principal, current, "another long passphrase")


async def test_the_fifth_wrong_confirmation_password_is_rate_limited(world: World) -> None:
    _, principal, _ = await signed_in(world)
    for _ in range(4):
        with pytest.raises(InvalidPassword):
            await change(world, principal, WRONG)
    with pytest.raises(RateLimited) as caught:
        await change(world, principal, WRONG)
    assert caught.value.retry_after == 15 * 60


async def test_the_back_off_ends_the_guessing_session_and_its_refresh_tokens(
    world: World,
) -> None:
    _, principal, pair = await signed_in(world)
    for _ in range(5):
        with contextlib.suppress(InvalidPassword, RateLimited):
            await change(world, principal, WRONG)
    with pytest.raises(InvalidToken):
        await world.accounts.sessions.check(principal.session_id)
    with pytest.raises(InvalidToken):
        await world.accounts.refresh(pair.refresh_token)


async def test_the_user_is_mailed_and_the_lockout_audited(world: World) -> None:
    _, principal, _ = await signed_in(world)
    for _ in range(5):
        with contextlib.suppress(InvalidPassword, RateLimited):
            await change(world, principal, WRONG)
    notice = world.outbox.last_to(EMAIL)
    assert "wrong passwords" in notice.text
    assert WRONG not in notice.text
    assert "auth.reconfirm.lockout" in await actions(world)


async def test_while_locked_even_the_right_password_is_refused(world: World) -> None:
    _, principal, _ = await signed_in(world)
    for _ in range(5):
        with contextlib.suppress(InvalidPassword, RateLimited):
            await change(world, principal, WRONG)
    _, other, _ = await signed_in_again(world)
    with pytest.raises(RateLimited):
        await change(world, other, PASSWORD)


async def signed_in_again(world: World) -> tuple[User, Principal, TokenPair]:
    user = await world.accounts.users.get_by_email(EMAIL)
    assert user is not None
    pair = await world.accounts.login(EMAIL, PASSWORD, context=at(OWNER))
    assert isinstance(pair, TokenPair)
    claims = world.accounts.tokens.verify(pair.access_token, TokenPurpose.ACCESS)
    assert claims.session_id is not None
    return user, Principal(user.id, claims.session_id, claims.jti, claims.expires_at), pair


async def test_a_right_confirmation_password_clears_the_count(world: World) -> None:
    user, principal, _ = await signed_in(world)
    for _ in range(4):
        with pytest.raises(InvalidPassword):
            await change(world, principal, WRONG)
    await world.accounts.confirm_password(user, PASSWORD, session_id=principal.session_id)
    for _ in range(4):
        with pytest.raises(InvalidPassword):
            await change(world, principal, WRONG)


async def test_a_hundred_concurrent_wrong_confirmations_are_evaluated_at_most_up_to_the_limit(
    world: World, hasher: CountingHasher
) -> None:
    _, principal, _ = await signed_in(world)
    hasher.evaluated = 0

    refused = await all_at_once(100, lambda _: change(world, principal, WRONG))

    assert hasher.evaluated == 5
    assert refused == 96  # the fifth wrong password is answered 429 too


async def test_disabling_a_factor_shares_the_back_off_and_ends_the_guessing_session(
    world: World,
) -> None:
    user, _, _ = await user_with_totp(world)
    session = await world.accounts.sessions.start(user.id)
    for _ in range(2):
        with pytest.raises(InvalidPassword):
            await world.mfa.regenerate_backup_codes(user, WRONG, session_id=session.id)
    for _ in range(2):
        with pytest.raises(InvalidPassword):
            await world.mfa.disable(user, "totp", WRONG, session_id=session.id)
    with pytest.raises(RateLimited):
        await world.mfa.disable(user, "totp", WRONG, session_id=session.id)
    with pytest.raises(InvalidToken):
        await world.accounts.sessions.check(session.id)
    assert (await world.mfa.status(user.id)).totp


async def test_without_the_callers_session_every_session_of_the_user_ends(world: World) -> None:
    user = await world.accounts.register(EMAIL, PASSWORD)
    first = await world.accounts.sessions.start(user.id)
    second = await world.accounts.sessions.start(user.id)
    for _ in range(5):
        with contextlib.suppress(InvalidPassword, RateLimited):
            await world.accounts.confirm_password(user, WRONG)
    for session in (first, second):
        with pytest.raises(InvalidToken):
            await world.accounts.sessions.check(session.id)
