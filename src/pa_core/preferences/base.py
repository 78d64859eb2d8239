"""What a user wants of their assistant: quiet hours, channel, reminders, digest, persistence, tone.

:class:`Preferences` is validated once, at construction, and every field has a
default that suits someone who never opens the settings: no texts at night
(22:00-07:00 in the user's own time zone), SMS first, reminders 15 minutes ahead,
a morning digest at 08:00, three nudges before the assistant lets a reminder go,
and brief messages.

:class:`PreferencesRepository` is the storage contract; the embedded backend is
in :mod:`pa_core.preferences.memory`, the SQL one in
:mod:`pa_core.preferences.sqlalchemy` (table in :mod:`pa_core.preferences.models`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from pa_core.accounts import validate_timezone
from pa_core.errors import FieldError, ValidationFailed
from pa_core.preferences.parsing import format_clock_time, parse_clock_time

__all__ = [
    "DEFAULT_DAILY_DIGEST_TIME",
    "DEFAULT_NUDGE_MAX",
    "DEFAULT_QUIET_HOURS",
    "DEFAULT_REMINDER_LEAD_MINUTES",
    "MAX_NUDGES",
    "MAX_REMINDER_LEAD_MINUTES",
    "MIN_NUDGES",
    "Channel",
    "Preferences",
    "PreferencesRepository",
    "QuietHours",
    "Tone",
]

MAX_REMINDER_LEAD_MINUTES = 24 * 60
"""A reminder may come at most a day ahead."""
DEFAULT_REMINDER_LEAD_MINUTES = 15
"""Long enough to get moving, short enough not to be forgotten again."""
MIN_NUDGES = 1
"""A reminder is sent at least once."""
MAX_NUDGES = 10
"""Beyond this, nagging does more harm than good."""
DEFAULT_NUDGE_MAX = 3
"""How many times a reminder is sent before the assistant lets it go."""
DEFAULT_DAILY_DIGEST_TIME = time(8, 0)
"""The morning summary, local time."""


class Channel(StrEnum):
    """Where the assistant reaches the user first."""

    SMS = "sms"
    WEB = "web"


class Tone(StrEnum):
    """How much the assistant says."""

    BRIEF = "brief"
    DETAILED = "detailed"


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily window, in the user's local time, when no SMS is sent.

    ``start`` is inside the window and ``end`` is not; a window whose end is
    before its start crosses midnight (22:00-07:00 covers the night).
    """

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise ValidationFailed.for_field("quiet_hours", "start and end must differ")

    def contains(self, local: time) -> bool:
        """Whether the local wall-clock time ``local`` falls in the window."""
        local = local.replace(second=0, microsecond=0, tzinfo=None)
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


DEFAULT_QUIET_HOURS = QuietHours(time(22, 0), time(7, 0))
"""No texts at night."""


@dataclass(frozen=True, slots=True)
class Preferences:
    """A user's assistant preferences; a bad value raises ``validation_error`` naming the field."""

    quiet_hours: QuietHours | None = DEFAULT_QUIET_HOURS
    preferred_channel: Channel = Channel.SMS
    reminder_lead_minutes: int = DEFAULT_REMINDER_LEAD_MINUTES
    daily_digest_time: time | None = DEFAULT_DAILY_DIGEST_TIME
    nudge_max: int = DEFAULT_NUDGE_MAX
    tone: Tone = Tone.BRIEF
    updated_at: datetime | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        errors: list[FieldError] = []
        if not _is_int(self.reminder_lead_minutes) or not (
            0 <= self.reminder_lead_minutes <= MAX_REMINDER_LEAD_MINUTES
        ):
            errors.append(
                FieldError(
                    "reminder_lead_minutes",
                    f"must be a whole number between 0 and {MAX_REMINDER_LEAD_MINUTES}",
                )
            )
        if not _is_int(self.nudge_max) or not MIN_NUDGES <= self.nudge_max <= MAX_NUDGES:
            errors.append(
                FieldError(
                    "nudge_max", f"must be a whole number between {MIN_NUDGES} and {MAX_NUDGES}"
                )
            )
        if not isinstance(self.preferred_channel, Channel):
            errors.append(FieldError("preferred_channel", "must be one of: sms, web"))
        if not isinstance(self.tone, Tone):
            errors.append(FieldError("tone", "must be one of: brief, detailed"))
        if errors:
            raise ValidationFailed("; ".join(f"{e.field}: {e.message}" for e in errors), errors)

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> Preferences:
        """Build from the API's JSON document; defaults fill what is left out.

        Every problem is reported at once, each naming its field; an unknown
        field is a problem too.
        """
        errors: list[FieldError] = []
        values: dict[str, Any] = {}
        for key in document:
            if key not in _FIELDS:
                errors.append(FieldError(str(key), "is not an accepted field"))
        for key, parse in _PARSERS.items():
            if key in document:
                try:
                    values[key] = parse(document[key])
                except ValidationFailed as exc:
                    errors.extend(exc.errors)
        try:
            preferences = cls(**values)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
        if not errors:
            return preferences
        raise ValidationFailed("; ".join(f"{e.field}: {e.message}" for e in errors), errors)

    def to_document(self) -> dict[str, Any]:
        """The API's JSON document."""
        quiet = self.quiet_hours
        return {
            "quiet_hours": None
            if quiet is None
            else {"start": format_clock_time(quiet.start), "end": format_clock_time(quiet.end)},
            "preferred_channel": self.preferred_channel.value,
            "reminder_lead_minutes": self.reminder_lead_minutes,
            "daily_digest_time": None
            if self.daily_digest_time is None
            else format_clock_time(self.daily_digest_time),
            "nudge_max": self.nudge_max,
            "tone": self.tone.value,
        }

    def in_quiet_hours(self, now_utc: datetime, user_timezone: str) -> bool:
        """Whether ``now_utc`` falls in the quiet hours on the user's local clock.

        The window is read in ``user_timezone`` (IANA), so it follows the user
        across daylight-saving changes and moves with them when they travel.
        """
        if self.quiet_hours is None:
            return False
        if now_utc.tzinfo is None:
            raise ValueError("in_quiet_hours needs an aware datetime")
        local = now_utc.astimezone(ZoneInfo(validate_timezone(user_timezone)))
        return self.quiet_hours.contains(local.time())

    def may_send_sms(self, now_utc: datetime, user_timezone: str) -> bool:
        """Whether an SMS may go out now (outside the quiet hours)."""
        return not self.in_quiet_hours(now_utc, user_timezone)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_quiet_hours(value: object) -> QuietHours | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or set(value) != {"start", "end"}:
        raise ValidationFailed.for_field(
            "quiet_hours", 'must be null or {"start": "HH:MM", "end": "HH:MM"}'
        )
    errors: list[FieldError] = []
    parsed: dict[str, time] = {}
    for part in ("start", "end"):
        try:
            parsed[part] = parse_clock_time(value[part], f"quiet_hours.{part}")
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    if errors:
        raise ValidationFailed("quiet_hours is invalid", errors)
    return QuietHours(parsed["start"], parsed["end"])


def _parse_enum(kind: type[StrEnum], name: str) -> Any:
    def parse(value: object) -> StrEnum:
        for member in kind:
            if member.value == value:
                return member
        choices = ", ".join(member.value for member in kind)
        raise ValidationFailed.for_field(name, f"must be one of: {choices}")

    return parse


def _parse_int(name: str) -> Any:
    def parse(value: object) -> object:
        if not _is_int(value):
            raise ValidationFailed.for_field(name, "must be a whole number")
        return value

    return parse


def _parse_digest(value: object) -> time | None:
    return None if value is None else parse_clock_time(value, "daily_digest_time")


_PARSERS: dict[str, Any] = {
    "quiet_hours": _parse_quiet_hours,
    "preferred_channel": _parse_enum(Channel, "preferred_channel"),
    "reminder_lead_minutes": _parse_int("reminder_lead_minutes"),
    "daily_digest_time": _parse_digest,
    "nudge_max": _parse_int("nudge_max"),
    "tone": _parse_enum(Tone, "tone"),
}
_FIELDS = frozenset(_PARSERS)


class PreferencesRepository(Protocol):
    """Stores one preferences document per user; erased with the user.

    Raises :class:`pa_core.errors.ServiceUnavailable` when the backend is unreachable.
    """

    async def get(self, user_id: str) -> Preferences | None:
        """The stored preferences of ``user_id``, or ``None`` if never saved."""
        ...

    async def put(self, user_id: str, preferences: Preferences) -> None:
        """Store ``preferences`` for ``user_id``, replacing what was there."""
        ...

    async def delete(self, user_id: str) -> bool:
        """Forget the user's preferences; whether there were any."""
        ...
