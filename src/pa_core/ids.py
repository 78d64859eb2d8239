"""Opaque, roughly time-ordered identifiers (ULID layout: 48-bit ms time, 80 random bits)."""

from __future__ import annotations

import secrets
from datetime import datetime

from pa_core.clock import utcnow

__all__ = ["new_id"]

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case


def new_id(at: datetime | None = None) -> str:
    """A new 26-character id; ids made later sort after earlier ones (to the millisecond)."""
    millis = int((at or utcnow()).timestamp() * 1000)
    value = (millis << 80) | secrets.randbits(80)
    chars = []
    for _ in range(26):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))
