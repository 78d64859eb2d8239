"""Every table of ``pa_core``, registered on :data:`pa_core.database.Base.metadata` by import.

Each domain keeps its tables in its own ``models.py``; importing this module
imports them all, so that the migration environment (autogenerate, the
no-drift check) sees every table. ``pa_sms`` registers its own tables the same way.
"""

from __future__ import annotations

from pa_core.audit.models import AuditEventRow
from pa_core.conversations.models import ConversationRow, MessageRow
from pa_core.database.schema import Base
from pa_core.mfa.models import BackupCodeRow, MfaFactorRow, TrustedDeviceRow
from pa_core.preferences.models import PreferencesRow
from pa_core.rbac.models import PermissionRow, RoleParentRow, RolePermissionRow, RoleRow
from pa_core.users.models import UserRoleRow, UserRow

__all__ = [
    "AuditEventRow",
    "BackupCodeRow",
    "Base",
    "ConversationRow",
    "MessageRow",
    "MfaFactorRow",
    "PermissionRow",
    "PreferencesRow",
    "RoleParentRow",
    "RolePermissionRow",
    "RoleRow",
    "TrustedDeviceRow",
    "UserRoleRow",
    "UserRow",
]
