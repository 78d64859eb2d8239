"""Bodies of the administration and permission routes."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from examples.litestar_app.core.schemas import _In, rfc3339
from examples.litestar_app.users.schemas import UserOut
from pa_core.audit import AuditEvent
from pa_core.rbac import Grants

__all__ = ["AuditEventOut", "AuditEventsOut", "PermissionsOut", "RolesIn", "UsersPageOut"]

RoleName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class RolesIn(_In):
    """``PUT /admin/users/{id}/roles``: the complete set of roles the user holds directly."""

    roles: Annotated[list[RoleName], msgspec.Meta(max_length=32)]


class UsersPageOut(msgspec.Struct):
    """One page of users."""

    items: list[UserOut]
    next_cursor: str | None


class AuditEventOut(msgspec.Struct):
    """One audit event."""

    id: str
    at: str
    actor_id: str | None
    action: str
    outcome: str
    target_type: str | None
    target_id: str | None
    ip: str | None
    user_agent: str | None
    request_id: str | None
    details: dict[str, Any]

    @classmethod
    def of(cls, event: AuditEvent) -> AuditEventOut:
        """From the library's event."""
        return cls(
            id=event.id,
            at=rfc3339(event.at) or "",
            actor_id=event.actor_id,
            action=event.action,
            outcome=event.outcome.value,
            target_type=event.target_type,
            target_id=event.target_id,
            ip=event.ip,
            user_agent=event.user_agent,
            request_id=event.request_id,
            details=dict(event.details),
        )


class AuditEventsOut(msgspec.Struct):
    """One page of audit events, newest first."""

    items: list[AuditEventOut]
    next_cursor: str | None


class PermissionsOut(msgspec.Struct):
    """The caller's effective roles and permissions, inheritance applied."""

    roles: list[str]
    permissions: list[str]

    @classmethod
    def of(cls, grants: Grants) -> PermissionsOut:
        """From the library's grants."""
        return cls(sorted(grants.effective_roles), sorted(grants.permissions))
