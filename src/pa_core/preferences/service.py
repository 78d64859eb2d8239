"""Reads and replaces a user's preferences.

:class:`PreferencesService` reads the stored document on every call, so a change
applies to the very next action, with no restart and no new login.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from pa_core.audit.base import AuditContext
from pa_core.audit.recorder import AuditRecorder
from pa_core.clock import Clock
from pa_core.preferences.base import Preferences, PreferencesRepository

__all__ = ["PreferencesService"]


class PreferencesService:
    """Reads and replaces a user's preferences; never caches, so changes apply at once."""

    def __init__(
        self,
        repository: PreferencesRepository,
        clock: Clock,
        audit: AuditRecorder | None = None,
    ) -> None:
        self.repository = repository
        self.clock = clock
        self.audit = audit

    async def get(self, user_id: str) -> Preferences:
        """The user's preferences, or the defaults if they never saved any."""
        return await self.repository.get(user_id) or Preferences()

    async def replace(
        self,
        user_id: str,
        document: Mapping[str, Any],
        *,
        context: AuditContext | None = None,
    ) -> Preferences:
        """Replace the whole document (defaults fill what is left out) and return it."""
        preferences = replace(Preferences.from_document(document), updated_at=self.clock.now())
        await self.repository.put(user_id, preferences)
        if self.audit is not None:
            await self.audit.record(
                "preferences.update",
                actor_id=user_id,
                target_type="user",
                target_id=user_id,
                context=context,
                fields=sorted(document),
            )
        return preferences
