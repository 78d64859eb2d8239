"""How the Redis backends write values: text from replies, instants as microseconds since the epoch.

Shared by every Redis store (sessions, refresh tokens, ``pa_sms``'s job queue) so
they read and write the same encoding. Nothing here imports ``redis``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["EPOCH", "MICROSECOND", "as_text", "epoch_micros", "from_epoch_micros"]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""The Unix epoch, in UTC."""
MICROSECOND = timedelta(microseconds=1)
"""One microsecond: ``interval // MICROSECOND`` is a whole number of microseconds."""


def as_text(value: bytes | str) -> str:
    """A reply value as text, whether the client decodes replies or not."""
    return value.decode() if isinstance(value, bytes) else value


def epoch_micros(at: datetime) -> int:
    """``at`` (timezone-aware) as whole microseconds since the epoch."""
    return (at - EPOCH) // MICROSECOND


def from_epoch_micros(micros: int | str | bytes) -> datetime:
    """The UTC instant ``micros`` microseconds after the epoch (see :func:`epoch_micros`)."""
    return EPOCH + timedelta(microseconds=int(micros))
