"""Times of day as the API writes them: ``"HH:MM"``, 24-hour."""

from __future__ import annotations

import re
from datetime import time

from pa_core.errors import ValidationFailed

__all__ = ["format_clock_time", "parse_clock_time"]

_CLOCK_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def parse_clock_time(value: object, field_name: str) -> time:
    """``"HH:MM"`` (24-hour) as a time of day; ``validation_error`` on ``field_name``."""
    match = _CLOCK_TIME.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValidationFailed.for_field(field_name, "must be a time of day as HH:MM (00:00-23:59)")
    return time(int(match.group(1)), int(match.group(2)))


def format_clock_time(value: time) -> str:
    """A time of day as ``"HH:MM"``."""
    return f"{value.hour:02d}:{value.minute:02d}"
