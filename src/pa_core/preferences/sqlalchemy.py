"""SQLAlchemy implementation of :class:`~pa_core.preferences.PreferencesRepository`."""

from __future__ import annotations

from sqlalchemy import delete

from pa_core.clock import utcnow
from pa_core.database.engine import Database
from pa_core.errors import NotFound
from pa_core.preferences.base import Channel, Preferences, QuietHours, Tone
from pa_core.preferences.models import PreferencesRow
from pa_core.preferences.parsing import format_clock_time, parse_clock_time

__all__ = ["SqlPreferencesRepository"]


def _to_preferences(row: PreferencesRow) -> Preferences:
    quiet = None
    if row.quiet_start is not None and row.quiet_end is not None:
        quiet = QuietHours(
            parse_clock_time(row.quiet_start, "quiet_hours.start"),
            parse_clock_time(row.quiet_end, "quiet_hours.end"),
        )
    return Preferences(
        quiet_hours=quiet,
        preferred_channel=Channel(row.preferred_channel),
        reminder_lead_minutes=row.reminder_lead_minutes,
        daily_digest_time=None
        if row.daily_digest_time is None
        else parse_clock_time(row.daily_digest_time, "daily_digest_time"),
        nudge_max=row.nudge_max,
        tone=Tone(row.tone),
        updated_at=row.updated_at,
    )


class SqlPreferencesRepository:
    """Preferences in the ``preferences`` table (one row per user)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def get(self, user_id: str) -> Preferences | None:
        """The stored preferences of ``user_id``."""
        async with self.database.session() as session:
            row = await session.get(PreferencesRow, user_id)
            return None if row is None else _to_preferences(row)

    async def put(self, user_id: str, preferences: Preferences) -> None:
        """Store ``preferences`` (``NotFound`` when there is no such user)."""
        quiet = preferences.quiet_hours
        async with self.database.session(on_conflict=NotFound) as session:
            row = await session.get(PreferencesRow, user_id)
            if row is None:
                row = PreferencesRow(user_id=user_id)
                session.add(row)
            row.quiet_start = None if quiet is None else format_clock_time(quiet.start)
            row.quiet_end = None if quiet is None else format_clock_time(quiet.end)
            row.preferred_channel = preferences.preferred_channel.value
            row.reminder_lead_minutes = preferences.reminder_lead_minutes
            row.daily_digest_time = (
                None
                if preferences.daily_digest_time is None
                else format_clock_time(preferences.daily_digest_time)
            )
            row.nudge_max = preferences.nudge_max
            row.tone = preferences.tone.value
            row.updated_at = preferences.updated_at or utcnow()

    async def delete(self, user_id: str) -> bool:
        """Forget the user's preferences."""
        async with self.database.session() as session:
            result = await session.execute(
                delete(PreferencesRow).where(PreferencesRow.user_id == user_id)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]
