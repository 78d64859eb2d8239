"""Checks of the values decoded from a cursor: a forged cursor is a ``validation_error``."""

from __future__ import annotations

import math
from datetime import datetime

from pa_core.errors import ValidationFailed

__all__ = ["cursor_id", "cursor_instant", "cursor_score", "cursor_seq"]


def _bad() -> ValidationFailed:
    return ValidationFailed.for_field("cursor", "is not a valid cursor")


def cursor_instant(value: object) -> datetime:
    """An aware datetime written by ``isoformat()``."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise _bad() from exc
    if moment.tzinfo is None:
        raise _bad()
    return moment


def cursor_seq(value: object) -> int:
    """A message sequence number."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _bad()
    return value


def cursor_score(value: object) -> float:
    """A finite search score."""
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise _bad()
    return float(value)


def cursor_id(value: object) -> str:
    """An id."""
    if not isinstance(value, str):
        raise _bad()
    return value
