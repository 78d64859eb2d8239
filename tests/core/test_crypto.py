"""FieldEncryptor: authenticated encryption of single fields, with key rotation."""

from __future__ import annotations

import secrets

import pytest

from pa_core.config import Settings
from pa_core.crypto import FieldEncryptor
from pa_core.errors import ImproperlyConfigured, InvalidInput

OLD_SECRET = "old-master-secret-0123456789-abcdefghij"
NEW_SECRET = "new-master-secret-9876543210-zyxwvutsrq"


def key() -> bytes:
    return secrets.token_bytes(32)


def test_a_value_round_trips() -> None:
    encryptor = FieldEncryptor([key()])
    assert encryptor.decrypt(encryptor.encrypt("JBSWY3DPEHPK3PXP")) == "JBSWY3DPEHPK3PXP"


def test_the_ciphertext_does_not_contain_the_plaintext() -> None:
    encryptor = FieldEncryptor([key()])
    assert "JBSWY3DPEHPK3PXP" not in encryptor.encrypt("JBSWY3DPEHPK3PXP")


def test_encrypting_twice_gives_different_ciphertexts() -> None:
    encryptor = FieldEncryptor([key()])
    assert encryptor.encrypt("same") != encryptor.encrypt("same")


def test_a_value_under_another_key_is_refused() -> None:
    ciphertext = FieldEncryptor([key()]).encrypt("secret")
    with pytest.raises(InvalidInput):
        FieldEncryptor([key()]).decrypt(ciphertext)


def test_a_tampered_value_is_refused() -> None:
    encryptor = FieldEncryptor([key()])
    ciphertext = encryptor.encrypt("secret")
    tampered = ciphertext[:-6] + ("A" if ciphertext[-6] != "A" else "B") + ciphertext[-5:]
    with pytest.raises(InvalidInput):
        encryptor.decrypt(tampered)


@pytest.mark.parametrize("garbage", ["", "not a token", "é"])
def test_garbage_is_refused(garbage: str) -> None:
    with pytest.raises(InvalidInput):
        FieldEncryptor([key()]).decrypt(garbage)


def test_older_keys_still_decrypt() -> None:
    old, new = key(), key()
    ciphertext = FieldEncryptor([old]).encrypt("secret")
    assert FieldEncryptor([new, old]).decrypt(ciphertext) == "secret"


def test_rotate_moves_a_value_to_the_current_key() -> None:
    old, new = key(), key()
    ciphertext = FieldEncryptor([old]).encrypt("secret")
    rotated = FieldEncryptor([new, old]).rotate(ciphertext)
    assert FieldEncryptor([new]).decrypt(rotated) == "secret"


def test_needs_rotation_tells_old_values_from_current_ones() -> None:
    old, new = key(), key()
    encryptor = FieldEncryptor([new, old])
    assert encryptor.needs_rotation(FieldEncryptor([old]).encrypt("secret"))
    assert not encryptor.needs_rotation(encryptor.encrypt("secret"))
    assert encryptor.needs_rotation("garbage é")


def test_rotating_an_unknown_value_is_refused() -> None:
    with pytest.raises(InvalidInput):
        FieldEncryptor([key()]).rotate(FieldEncryptor([key()]).encrypt("secret"))


def test_no_key_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured):
        FieldEncryptor([])


def test_a_key_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="32 bytes"):
        FieldEncryptor([b"short"])


def test_from_settings_derives_a_stable_key_from_the_master_secret() -> None:
    settings = Settings(secret_key=NEW_SECRET)
    ciphertext = FieldEncryptor.from_settings(settings).encrypt("secret")
    assert FieldEncryptor.from_settings(Settings(secret_key=NEW_SECRET)).decrypt(ciphertext) == (
        "secret"
    )


def test_from_settings_reads_values_under_a_previous_master_secret() -> None:
    before = FieldEncryptor.from_settings(Settings(secret_key=OLD_SECRET))
    ciphertext = before.encrypt("secret")
    after = FieldEncryptor.from_settings(
        Settings(secret_key=NEW_SECRET), previous_secrets=[OLD_SECRET]
    )
    assert after.decrypt(ciphertext) == "secret"
    assert after.needs_rotation(ciphertext)
    assert not after.needs_rotation(after.rotate(ciphertext))
    with pytest.raises(InvalidInput):
        FieldEncryptor.from_settings(Settings(secret_key=NEW_SECRET)).decrypt(ciphertext)
