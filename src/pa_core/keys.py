"""Purpose keys derived from the one master secret (HKDF-SHA256).

A key for signing tokens, one for encrypting TOTP secrets, one for hashing
backup codes, ...: each purpose gets its own so that a leak of one does not
compromise the others, and the operator manages one secret only.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["MIN_SECRET_LENGTH", "derive_key", "load_or_create_secret"]

MIN_SECRET_LENGTH = 32
"""Shortest master secret accepted in production (characters)."""


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
