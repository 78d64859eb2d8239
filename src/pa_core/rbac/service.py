"""Permission checks with an in-process cache that every process invalidates together.

Effective permissions (a user's roles with everything they inherit) are cached in
the process. A version counter in the shared :class:`~pa_core.kv.base.KeyValueStore`
(Redis in a multi-process deployment) is read once per :meth:`PermissionService.grants_for`
call, i.e. once per request: when any process changes a role it bumps the counter,
and every process drops its cache at its next request. One key-value round trip
per request, no database read while nothing changed.

Denials raise :class:`~pa_core.errors.PermissionDenied` and are audited; allowed
checks are only counted (:meth:`PermissionService.allowed_counts`).
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from dataclasses import dataclass
from typing import Protocol

from pa_core.audit.base import AuditContext, Outcome
from pa_core.audit.recorder import AuditRecorder
from pa_core.errors import PermissionDenied
from pa_core.kv.base import KeyValueStore
from pa_core.rbac.base import RoleStore
from pa_core.rbac.ownership import Owned, Subject
from pa_core.rbac.registry import Registry, any_variant

__all__ = [
    "DEFAULT_CACHE_SIZE",
    "DENIED_ACTION",
    "VERSION_KEY",
    "Grants",
    "PermissionService",
    "RoleLookup",
]

DEFAULT_CACHE_SIZE = 10_000
"""How many users' effective permissions a process keeps (least recently used go first)."""
VERSION_KEY = "rbac:version"
"""Key of the shared version counter in the key-value store."""
DENIED_ACTION = "rbac.denied"
"""Audit action of a refused permission check."""


class RoleLookup(Protocol):
    """Where a user's directly held roles come from (a ``UserRepository`` fits)."""

    async def get(self, user_id: str) -> _HasRoles | None:
        """The user, or ``None``."""
        ...


class _HasRoles(Protocol):
    @property
    def roles(self) -> tuple[str, ...]: ...


@dataclass(frozen=True, slots=True)
class Grants:
    """What one user may do: direct roles, every inherited role, every permission."""

    user_id: str
    roles: tuple[str, ...]
    effective_roles: frozenset[str]
    permissions: frozenset[str]

    def allows(self, permission: str, resource: Owned | None = None) -> bool:
        """Whether ``permission`` is held; on a ``resource``, the owner or the ``:any`` variant."""
        if any_variant(permission) in self.permissions:
            return True
        if permission not in self.permissions:
            return False
        return resource is None or resource.owner_id == self.user_id


class PermissionService:
    """Answers "may this user do that?" from roles in a :class:`RoleStore`.

    Args:
        roles: the stored roles and permissions.
        users: where a user's own roles are read (a ``UserRepository``).
        kv: the shared key-value store holding the version counter.
        audit: records every denial (``rbac.denied``, outcome ``denied``).
        cache_size: how many users' grants to keep in this process.
    """

    def __init__(
        self,
        roles: RoleStore,
        users: RoleLookup,
        kv: KeyValueStore,
        *,
        audit: AuditRecorder | None = None,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        if cache_size < 1:
            raise ValueError("cache_size must be positive")
        self.roles = roles
        self.users = users
        self.kv = kv
        self.audit = audit
        self.cache_size = cache_size
        self._version: int | None = None
        self._registry: Registry | None = None
        self._grants: OrderedDict[str, Grants] = OrderedDict()
        self._allowed: Counter[str] = Counter()
        self.loads = 0
        """How many times the role catalogue was read from the store (for tests and metrics)."""

    async def _current_version(self) -> int:
        raw = await self.kv.get(VERSION_KEY)
        return int(raw) if raw else 0

    async def _sync_version(self) -> None:
        version = await self._current_version()
        if version != self._version:
            self._version = version
            self._registry = None
            self._grants.clear()

    async def registry(self) -> Registry:
        """The role catalogue as stored (cached until the version changes)."""
        if self._registry is None:
            self._registry = await self.roles.load()
            self.loads += 1
        return self._registry

    async def invalidate(self) -> int:
        """Bump the shared version: every process reloads roles at its next check."""
        version = await self.kv.increment(VERSION_KEY)
        self._version = None
        return version

    async def grants_for(self, subject: Subject) -> Grants:
        """The effective grants of ``subject``: one key-value read, store reads on a miss.

        Resolve once per request and pass the result as ``grants=`` to further checks.
        """
        await self._sync_version()
        cached = self._grants.get(subject.user_id)
        if cached is not None:
            self._grants.move_to_end(subject.user_id)
            return cached
        user = await self.users.get(subject.user_id)
        held = tuple(user.roles) if user is not None else ()
        registry = await self.registry()
        grants = Grants(
            user_id=subject.user_id,
            roles=held,
            effective_roles=registry.inherited_roles(held),
            permissions=registry.permissions_of(held),
        )
        self._grants[subject.user_id] = grants
        if len(self._grants) > self.cache_size:
            self._grants.popitem(last=False)
        return grants

    async def check(
        self,
        subject: Subject,
        permission: str,
        resource: Owned | None = None,
        *,
        grants: Grants | None = None,
    ) -> bool:
        """Whether ``subject`` holds ``permission`` (on ``resource``: owns it, or holds ``:any``).

        An allowed check is counted, not logged.
        """
        grants = grants if grants is not None else await self.grants_for(subject)
        allowed = grants.allows(permission, resource)
        if allowed:
            self._allowed[permission] += 1
        return allowed

    async def require(
        self,
        subject: Subject,
        permission: str,
        resource: Owned | None = None,
        *,
        grants: Grants | None = None,
        context: AuditContext | None = None,
    ) -> None:
        """Like :meth:`check`, but a refusal is audited and raises ``PermissionDenied``."""
        if await self.check(subject, permission, resource, grants=grants):
            return
        if self.audit is not None:
            await self.audit.record(
                DENIED_ACTION,
                Outcome.DENIED,
                actor_id=subject.user_id,
                target_type=getattr(resource, "kind", None) if resource is not None else None,
                target_id=getattr(resource, "id", None) if resource is not None else None,
                context=context,
                permission=permission,
            )
        raise PermissionDenied(f"the permission {permission!r} is required")

    def allowed_counts(self) -> dict[str, int]:
        """How many checks of each permission were allowed since this service was built."""
        return dict(self._allowed)
