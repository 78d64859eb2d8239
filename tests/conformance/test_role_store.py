"""The RoleStore contract, run against memory, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from pa_core.rbac import (
    ADMINISTRATOR,
    DEFAULT_REGISTRY,
    PREMIUM,
    USER,
    MemoryRoleStore,
    Permission,
    Registry,
    Role,
    RoleStore,
    sync_registry,
)
from pa_core.rbac.sqlalchemy import SqlRoleStore
from tests.conftest import migrated_database

pytestmark = pytest.mark.anyio


@pytest.fixture(
    params=[
        pytest.param("memory", marks=pytest.mark.memory),
        pytest.param("sqlite", marks=pytest.mark.sqlite),
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
async def store(request: pytest.FixtureRequest) -> AsyncIterator[RoleStore]:
    """A store as a fresh deployment has it: seeded with the default registry."""
    if request.param == "memory":
        yield MemoryRoleStore(DEFAULT_REGISTRY)
        return
    db = await migrated_database(request.getfixturevalue(f"{request.param}_url"))
    yield SqlRoleStore(db)
    await db.dispose()


async def test_a_fresh_store_holds_the_default_registry(store: RoleStore) -> None:
    assert await store.load() == DEFAULT_REGISTRY


async def test_the_default_roles_inherit_user_then_premium(store: RoleStore) -> None:
    registry = await store.load()
    assert registry.inherited_roles([ADMINISTRATOR]) == {ADMINISTRATOR, PREMIUM, USER}
    assert registry.permissions_of([USER]) < registry.permissions_of([PREMIUM])
    assert registry.permissions_of([PREMIUM]) < registry.permissions_of([ADMINISTRATOR])


async def test_a_saved_role_with_two_parents_is_loaded_back(store: RoleStore) -> None:
    await store.save_permission(Permission("reports:read", "Read reports"))
    await store.save_role(Role("auditor", "Reads the trail", parents=(USER,)))
    role = Role("support", "Helps users", (USER, "auditor"), frozenset({"reports:read"}))
    await store.save_role(role)
    assert (await store.load()).roles["support"] == role


async def test_saving_a_role_again_replaces_its_parents_and_permissions(store: RoleStore) -> None:
    await store.save_permission(Permission("reports:read"))
    await store.save_role(Role("support", "v1", (USER,), frozenset({"reports:read"})))
    await store.save_role(Role("support", "v2", (PREMIUM,), frozenset()))
    assert (await store.load()).roles["support"] == Role("support", "v2", (PREMIUM,))


async def test_saving_a_permission_again_replaces_its_description(store: RoleStore) -> None:
    await store.save_permission(Permission("reports:read", "old"))
    await store.save_permission(Permission("reports:read", "new"))
    assert (await store.load()).permissions["reports:read"].description == "new"


async def test_a_deleted_role_is_gone_with_its_links(store: RoleStore) -> None:
    await store.save_role(Role("support", parents=(USER,)))
    await store.save_role(Role("trainee", parents=("support",)))
    assert await store.delete_role("support") is True
    registry = await store.load()
    assert not registry.has_role("support")
    assert registry.roles["trainee"].parents == ()


async def test_deleting_an_unknown_role_says_so(store: RoleStore) -> None:
    assert await store.delete_role("nobody") is False


async def test_sync_is_idempotent(store: RoleStore) -> None:
    assert await sync_registry(store, DEFAULT_REGISTRY) == []


async def test_sync_writes_what_code_changed_and_keeps_runtime_roles(store: RoleStore) -> None:
    await store.save_role(Role("support", parents=(USER,)))
    extended = DEFAULT_REGISTRY.with_permission(Permission("reports:read")).with_role(
        Role("analyst", parents=(PREMIUM,), permissions=frozenset({"reports:read"}))
    )
    changed = await sync_registry(store, extended)
    assert changed == ["reports:read", "analyst"]
    registry = await store.load()
    assert registry.roles["analyst"] == extended.roles["analyst"]
    assert registry.has_role("support")
    assert await sync_registry(store, extended) == []


async def test_sync_restores_a_declared_role_changed_in_the_store(store: RoleStore) -> None:
    await store.save_role(Role(PREMIUM, "tampered", (USER,)))
    assert await sync_registry(store, DEFAULT_REGISTRY) == [PREMIUM]
    assert await store.load() == DEFAULT_REGISTRY


async def test_sync_into_an_empty_store_writes_parents_before_children() -> None:
    empty = MemoryRoleStore()
    await sync_registry(empty, DEFAULT_REGISTRY)
    assert await empty.load() == DEFAULT_REGISTRY
    assert await empty.load() != Registry([], [])
