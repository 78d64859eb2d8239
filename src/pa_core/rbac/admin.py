"""Administration: changing users' roles, defining roles, listing users and the audit trail.

Every method here is an administrative action and is audited. A change and its
audit row are written in one :meth:`~pa_core.audit.AuditLog.atomic` block: on
SQL (users, roles and audit on one database) they commit together or not at all;
caches are invalidated only once both have landed. Authorise the
caller first (a route guard, or :func:`~pa_core.rbac.decorators.requires`): these
methods take the actor's id for the record, not for a check, so the command line
can use them too (``actor_id=None``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from pa_core.audit.base import AuditContext, AuditEvent, AuditFilter, AuditLog, Outcome
from pa_core.audit.recorder import AuditRecorder
from pa_core.clock import Clock
from pa_core.errors import LastAdministrator, NotFound, ValidationFailed
from pa_core.kv.locks import held_lock
from pa_core.pagination import Page, PageRequest
from pa_core.rbac.base import RoleStore
from pa_core.rbac.registry import ADMINISTRATOR, Permission, Registry, Role
from pa_core.rbac.service import PermissionService
from pa_core.rbac.sync import sync_registry
from pa_core.users.base import User, UserRepository

ROLE_CHANGE_LOCK = "rbac:role-change"
"""The lock every change of a user's roles holds."""

__all__ = [
    "AUDIT_READ_ACTION",
    "PERMISSION_DEFINED_ACTION",
    "ROLES_CHANGED_ACTION",
    "ROLE_DEFINED_ACTION",
    "ROLE_DELETED_ACTION",
    "USERS_LISTED_ACTION",
    "RoleAdministration",
]

ROLES_CHANGED_ACTION = "rbac.roles_changed"
ROLE_DEFINED_ACTION = "rbac.role_defined"
ROLE_DELETED_ACTION = "rbac.role_deleted"
PERMISSION_DEFINED_ACTION = "rbac.permission_defined"
USERS_LISTED_ACTION = "admin.users_listed"
AUDIT_READ_ACTION = "admin.audit_read"
MAX_ROLES_PER_USER = 32
"""A user holding more roles than this is refused as a malformed request."""


class RoleAdministration:
    """Role changes and administrative reads, each audited, each invalidating caches as needed."""

    def __init__(
        self,
        users: UserRepository,
        roles: RoleStore,
        permissions: PermissionService,
        audit: AuditRecorder,
        audit_log: AuditLog,
        clock: Clock,
    ) -> None:
        self.users = users
        self.roles = roles
        self.permissions = permissions
        self.audit = audit
        self.audit_log = audit_log
        self.clock = clock

    async def set_roles(
        self,
        actor_id: str | None,
        user_id: str,
        roles: Sequence[str],
        *,
        context: AuditContext | None = None,
    ) -> User:
        """Replace the roles ``user_id`` holds directly, and return the user.

        Raises:
            NotFound: no such user.
            ValidationFailed: an unknown role (field ``roles``).
            LastAdministrator: it would leave nobody holding ``administrator``.
        """
        if await self.users.get(user_id) is None:
            raise NotFound("no such user")
        wanted = await self._known_roles(roles)
        # One role change at a time (across processes on Redis), so two administrators
        # removing each other cannot both pass the last-administrator check.
        async with held_lock(self.permissions.kv, ROLE_CHANGE_LOCK):
            user = await self.users.get(user_id)
            if user is None:
                raise NotFound("no such user")
            before = tuple(sorted(user.roles))
            removes_admin = ADMINISTRATOR in before and ADMINISTRATOR not in wanted
            if removes_admin and await self.users.count_with_role(ADMINISTRATOR) <= 1:
                await self.audit.record(
                    ROLES_CHANGED_ACTION,
                    Outcome.FAILURE,
                    actor_id=actor_id,
                    target_type="user",
                    target_id=user_id,
                    context=context,
                    reason="last_administrator",
                    before=list(before),
                    requested=list(wanted),
                )
                raise LastAdministrator()
            if wanted == before:
                return user
            # The change and its audit row commit together (one transaction on SQL):
            # a role change that cannot be audited does not happen.
            async with self.audit.atomic():
                updated = await self.users.update(
                    dataclasses.replace(user, roles=wanted, updated_at=self.clock.now())
                )
                await self.audit.record(
                    ROLES_CHANGED_ACTION,
                    actor_id=actor_id,
                    target_type="user",
                    target_id=user_id,
                    context=context,
                    before=list(before),
                    after=list(wanted),
                )
        await self.permissions.invalidate()
        return updated

    async def _known_roles(self, roles: Sequence[str]) -> tuple[str, ...]:
        """``roles`` sorted without repeats, if there are few enough and each one exists.

        Raises:
            ValidationFailed: too many roles, or an unknown one (field ``roles``).
        """
        wanted = tuple(sorted(set(roles)))
        if len(wanted) > MAX_ROLES_PER_USER:
            raise ValidationFailed.for_field("roles", f"at most {MAX_ROLES_PER_USER} roles")
        catalogue = await self.roles.load()
        unknown = [name for name in wanted if not catalogue.has_role(name)]
        if unknown:
            raise ValidationFailed.for_field("roles", f"unknown roles: {', '.join(unknown)}")
        return wanted

    async def grant(
        self, actor_id: str | None, user_id: str, role: str, *, context: AuditContext | None = None
    ) -> User:
        """Add ``role`` to what ``user_id`` holds (see :meth:`set_roles`)."""
        user = await self.users.get(user_id)
        if user is None:
            raise NotFound("no such user")
        return await self.set_roles(actor_id, user_id, (*user.roles, role), context=context)

    async def revoke(
        self, actor_id: str | None, user_id: str, role: str, *, context: AuditContext | None = None
    ) -> User:
        """Remove ``role`` from what ``user_id`` holds (see :meth:`set_roles`)."""
        user = await self.users.get(user_id)
        if user is None:
            raise NotFound("no such user")
        remaining = tuple(r for r in user.roles if r != role)
        return await self.set_roles(actor_id, user_id, remaining, context=context)

    async def define_permission(
        self,
        actor_id: str | None,
        permission: Permission,
        *,
        context: AuditContext | None = None,
    ) -> None:
        """Add a permission (or replace its description)."""
        async with self.audit.atomic():
            await self.roles.save_permission(permission)
            await self.audit.record(
                PERMISSION_DEFINED_ACTION,
                actor_id=actor_id,
                target_type="permission",
                target_id=permission.name,
                context=context,
            )
        await self.permissions.invalidate()

    async def define_role(
        self, actor_id: str | None, role: Role, *, context: AuditContext | None = None
    ) -> Registry:
        """Add or replace a role; its parents and permissions must exist, and no cycle may form.

        Returns the new catalogue. Raises ``ValidationFailed`` (nothing is stored) otherwise.
        """
        catalogue = (await self.roles.load()).with_role(role)
        async with self.audit.atomic():
            await self.roles.save_role(role)
            await self.audit.record(
                ROLE_DEFINED_ACTION,
                actor_id=actor_id,
                target_type="role",
                target_id=role.name,
                context=context,
                parents=list(role.parents),
                permissions=sorted(role.permissions),
            )
        await self.permissions.invalidate()
        return catalogue

    async def delete_role(
        self, actor_id: str | None, name: str, *, context: AuditContext | None = None
    ) -> None:
        """Delete a role nobody inherits from; ``administrator`` cannot be deleted.

        Raises:
            NotFound: no such role.
            ValidationFailed: other roles inherit from it.
            LastAdministrator: it is ``administrator``.
        """
        catalogue = await self.roles.load()
        if not catalogue.has_role(name):
            raise NotFound("no such role")
        if name == ADMINISTRATOR:
            raise LastAdministrator("the administrator role cannot be deleted")
        catalogue.without_role(name)
        async with self.audit.atomic():
            await self.roles.delete_role(name)
            await self.audit.record(
                ROLE_DELETED_ACTION,
                actor_id=actor_id,
                target_type="role",
                target_id=name,
                context=context,
            )
        await self.permissions.invalidate()

    async def sync(self, registry: Registry) -> list[str]:
        """Write the code registry into the store (idempotent); invalidate caches on a change."""
        changed = await sync_registry(self.roles, registry)
        if changed:
            await self.permissions.invalidate()
        return changed

    async def list_users(
        self, actor_id: str | None, page: PageRequest, *, context: AuditContext | None = None
    ) -> Page[User]:
        """Every account, in creation order, one page at a time."""
        result = await self.users.list(page)
        await self.audit.record(
            USERS_LISTED_ACTION, actor_id=actor_id, context=context, count=len(result.items)
        )
        return result

    async def audit_events(
        self,
        actor_id: str | None,
        filters: AuditFilter,
        page: PageRequest,
        *,
        context: AuditContext | None = None,
    ) -> Page[AuditEvent]:
        """Audit events matching ``filters``, newest first; the read itself is audited."""
        result = await self.audit_log.list(filters, page)
        await self.audit.record(
            AUDIT_READ_ACTION,
            actor_id=actor_id,
            context=context,
            filter_user_id=filters.actor_id,
            filter_action=filters.action,
        )
        return result
