"""Encryption of single database fields (TOTP secrets, ...) with key rotation.

:class:`FieldEncryptor` wraps :class:`cryptography.fernet.MultiFernet`
(AES-128-CBC with HMAC-SHA256, authenticated): the first key encrypts, every key
decrypts. Keys are 32 random bytes; :meth:`FieldEncryptor.from_settings`
derives the current one from the master secret (purpose ``field-encryption``).

Rotating the master secret without losing the encrypted fields:

1. set the new ``PA_SECRET_KEY`` and pass the old secret in ``previous_secrets``
   (newest first): values encrypted under it still decrypt;
2. rewrite every stored value with :meth:`FieldEncryptor.rotate`, skipping
   those for which :meth:`FieldEncryptor.needs_rotation` is false (rotating them
   again is harmless, only wasted work);
3. drop the old secret once nothing needs rotation any more.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from pa_core.errors import ImproperlyConfigured, InvalidInput
from pa_core.keys import derive_key

if TYPE_CHECKING:
    from pa_core.config import Settings

__all__ = ["FIELD_ENCRYPTION_PURPOSE", "FIELD_KEY_LENGTH", "FieldEncryptor"]

FIELD_ENCRYPTION_PURPOSE = "field-encryption"
"""The purpose name under which the field key is derived from the master secret."""

FIELD_KEY_LENGTH = 32
"""Length of a raw field-encryption key in bytes (Fernet's signing + encryption keys)."""


def _fernet(key: bytes) -> Fernet:
    if len(key) != FIELD_KEY_LENGTH:
        raise ImproperlyConfigured(
            f"a field-encryption key must be {FIELD_KEY_LENGTH} bytes, got {len(key)}"
        )
    return Fernet(base64.urlsafe_b64encode(key))


class FieldEncryptor:
    """Encrypts and decrypts text fields; the first key encrypts, all keys decrypt.

    Args:
        keys: raw 32-byte keys, the current key first, then older ones still
            accepted for decryption.

    Raises:
        ImproperlyConfigured: no key, or a key of the wrong length.
    """

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise ImproperlyConfigured("FieldEncryptor needs at least one key")
        fernets = [_fernet(key) for key in keys]
        self._current = fernets[0]
        self._all = MultiFernet(fernets)

    @classmethod
    def from_settings(
        cls, settings: Settings, previous_secrets: Sequence[str] = ()
    ) -> FieldEncryptor:
        """An encryptor keyed from ``settings``' master secret, also reading older secrets.

        Args:
            settings: supplies the current master secret.
            previous_secrets: master secrets used before, newest first; values
                encrypted under them still decrypt until rotated.
        """
        keys = [settings.purpose_key(FIELD_ENCRYPTION_PURPOSE, FIELD_KEY_LENGTH)]
        keys += [
            derive_key(old, FIELD_ENCRYPTION_PURPOSE, FIELD_KEY_LENGTH) for old in previous_secrets
        ]
        return cls(keys)

    def encrypt(self, plaintext: str) -> str:
        """Encrypt ``plaintext`` under the current key; a fresh random IV each call."""
        return self._current.encrypt(plaintext.encode()).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        """Decrypt a value produced by :meth:`encrypt` under any configured key.

        Raises:
            InvalidInput: the value is malformed, tampered with, or under no known key.
        """
        try:
            return self._all.decrypt(ciphertext.encode("ascii")).decode()
        except (InvalidToken, UnicodeError) as exc:
            raise InvalidInput("encrypted value cannot be decrypted") from exc

    def needs_rotation(self, ciphertext: str) -> bool:
        """Whether ``ciphertext`` is under an older key (or unreadable) and should be rotated."""
        try:
            self._current.decrypt(ciphertext.encode("ascii"))
        except (InvalidToken, UnicodeError):
            return True
        return False

    def rotate(self, ciphertext: str) -> str:
        """Re-encrypt ``ciphertext`` under the current key.

        Raises:
            InvalidInput: the value cannot be decrypted under any configured key.
        """
        try:
            return self._all.rotate(ciphertext.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError) as exc:
            raise InvalidInput("encrypted value cannot be decrypted") from exc
