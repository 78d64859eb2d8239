"""SQLAlchemy 2.x async backends (PostgreSQL via asyncpg, SQLite via aiosqlite)."""

from pa_core.stores.sqlalchemy.audit import SqlAuditLog
from pa_core.stores.sqlalchemy.conversations import SqlConversationRepository
from pa_core.stores.sqlalchemy.database import Database, database_errors
from pa_core.stores.sqlalchemy.mfa import (
    SqlBackupCodeStore,
    SqlMfaFactorStore,
    SqlTrustedDeviceStore,
)
from pa_core.stores.sqlalchemy.models import Base
from pa_core.stores.sqlalchemy.preferences import SqlPreferencesRepository
from pa_core.stores.sqlalchemy.roles import SqlRoleStore
from pa_core.stores.sqlalchemy.users import SqlUserRepository

__all__ = [
    "Base",
    "Database",
    "SqlAuditLog",
    "SqlBackupCodeStore",
    "SqlConversationRepository",
    "SqlMfaFactorStore",
    "SqlPreferencesRepository",
    "SqlRoleStore",
    "SqlTrustedDeviceStore",
    "SqlUserRepository",
    "database_errors",
]
