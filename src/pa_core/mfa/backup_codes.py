"""Backup codes: single-use recovery codes, shown once and stored as keyed hashes.

A set is :data:`DEFAULT_COUNT` codes of :data:`DEFAULT_LENGTH` characters from
:data:`ALPHABET` (no ``0 O 1 I L``), about 49 bits each. They are random
enough that a keyed hash (HMAC-SHA256) is the right way to store them: no slow
password hash is needed, and a stolen table is useless without the key.

:class:`BackupCodes` generates, normalises and hashes codes; a
:class:`~pa_core.mfa.base.BackupCodeStore` keeps the hashes of each user's
current set and spends each one at most once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence

from pa_core.errors import ImproperlyConfigured, InvalidMfaCode
from pa_core.mfa.base import BackupCodeStore

__all__ = [
    "ALPHABET",
    "DEFAULT_COUNT",
    "DEFAULT_LENGTH",
    "KEY_PURPOSE",
    "BackupCodes",
]

ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
"""Characters of a code: digits and lowercase letters minus the look-alikes 0 1 i l o."""

DEFAULT_COUNT = 10
"""Codes in a set."""

DEFAULT_LENGTH = 10
"""Characters in a code (shown as two groups of five: ``abcde-fghjk``)."""

KEY_PURPOSE = "backup-codes"
"""Purpose name for the hash key: ``settings.purpose_key(KEY_PURPOSE)``."""

_MIN_LENGTH = 8
_MIN_KEY_LENGTH = 16
_MAX_INPUT_LENGTH = 64
_SEPARATORS = re.compile(r"[\s-]")


class BackupCodes:
    """Generates and hashes backup codes.

    Args:
        hmac_key: secret key of the hashes, e.g. ``settings.purpose_key(KEY_PURPOSE)``.
        count: codes in a new set.
        length: characters in a code (even, at least 8).

    Raises:
        ImproperlyConfigured: a short key or a bad count or length.
    """

    def __init__(
        self, hmac_key: bytes, *, count: int = DEFAULT_COUNT, length: int = DEFAULT_LENGTH
    ) -> None:
        if len(hmac_key) < _MIN_KEY_LENGTH:
            raise ImproperlyConfigured(f"hmac_key must be at least {_MIN_KEY_LENGTH} bytes")
        if count < 1:
            raise ImproperlyConfigured("backup code count must be at least 1")
        if length < _MIN_LENGTH or length % 2:
            raise ImproperlyConfigured(f"backup code length must be even and >= {_MIN_LENGTH}")
        self.count = count
        self.length = length
        self._key = hmac_key

    def generate(self) -> list[str]:
        """A new set of distinct codes, formatted for display (``abcde-fghjk``).

        Show them once; store only their :meth:`hash`.
        """
        codes: set[str] = set()
        while len(codes) < self.count:
            codes.add("".join(secrets.choice(ALPHABET) for _ in range(self.length)))
        half = self.length // 2
        return [f"{code[:half]}-{code[half:]}" for code in sorted(codes)]

    @staticmethod
    def normalize(code: str) -> str:
        """The canonical form of a typed code: lowercase, without spaces or dashes."""
        return _SEPARATORS.sub("", code[:_MAX_INPUT_LENGTH]).lower()

    def hash(self, code: str) -> str:
        """HMAC-SHA256 (hex) of the normalised code: what the store keeps."""
        return hmac.new(self._key, self.normalize(code).encode(), hashlib.sha256).hexdigest()

    def hashes(self, codes: Sequence[str]) -> list[str]:
        """The hash of each code, in order."""
        return [self.hash(code) for code in codes]

    async def regenerate(self, store: BackupCodeStore, user_id: str) -> list[str]:
        """Generate a new set for ``user_id``, voiding the old one; return the codes to show.

        Confirming the user's password first is the caller's job.
        """
        codes = self.generate()
        await store.replace(user_id, self.hashes(codes))
        return codes

    async def consume(self, store: BackupCodeStore, user_id: str, code: str) -> None:
        """Spend ``code`` of ``user_id``.

        Raises:
            InvalidMfaCode: not one of the user's unspent codes.
            ServiceUnavailable: the store cannot be reached.
        """
        if not await store.consume(user_id, self.hash(code)):
            raise InvalidMfaCode()
