"""Roles and permissions: registry, checks, ownership, cache, decorator, administration."""

from __future__ import annotations

from dataclasses import dataclass

import anyio
import anyio.lowlevel
import pytest

from pa_core.audit import AuditContext, AuditFilter, AuditRecorder, MemoryAuditLog, Outcome
from pa_core.clock import FrozenClock
from pa_core.errors import LastAdministrator, NotFound, PermissionDenied, ValidationFailed
from pa_core.kv import MemoryKeyValueStore
from pa_core.kv.base import KeyValueStore
from pa_core.pagination import PageRequest
from pa_core.rbac import (
    ADMINISTRATOR,
    DEFAULT_REGISTRY,
    PREMIUM,
    USER,
    MemoryRoleStore,
    OwnedResource,
    Permission,
    Permissions,
    PermissionService,
    Registry,
    Role,
    RoleAdministration,
    owner_of,
    requires,
    trusted_owner,
)
from pa_core.users import MemoryUserRepository, User

pytestmark = pytest.mark.anyio

P = Permissions


@dataclass(frozen=True)
class Caller:
    user_id: str


def perms(*names: str) -> list[Permission]:
    return [Permission(n) for n in names]


# --- registry ----------------------------------------------------------------


def test_premium_inherits_user_and_administrator_inherits_premium() -> None:
    registry = DEFAULT_REGISTRY
    assert registry.inherited_roles([PREMIUM]) == {PREMIUM, USER}
    assert registry.inherited_roles([ADMINISTRATOR]) == {ADMINISTRATOR, PREMIUM, USER}
    assert P.CONVERSATIONS_READ in registry.permissions_of([ADMINISTRATOR])


def test_the_three_default_roles_differ_in_practice() -> None:
    registry = DEFAULT_REGISTRY
    assert P.SMS_QUOTA_PREMIUM not in registry.permissions_of([USER])
    assert P.SMS_QUOTA_PREMIUM in registry.permissions_of([PREMIUM])
    assert P.USERS_MANAGE not in registry.permissions_of([PREMIUM])
    assert P.USERS_MANAGE in registry.permissions_of([ADMINISTRATOR])


def test_a_role_may_have_several_parents() -> None:
    registry = Registry(
        perms("a:read", "b:read"),
        [
            Role("a", permissions=frozenset({"a:read"})),
            Role("b", permissions=frozenset({"b:read"})),
            Role("both", parents=("a", "b")),
        ],
    )
    assert registry.permissions_of(["both"]) == {"a:read", "b:read"}
    assert list(registry.roles)[-1] == "both"


def test_a_direct_cycle_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="cycle: a -> b -> a"):
        Registry([], [Role("a", parents=("b",)), Role("b", parents=("a",))])


def test_a_self_parent_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="cycle"):
        Registry([], [Role("a", parents=("a",))])


def test_a_cycle_through_a_new_role_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="cycle"):
        DEFAULT_REGISTRY.with_role(Role(USER, parents=(ADMINISTRATOR,)))


def test_an_unknown_parent_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="unknown parents"):
        DEFAULT_REGISTRY.with_role(Role("x", parents=("ghost",)))


def test_an_unknown_permission_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="unknown permissions"):
        DEFAULT_REGISTRY.with_role(Role("x", permissions=frozenset({"ghost:read"})))


@pytest.mark.parametrize("name", ["conversations", "Conversations:read", "a:", ":b", "a b:c"])
def test_a_permission_must_be_resource_colon_action(name: str) -> None:
    with pytest.raises(ValidationFailed):
        Permission(name)


@pytest.mark.parametrize("name", ["", "Admin", "a b", "x" * 65])
def test_a_role_name_must_be_a_lower_case_slug(name: str) -> None:
    with pytest.raises(ValidationFailed):
        Role(name)


def test_descriptions_have_a_length_limit() -> None:
    with pytest.raises(ValidationFailed):
        Permission("a:b", "x" * 256)
    with pytest.raises(ValidationFailed):
        Role("a", "x" * 256)


def test_duplicates_are_refused() -> None:
    with pytest.raises(ValidationFailed, match="twice"):
        Registry(perms("a:b", "a:b"), [])
    with pytest.raises(ValidationFailed, match="twice"):
        Registry([], [Role("a"), Role("a")])


def test_a_role_others_inherit_from_cannot_be_removed() -> None:
    with pytest.raises(ValidationFailed, match="inherit"):
        DEFAULT_REGISTRY.without_role(USER)
    assert not DEFAULT_REGISTRY.without_role(ADMINISTRATOR).has_role(ADMINISTRATOR)


def test_registries_compare_by_content() -> None:
    rebuilt = Registry(DEFAULT_REGISTRY.permissions.values(), DEFAULT_REGISTRY.roles.values())
    assert rebuilt == DEFAULT_REGISTRY
    assert hash(rebuilt) == hash(DEFAULT_REGISTRY)
    assert DEFAULT_REGISTRY != "registry"
    assert "administrator" in repr(DEFAULT_REGISTRY)


def test_unknown_roles_grant_nothing() -> None:
    assert DEFAULT_REGISTRY.permissions_of(["ghost"]) == frozenset()


# --- checks --------------------------------------------------------------------


class World:
    """Users, a role store, an audit log and a permission service over one KV store."""

    def __init__(self, clock: FrozenClock, kv: KeyValueStore | None = None) -> None:
        self.clock = clock
        self.users = MemoryUserRepository()
        self.roles = MemoryRoleStore(DEFAULT_REGISTRY)
        self.log = MemoryAuditLog()
        self.audit = AuditRecorder(self.log, clock)
        self.kv = kv or MemoryKeyValueStore(clock, namespace="pa")
        self.permissions = self.service()
        self.admin = RoleAdministration(
            self.users, self.roles, self.permissions, self.audit, self.log, clock
        )

    def service(self) -> PermissionService:
        return PermissionService(self.roles, self.users, self.kv, audit=self.audit)

    async def user(self, user_id: str, *roles: str) -> Caller:
        now = self.clock.now()
        await self.users.add(
            User(
                id=user_id,
                email=f"{user_id}@example.com",
                password_hash=None,
                created_at=now,
                updated_at=now,
                roles=roles or (USER,),
            )
        )
        return Caller(user_id)


@pytest.fixture
def world(clock: FrozenClock) -> World:
    return World(clock)


async def test_a_user_holds_the_user_permissions(world: World) -> None:
    ada = await world.user("ada")
    assert await world.permissions.check(ada, P.CONVERSATIONS_READ)
    assert not await world.permissions.check(ada, P.USERS_MANAGE)


async def test_an_administrator_holds_inherited_permissions(world: World) -> None:
    root = await world.user("root", ADMINISTRATOR)
    grants = await world.permissions.grants_for(root)
    assert grants.effective_roles == {ADMINISTRATOR, PREMIUM, USER}
    assert P.SMS_QUOTA_PREMIUM in grants.permissions
    assert P.CONVERSATIONS_WRITE in grants.permissions


async def test_an_unknown_user_holds_nothing(world: World) -> None:
    assert not await world.permissions.check(Caller("ghost"), P.CONVERSATIONS_READ)


async def test_the_owner_passes_a_resource_check(world: World) -> None:
    ada = await world.user("ada")
    mine = OwnedResource(owner_id="ada", kind="conversation", id="c1")
    assert await world.permissions.check(ada, P.CONVERSATIONS_READ, mine)


async def test_another_users_resource_fails_without_the_any_variant(world: World) -> None:
    await world.user("ada")
    bob = await world.user("bob", PREMIUM)
    hers = OwnedResource(owner_id="ada")
    assert not await world.permissions.check(bob, P.CONVERSATIONS_READ, hers)


async def test_the_any_variant_reaches_other_users_resources(world: World) -> None:
    await world.admin.define_role(
        None, Role("support", parents=(USER,), permissions=frozenset({P.CONVERSATIONS_READ_ANY}))
    )
    await world.user("ada")
    eve = await world.user("eve", "support")
    assert await world.permissions.check(eve, P.CONVERSATIONS_READ, OwnedResource("ada"))


async def test_the_owner_without_the_permission_is_refused(world: World) -> None:
    nobody = await world.user("nobody", "ghost-role")
    assert not await world.permissions.check(nobody, P.CONVERSATIONS_READ, OwnedResource("nobody"))


async def test_require_raises_and_audits_a_denial(world: World) -> None:
    ada = await world.user("ada")
    context = AuditContext(ip="203.0.113.7", request_id="r1")
    with pytest.raises(PermissionDenied):
        await world.permissions.require(
            ada, P.USERS_MANAGE, OwnedResource("bob", "user", "bob"), context=context
        )
    [event] = world.log.events
    assert (event.action, event.outcome, event.actor_id) == ("rbac.denied", Outcome.DENIED, "ada")
    assert (event.target_type, event.target_id, event.ip) == ("user", "bob", "203.0.113.7")
    assert event.details == {"permission": P.USERS_MANAGE}


async def test_allowed_checks_are_counted_not_logged(world: World) -> None:
    ada = await world.user("ada")
    for _ in range(3):
        await world.permissions.require(ada, P.CONVERSATIONS_READ)
    assert world.permissions.allowed_counts() == {P.CONVERSATIONS_READ: 3}
    assert world.log.events == []


async def test_grants_resolved_once_serve_several_checks(world: World) -> None:
    ada = await world.user("ada")
    grants = await world.permissions.grants_for(ada)
    assert await world.permissions.check(ada, P.CONVERSATIONS_READ, grants=grants)
    assert not await world.permissions.check(ada, P.AUDIT_READ, grants=grants)


async def test_cached_grants_are_reused_until_the_version_changes(world: World) -> None:
    ada = await world.user("ada")
    await world.permissions.check(ada, P.CONVERSATIONS_READ)
    await world.permissions.check(ada, P.CONVERSATIONS_READ)
    assert world.permissions.loads == 1
    await world.permissions.invalidate()
    await world.permissions.check(ada, P.CONVERSATIONS_READ)
    assert world.permissions.loads == 2


async def test_the_cache_forgets_the_least_recently_used(world: World) -> None:
    small = PermissionService(world.roles, world.users, world.kv, cache_size=1)
    ada, bob = await world.user("ada"), await world.user("bob")
    first = await small.grants_for(ada)
    await small.grants_for(bob)
    assert await small.grants_for(ada) is not first


def test_the_cache_size_must_be_positive(world: World) -> None:
    with pytest.raises(ValueError, match="cache_size"):
        PermissionService(world.roles, world.users, world.kv, cache_size=0)


async def test_a_role_change_reaches_another_instance_at_its_next_check(world: World) -> None:
    other_process = world.service()
    ada = await world.user("ada")
    assert not await other_process.check(ada, P.AUDIT_READ)
    await world.admin.set_roles(None, "ada", [ADMINISTRATOR])
    assert await other_process.check(ada, P.AUDIT_READ)


@pytest.mark.redis
async def test_a_role_change_reaches_another_process_through_redis(
    redis_url: str, clock: FrozenClock
) -> None:
    from pa_core.kv.redis import RedisKeyValueStore

    first_kv = RedisKeyValueStore.from_url(redis_url, namespace="pa")
    second_kv = RedisKeyValueStore.from_url(redis_url, namespace="pa")
    try:
        world = World(clock, first_kv)
        other_process = PermissionService(world.roles, world.users, second_kv)
        await world.user("root", ADMINISTRATOR)
        ada = await world.user("ada")
        assert not await other_process.check(ada, P.AUDIT_READ)
        await world.admin.set_roles(None, "ada", [ADMINISTRATOR])
        assert await other_process.check(ada, P.AUDIT_READ)
        await world.admin.set_roles(None, "ada", [USER, PREMIUM])
        assert not await other_process.check(ada, P.AUDIT_READ)
    finally:
        await first_kv.close()
        await second_kv.close()


# --- ownership types -----------------------------------------------------------


def test_owner_ids_come_from_the_caller_or_an_explicit_trust() -> None:
    assert owner_of(Caller("ada")) == "ada"
    assert trusted_owner("bob") == "bob"


# --- decorator -----------------------------------------------------------------


class Notes:
    """A service whose methods are guarded."""

    def __init__(self, permissions: PermissionService) -> None:
        self.permissions = permissions

    @requires(P.CONVERSATIONS_WRITE)
    async def write(self, principal: Caller, text: str, context: AuditContext | None = None) -> str:
        return text.upper()

    @requires(P.AUDIT_READ)
    async def audit(self, principal: Caller) -> str:
        return "trail"


async def test_the_decorator_lets_a_holder_through(world: World) -> None:
    ada = await world.user("ada")
    assert await Notes(world.permissions).write(ada, "hi") == "HI"


async def test_the_decorator_refuses_and_audits_with_the_context(world: World) -> None:
    ada = await world.user("ada", "ghost-role")
    with pytest.raises(PermissionDenied):
        await Notes(world.permissions).audit(principal=ada)
    with pytest.raises(PermissionDenied):
        await Notes(world.permissions).write(ada, "x", context=AuditContext(request_id="r9"))
    assert [e.details["permission"] for e in world.log.events] == [
        P.AUDIT_READ,
        P.CONVERSATIONS_WRITE,
    ]
    assert [e.request_id for e in world.log.events] == [None, "r9"]
    assert world.log.events[0].actor_id == "ada"


async def test_the_decorator_takes_an_explicit_service_for_plain_functions(world: World) -> None:
    @requires(P.AUDIT_READ, service=world.permissions)
    async def export(principal: Caller) -> int:
        return 1

    root = await world.user("root", ADMINISTRATOR)
    assert await export(root) == 1
    with pytest.raises(PermissionDenied):
        await export(await world.user("ada"))


def test_the_decorator_needs_a_principal_argument() -> None:
    with pytest.raises(TypeError, match="principal"):

        @requires(P.AUDIT_READ)
        async def nothing() -> None:
            return None


async def test_the_decorator_needs_a_permission_service() -> None:
    @requires(P.AUDIT_READ)
    async def orphan(principal: Caller) -> None:
        return None

    with pytest.raises(TypeError, match="PermissionService"):
        await orphan(Caller("ada"))


# --- administration --------------------------------------------------------------


async def test_set_roles_replaces_roles_audits_and_takes_effect(world: World) -> None:
    ada = await world.user("ada")
    assert not await world.permissions.check(ada, P.SMS_QUOTA_PREMIUM)
    context = AuditContext(ip="198.51.100.1")
    user = await world.admin.set_roles("root", "ada", [PREMIUM, USER], context=context)
    assert user.roles == (PREMIUM, USER)
    assert await world.permissions.check(ada, P.SMS_QUOTA_PREMIUM)
    [event] = world.log.events
    assert (event.action, event.actor_id, event.target_id) == ("rbac.roles_changed", "root", "ada")
    assert event.details == {"before": [USER], "after": [PREMIUM, USER]}


async def test_setting_the_same_roles_changes_nothing(world: World) -> None:
    await world.user("ada")
    await world.admin.set_roles(None, "ada", [USER])
    assert world.log.events == []


async def test_an_unknown_role_is_a_validation_error_on_roles(world: World) -> None:
    await world.user("ada")
    with pytest.raises(ValidationFailed) as caught:
        await world.admin.set_roles(None, "ada", ["wizard"])
    assert caught.value.errors[0].field == "roles"


async def test_too_many_roles_are_refused(world: World) -> None:
    await world.user("ada")
    with pytest.raises(ValidationFailed):
        await world.admin.set_roles(None, "ada", [f"r{i}" for i in range(40)])


async def test_roles_of_an_unknown_user_are_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        await world.admin.set_roles(None, "ghost", [USER])
    with pytest.raises(NotFound):
        await world.admin.grant(None, "ghost", USER)
    with pytest.raises(NotFound):
        await world.admin.revoke(None, "ghost", USER)


async def test_the_last_administrator_cannot_be_removed(world: World) -> None:
    await world.user("root", ADMINISTRATOR)
    with pytest.raises(LastAdministrator):
        await world.admin.set_roles("root", "root", [USER])
    [event] = world.log.events
    assert event.outcome is Outcome.FAILURE
    assert event.details["reason"] == "last_administrator"


async def test_an_administrator_can_be_removed_while_another_remains(world: World) -> None:
    await world.user("root", ADMINISTRATOR)
    await world.user("second", ADMINISTRATOR)
    user = await world.admin.revoke("root", "second", ADMINISTRATOR)
    assert user.roles == ()


async def test_grant_adds_one_role(world: World) -> None:
    await world.user("ada")
    user = await world.admin.grant(None, "ada", ADMINISTRATOR)
    assert user.roles == (ADMINISTRATOR, USER)


async def test_a_runtime_role_with_a_cycle_is_refused_and_not_stored(world: World) -> None:
    await world.admin.define_role(None, Role("support", parents=(USER,)))
    with pytest.raises(ValidationFailed, match="cycle"):
        await world.admin.define_role(None, Role(USER, parents=("support",)))
    assert (await world.roles.load()).roles[USER].parents == ()


async def test_defining_roles_and_permissions_is_audited(world: World) -> None:
    await world.admin.define_permission("root", Permission("reports:read"))
    await world.admin.define_role(
        "root", Role("analyst", parents=(USER,), permissions=frozenset({"reports:read"}))
    )
    assert [e.action for e in world.log.events] == ["rbac.permission_defined", "rbac.role_defined"]
    analyst = await world.user("ann", "analyst")
    assert await world.permissions.check(analyst, "reports:read")


async def test_deleting_a_role_is_audited_and_refused_for_administrator(world: World) -> None:
    await world.admin.define_role(None, Role("support", parents=(USER,)))
    await world.admin.delete_role("root", "support")
    assert not (await world.roles.load()).has_role("support")
    assert world.log.events[-1].action == "rbac.role_deleted"
    with pytest.raises(NotFound):
        await world.admin.delete_role("root", "support")
    with pytest.raises(LastAdministrator):
        await world.admin.delete_role("root", ADMINISTRATOR)
    with pytest.raises(ValidationFailed):
        await world.admin.delete_role("root", USER)


async def test_sync_invalidates_only_when_something_changed(world: World) -> None:
    assert await world.admin.sync(DEFAULT_REGISTRY) == []
    assert await world.kv.get("rbac:version") is None
    extended = DEFAULT_REGISTRY.with_permission(Permission("reports:read"))
    assert await world.admin.sync(extended) == ["reports:read"]
    assert await world.kv.get("rbac:version") == b"1"


async def test_listing_users_and_reading_the_trail_are_audited(world: World) -> None:
    await world.user("ada")
    page = await world.admin.list_users("root", PageRequest())
    assert [u.id for u in page.items] == ["ada"]
    events = await world.admin.audit_events(
        "root", AuditFilter(action="admin.users_listed"), PageRequest()
    )
    assert [e.action for e in events.items] == ["admin.users_listed"]
    assert world.log.events[-1].action == "admin.audit_read"


class YieldingUsers(MemoryUserRepository):
    """Memory users whose reads yield to other tasks, as a database's would."""

    async def get(self, user_id: str) -> User | None:
        await anyio.lowlevel.checkpoint()
        return await super().get(user_id)

    async def count_with_role(self, role: str) -> int:
        counted = await super().count_with_role(role)
        await anyio.lowlevel.checkpoint()  # the answer travels back while others run
        return counted

    async def update(self, user: User) -> User:
        await anyio.lowlevel.checkpoint()
        return await super().update(user)


async def test_two_administrators_removing_each_other_at_once_leave_one(
    clock: FrozenClock,
) -> None:
    world = World(clock)
    world.users = YieldingUsers()
    world.admin.users = world.users
    await world.user("first", ADMINISTRATOR)
    await world.user("second", ADMINISTRATOR)
    outcomes: list[str] = []

    async def demote(actor: str, target: str) -> None:
        try:
            await world.admin.set_roles(actor, target, [USER])
            outcomes.append("removed")
        except LastAdministrator:
            outcomes.append("refused")

    async with anyio.create_task_group() as group:
        group.start_soon(demote, "first", "second")
        group.start_soon(demote, "second", "first")
    assert sorted(outcomes) == ["refused", "removed"]
    assert await world.users.count_with_role(ADMINISTRATOR) == 1
