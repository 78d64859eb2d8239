"""Builds every library service from the settings, once per process, and closes them.

This is wiring only: which backend each contract gets (embedded or real) follows
from the ``PA_`` settings. No business rule lives here. Each domain package wires
its own services (``accounts/services.py``, ``mfa/services.py``, ``sms/services.py``
...); this module composes them in named steps:

1. :func:`_foundation` opens what everything stands on (database, key-value
   store, SMS transport, audit) and closes it last;
2. :func:`_shared_services` builds what both apps serve (SMS routing and usage,
   the conversations the assistant writes to, roles and permissions);
3. :func:`_app_services` adds what only the reference app serves (accounts,
   tokens, sessions, MFA, profiles, preferences);
4. :func:`_running` warms the database, starts the background work, and stops it.

Handlers never see these containers: each domain's ``providers.py`` hands a route
the one service it uses. Tests reach the container as ``app.state.services``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any

from litestar.datastructures import State

from examples.litestar_app.accounts.services import build_account_service
from examples.litestar_app.conversations.services import (
    AssistantServices,
    build_assistant_services,
)
from examples.litestar_app.core.settings import AppSettings
from examples.litestar_app.mfa.services import build_mfa_gate, build_mfa_service
from examples.litestar_app.sms.services import (
    SmsJobQueue,
    SmsServices,
    build_sms_sender,
    build_sms_services,
)
from examples.litestar_app.sms.usage_services import SmsUsageServices, build_sms_usage_services
from pa_core.accounts import AccountService
from pa_core.audit import AuditRecorder
from pa_core.audit.sqlalchemy import SqlAuditLog
from pa_core.auth import Authenticator
from pa_core.clock import Clock, SystemClock
from pa_core.database import Database
from pa_core.email import EmailSender, MailDispatcher, email_sender_from_settings
from pa_core.kv import KeyValueStore, MemoryKeyValueStore
from pa_core.mfa import MfaService
from pa_core.migrations import upgrade_async
from pa_core.preferences import PreferencesService
from pa_core.preferences.sqlalchemy import SqlPreferencesRepository
from pa_core.profiles import UserProfileService
from pa_core.rbac import DEFAULT_REGISTRY, PermissionService, RoleAdministration, RoleStore
from pa_core.rbac.sqlalchemy import SqlRoleStore
from pa_core.refresh_tokens import (
    MemoryRefreshTokenStore,
    RefreshTokenService,
    RefreshTokenStore,
)
from pa_core.sessions import MemorySessionStore, SessionService, SessionStore
from pa_core.sessions.cache import CachedSessionStore
from pa_core.tokens import TokenService
from pa_core.users import UserRepository
from pa_core.users.sqlalchemy import SqlUserRepository
from pa_sms.conversation_recorder import ConversationServiceRecorder
from pa_sms.transports import SmsTransport

__all__ = [
    "Services",
    "SharedServices",
    "app_services",
    "build_services",
    "build_sms_app_services",
    "shared_services",
]


@dataclass
class SharedServices:
    """What both the reference app and the SMS webhook service build from the settings.

    The SMS service (``sms_app.py``) builds only these: Twilio's webhooks route to
    agents that write into the user's conversations and reply under the user's
    quota, which the roles and permissions decide.
    """

    settings: AppSettings
    clock: Clock
    database: Database
    kv: KeyValueStore
    users: UserRepository
    email: EmailSender
    audit: AuditRecorder
    sms_sender: SmsTransport
    roles: RoleStore
    permissions: PermissionService
    administration: RoleAdministration
    assistant: AssistantServices
    sms: SmsServices
    sms_usage: SmsUsageServices

    @property
    def sms_queue(self) -> SmsJobQueue:
        """The queue running SMS agents outside requests (tests ``await`` its ``join()``)."""
        return self.sms.queue


@dataclass
class Services(SharedServices):
    """Everything the reference app's routes need, built from the settings."""

    tokens: TokenService
    sessions: SessionService
    refresh_tokens: RefreshTokenService
    mail: MailDispatcher
    authenticator: Authenticator
    accounts: AccountService
    mfa: MfaService
    profiles: UserProfileService
    preferences: PreferencesService


def shared_services(state: State) -> SharedServices:
    """The services either app built at start-up (``app.state.services``)."""
    services: SharedServices = state.services
    return services


def app_services(state: State) -> Services:
    """The reference app's services, built at start-up (``app.state.services``)."""
    services: Services = state.services
    return services


@dataclass
class _Stores:
    kv: KeyValueStore
    sessions: SessionStore
    refresh_tokens: RefreshTokenStore
    close: Callable[[], Awaitable[None]]


def _stores(settings: AppSettings, clock: Clock) -> _Stores:
    """Redis when ``PA_REDIS_URL`` is set (one client shared), else in-memory."""
    if settings.redis_url:
        from pa_core.kv.redis import RedisKeyValueStore, create_redis_client
        from pa_core.refresh_tokens.redis import RedisRefreshTokenStore
        from pa_core.sessions.redis import RedisSessionStore
        from pa_core.sessions.redis_revocations import RedisRevocationChannel

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


@dataclass
class _Foundation:
    """What every service stands on; opened first, closed last."""

    settings: AppSettings
    clock: Clock
    database: Database
    stores: _Stores
    users: UserRepository
    email: EmailSender
    audit: AuditRecorder
    sms_sender: SmsTransport


@asynccontextmanager
async def _foundation(
    settings: AppSettings, clock: Clock | None, email: EmailSender | None
) -> AsyncIterator[_Foundation]:
    """Migrate if configured, open the database, stores and SMS transport; close them after."""
    settings.check_production()
    clock = clock or SystemClock()
    if settings.should_auto_migrate:
        await upgrade_async(settings.effective_database_url)
    database = _database(settings)
    stores = _stores(settings, clock)
    sms_sender, close_sms = await build_sms_sender(settings)
    try:
        yield _Foundation(
            settings=settings,
            clock=clock,
            database=database,
            stores=stores,
            users=SqlUserRepository(database),
            email=email or email_sender_from_settings(settings, clock=clock),
            audit=AuditRecorder(SqlAuditLog(database), clock),
            sms_sender=sms_sender,
        )
    finally:
        await close_sms()
        await stores.close()
        await database.dispose()


def _shared_services(base: _Foundation) -> SharedServices:
    """SMS routing and usage, the conversations they write to, roles and permissions."""
    settings, clock, database, kv = base.settings, base.clock, base.database, base.stores.kv
    assistant = build_assistant_services(settings, clock, database=database, audit=base.audit)
    roles = SqlRoleStore(database)
    permissions = PermissionService(roles, base.users, kv, audit=base.audit)
    sms = build_sms_services(
        settings,
        clock,
        database=database,
        kv=kv,
        users=base.users,
        transport=base.sms_sender,
        audit=base.audit,
        recorder=ConversationServiceRecorder(assistant.conversations),
    )
    return SharedServices(
        settings=settings,
        clock=clock,
        database=database,
        kv=kv,
        users=base.users,
        email=base.email,
        audit=base.audit,
        sms_sender=base.sms_sender,
        roles=roles,
        permissions=permissions,
        administration=RoleAdministration(
            base.users, roles, permissions, base.audit, base.audit.log, clock
        ),
        assistant=assistant,
        sms=sms,
        sms_usage=build_sms_usage_services(
            settings,
            clock,
            database=database,
            sms=sms,
            permissions=permissions,
            users=base.users,
            email=base.email,
        ),
    )


def _app_services(shared: SharedServices, base: _Foundation) -> Services:
    """Add accounts, tokens, sessions, MFA, profiles and preferences to ``shared``."""
    settings, clock, kv = base.settings, base.clock, base.stores.kv
    tokens = TokenService.from_settings(settings, clock)
    sessions = SessionService(
        base.stores.sessions,
        clock,
        ttl=timedelta(seconds=settings.session_ttl),
        max_per_user=settings.session_max_per_user,
    )
    refresh_tokens = RefreshTokenService(
        base.stores.refresh_tokens, clock, ttl=timedelta(seconds=settings.refresh_token_ttl)
    )
    mail = MailDispatcher(base.email)
    gate = build_mfa_gate(settings, clock, base.database)
    accounts = build_account_service(
        settings,
        clock,
        users=base.users,
        tokens=tokens,
        sessions=sessions,
        refresh_tokens=refresh_tokens,
        email=base.email,
        mail=mail,
        kv=kv,
        audit=base.audit,
        gate=gate,
    )
    mfa = build_mfa_service(
        settings,
        clock,
        gate=gate,
        accounts=accounts,
        kv=kv,
        audit=base.audit,
        sms_sender=base.sms_sender,
    )
    shared_fields: dict[str, Any] = {f.name: getattr(shared, f.name) for f in fields(shared)}
    return Services(
        **shared_fields,
        tokens=tokens,
        sessions=sessions,
        refresh_tokens=refresh_tokens,
        mail=mail,
        authenticator=Authenticator(tokens, sessions),
        accounts=accounts,
        mfa=mfa,
        profiles=UserProfileService(base.users, clock, base.audit),
        preferences=PreferencesService(SqlPreferencesRepository(base.database), clock, base.audit),
    )


@asynccontextmanager
async def _running(
    services: SharedServices, mail: MailDispatcher | None = None
) -> AsyncIterator[None]:
    """Warm the database, sync the roles, start the background work; stop it all after."""
    try:
        await services.database.warm()
        if services.settings.should_auto_migrate:  # the code registry is the source of truth
            await services.administration.sync(DEFAULT_REGISTRY)
        await services.sms.start()
        if services.sms.run_worker:  # else the sms-worker processes refresh the rollups
            await services.sms_usage.start()
        yield
    finally:
        if mail is not None:
            await mail.aclose()  # pending reset and verification mail goes out first
        await services.sms_usage.close()
        await services.assistant.close()
        await services.sms.close()


@asynccontextmanager
async def build_services(
    settings: AppSettings, clock: Clock | None = None, email: EmailSender | None = None
) -> AsyncIterator[Services]:
    """Create the reference app's services for ``settings`` (migrating first if configured)."""
    async with _foundation(settings, clock, email) as base:
        services = _app_services(_shared_services(base), base)
        async with _running(services, services.mail):
            yield services


@asynccontextmanager
async def build_sms_app_services(
    settings: AppSettings, clock: Clock | None = None
) -> AsyncIterator[SharedServices]:
    """Create only what the SMS webhook service needs (no accounts, tokens or MFA)."""
    async with _foundation(settings, clock, None) as base:
        services = _shared_services(base)
        async with _running(services):
            yield services
