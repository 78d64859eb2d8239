"""Enrolling a second factor is a sensitive action (MfaService wired directly, no app).

Setting up TOTP or SMS needs the password, which a login under five minutes
old may leave out; confirming can sign out every other session.
"""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest

from pa_core.accounts import TokenPair
from pa_core.audit import AuditFilter, Outcome
from pa_core.clock import FrozenClock
from pa_core.errors import InvalidPassword, InvalidToken, ValidationFailed
from pa_core.mfa import RECENT_LOGIN
from pa_core.pagination import PageRequest
from pa_core.sessions import Session
from pa_core.tokens import TokenPurpose
from pa_core.users import User
from tests.core.test_mfa_service import EMAIL, PASSWORD, PHONE, World, build

pytestmark = pytest.mark.anyio

JUST_UNDER = RECENT_LOGIN - timedelta(seconds=1)


@pytest.fixture
def world(clock: FrozenClock) -> World:
    return build(clock)


async def session_of_login(world: World) -> Session:
    pair = await world.accounts.login(EMAIL, PASSWORD)
    assert isinstance(pair, TokenPair)
    claims = world.accounts.tokens.verify(pair.access_token, TokenPurpose.ACCESS)
    assert claims.session_id is not None
    return await world.accounts.sessions.check(claims.session_id)


async def setup_user(world: World) -> tuple[User, Session]:
    user = await world.accounts.register(EMAIL, PASSWORD)
    return user, await session_of_login(world)


async def test_a_login_under_five_minutes_old_sets_up_totp_without_the_password(
    world: World,
) -> None:
    user, session = await setup_user(world)
    world.clock.advance(JUST_UNDER)
    setup = await world.mfa.start_totp(user, signed_in_at=session.created_at)
    assert setup.secret


async def test_an_older_login_must_give_the_password_to_set_up_totp(world: World) -> None:
    user, session = await setup_user(world)
    world.clock.advance(RECENT_LOGIN)
    with pytest.raises(ValidationFailed) as caught:
        await world.mfa.start_totp(user, signed_in_at=session.created_at)
    assert [e.field for e in caught.value.errors] == ["password"]


async def test_an_older_login_must_give_the_password_to_set_up_sms(world: World) -> None:
    user, session = await setup_user(world)
    world.clock.advance(RECENT_LOGIN)
    with pytest.raises(ValidationFailed) as caught:
        await world.mfa.start_sms(user, PHONE, signed_in_at=session.created_at)
    assert [e.field for e in caught.value.errors] == ["password"]
    assert world.phone.texts == []


async def test_without_a_login_time_the_password_is_required(world: World) -> None:
    user = await world.accounts.register(EMAIL, PASSWORD)
    with pytest.raises(ValidationFailed):
        await world.mfa.start_totp(user)


async def test_a_wrong_password_is_refused_even_for_a_fresh_login_and_audited(
    world: World,
) -> None:
    user, session = await setup_user(world)
    for start in (
        world.mfa.start_totp(user, password="not the password", signed_in_at=session.created_at),
        world.mfa.start_sms(user, PHONE, password="not the password"),
    ):
        with pytest.raises(InvalidPassword):
            await start
    page = await world.audit.log.list(AuditFilter(), PageRequest(limit=100))
    refused = {e.action for e in page.items if e.outcome == Outcome.FAILURE}
    assert {"mfa.totp.setup", "mfa.sms.setup"} <= refused
    assert world.phone.texts == []


async def test_the_right_password_sets_up_a_factor_long_after_login(world: World) -> None:
    user, session = await setup_user(world)
    world.clock.advance(timedelta(hours=3))
    await world.mfa.start_sms(user, PHONE, password=PASSWORD, signed_in_at=session.created_at)
    assert world.phone.texts[-1][0] == PHONE


async def test_confirming_totp_can_sign_out_every_other_session(world: World) -> None:
    user, current = await setup_user(world)
    other = await session_of_login(world)
    setup = await world.mfa.start_totp(user, signed_in_at=current.created_at)
    code = pyotp.TOTP(setup.secret).at(world.clock.now())
    await world.mfa.confirm_totp(user, code, sign_out_other_sessions=True, session_id=current.id)
    with pytest.raises(InvalidToken):
        await world.accounts.sessions.check(other.id)
    assert (await world.accounts.sessions.check(current.id)).id == current.id


async def test_confirming_sms_can_sign_out_every_other_session(world: World) -> None:
    user, current = await setup_user(world)
    other = await session_of_login(world)
    await world.mfa.start_sms(user, PHONE, signed_in_at=current.created_at)
    await world.mfa.confirm_sms(
        user, world.phone.last_code(), sign_out_other_sessions=True, session_id=current.id
    )
    with pytest.raises(InvalidToken):
        await world.accounts.sessions.check(other.id)
    assert (await world.accounts.sessions.check(current.id)).id == current.id


async def test_confirming_keeps_the_other_sessions_unless_asked(world: World) -> None:
    user, current = await setup_user(world)
    other = await session_of_login(world)
    setup = await world.mfa.start_totp(user, signed_in_at=current.created_at)
    code = pyotp.TOTP(setup.secret).at(world.clock.now())
    await world.mfa.confirm_totp(user, code, session_id=current.id)
    assert (await world.accounts.sessions.check(other.id)).id == other.id
