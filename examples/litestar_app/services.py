"""Builds every library service from the settings, once per process, and closes them.

This is wiring only: which backend each contract gets (embedded or real) follows
from the ``PA_`` settings. No business rule lives here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from examples.litestar_app.core.settings import AppSettings
from examples.litestar_app.schemas import MfaOut, UserOut
from examples.litestar_app.services_conversations import (
    AssistantServices,
    build_assistant_services,
)
from examples.litestar_app.services_mfa import build_mfa_gate, build_mfa_service, build_sms_sender
from examples.litestar_app.services_sms import SmsJobQueue, SmsServices, build_sms_services
from examples.litestar_app.services_sms_usage import SmsUsageServices, build_sms_usage_services
from pa_core.accounts import AccountLimits, AccountService, AccountTimes
from pa_core.audit import AuditRecorder
from pa_core.auth import Authenticator
from pa_core.clock import Clock, SystemClock
from pa_core.email import (
    EmailSender,
    EmailTemplates,
    MailDispatcher,
    email_sender_from_settings,
)
from pa_core.mfa import MfaService
from pa_core.migrations import upgrade_async
from pa_core.password_policy import PasswordPolicy
from pa_core.passwords import PasswordHasher
from pa_core.ratelimit import FailureBackoff, RateLimit, RateLimiter
from pa_core.rbac import DEFAULT_REGISTRY, PermissionService, RoleAdministration, RoleStore
from pa_core.refresh_tokens import (
    MemoryRefreshTokenStore,
    RefreshTokenService,
    RefreshTokenStore,
)
from pa_core.sessions import MemorySessionStore, SessionService, SessionStore
from pa_core.sessions.cache import CachedSessionStore
from pa_core.stores import KeyValueStore, MemoryKeyValueStore
from pa_core.stores.sqlalchemy import Database, SqlAuditLog, SqlUserRepository
from pa_core.stores.sqlalchemy.roles import SqlRoleStore
from pa_core.tokens import TokenService
from pa_core.users import User, UserRepository
from pa_sms.conversation_recorder import ConversationServiceRecorder
from pa_sms.transports import SmsTransport

__all__ = ["Services", "build_services"]


@dataclass
class Services:
    """Everything the routes need, built from the settings."""

    settings: AppSettings
    clock: Clock
    database: Database
    kv: KeyValueStore
    users: UserRepository
    tokens: TokenService
    sessions: SessionService
    refresh_tokens: RefreshTokenService
    email: EmailSender
    mail: MailDispatcher
    audit: AuditRecorder
    authenticator: Authenticator
    accounts: AccountService
    mfa: MfaService
    sms_sender: SmsTransport
    roles: RoleStore
    permissions: PermissionService
    administration: RoleAdministration
    sms: SmsServices
    assistant: AssistantServices
    sms_usage: SmsUsageServices = field(init=False)

    @property
    def sms_queue(self) -> SmsJobQueue:
        """The queue running SMS agents outside requests (tests ``await`` its ``join()``)."""
        return self.sms.queue

    async def user_out(self, user: User) -> UserOut:
        """The API's user object, with the state of the user's second factors."""
        status = await self.mfa.status(user.id)
        return UserOut.of(user, MfaOut(status.totp, status.sms, status.backup_codes_remaining))


@dataclass
class _Stores:
    kv: KeyValueStore
    sessions: SessionStore
    refresh_tokens: RefreshTokenStore
    close: Callable[[], Awaitable[None]]


def _stores(settings: AppSettings, clock: Clock) -> _Stores:
    """Redis when ``PA_REDIS_URL`` is set (one client shared), else in-memory."""
    if settings.redis_url:
        from pa_core.refresh_tokens.redis import RedisRefreshTokenStore
        from pa_core.sessions.redis import RedisSessionStore
        from pa_core.sessions.redis_revocations import RedisRevocationChannel
        from pa_core.stores.redis import RedisKeyValueStore, create_redis_client

        client = create_redis_client(settings.redis_url, settings.redis_timeout)
        kv = RedisKeyValueStore(client, namespace="pa")
        sessions = CachedSessionStore(RedisSessionStore(client), RedisRevocationChannel(client))

        async def close() -> None:
            await sessions.channel.close()
            await kv.close()

        return _Stores(kv, sessions, RedisRefreshTokenStore(client), close)
    memory = MemoryKeyValueStore(clock, namespace="pa")
    return _Stores(memory, MemorySessionStore(), MemoryRefreshTokenStore(), memory.close)


def _database(settings: AppSettings) -> Database:
    return Database(
        settings.effective_database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        pool_recycle=settings.db_pool_recycle,
        pool_pre_ping=settings.db_pool_pre_ping,
        pre_ping_idle=settings.db_pool_pre_ping_idle,
        connect_timeout=settings.db_connect_timeout,
        echo=settings.db_echo,
    )


@asynccontextmanager
async def build_services(
    settings: AppSettings, clock: Clock | None = None, email: EmailSender | None = None
) -> AsyncIterator[Services]:
    """Create the services for ``settings`` (migrating first if configured); close them after."""
    settings.check_production()
    clock = clock or SystemClock()
    if settings.should_auto_migrate:
        await upgrade_async(settings.effective_database_url)
    database = _database(settings)
    stores = _stores(settings, clock)
    users = SqlUserRepository(database)
    tokens = TokenService.from_settings(settings, clock)
    sessions = SessionService(
        stores.sessions,
        clock,
        ttl=timedelta(seconds=settings.session_ttl),
        max_per_user=settings.session_max_per_user,
    )
    refresh_tokens = RefreshTokenService(
        stores.refresh_tokens, clock, ttl=timedelta(seconds=settings.refresh_token_ttl)
    )
    email = email or email_sender_from_settings(settings, clock=clock)
    mail = MailDispatcher(email)
    audit = AuditRecorder(SqlAuditLog(database), clock)
    limit_key = settings.purpose_key("rate-limit-keys")
    sms_sender, close_sms = await build_sms_sender(settings)
    mfa_gate = build_mfa_gate(settings, clock, database)
    accounts = AccountService(
        users=users,
        hasher=PasswordHasher(),
        policy=PasswordPolicy.from_settings(settings),
        tokens=tokens,
        sessions=sessions,
        refresh_tokens=refresh_tokens,
        email=email,
        templates=EmailTemplates.from_settings(settings),
        limiter=RateLimiter(stores.kv, key_secret=limit_key),
        login_backoff=FailureBackoff(
            stores.kv,
            max_failures=settings.login_max_failures,
            max_failures_account=settings.login_max_failures_account,
            window=timedelta(seconds=settings.login_failure_window),
            key_secret=limit_key,
        ),
        one_time=stores.kv,
        audit=audit,
        clock=clock,
        fingerprint_key=settings.purpose_key("password-fingerprint"),
        times=AccountTimes(access_token=timedelta(seconds=settings.access_token_ttl)),
        limits=AccountLimits(
            login_per_ip=RateLimit.parse(settings.rate_limit_login_per_ip),
            register_per_ip=RateLimit.parse(settings.rate_limit_register_per_ip),
            email_per_address=RateLimit.parse(settings.rate_limit_email_per_address),
            email_per_ip=RateLimit.parse(settings.rate_limit_email_per_ip),
        ),
        require_verified_email=settings.require_verified_email,
        second_factor=mfa_gate,
        mail=mail,
    )
    mfa = build_mfa_service(
        settings,
        clock,
        gate=mfa_gate,
        accounts=accounts,
        kv=stores.kv,
        audit=audit,
        sms_sender=sms_sender,
    )
    assistant = build_assistant_services(
        settings, clock, database=database, users=users, audit=audit
    )
    roles = SqlRoleStore(database)
    permissions = PermissionService(roles, users, stores.kv, audit=audit)
    services = Services(
        settings=settings,
        clock=clock,
        database=database,
        kv=stores.kv,
        users=users,
        tokens=tokens,
        sessions=sessions,
        refresh_tokens=refresh_tokens,
        email=email,
        mail=mail,
        audit=audit,
        authenticator=Authenticator(tokens, sessions),
        accounts=accounts,
        mfa=mfa,
        sms_sender=sms_sender,
        roles=roles,
        permissions=permissions,
        administration=RoleAdministration(users, roles, permissions, audit, audit.log, clock),
        sms=build_sms_services(
            settings,
            clock,
            database=database,
            kv=stores.kv,
            users=users,
            transport=sms_sender,
            audit=audit,
            recorder=ConversationServiceRecorder(assistant.conversations),
        ),
        assistant=assistant,
    )
    services.sms_usage = build_sms_usage_services(
        settings,
        clock,
        database=database,
        sms=services.sms,
        permissions=permissions,
        users=users,
        email=email,
    )
    try:
        await database.warm()
        if settings.should_auto_migrate:  # the code registry is the source of truth
            await services.administration.sync(DEFAULT_REGISTRY)
        await services.sms.start()
        if services.sms.run_worker:  # else the sms-worker processes refresh the rollups
            await services.sms_usage.start()
        yield services
    finally:
        await mail.aclose()  # pending reset and verification mail goes out first
        await services.sms_usage.close()
        await services.assistant.close()
        await services.sms.close()
        await close_sms()
        await stores.close()
        await database.dispose()
