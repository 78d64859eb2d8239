"""In-memory role store: the embedded default and the test double."""

from __future__ import annotations

from pa_core.rbac.registry import Permission, Registry, Role

__all__ = ["MemoryRoleStore"]


class MemoryRoleStore:
    """Roles in a dict; the embedded test double of :class:`~pa_core.rbac.base.RoleStore`."""

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
