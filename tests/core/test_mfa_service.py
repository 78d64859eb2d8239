"""MfaService and MfaGate as a library: enrolment, the second step, devices, key rotation."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

import pyotp
import pytest

from pa_core.accounts import AccountLimits, AccountService, MfaChallenge, TokenPair
from pa_core.audit import AuditFilter, AuditRecorder, MemoryAuditLog, Outcome
from pa_core.clock import FrozenClock
from pa_core.config import Settings
from pa_core.crypto import FieldEncryptor
from pa_core.email import EmailTemplates, MailDispatcher, MemoryOutbox
from pa_core.errors import (
    Conflict,
    ImproperlyConfigured,
    InvalidMfaCode,
    InvalidPassword,
    InvalidToken,
    NotFound,
    RateLimited,
)
from pa_core.kv import KeyValueStore, MemoryKeyValueStore
from pa_core.mfa import (
    BackupCodes,
    DeviceTrust,
    InvalidConfirmationCode,
    MemoryBackupCodeStore,
    MemoryMfaFactorStore,
    MemoryTrustedDeviceStore,
    MfaGate,
    MfaService,
    MfaStatus,
    SmsCodeService,
    TotpService,
)
from pa_core.pagination import PageRequest
from pa_core.password_policy import PasswordPolicy
from pa_core.passwords import PasswordHasher
from pa_core.ratelimit import FailureBackoff, RateLimiter
from pa_core.refresh_tokens import MemoryRefreshTokenStore, RefreshTokenService
from pa_core.sessions import MemorySessionStore, SessionService
from pa_core.tokens import TokenService
from pa_core.users import MemoryUserRepository, User

pytestmark = pytest.mark.anyio

SECRET = "a-test-master-secret-of-plenty-length-0123"
OLD_SECRET = "the-previous-master-secret-of-plenty-length"
EMAIL = "ada@example.com"
PASSWORD = "correct horse battery staple"
PHONE = "+14155550123"
STEP = timedelta(seconds=30)


class Phone:
    """An SmsSender keeping its texts."""

    def __init__(self) -> None:
        self.texts: list[tuple[str, str]] = []

    async def send_text(self, to: str, body: str) -> str:
        self.texts.append((to, body))
        return f"SM{len(self.texts)}"

    def last_code(self) -> str:
        return self.texts[-1][1].rsplit(" ", 1)[-1]


@dataclass
class World:
    clock: FrozenClock
    accounts: AccountService
    mfa: MfaService
    phone: Phone
    outbox: MemoryOutbox
    audit: AuditRecorder


def build(
    clock: FrozenClock,
    encryptor: FieldEncryptor | None = None,
    *,
    kv: KeyValueStore | None = None,
    hasher: PasswordHasher | None = None,
    limits: AccountLimits | None = None,
    mail: MailDispatcher | None = None,
) -> World:
    """The account and MFA services over ``kv`` (memory by default) with ``hasher``.

    ``limits`` and ``mail`` replace the account flows' defaults.
    """
    settings = Settings(_env_file=None, secret_key=SECRET)
    kv = kv or MemoryKeyValueStore(clock)
    audit = AuditRecorder(MemoryAuditLog(), clock)
    key = settings.purpose_key("rate-limit-keys")
    gate = MfaGate(
        MemoryMfaFactorStore(),
        MemoryBackupCodeStore(),
        DeviceTrust(MemoryTrustedDeviceStore(), clock, settings.purpose_key("device-tokens")),
    )
    outbox = MemoryOutbox()
    accounts = AccountService(
        users=MemoryUserRepository(),
        hasher=hasher or PasswordHasher(),
        policy=PasswordPolicy.from_settings(settings),
        tokens=TokenService.from_settings(settings, clock),
        sessions=SessionService(MemorySessionStore(), clock),
        refresh_tokens=RefreshTokenService(MemoryRefreshTokenStore(), clock),
        email=outbox,
        templates=EmailTemplates.from_settings(settings),
        limiter=RateLimiter(kv, key_secret=key),
        login_backoff=FailureBackoff(kv, key_secret=key),
        one_time=kv,
        audit=audit,
        clock=clock,
        fingerprint_key=settings.purpose_key("password-fingerprint"),
        limits=limits,
        second_factor=gate,
        mail=mail,
    )
    phone = Phone()
    mfa = MfaService(
        gate=gate,
        accounts=accounts,
        totp=TotpService(encryptor or FieldEncryptor.from_settings(settings), "Test", clock),
        sms=SmsCodeService(kv.with_namespace("sms"), phone, clock, settings.purpose_key("sms")),
        backup_codes=BackupCodes(settings.purpose_key("backup-codes")),
        audit=audit,
        clock=clock,
        one_time=kv,
        limiter=RateLimiter(kv, key_secret=key),
        backoff=FailureBackoff(kv, name="mfa", key_secret=key),
    )
    return World(clock, accounts, mfa, phone, outbox, audit)


@pytest.fixture
def world(clock: FrozenClock) -> World:
    return build(clock)


async def user_with_totp(world: World) -> tuple[User, str, list[str]]:
    user = await world.accounts.register(EMAIL, PASSWORD)
    setup = await world.mfa.start_totp(user, password=PASSWORD)
    codes = await world.mfa.confirm_totp(user, pyotp.TOTP(setup.secret).at(world.clock.now()))
    world.clock.advance(STEP)
    return user, setup.secret, codes


async def challenge(world: World, **extra: str) -> MfaChallenge:
    result = await world.accounts.login(EMAIL, PASSWORD, **extra)  # type: ignore[arg-type]
    assert isinstance(result, MfaChallenge)
    return result


async def failures(world: World) -> list[str]:
    page = await world.audit.log.list(AuditFilter(), PageRequest(limit=100))
    return [e.action for e in page.items if e.outcome == Outcome.FAILURE]


# --- status and the gate ----------------------------------------------------------


async def test_a_user_without_factors_has_mfa_off(world: World) -> None:
    user = await world.accounts.register(EMAIL, PASSWORD)
    assert await world.mfa.status(user.id) == MfaStatus()
    assert not MfaStatus().enabled
    assert await world.mfa.gate.methods_for(user) == []
    assert isinstance(await world.accounts.login(EMAIL, PASSWORD), TokenPair)


async def test_a_pending_totp_setup_guards_nothing(world: World) -> None:
    user = await world.accounts.register(EMAIL, PASSWORD)
    await world.mfa.start_totp(user, password=PASSWORD)
    assert await world.mfa.gate.methods_for(user) == []


async def test_every_active_factor_is_offered(world: World) -> None:
    user, _, _ = await user_with_totp(world)
    await world.mfa.start_sms(user, "+1 (415) 555-0123", password=PASSWORD)
    await world.mfa.confirm_sms(user, world.phone.last_code())
    assert await world.mfa.gate.methods_for(user) == ["totp", "sms", "backup_code"]
    assert (await challenge(world)).methods == ("totp", "sms", "backup_code")


async def test_without_backup_codes_left_they_are_not_offered(world: World) -> None:
    user, _, _ = await user_with_totp(world)
    await world.mfa.gate.backup_store.replace(user.id, [])
    assert await world.mfa.gate.methods_for(user) == ["totp"]


# --- enrolment ----------------------------------------------------------------------


async def test_confirming_totp_without_a_setup_is_an_invalid_code(world: World) -> None:
    user = await world.accounts.register(EMAIL, PASSWORD)
    with pytest.raises(InvalidConfirmationCode) as caught:
        await world.mfa.confirm_totp(user, "123456")
    assert caught.value.code == "invalid_mfa_code"
    assert "mfa.totp.enable" in await failures(world)


async def test_a_second_setup_replaces_the_pending_secret(world: World) -> None:
    user = await world.accounts.register(EMAIL, PASSWORD)
    first = await world.mfa.start_totp(user, password=PASSWORD)
    second = await world.mfa.start_totp(user, password=PASSWORD)
    with pytest.raises(InvalidConfirmationCode):
        await world.mfa.confirm_totp(user, pyotp.TOTP(first.secret).at(world.clock.now()))
    await world.mfa.confirm_totp(user, pyotp.TOTP(second.secret).at(world.clock.now()))


async def test_confirming_totp_twice_is_a_conflict(world: World) -> None:
    user, secret, _ = await user_with_totp(world)
    with pytest.raises(Conflict):
        await world.mfa.confirm_totp(user, pyotp.TOTP(secret).at(world.clock.now()))


async def test_sms_cannot_be_set_up_again_while_active(world: World) -> None:
    user = await world.accounts.register(EMAIL, PASSWORD)
    await world.mfa.start_sms(user, PHONE, password=PASSWORD)
    await world.mfa.confirm_sms(user, world.phone.last_code())
    with pytest.raises(Conflict):
        await world.mfa.start_sms(user, PHONE, password=PASSWORD)
    with pytest.raises(Conflict):
        await world.mfa.confirm_sms(user, "123456")


async def test_a_wrong_sms_confirmation_is_an_invalid_code(world: World) -> None:
    user = await world.accounts.register(EMAIL, PASSWORD)
    await world.mfa.start_sms(user, PHONE, password=PASSWORD)
    wrong = "000000" if world.phone.last_code() != "000000" else "111111"
    with pytest.raises(InvalidConfirmationCode):
        await world.mfa.confirm_sms(user, wrong)
    assert (await world.mfa.status(user.id)).sms is False


async def test_enabling_a_factor_mails_a_security_notice(world: World) -> None:
    await user_with_totp(world)
    assert "turned on" in world.outbox.last_to(EMAIL).text


# --- the second step -----------------------------------------------------------------


async def test_sms_login_code_goes_to_the_confirmed_number(world: World) -> None:
    user = await world.accounts.register(EMAIL, PASSWORD)
    await world.mfa.start_sms(user, PHONE, password=PASSWORD)
    await world.mfa.confirm_sms(user, world.phone.last_code())
    world.clock.advance(timedelta(minutes=1))
    pending = await challenge(world)
    await world.mfa.send_login_code(pending.mfa_token)
    assert world.phone.texts[-1][0] == PHONE
    done = await world.mfa.verify_login(pending.mfa_token, "sms", world.phone.last_code())
    assert done.method == "sms"
    assert done.device_token is None


async def test_a_disabled_account_cannot_finish_its_login(world: World) -> None:
    user, secret, _ = await user_with_totp(world)
    pending = await challenge(world)
    await world.accounts.users.update(replace(user, disabled=True))
    with pytest.raises(InvalidToken):
        await world.mfa.verify_login(
            pending.mfa_token, "totp", pyotp.TOTP(secret).at(world.clock.now())
        )


async def test_the_account_is_locked_after_repeated_wrong_codes(world: World) -> None:
    _, secret, _ = await user_with_totp(world)
    for _ in range(5):
        with pytest.raises(InvalidMfaCode):
            await world.mfa.verify_login((await challenge(world)).mfa_token, "totp", "000000")
    with pytest.raises(RateLimited):
        await world.mfa.verify_login(
            (await challenge(world)).mfa_token, "totp", pyotp.TOTP(secret).at(world.clock.now())
        )


async def test_a_success_clears_earlier_failures(world: World) -> None:
    _, secret, codes = await user_with_totp(world)
    for _ in range(4):
        with pytest.raises(InvalidMfaCode):
            await world.mfa.verify_login((await challenge(world)).mfa_token, "totp", "000000")
    await world.mfa.verify_login((await challenge(world)).mfa_token, "backup_code", codes[0])
    for _ in range(4):
        with pytest.raises(InvalidMfaCode):
            await world.mfa.verify_login((await challenge(world)).mfa_token, "totp", "000000")
    await world.mfa.verify_login(
        (await challenge(world)).mfa_token, "totp", pyotp.TOTP(secret).at(world.clock.now())
    )


# --- management ----------------------------------------------------------------------


async def test_disabling_one_of_two_factors_keeps_the_backup_codes(world: World) -> None:
    user, _, _ = await user_with_totp(world)
    await world.mfa.start_sms(user, PHONE, password=PASSWORD)
    await world.mfa.confirm_sms(user, world.phone.last_code())
    await world.mfa.disable(user, "totp", PASSWORD)
    assert await world.mfa.status(user.id) == MfaStatus(sms=True, backup_codes_remaining=10)


async def test_disabling_with_a_wrong_password_is_refused_and_audited(world: World) -> None:
    user, _, _ = await user_with_totp(world)
    with pytest.raises(InvalidPassword):
        await world.mfa.disable(user, "totp", "wrong password")
    assert "mfa.totp.disable" in await failures(world)


async def test_disabling_a_pending_setup_sends_no_notice(world: World) -> None:
    user = await world.accounts.register(EMAIL, PASSWORD)
    await world.mfa.start_totp(user, password=PASSWORD)
    before = len(world.outbox.sent_to(EMAIL))
    await world.mfa.disable(user, "totp", PASSWORD)
    assert len(world.outbox.sent_to(EMAIL)) == before


async def test_turning_mfa_off_forgets_remembered_devices(world: World) -> None:
    user, _, codes = await user_with_totp(world)
    done = await world.mfa.verify_login(
        (await challenge(world)).mfa_token, "backup_code", codes[0], remember_device=True
    )
    await world.mfa.disable(user, "totp", PASSWORD)
    assert done.device_token is not None
    assert await world.mfa.devices(user.id) == []


async def test_backup_codes_need_an_active_factor(world: World) -> None:
    user = await world.accounts.register(EMAIL, PASSWORD)
    with pytest.raises(Conflict):
        await world.mfa.regenerate_backup_codes(user, PASSWORD)


async def test_regenerating_mails_a_security_notice(world: World) -> None:
    user, _, _ = await user_with_totp(world)
    assert len(await world.mfa.regenerate_backup_codes(user, PASSWORD)) == 10
    assert "New backup codes" in world.outbox.last_to(EMAIL).text


async def test_a_failing_notice_does_not_undo_the_change(world: World) -> None:
    user, _, _ = await user_with_totp(world)
    world.outbox.failing = True
    await world.mfa.disable(user, "totp", PASSWORD)
    assert not (await world.mfa.status(user.id)).enabled


# --- remembered devices ---------------------------------------------------------------


async def test_a_device_can_be_forgotten_by_its_owner_only(world: World) -> None:
    user, _, codes = await user_with_totp(world)
    await world.mfa.verify_login(
        (await challenge(world)).mfa_token, "backup_code", codes[0], remember_device=True
    )
    (device,) = await world.mfa.devices(user.id)
    with pytest.raises(NotFound):
        await world.mfa.revoke_device("someone-else", device.id)
    await world.mfa.revoke_device(user.id, device.id)
    assert await world.mfa.devices(user.id) == []


async def test_a_device_records_its_last_use(world: World) -> None:
    user, _, codes = await user_with_totp(world)
    done = await world.mfa.verify_login(
        (await challenge(world)).mfa_token, "backup_code", codes[0], remember_device=True
    )
    assert done.device_token is not None
    world.clock.advance(timedelta(hours=1))
    assert isinstance(
        await world.accounts.login(EMAIL, PASSWORD, device_token=done.device_token), TokenPair
    )
    (device,) = await world.mfa.devices(user.id)
    assert device.last_used_at == world.clock.now()


async def test_an_absurd_device_token_is_not_trusted(world: World) -> None:
    user, _, _ = await user_with_totp(world)
    assert not await world.mfa.gate.device_trusted(user, "x" * 1000)
    assert not await world.mfa.gate.device_trusted(user, "")


@pytest.mark.parametrize(("key", "ttl"), [(b"short", timedelta(days=1)), (b"k" * 32, timedelta(0))])
def test_unsafe_device_trust_settings_are_refused(
    clock: FrozenClock, key: bytes, ttl: timedelta
) -> None:
    with pytest.raises(ImproperlyConfigured):
        DeviceTrust(MemoryTrustedDeviceStore(), clock, key, ttl=ttl)


# --- key rotation ---------------------------------------------------------------------


async def test_a_secret_under_the_previous_key_still_works_and_is_re_encrypted(
    clock: FrozenClock,
) -> None:
    old_settings = Settings(_env_file=None, secret_key=OLD_SECRET)
    new_settings = Settings(_env_file=None, secret_key=SECRET)
    old = FieldEncryptor.from_settings(old_settings)
    world = build(clock, old)
    user, secret, _ = await user_with_totp(world)
    rotated = FieldEncryptor.from_settings(new_settings, [OLD_SECRET])
    world.mfa.totp.encryptor = rotated
    factor = await world.mfa.gate.factors.get(user.id, "totp")
    assert factor is not None
    assert factor.secret_encrypted is not None
    assert rotated.needs_rotation(factor.secret_encrypted)

    pending = await challenge(world)
    await world.mfa.verify_login(pending.mfa_token, "totp", pyotp.TOTP(secret).at(clock.now()))
    factor = await world.mfa.gate.factors.get(user.id, "totp")
    assert factor is not None
    assert factor.secret_encrypted is not None
    assert not rotated.needs_rotation(factor.secret_encrypted)
    assert rotated.decrypt(factor.secret_encrypted) == secret
