"""In-memory preferences repository: the embedded default and the test double."""

from __future__ import annotations

from pa_core.preferences.base import Preferences

__all__ = ["MemoryPreferencesRepository"]


class MemoryPreferencesRepository:
    """In-process preferences: the embedded default and the test double."""

    def __init__(self) -> None:
        self._rows: dict[str, Preferences] = {}

    async def get(self, user_id: str) -> Preferences | None:
        """The stored preferences of ``user_id``."""
        return self._rows.get(user_id)

    async def put(self, user_id: str, preferences: Preferences) -> None:
        """Store ``preferences``."""
        self._rows[user_id] = preferences

    async def delete(self, user_id: str) -> bool:
        """Forget the user's preferences."""
        return self._rows.pop(user_id, None) is not None
