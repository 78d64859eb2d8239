"""pa_core: accounts, authentication, authorisation and the data of an SMS-first assistant.

Framework-agnostic: services are plain classes taking their stores, clock and
settings; optional backends (Redis, PostgreSQL) live in modules of their own.
"""

from pa_core.clock import Clock, FrozenClock, SystemClock
from pa_core.config import Settings
from pa_core.errors import PAError
from pa_core.pagination import Page, PageRequest

__all__ = [
    "Clock",
    "FrozenClock",
    "PAError",
    "Page",
    "PageRequest",
    "Settings",
    "SystemClock",
    "__version__",
]

__version__ = "0.1.0"
