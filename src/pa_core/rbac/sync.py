"""The sync from the registry declared in code to the role store of a deployment."""

from __future__ import annotations

from pa_core.rbac.base import RoleStore
from pa_core.rbac.registry import Registry

__all__ = ["sync_registry"]


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
