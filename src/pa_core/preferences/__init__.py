"""What a user wants of their assistant: quiet hours, channel, reminders, digest, persistence, tone.

:class:`Preferences` and the :class:`PreferencesRepository` contract live in
:mod:`pa_core.preferences.base`, :class:`MemoryPreferencesRepository` is the
embedded store and :class:`PreferencesService` reads and replaces a user's
document. The SQL store is :class:`pa_core.preferences.sqlalchemy.SqlPreferencesRepository`.
"""

from pa_core.preferences.base import (
    DEFAULT_DAILY_DIGEST_TIME,
    DEFAULT_NUDGE_MAX,
    DEFAULT_QUIET_HOURS,
    DEFAULT_REMINDER_LEAD_MINUTES,
    MAX_NUDGES,
    MAX_REMINDER_LEAD_MINUTES,
    MIN_NUDGES,
    Channel,
    Preferences,
    PreferencesRepository,
    QuietHours,
    Tone,
)
from pa_core.preferences.memory import MemoryPreferencesRepository
from pa_core.preferences.parsing import format_clock_time, parse_clock_time
from pa_core.preferences.service import PreferencesService

__all__ = [
    "DEFAULT_DAILY_DIGEST_TIME",
    "DEFAULT_NUDGE_MAX",
    "DEFAULT_QUIET_HOURS",
    "DEFAULT_REMINDER_LEAD_MINUTES",
    "MAX_NUDGES",
    "MAX_REMINDER_LEAD_MINUTES",
    "MIN_NUDGES",
    "Channel",
    "MemoryPreferencesRepository",
    "Preferences",
    "PreferencesRepository",
    "PreferencesService",
    "QuietHours",
    "Tone",
    "format_clock_time",
    "parse_clock_time",
]
