"""Users: the :class:`User` aggregate, the :class:`UserRepository` contract and its backends.

:class:`MemoryUserRepository` is the embedded one; the SQL one is
:class:`pa_core.users.sqlalchemy.SqlUserRepository` (tables in
:mod:`pa_core.users.models`).
"""

from pa_core.users.base import DEFAULT_ROLE, User, UserRepository
from pa_core.users.memory import MemoryUserRepository

__all__ = ["DEFAULT_ROLE", "MemoryUserRepository", "User", "UserRepository"]
