"""The SQL database: one engine per process, error translation, and the declarative base.

SQLAlchemy 2.x async (PostgreSQL via asyncpg, SQLite via aiosqlite). Each
domain keeps its tables in its own ``models.py`` and its store in its own
``sqlalchemy.py`` (``pa_core.users.sqlalchemy.SqlUserRepository``, ...).
"""

from pa_core.database.engine import Database, database_errors, ensure_sqlite_directory
from pa_core.database.schema import Base, UTCDateTime

__all__ = ["Base", "Database", "UTCDateTime", "database_errors", "ensure_sqlite_directory"]
