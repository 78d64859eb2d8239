"""``/api/v1/admin``: users and their roles, the audit trail; and ``/api/v1/auth/permissions``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from litestar import Controller, Request, get, put
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from examples.litestar_app.admin import providers
from examples.litestar_app.admin.schemas import (
    AuditEventOut,
    AuditEventsOut,
    PermissionsOut,
    RolesIn,
    UsersPageOut,
)
from examples.litestar_app.core.guards import grants_of, requires_permission
from examples.litestar_app.users.providers import UserViews
from examples.litestar_app.users.schemas import UserOut
from pa_core.audit import AuditContext, AuditFilter
from pa_core.auth import Principal
from pa_core.errors import ValidationFailed
from pa_core.pagination import DEFAULT_LIMIT, PageRequest
from pa_core.rbac import Permissions, RoleAdministration

__all__ = ["AdminController", "PermissionsController", "parse_since"]

Limit = Annotated[int, QueryParameter(description="page size, 1..100")]
Cursor = Annotated[str | None, QueryParameter(max_length=512)]


def parse_since(value: str | None) -> datetime | None:
    """``since`` as RFC 3339 (``2026-01-31T08:00:00Z``) or a date (midnight UTC); else ``422``."""
    if value is None:
        return None
    try:
        if len(value) == len("YYYY-MM-DD"):
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed.for_field(
            "since", "must be an RFC 3339 timestamp or a YYYY-MM-DD date"
        ) from exc
    if parsed.tzinfo is None:
        raise ValidationFailed.for_field("since", "must carry a time zone (Z or an offset)")
    return parsed.astimezone(UTC)


class AdminController(Controller):
    """Administration; each route needs its own permission (the administrator role holds them)."""

    path = "/api/v1/admin"
    tags = ["admin"]
    dependencies = providers.dependencies

    @get(
        "/users",
        summary="Every account",
        guards=[requires_permission(Permissions.USERS_READ)],
    )
    async def list_users(
        self,
        principal: NamedDependency[Principal],
        user_views: NamedDependency[UserViews],
        administration: NamedDependency[RoleAdministration],
        audit_context: NamedDependency[AuditContext],
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> UsersPageOut:
        """Users in creation order, paginated."""
        page = await administration.list_users(
            principal.user_id, PageRequest(limit, cursor), context=audit_context
        )
        return UsersPageOut([await user_views.of(u) for u in page.items], page.next_cursor)

    @put(
        "/users/{user_id:str}/roles",
        summary="Set a user's roles",
        guards=[requires_permission(Permissions.USERS_MANAGE)],
    )
    async def set_roles(
        self,
        user_id: FromPath[str],
        data: JSONBody[RolesIn],
        principal: NamedDependency[Principal],
        user_views: NamedDependency[UserViews],
        administration: NamedDependency[RoleAdministration],
        audit_context: NamedDependency[AuditContext],
    ) -> UserOut:
        """Replace the roles the user holds directly; takes effect at the user's next request."""
        user = await administration.set_roles(
            principal.user_id, user_id, data.roles, context=audit_context
        )
        return await user_views.of(user)

    @get(
        "/audit",
        summary="The audit trail",
        guards=[requires_permission(Permissions.AUDIT_READ)],
    )
    async def audit(
        self,
        principal: NamedDependency[Principal],
        administration: NamedDependency[RoleAdministration],
        audit_context: NamedDependency[AuditContext],
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
        user_id: Annotated[str | None, QueryParameter(max_length=64)] = None,
        action: Annotated[str | None, QueryParameter(max_length=100)] = None,
        since: Annotated[
            str | None, QueryParameter(max_length=64, description="RFC 3339 or YYYY-MM-DD")
        ] = None,
    ) -> AuditEventsOut:
        """Events newest first; ``user_id`` filters by actor, ``since`` is inclusive."""
        filters = AuditFilter(actor_id=user_id, action=action, since=parse_since(since))
        page = await administration.audit_events(
            principal.user_id, filters, PageRequest(limit, cursor), context=audit_context
        )
        return AuditEventsOut([AuditEventOut.of(e) for e in page.items], page.next_cursor)


class PermissionsController(Controller):
    """The caller's own roles and permissions."""

    path = "/api/v1/auth"
    tags = ["auth"]

    @get("/permissions", summary="The caller's effective roles and permissions")
    async def permissions(
        self, request: Request[object, object, State], principal: NamedDependency[Principal]
    ) -> PermissionsOut:
        """Inheritance applied: an administrator also lists ``premium`` and ``user``."""
        return PermissionsOut.of(await grants_of(request))
