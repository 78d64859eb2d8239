"""Where roles and permissions are kept at run time, and the sync from the code registry."""

from __future__ import annotations

from typing import Protocol

from pa_core.rbac.registry import Permission, Registry, Role

__all__ = ["MemoryRoleStore", "RoleStore", "sync_registry"]


class RoleStore(Protocol):
    """Holds the permissions and roles (with their parents and permissions) of a deployment.

    The store keeps what it is given; the rules (known parents and permissions, no
    cycle) are checked before saving, by building a :class:`Registry`.
    Backends raise :class:`pa_core.errors.ServiceUnavailable` when unreachable.
    """

    async def load(self) -> Registry:
        """Every stored permission and role, as a validated registry."""
        ...

    async def save_permission(self, permission: Permission) -> None:
        """Insert ``permission``, or replace the description of the stored one."""
        ...

    async def save_role(self, role: Role) -> None:
        """Insert ``role``, or replace its description, parents and permissions.

        Its parents and permissions must be stored already.
        """
        ...

    async def delete_role(self, name: str) -> bool:
        """Delete role ``name`` with its parents and permissions; whether it existed."""
        ...


class MemoryRoleStore:
    """Roles in a dict; the embedded test double of :class:`RoleStore`."""

    def __init__(self, registry: Registry | None = None) -> None:
        self._permissions: dict[str, Permission] = {}
        self._roles: dict[str, Role] = {}
        if registry is not None:
            self._permissions.update(registry.permissions)
            self._roles.update(registry.roles)

    async def load(self) -> Registry:
        """Every stored permission and role."""
        return Registry(self._permissions.values(), self._roles.values())

    async def save_permission(self, permission: Permission) -> None:
        """Insert or replace ``permission``."""
        self._permissions[permission.name] = permission

    async def save_role(self, role: Role) -> None:
        """Insert or replace ``role``."""
        self._roles[role.name] = role

    async def delete_role(self, name: str) -> bool:
        """Delete role ``name`` (and drop it from its children's parents)."""
        existed = self._roles.pop(name, None) is not None
        for child in [r for r in self._roles.values() if name in r.parents]:
            self._roles[child.name] = Role(
                child.name,
                child.description,
                tuple(p for p in child.parents if p != name),
                child.permissions,
            )
        return existed


async def sync_registry(store: RoleStore, registry: Registry) -> list[str]:
    """Make ``store`` hold every permission and role of ``registry``, exactly as declared.

    Idempotent: only what differs is written. Roles and permissions that exist in
    the store but not in ``registry`` (defined at run time) are left alone. Returns
    the names written (empty when the store already agreed), so the caller knows
    whether to invalidate permission caches.

    Raises ``ValidationFailed`` if the union of stored and declared roles is invalid.
    """
    current = await store.load()
    merged = current
    changed: list[str] = []
    for permission in registry.permissions.values():
        if current.permissions.get(permission.name) != permission:
            merged = merged.with_permission(permission)
            changed.append(permission.name)
    for role in registry.roles.values():
        if current.roles.get(role.name) != role:
            merged = merged.with_role(role)
            changed.append(role.name)
    if not changed:
        return []
    # Validate the result before writing anything, then write parents before children.
    for permission in registry.permissions.values():
        if permission.name in changed:
            await store.save_permission(permission)
    for name, role in merged.roles.items():
        if name in changed and name in registry.roles:
            await store.save_role(role)
    return changed
