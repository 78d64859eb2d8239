"""Roles and permissions declared in code: the one registry, validated once when built.

A permission is a ``resource:action`` string (``conversations:read``,
``sms:numbers:manage``). A permission ending in ``:any`` (``conversations:read:any``)
extends its base permission to resources that other users own. A role holds
permissions and inherits every permission of its parents; a role may have several
parents, and a cycle is refused.

The registry is immutable: :meth:`Registry.with_role` and
:meth:`Registry.with_permission` return a new, validated registry. The same type
describes what a :class:`~pa_core.rbac.base.RoleStore` holds, so roles defined at
run time are checked by exactly the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pa_core.errors import ValidationFailed

__all__ = [
    "ADMINISTRATOR",
    "ANY_SUFFIX",
    "DEFAULT_REGISTRY",
    "PREMIUM",
    "USER",
    "Permission",
    "Permissions",
    "Registry",
    "Role",
    "any_variant",
    "default_registry",
    "validate_permission_name",
    "validate_role_name",
]

USER = "user"
"""The role every account holds."""
PREMIUM = "premium"
"""Paying users: everything ``user`` may, plus premium capabilities."""
ADMINISTRATOR = "administrator"
"""Runs the service: everything ``premium`` may, plus administration."""

ANY_SUFFIX = ":any"
"""Suffix of the variant of a permission that reaches other users' resources."""

MAX_NAME_LENGTH = 64
"""Longest role name (the width of the ``roles.name`` column)."""
MAX_PERMISSION_LENGTH = 100
"""Longest permission name (the width of the ``permissions.name`` column)."""
MAX_DESCRIPTION_LENGTH = 255
"""Longest description of a role or a permission."""

_PERMISSION = re.compile(r"^[a-z][a-z0-9_]*(?::[a-z][a-z0-9_]*)+$")
_ROLE = re.compile(r"^[a-z][a-z0-9_-]*$")


def validate_permission_name(name: str) -> str:
    """Return ``name`` if it is a ``resource:action`` string, else ``ValidationFailed``."""
    if len(name) > MAX_PERMISSION_LENGTH or not _PERMISSION.match(name):
        raise ValidationFailed.for_field(
            "permissions", f"{name!r} is not a resource:action permission"
        )
    return name


def validate_role_name(name: str) -> str:
    """Return ``name`` if it is a valid role name (lower case, digits, ``_``, ``-``)."""
    if len(name) > MAX_NAME_LENGTH or not _ROLE.match(name):
        raise ValidationFailed.for_field("name", f"{name!r} is not a valid role name")
    return name


def any_variant(permission: str) -> str:
    """The permission that reaches every user's resources: ``conversations:read:any``."""
    return permission + ANY_SUFFIX


class Permissions:
    """Names of the permissions the platform declares (use these, not string literals)."""

    CONVERSATIONS_READ = "conversations:read"
    CONVERSATIONS_WRITE = "conversations:write"
    CONVERSATIONS_READ_ANY = "conversations:read:any"
    SMS_NUMBERS_READ = "sms:numbers:read"
    SMS_NUMBERS_READ_ANY = "sms:numbers:read:any"
    SMS_NUMBERS_MANAGE = "sms:numbers:manage"
    SMS_USAGE_READ = "sms:usage:read"
    SMS_QUOTA_STANDARD = "sms:quota:standard"
    SMS_QUOTA_PREMIUM = "sms:quota:premium"
    CONVERSATIONS_HISTORY_UNLIMITED = "conversations:history:unlimited"
    ANALYTICS_READ = "analytics:read"
    USERS_READ = "users:read"
    USERS_MANAGE = "users:manage"
    ROLES_MANAGE = "roles:manage"
    AUDIT_READ = "audit:read"
    SESSIONS_REVOKE = "sessions:revoke"


@dataclass(frozen=True, slots=True)
class Permission:
    """One declared permission."""

    name: str
    description: str = ""

    def __post_init__(self) -> None:
        validate_permission_name(self.name)
        if len(self.description) > MAX_DESCRIPTION_LENGTH:
            raise ValidationFailed.for_field("description", "is too long")


@dataclass(frozen=True, slots=True)
class Role:
    """One role: the permissions it holds itself and the roles it inherits from."""

    name: str
    description: str = ""
    parents: tuple[str, ...] = ()
    permissions: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        validate_role_name(self.name)
        if len(self.description) > MAX_DESCRIPTION_LENGTH:
            raise ValidationFailed.for_field("description", "is too long")
        # Normalise so that equal definitions compare equal whatever the input order.
        object.__setattr__(self, "parents", tuple(sorted(set(self.parents))))
        object.__setattr__(self, "permissions", frozenset(self.permissions))


class Registry:
    """An immutable, validated set of permissions and roles.

    Raises ``ValidationFailed`` when built with a role that names an unknown parent
    or permission, or when inheritance forms a cycle.
    """

    def __init__(self, permissions: Iterable[Permission], roles: Iterable[Role]) -> None:
        self._permissions: dict[str, Permission] = {}
        for permission in permissions:
            if permission.name in self._permissions:
                raise ValidationFailed.for_field(
                    "permissions", f"{permission.name!r} is declared twice"
                )
            self._permissions[permission.name] = permission
        by_name: dict[str, Role] = {}
        for role in roles:
            if role.name in by_name:
                raise ValidationFailed.for_field("name", f"role {role.name!r} is declared twice")
            by_name[role.name] = role
        for role in by_name.values():
            unknown_parents = [p for p in role.parents if p not in by_name]
            if unknown_parents:
                raise ValidationFailed.for_field(
                    "parents", f"role {role.name!r} names unknown parents {unknown_parents}"
                )
            unknown = sorted(p for p in role.permissions if p not in self._permissions)
            if unknown:
                raise ValidationFailed.for_field(
                    "permissions", f"role {role.name!r} names unknown permissions {unknown}"
                )
        self._roles = {name: by_name[name] for name in _topological(by_name)}
        self._closure = {name: self._ancestors(name) for name in self._roles}

    def _ancestors(self, name: str) -> frozenset[str]:
        seen: set[str] = set()
        todo = [name]
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(self._roles[current].parents)
        return frozenset(seen)

    @property
    def permissions(self) -> Mapping[str, Permission]:
        """Every permission by name."""
        return dict(self._permissions)

    @property
    def roles(self) -> Mapping[str, Role]:
        """Every role by name, parents always before their children."""
        return dict(self._roles)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Registry):
            return NotImplemented
        return self._permissions == other._permissions and self._roles == other._roles

    def __hash__(self) -> int:
        return hash((frozenset(self._permissions.values()), frozenset(self._roles.values())))

    def __repr__(self) -> str:
        return f"Registry(permissions={len(self._permissions)}, roles={list(self._roles)})"

    def has_role(self, name: str) -> bool:
        """Whether a role called ``name`` exists."""
        return name in self._roles

    def inherited_roles(self, roles: Iterable[str]) -> frozenset[str]:
        """``roles`` with every role they inherit from; unknown names are ignored."""
        result: set[str] = set()
        for name in roles:
            result |= self._closure.get(name, frozenset())
        return frozenset(result)

    def permissions_of(self, roles: Iterable[str]) -> frozenset[str]:
        """Every permission that holders of ``roles`` have, inheritance applied."""
        result: set[str] = set()
        for name in self.inherited_roles(roles):
            result |= self._roles[name].permissions
        return frozenset(result)

    def with_permission(self, permission: Permission) -> Registry:
        """A new registry with ``permission`` added or its description replaced."""
        permissions = {**self._permissions, permission.name: permission}
        return Registry(permissions.values(), self._roles.values())

    def with_role(self, role: Role) -> Registry:
        """A new registry with ``role`` added or replaced; ``ValidationFailed`` on a cycle."""
        roles = {**self._roles, role.name: role}
        return Registry(self._permissions.values(), roles.values())

    def without_role(self, name: str) -> Registry:
        """A new registry without role ``name``; refused while another role inherits it."""
        children = sorted(r.name for r in self._roles.values() if name in r.parents)
        if children:
            raise ValidationFailed.for_field("name", f"roles {children} inherit from {name!r}")
        roles = [r for r in self._roles.values() if r.name != name]
        return Registry(self._permissions.values(), roles)


def _topological(roles: Mapping[str, Role]) -> list[str]:
    """Role names, parents first; ``ValidationFailed`` naming the cycle if there is one."""
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for start in sorted(roles):
        if state.get(start) == 2:
            continue
        path: list[str] = []
        stack: list[tuple[str, int]] = [(start, 0)]
        while stack:
            name, index = stack.pop()
            if index == 0:
                state[name] = 1
                path.append(name)
            parents = roles[name].parents
            if index < len(parents):
                stack.append((name, index + 1))
                parent = parents[index]
                if state.get(parent) == 1:
                    cycle = [*path[path.index(parent) :], parent]
                    raise ValidationFailed.for_field(
                        "parents", "inheritance would form a cycle: " + " -> ".join(cycle)
                    )
                if state.get(parent) != 2:
                    stack.append((parent, 0))
            else:
                state[name] = 2
                path.pop()
                order.append(name)
    return order


def default_registry() -> Registry:
    """The platform's roles: ``user`` < ``premium`` < ``administrator``, and their permissions."""
    p = Permissions
    permissions = [
        Permission(p.CONVERSATIONS_READ, "Read one's own conversations and messages"),
        Permission(p.CONVERSATIONS_WRITE, "Create, change and delete one's own conversations"),
        Permission(p.CONVERSATIONS_READ_ANY, "Read any user's conversations (support)"),
        Permission(p.CONVERSATIONS_HISTORY_UNLIMITED, "Keep and search the full history"),
        Permission(p.SMS_NUMBERS_READ, "See one's own phone numbers"),
        Permission(p.SMS_NUMBERS_READ_ANY, "See any user's phone numbers"),
        Permission(p.SMS_NUMBERS_MANAGE, "Provision and release phone numbers"),
        Permission(p.SMS_USAGE_READ, "See one's own SMS usage and cost"),
        Permission(p.SMS_QUOTA_STANDARD, "The standard monthly SMS quota"),
        Permission(p.SMS_QUOTA_PREMIUM, "The higher monthly SMS quota of premium accounts"),
        Permission(p.ANALYTICS_READ, "Read SMS analytics across users"),
        Permission(p.USERS_READ, "List every account"),
        Permission(p.USERS_MANAGE, "Change the roles of accounts"),
        Permission(p.ROLES_MANAGE, "Define roles and permissions"),
        Permission(p.AUDIT_READ, "Read the audit trail"),
        Permission(p.SESSIONS_REVOKE, "End one's own sessions"),
    ]
    roles = [
        Role(
            USER,
            "Every account",
            permissions=frozenset(
                {
                    p.CONVERSATIONS_READ,
                    p.CONVERSATIONS_WRITE,
                    p.SMS_NUMBERS_READ,
                    p.SMS_USAGE_READ,
                    p.SMS_QUOTA_STANDARD,
                    p.SESSIONS_REVOKE,
                }
            ),
        ),
        Role(
            PREMIUM,
            "Paying accounts",
            parents=(USER,),
            permissions=frozenset({p.SMS_QUOTA_PREMIUM, p.CONVERSATIONS_HISTORY_UNLIMITED}),
        ),
        Role(
            ADMINISTRATOR,
            "Runs the service",
            parents=(PREMIUM,),
            permissions=frozenset(
                {
                    p.SMS_NUMBERS_READ_ANY,
                    p.SMS_NUMBERS_MANAGE,
                    p.ANALYTICS_READ,
                    p.USERS_READ,
                    p.USERS_MANAGE,
                    p.ROLES_MANAGE,
                    p.AUDIT_READ,
                }
            ),
        ),
    ]
    return Registry(permissions, roles)


DEFAULT_REGISTRY = default_registry()
"""The platform's registry; extend it with :meth:`Registry.with_role` for your own roles."""
