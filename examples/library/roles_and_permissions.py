"""Roles and permissions without any web framework: define, check, own, guard, change."""

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from pa_core.audit import AuditRecorder, MemoryAuditLog
from pa_core.clock import SystemClock
from pa_core.errors import PermissionDenied
from pa_core.kv import MemoryKeyValueStore
from pa_core.rbac import (
    DEFAULT_REGISTRY,
    USER,
    MemoryRoleStore,
    OwnedResource,
    Permission,
    PermissionService,
    Role,
    RoleAdministration,
    requires,
)
from pa_core.users import MemoryUserRepository, User


@dataclass(frozen=True)
class Caller:
    """Anything with a ``user_id`` can be checked (the app passes its ``Principal``)."""

    user_id: str


# 1. Roles and permissions are declared in code; extend the platform's registry.
REGISTRY = DEFAULT_REGISTRY.with_permission(
    Permission("reports:read", "Read the weekly reports")
).with_role(
    Role(
        "support",
        "Helps users",
        parents=(USER,),
        permissions=frozenset({"reports:read", "conversations:read:any"}),
    )
)


class Reports:
    """A service whose methods are guarded by the decorator."""

    def __init__(self, permissions: PermissionService) -> None:
        self.permissions = permissions  # @requires looks here

    @requires("reports:read")
    async def weekly(self, principal: Caller) -> str:
        return "12 reminders sent"


async def main() -> None:
    clock = SystemClock()
    users = MemoryUserRepository()
    roles = MemoryRoleStore(REGISTRY)  # SqlRoleStore(database) in production
    log = MemoryAuditLog()
    audit = AuditRecorder(log, clock)
    kv = MemoryKeyValueStore(clock)  # RedisKeyValueStore across processes
    permissions = PermissionService(roles, users, kv, audit=audit)
    admin = RoleAdministration(users, roles, permissions, audit, log, clock)

    now = datetime.now(UTC)
    for user_id, held in (("ada", ("user",)), ("sam", ("support",))):
        await users.add(User(user_id, f"{user_id}@example.com", None, now, now, roles=held))
    ada, sam = Caller("ada"), Caller("sam")

    # 2. Plain checks, inheritance applied.
    print(await permissions.check(ada, "conversations:read"))  # True
    print(await permissions.check(ada, "reports:read"))  # False

    # 3. Ownership: the owner passes, others need the ":any" variant.
    adas_conversation = OwnedResource(owner_id="ada", kind="conversation", id="c1")
    print(await permissions.check(ada, "conversations:read", adas_conversation))  # True
    print(await permissions.check(sam, "conversations:read", adas_conversation))  # True (:any)
    print(await permissions.check(sam, "conversations:write", adas_conversation))  # False

    # 4. The decorator refuses (and audits) a caller without the permission.
    reports = Reports(permissions)
    print(await reports.weekly(sam))
    try:
        await reports.weekly(ada)
    except PermissionDenied as exc:
        print(exc.code, log.events[-1].action)  # permission_denied rbac.denied

    # 5. A role change goes through the administration service: audited, caches invalidated.
    await admin.set_roles(None, "ada", ["user", "support"])
    print(await reports.weekly(ada))


if __name__ == "__main__":
    asyncio.run(main())
