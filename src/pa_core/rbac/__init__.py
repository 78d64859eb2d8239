"""Roles and permissions: a registry in code, a store, cached checks, ownership, administration.

Start with :data:`~pa_core.rbac.registry.DEFAULT_REGISTRY` (``user`` < ``premium``
< ``administrator``), check with :class:`~pa_core.rbac.service.PermissionService`,
guard service methods with :func:`~pa_core.rbac.decorators.requires`, and change
roles through :class:`~pa_core.rbac.admin.RoleAdministration`. The SQL store is
``pa_core.rbac.sqlalchemy.SqlRoleStore``.
"""

from pa_core.rbac.admin import RoleAdministration
from pa_core.rbac.base import RoleStore
from pa_core.rbac.decorators import requires
from pa_core.rbac.memory import MemoryRoleStore
from pa_core.rbac.ownership import Owned, OwnedResource, OwnerId, Subject, owner_of, trusted_owner
from pa_core.rbac.registry import (
    ADMINISTRATOR,
    DEFAULT_REGISTRY,
    PREMIUM,
    USER,
    Permission,
    Permissions,
    Registry,
    Role,
    any_variant,
    default_registry,
)
from pa_core.rbac.service import Grants, PermissionService
from pa_core.rbac.sync import sync_registry

__all__ = [
    "ADMINISTRATOR",
    "DEFAULT_REGISTRY",
    "PREMIUM",
    "USER",
    "Grants",
    "MemoryRoleStore",
    "Owned",
    "OwnedResource",
    "OwnerId",
    "Permission",
    "PermissionService",
    "Permissions",
    "Registry",
    "Role",
    "RoleAdministration",
    "RoleStore",
    "Subject",
    "any_variant",
    "default_registry",
    "owner_of",
    "requires",
    "sync_registry",
    "trusted_owner",
]
