"""Storage contracts and their embedded implementations.

Backends with optional dependencies live in their own modules and are never
imported here: ``pa_core.stores.redis`` needs the ``redis`` extra,
``pa_core.stores.sqlalchemy`` the database drivers.
"""

from pa_core.stores.base import KeyValueStore
from pa_core.stores.memory import MemoryAuditLog, MemoryKeyValueStore, MemoryUserRepository

__all__ = ["KeyValueStore", "MemoryAuditLog", "MemoryKeyValueStore", "MemoryUserRepository"]
