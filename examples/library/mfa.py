"""Two-step login with pa_core alone: no web framework, embedded stores, pyotp as the phone."""

import asyncio

import pyotp

from pa_core.accounts import AccountService, MfaChallenge, TokenPair
from pa_core.audit import AuditRecorder, MemoryAuditLog
from pa_core.clock import SystemClock
from pa_core.config import Settings
from pa_core.crypto import FieldEncryptor
from pa_core.email import EmailTemplates, MemoryOutbox
from pa_core.kv import MemoryKeyValueStore
from pa_core.mfa import (
    BackupCodes,
    DeviceTrust,
    MemoryBackupCodeStore,
    MemoryMfaFactorStore,
    MemoryTrustedDeviceStore,
    MfaGate,
    MfaService,
    SmsCodeService,
    TotpService,
    backup_codes,
    devices,
    sms_codes,
)
from pa_core.password_policy import PasswordPolicy
from pa_core.passwords import PasswordHasher
from pa_core.ratelimit import FailureBackoff, RateLimiter
from pa_core.refresh_tokens import MemoryRefreshTokenStore, RefreshTokenService
from pa_core.sessions import MemorySessionStore, SessionService
from pa_core.tokens import TokenService
from pa_core.users import MemoryUserRepository


class Phone:
    """An SmsSender that keeps the texts instead of sending them."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    async def send_text(self, to: str, body: str) -> str:
        self.texts.append(body)
        return f"SM{len(self.texts)}"


async def main() -> None:
    settings = Settings(secret_key="an-example-master-secret-of-enough-length")
    clock = SystemClock()
    kv = MemoryKeyValueStore(clock)
    audit = AuditRecorder(MemoryAuditLog(), clock)
    key = settings.purpose_key("rate-limit-keys")

    # The gate reads factors and devices; the account service asks it at login.
    gate = MfaGate(
        MemoryMfaFactorStore(),
        MemoryBackupCodeStore(),
        DeviceTrust(MemoryTrustedDeviceStore(), clock, settings.purpose_key(devices.KEY_PURPOSE)),
    )
    tokens = TokenService.from_settings(settings, clock)
    accounts = AccountService(
        users=MemoryUserRepository(),
        hasher=PasswordHasher(),
        policy=PasswordPolicy.from_settings(settings),
        tokens=tokens,
        sessions=SessionService(MemorySessionStore(), clock),
        refresh_tokens=RefreshTokenService(MemoryRefreshTokenStore(), clock),
        email=MemoryOutbox(),
        templates=EmailTemplates.from_settings(settings),
        limiter=RateLimiter(kv, key_secret=key),
        login_backoff=FailureBackoff(kv, key_secret=key),
        one_time=kv,
        audit=audit,
        clock=clock,
        fingerprint_key=settings.purpose_key("password-fingerprint"),
        second_factor=gate,
    )
    phone = Phone()
    mfa = MfaService(
        gate=gate,
        accounts=accounts,
        totp=TotpService(FieldEncryptor.from_settings(settings), "PA Assistant", clock),
        sms=SmsCodeService(
            kv.with_namespace("sms"), phone, clock, settings.purpose_key(sms_codes.KEY_PURPOSE)
        ),
        backup_codes=BackupCodes(settings.purpose_key(backup_codes.KEY_PURPOSE)),
        audit=audit,
        clock=clock,
        one_time=kv,
        limiter=RateLimiter(kv, key_secret=key),
        backoff=FailureBackoff(kv, name="mfa", key_secret=key),
    )

    user = await accounts.register("ada@example.com", "correct horse battery staple")

    # Set up TOTP (a sensitive action: the password, or a login under 5 minutes old).
    # Nothing changes until a first code confirms it.
    setup = await mfa.start_totp(user, password="correct horse battery staple")
    app = pyotp.TOTP(setup.secret)  # the user's authenticator app
    print(setup.otpauth_uri.startswith("otpauth://totp/PA%20Assistant:ada%40example.com"))
    codes = await mfa.confirm_totp(user, app.now())
    print(len(codes), "backup codes;", await mfa.status(user.id))

    # The password alone no longer logs in: it earns an MFA token.
    challenge = await accounts.login("ada@example.com", "correct horse battery staple")
    assert isinstance(challenge, MfaChallenge)
    print("methods:", list(challenge.methods))

    # The second step: a backup code (a TOTP code of this time step was used already).
    done = await mfa.verify_login(
        challenge.mfa_token, "backup_code", codes[0], remember_device=True
    )
    print("logged in with", done.method, isinstance(done.tokens, TokenPair))

    # On the remembered device the password is enough.
    again = await accounts.login(
        "ada@example.com", "correct horse battery staple", device_token=done.device_token
    )
    print("remembered device skips the second step:", isinstance(again, TokenPair))
    print(await mfa.status(user.id))


if __name__ == "__main__":
    asyncio.run(main())
