"""Purpose keys derived from the one master secret (HKDF-SHA256).

A key for signing tokens, one for encrypting TOTP secrets, one for hashing
backup codes, ...: each purpose gets its own so that a leak of one does not
compromise the others, and the operator manages one secret only.
"""

from __future__ import annotations

import math
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = [
    "MIN_SECRET_BITS",
    "derive_key",
    "estimated_bits",
    "load_or_create_secret",
    "secret_weakness",
]

MIN_SECRET_BITS = 256
"""Least strength of a secret accepted in production, by :func:`estimated_bits`.

64 hex or 43 base64url characters: ``python -c "import secrets; print(secrets.token_urlsafe(32))"``.
"""

_HEX = frozenset("0123456789abcdef")
_BASE32 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567=")
_BASE64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")
_BASE64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
_PLACEHOLDERS = ("changeme", "change-me", "change_me", "replace", "example", "default", "secret")
_SEQUENCE = "0123456789abcdefghijklmnopqrstuvwxyz"
_LONGEST_RUN = 6
"""Longest run of consecutive characters (``abcdef``, ``654321``) tolerated in a secret."""
_FEWEST_DISTINCT = 10


def _alphabet_size(secret: str) -> int:
    """Size of the smallest standard alphabet holding every character of ``secret``."""
    chars = set(secret)
    if chars <= _HEX or chars <= {c.upper() for c in _HEX}:
        return 16
    if chars <= _BASE32:
        return 32
    if chars <= _BASE64URL or chars <= _BASE64:
        return 64
    return 95  # printable ASCII (and anything else, counted no higher)


def estimated_bits(secret: str) -> float:
    """Strength of ``secret`` if it were random: length x log2(smallest standard alphabet).

    The alphabets are hex (16), base32 (32), base64 / base64url (64) and printable
    ASCII (95). A random 43-character base64url or 64-character hex string gives 256.
    """
    if not secret:
        return 0.0
    return len(secret) * math.log2(_alphabet_size(secret))


def _is_periodic(secret: str) -> bool:
    """Whether ``secret`` is a shorter unit repeated (``abcabcabc``, ``0f0f0f0f``)."""
    n = len(secret)
    return any(secret == (secret[:p] * (n // p + 1))[:n] for p in range(1, n // 2 + 1))


def _longest_sequential_run(secret: str) -> int:
    """Longest run of consecutive digits/letters, up or down (``0123456789abcdef`` is 16)."""
    longest = run = 1
    previous: int | None = None
    step = 0
    for char in secret.lower():
        index = _SEQUENCE.find(char)
        delta = index - previous if previous is not None and previous >= 0 and index >= 0 else 0
        if delta in (1, -1) and (run == 1 or delta == step):
            run, step = run + 1, delta
        elif delta in (1, -1):
            run, step = 2, delta
        else:
            run, step = 1, 0
        longest = max(longest, run)
        previous = index
    return longest


def secret_weakness(secret: str, *, min_bits: int = MIN_SECRET_BITS) -> str | None:
    """Why ``secret`` is not fit for production, or ``None`` when it is.

    Refused: under ``min_bits`` by :func:`estimated_bits`; a placeholder
    (``CHANGEME…``, ``…secret…``, ``…example…``); a repeated unit; a run of
    more than six consecutive characters (``0123456…``, ``abcdefg…``); fewer
    than ten distinct characters. A key from ``secrets.token_urlsafe(32)`` or
    ``secrets.token_hex(32)`` passes. The answer never quotes the secret.
    """
    if not secret:
        return "is empty"
    bits = estimated_bits(secret)
    if bits < min_bits:
        return (
            f"holds about {int(bits)} bits, under {min_bits} "
            "(64 hex or 43 base64url random characters are needed)"
        )
    lowered = secret.lower()
    if any(word in lowered for word in _PLACEHOLDERS):
        return "contains a placeholder word such as 'changeme' or 'secret'"
    if _is_periodic(secret):
        return "is a short pattern repeated"
    if _longest_sequential_run(secret) > _LONGEST_RUN:
        return "contains a run of consecutive characters"
    if len(set(secret)) < _FEWEST_DISTINCT:
        return f"uses fewer than {_FEWEST_DISTINCT} distinct characters"
    return None


def derive_key(master: str | bytes, purpose: str, length: int = 32) -> bytes:
    """Derive a ``length``-byte key for ``purpose`` from the master secret."""
    material = master.encode() if isinstance(master, str) else master
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=length,
        salt=b"pa-platform/v1",
        info=purpose.encode(),
    )
    return hkdf.derive(material)


def load_or_create_secret(path: Path) -> str:
    """Read the development secret at ``path``, creating it (mode 0600) on first use."""
    if path.exists():
        value = path.read_text().strip()
        if value:
            return value
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(value)
    tmp.chmod(0o600)
    tmp.replace(path)
    return value
