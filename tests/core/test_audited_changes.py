"""Security-relevant changes and their audit rows land together or not at all (SQL backends)."""

from __future__ import annotations

from dataclasses import dataclass

import anyio
import pytest

from pa_core.accounts import AccountService
from pa_core.audit import AuditContext, AuditEvent, AuditFilter, AuditRecorder
from pa_core.audit.sqlalchemy import SqlAuditLog
from pa_core.auth import Principal
from pa_core.clock import FrozenClock
from pa_core.config import Settings
from pa_core.database import Database
from pa_core.email import EmailTemplates, MemoryOutbox
from pa_core.kv import MemoryKeyValueStore
from pa_core.pagination import PageRequest
from pa_core.password_policy import PasswordPolicy
from pa_core.passwords import PasswordHasher
from pa_core.ratelimit import FailureBackoff, RateLimiter
from pa_core.rbac import (
    ADMINISTRATOR,
    USER,
    Permission,
    PermissionService,
    Role,
    RoleAdministration,
)
from pa_core.rbac.admin import ROLES_CHANGED_ACTION
from pa_core.rbac.sqlalchemy import SqlRoleStore
from pa_core.refresh_tokens import MemoryRefreshTokenStore, RefreshTokenService
from pa_core.sessions import MemorySessionStore, SessionService
from pa_core.tokens import TokenService
from pa_core.users import User
from pa_core.users.sqlalchemy import SqlUserRepository

pytestmark = pytest.mark.anyio


class AuditStorageFailed(RuntimeError):
    """The forced failure of an audit write."""


class FailingAuditLog(SqlAuditLog):
    """Writes the row, then fails: the enclosing transaction must roll everything back."""

    async def record(self, event: AuditEvent) -> None:
        await super().record(event)
        raise AuditStorageFailed()


@dataclass
class Admin:
    database: Database
    users: SqlUserRepository
    roles: SqlRoleStore
    admin: RoleAdministration


def administration(database: Database, clock: FrozenClock, log: SqlAuditLog) -> Admin:
    users = SqlUserRepository(database)
    roles = SqlRoleStore(database)
    audit = AuditRecorder(log, clock)
    kv = MemoryKeyValueStore(clock, namespace="pa")
    permissions = PermissionService(roles, users, kv, audit=audit)
    return Admin(
        database, users, roles, RoleAdministration(users, roles, permissions, audit, log, clock)
    )


@pytest.fixture
async def ada(database: Database, clock: FrozenClock) -> str:
    now = clock.now()
    await SqlUserRepository(database).add(
        User(
            id="ada",
            email="ada@example.com",
            password_hash=None,
            created_at=now,
            updated_at=now,
            roles=(USER,),
        )
    )
    return "ada"


async def audit_rows(database: Database) -> list[AuditEvent]:
    return list((await SqlAuditLog(database).list(AuditFilter(), PageRequest())).items)


async def test_a_role_change_whose_audit_write_fails_leaves_no_change(
    database: Database, clock: FrozenClock, ada: str
) -> None:
    world = administration(database, clock, FailingAuditLog(database))
    with pytest.raises(AuditStorageFailed):
        await world.admin.set_roles(None, ada, [USER, ADMINISTRATOR])
    user = await world.users.get(ada)
    assert user is not None
    assert user.roles == (USER,)
    assert await audit_rows(database) == []


async def test_a_role_change_and_its_audit_row_land_together(
    database: Database, clock: FrozenClock, ada: str
) -> None:
    world = administration(database, clock, SqlAuditLog(database))
    await world.admin.set_roles(None, ada, [USER, ADMINISTRATOR])
    user = await world.users.get(ada)
    assert user is not None
    assert set(user.roles) == {USER, ADMINISTRATOR}
    (row,) = await audit_rows(database)
    assert (row.action, row.target_id) == (ROLES_CHANGED_ACTION, ada)


async def test_a_200_character_ip_and_a_huge_user_agent_never_fail_a_role_change(
    database: Database, clock: FrozenClock, ada: str
) -> None:
    world = administration(database, clock, SqlAuditLog(database))
    context = AuditContext(ip="1" * 200, user_agent="x\x00" * 100_000, request_id="r" * 1000)
    await world.admin.set_roles(None, ada, [USER, ADMINISTRATOR], context=context)
    (row,) = await audit_rows(database)
    assert row.ip is None
    assert row.user_agent == "x" * 512


async def test_a_role_definition_whose_audit_write_fails_is_not_stored(
    database: Database, clock: FrozenClock
) -> None:
    auditor = Role("auditor", "reads reports", parents=(USER,))
    await administration(database, clock, SqlAuditLog(database)).admin.define_role(None, auditor)
    world = administration(database, clock, FailingAuditLog(database))
    with pytest.raises(AuditStorageFailed):
        await world.admin.define_permission(None, Permission("reports:read"))
    with pytest.raises(AuditStorageFailed):
        await world.admin.define_role(None, Role("auditor", "changed", parents=(USER,)))
    with pytest.raises(AuditStorageFailed):
        await world.admin.delete_role(None, "auditor")
    catalogue = await world.roles.load()
    assert "reports:read" not in catalogue.permissions
    assert catalogue.roles["auditor"] == auditor


async def test_a_nested_transaction_joins_the_outer_one(database: Database) -> None:
    log = SqlAuditLog(database)

    async def record_then_fail() -> None:
        async with database.transaction():
            async with log.atomic():
                await AuditRecorder(log, FrozenClock()).record("test.inner")
            raise AuditStorageFailed()

    with pytest.raises(AuditStorageFailed):
        await record_then_fail()
    assert await audit_rows(database) == []


async def test_a_task_started_inside_a_transaction_uses_its_own_session(
    database: Database, clock: FrozenClock
) -> None:
    recorder = AuditRecorder(SqlAuditLog(database), clock)

    async def child_records_then_parent_fails() -> None:
        async with database.transaction():
            async with anyio.create_task_group() as tg:
                tg.start_soon(recorder.record, "test.child")
            raise AuditStorageFailed()

    with pytest.raises(AuditStorageFailed):
        await child_records_then_parent_fails()
    assert [e.action for e in await audit_rows(database)] == ["test.child"]


def accounts(database: Database, clock: FrozenClock, log: SqlAuditLog) -> AccountService:
    settings = Settings(_env_file=None, secret_key="a-test-master-secret-of-plenty-length-0123")
    kv = MemoryKeyValueStore(clock)
    key = settings.purpose_key("rate-limit-keys")
    return AccountService(
        users=SqlUserRepository(database),
        hasher=PasswordHasher(),
        policy=PasswordPolicy.from_settings(settings),
        tokens=TokenService.from_settings(settings, clock),
        sessions=SessionService(MemorySessionStore(), clock),
        refresh_tokens=RefreshTokenService(MemoryRefreshTokenStore(), clock),
        email=MemoryOutbox(),
        templates=EmailTemplates.from_settings(settings),
        limiter=RateLimiter(kv, key_secret=key),
        login_backoff=FailureBackoff(kv, key_secret=key),
        one_time=kv,
        audit=AuditRecorder(log, clock),
        clock=clock,
        fingerprint_key=settings.purpose_key("password-fingerprint"),
    )


async def test_a_password_change_whose_audit_write_fails_keeps_the_old_password(
    database: Database, clock: FrozenClock
) -> None:
    user = await accounts(database, clock, SqlAuditLog(database)).register(
        "ada@example.com", "correct horse battery staple"
    )
    failing = accounts(database, clock, FailingAuditLog(database))
    principal = Principal(user.id, "s1", "t1", clock.now())
    with pytest.raises(AuditStorageFailed):
        await failing.change_password(
            principal, "correct horse battery staple", "a brand new long passphrase"
        )
    stored = await SqlUserRepository(database).get(user.id)
    assert stored is not None
    assert stored.password_hash == user.password_hash
