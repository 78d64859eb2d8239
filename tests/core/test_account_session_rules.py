"""Session rules held by AccountService itself, wired directly without any web framework.

A library user who builds :class:`~pa_core.accounts.AccountService` by hand
(no ``on_reuse`` handler, no app) gets the same security as the reference app:
a reused refresh token ends its session, and revoking a session by id checks
ownership, ends its refresh tokens and is audited.
"""

from __future__ import annotations

import pytest

from pa_core.accounts import TokenPair
from pa_core.audit import AuditEvent, AuditFilter, Outcome
from pa_core.auth import Principal
from pa_core.clock import FrozenClock
from pa_core.errors import InvalidToken, NotFound, TokenReused
from pa_core.pagination import PageRequest
from pa_core.tokens import TokenPurpose
from tests.core.test_mfa_service import EMAIL, PASSWORD, World, build

pytestmark = pytest.mark.anyio

OTHER_EMAIL = "bob@example.com"


@pytest.fixture
def world(clock: FrozenClock) -> World:
    return build(clock)


async def signed_in(world: World, email: str = EMAIL) -> tuple[TokenPair, Principal]:
    pair = await world.accounts.login(email, PASSWORD)
    assert isinstance(pair, TokenPair)
    claims = world.accounts.tokens.verify(pair.access_token, TokenPurpose.ACCESS)
    assert claims.session_id is not None
    principal = Principal(claims.subject, claims.session_id, claims.jti, claims.expires_at)
    return pair, principal


async def events(world: World, action: str) -> list[AuditEvent]:
    page = await world.audit.log.list(AuditFilter(action=action), PageRequest(limit=100))
    return list(page.items)


async def test_a_reused_refresh_token_ends_its_session_without_any_handler(world: World) -> None:
    await world.accounts.register(EMAIL, PASSWORD)
    pair, principal = await signed_in(world)
    assert world.accounts.refresh_tokens.on_reuse is None
    await world.accounts.refresh(pair.refresh_token)
    with pytest.raises(TokenReused):
        await world.accounts.refresh(pair.refresh_token)
    with pytest.raises(InvalidToken):
        await world.accounts.sessions.check(principal.session_id)


async def test_a_reused_refresh_token_is_audited_as_denied(world: World) -> None:
    user = await world.accounts.register(EMAIL, PASSWORD)
    pair, principal = await signed_in(world)
    await world.accounts.refresh(pair.refresh_token)
    with pytest.raises(TokenReused):
        await world.accounts.refresh(pair.refresh_token)
    (event,) = await events(world, "auth.token_reused")
    assert event.outcome == Outcome.DENIED
    assert (event.actor_id, event.target_type, event.target_id) == (
        user.id,
        "session",
        principal.session_id,
    )
    assert pair.refresh_token not in repr(event)


async def test_a_reuse_leaves_the_users_other_sessions_alive(world: World) -> None:
    await world.accounts.register(EMAIL, PASSWORD)
    pair, _ = await signed_in(world)
    _, other = await signed_in(world)
    await world.accounts.refresh(pair.refresh_token)
    with pytest.raises(TokenReused):
        await world.accounts.refresh(pair.refresh_token)
    assert (await world.accounts.sessions.check(other.session_id)).id == other.session_id


async def test_revoking_a_session_by_id_ends_it_and_its_refresh_tokens(world: World) -> None:
    await world.accounts.register(EMAIL, PASSWORD)
    doomed_pair, doomed = await signed_in(world)
    _, current = await signed_in(world)
    await world.accounts.revoke_session(current, doomed.session_id)
    with pytest.raises(InvalidToken):
        await world.accounts.sessions.check(doomed.session_id)
    with pytest.raises(InvalidToken):
        await world.accounts.refresh(doomed_pair.refresh_token)


async def test_revoking_a_session_by_id_is_audited(world: World) -> None:
    user = await world.accounts.register(EMAIL, PASSWORD)
    _, doomed = await signed_in(world)
    _, current = await signed_in(world)
    await world.accounts.revoke_session(current, doomed.session_id)
    (event,) = await events(world, "auth.session_revoked")
    assert (event.actor_id, event.target_type, event.target_id) == (
        user.id,
        "session",
        doomed.session_id,
    )


async def test_another_users_session_is_not_found_and_stays_alive(world: World) -> None:
    await world.accounts.register(EMAIL, PASSWORD)
    await world.accounts.register(OTHER_EMAIL, PASSWORD)
    victim_pair, victim = await signed_in(world, OTHER_EMAIL)
    _, attacker = await signed_in(world)
    with pytest.raises(NotFound):
        await world.accounts.revoke_session(attacker, victim.session_id)
    assert (await world.accounts.sessions.check(victim.session_id)).id == victim.session_id
    assert isinstance(await world.accounts.refresh(victim_pair.refresh_token), TokenPair)
    assert await events(world, "auth.session_revoked") == []
