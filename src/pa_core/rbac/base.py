"""The contract of where roles and permissions are kept at run time."""

from __future__ import annotations

from typing import Protocol

from pa_core.rbac.registry import Permission, Registry, Role

__all__ = ["RoleStore"]


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
