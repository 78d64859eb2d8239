"""Cursor (keyset) pagination shared by every list: ``?limit=N&cursor=C``."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pa_core.errors import ValidationFailed

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "Page",
    "PageRequest",
    "decode_cursor",
    "encode_cursor",
    "page_of",
]

T = TypeVar("T")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of results and the cursor of the next page (``None`` on the last)."""

    items: Sequence[T]
    next_cursor: str | None


def encode_cursor(position: Sequence[Any]) -> str:
    """Encode a keyset position (JSON-able values) as an opaque URL-safe string."""
    raw = json.dumps(list(position), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    """Decode a cursor made by :func:`encode_cursor`; ``validation_error`` if it is not one."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed.for_field("cursor", "is not a valid cursor") from exc
    if not isinstance(value, list) or len(value) != arity:
        raise ValidationFailed.for_field("cursor", "is not a valid cursor")
    return value


@dataclass(frozen=True, slots=True)
class PageRequest:
    """A validated ``limit`` (1..100) and optional ``cursor``."""

    limit: int = DEFAULT_LIMIT
    cursor: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise ValidationFailed.for_field("limit", f"must be between 1 and {MAX_LIMIT}")


def page_of(rows: Sequence[T], limit: int, position: Callable[[T], Sequence[Any]]) -> Page[T]:
    """The first ``limit`` of ``rows`` as a page.

    Fetch ``limit + 1`` rows: the extra one only tells whether another page
    follows, whose cursor is then ``position`` of the last item kept.
    """
    items = list(rows[:limit])
    more = len(rows) > limit
    return Page(items, encode_cursor(position(items[-1])) if more else None)
