"""Accounts without any web framework: register, verify, log in, authenticate, log out."""

import asyncio
from urllib.parse import parse_qs, urlsplit

from pa_core.accounts import AccountService, TokenPair
from pa_core.audit import AuditRecorder, MemoryAuditLog
from pa_core.auth import Authenticator
from pa_core.clock import SystemClock
from pa_core.email import EmailTemplates, MemoryOutbox
from pa_core.errors import InvalidToken
from pa_core.kv import MemoryKeyValueStore
from pa_core.password_policy import PasswordPolicy
from pa_core.passwords import PasswordHasher
from pa_core.ratelimit import FailureBackoff, RateLimiter
from pa_core.refresh_tokens import MemoryRefreshTokenStore, RefreshTokenService
from pa_core.sessions import MemorySessionStore, SessionService
from pa_core.tokens import KeySet, SigningKey, TokenService
from pa_core.users import MemoryUserRepository


def build() -> tuple[AccountService, Authenticator, MemoryOutbox]:
    clock = SystemClock()
    kv = MemoryKeyValueStore(clock)
    tokens = TokenService(
        KeySet(SigningKey.hs256(b"a 32-byte secret from settings!!")),
        issuer="example",
        audience="example",
        clock=clock,
    )
    sessions = SessionService(MemorySessionStore(), clock)
    outbox = MemoryOutbox()
    accounts = AccountService(
        users=MemoryUserRepository(),
        hasher=PasswordHasher(),
        policy=PasswordPolicy(),
        tokens=tokens,
        sessions=sessions,
        refresh_tokens=RefreshTokenService(MemoryRefreshTokenStore(), clock),
        email=outbox,
        templates=EmailTemplates("https://assistant.example"),
        limiter=RateLimiter(kv),
        login_backoff=FailureBackoff(kv),
        one_time=kv,
        audit=AuditRecorder(MemoryAuditLog(), clock),
        clock=clock,
        fingerprint_key=b"another secret for reset tokens!",
    )
    return accounts, Authenticator(tokens, sessions), outbox


async def main() -> None:
    accounts, authenticator, outbox = build()
    await accounts.register("ada@example.com", "correct horse battery staple")

    link = outbox.last_to("ada@example.com").links()[0]
    token = parse_qs(urlsplit(link).query)["token"][0]
    user = await accounts.verify_email(token)
    print("verified:", user.email_verified)

    result = await accounts.login("ada@example.com", "correct horse battery staple")
    assert isinstance(result, TokenPair)
    principal = await authenticator.authenticate(f"Bearer {result.access_token}")
    print("authenticated:", principal.user_id == user.id)

    await accounts.logout(principal)
    try:
        await authenticator.authenticate(f"Bearer {result.access_token}")
    except InvalidToken:
        print("after logout: refused")


if __name__ == "__main__":
    asyncio.run(main())
