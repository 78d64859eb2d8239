"""SQLAlchemy implementation of :class:`~pa_core.rbac.base.RoleStore`."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pa_core.database.engine import Database
from pa_core.rbac.models import PermissionRow, RoleParentRow, RolePermissionRow, RoleRow
from pa_core.rbac.registry import Permission, Registry, Role

__all__ = ["SqlRoleStore", "registry_rows"]


def registry_rows(registry: Registry) -> dict[str, list[dict[str, str]]]:
    """The rows of each role table for ``registry`` (used by the seeding migration)."""
    return {
        "permissions": [
            {"name": p.name, "description": p.description} for p in registry.permissions.values()
        ],
        "roles": [{"name": r.name, "description": r.description} for r in registry.roles.values()],
        "role_parents": [
            {"role": r.name, "parent": parent}
            for r in registry.roles.values()
            for parent in r.parents
        ],
        "role_permissions": [
            {"role": r.name, "permission": permission}
            for r in registry.roles.values()
            for permission in sorted(r.permissions)
        ],
    }


class SqlRoleStore:
    """Roles and permissions in the four role tables."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def load(self) -> Registry:
        """Every stored permission and role."""
        async with self.database.session() as session:
            permissions = (await session.scalars(select(PermissionRow))).all()
            roles = (await session.scalars(select(RoleRow))).all()
            parent_rows = (await session.scalars(select(RoleParentRow))).all()
            grant_rows = (await session.scalars(select(RolePermissionRow))).all()
        parents: defaultdict[str, list[str]] = defaultdict(list)
        for link in parent_rows:
            parents[link.role].append(link.parent)
        grants: defaultdict[str, set[str]] = defaultdict(set)
        for grant in grant_rows:
            grants[grant.role].add(grant.permission)
        return Registry(
            [Permission(p.name, p.description) for p in permissions],
            [
                Role(r.name, r.description, tuple(parents[r.name]), frozenset(grants[r.name]))
                for r in roles
            ],
        )

    async def save_permission(self, permission: Permission) -> None:
        """Insert or update ``permission``."""
        async with self.database.session() as session:
            row = await session.get(PermissionRow, permission.name)
            if row is None:
                session.add(PermissionRow(name=permission.name, description=permission.description))
            else:
                row.description = permission.description

    async def save_role(self, role: Role) -> None:
        """Insert or update ``role`` with exactly its parents and permissions."""
        async with self.database.session() as session:
            row = await session.get(RoleRow, role.name)
            if row is None:
                session.add(RoleRow(name=role.name, description=role.description))
                await session.flush()
            else:
                row.description = role.description
            await _replace_links(session, role)

    async def delete_role(self, name: str) -> bool:
        """Delete role ``name``; its links go with it (``ON DELETE CASCADE``, done explicitly)."""
        async with self.database.session() as session:
            await session.execute(delete(RoleParentRow).where(RoleParentRow.role == name))
            await session.execute(delete(RoleParentRow).where(RoleParentRow.parent == name))
            await session.execute(delete(RolePermissionRow).where(RolePermissionRow.role == name))
            result = await session.execute(delete(RoleRow).where(RoleRow.name == name))
            return bool(result.rowcount)  # type: ignore[attr-defined]


async def _replace_links(session: AsyncSession, role: Role) -> None:
    await session.execute(delete(RoleParentRow).where(RoleParentRow.role == role.name))
    await session.execute(delete(RolePermissionRow).where(RolePermissionRow.role == role.name))
    session.add_all(RoleParentRow(role=role.name, parent=parent) for parent in role.parents)
    session.add_all(
        RolePermissionRow(role=role.name, permission=permission)
        for permission in sorted(role.permissions)
    )
