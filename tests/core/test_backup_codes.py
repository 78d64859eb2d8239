"""BackupCodes: generation, normalisation, keyed hashing, single use."""

from __future__ import annotations

import re

import pytest

from pa_core.errors import ImproperlyConfigured, InvalidMfaCode
from pa_core.mfa.backup_codes import ALPHABET, BackupCodes
from pa_core.mfa.memory import MemoryBackupCodeStore

pytestmark = pytest.mark.anyio

KEY = b"b" * 32


@pytest.fixture
def backup() -> BackupCodes:
    return BackupCodes(KEY)


def test_the_alphabet_has_no_look_alikes() -> None:
    assert not set("01ilo") & set(ALPHABET)
    assert ALPHABET.lower() == ALPHABET
    assert len(set(ALPHABET)) == len(ALPHABET)


def test_a_set_is_ten_distinct_codes_of_ten_characters(backup: BackupCodes) -> None:
    codes = backup.generate()
    assert len(codes) == 10
    assert len(set(codes)) == 10
    pattern = re.compile(rf"[{ALPHABET}]{{5}}-[{ALPHABET}]{{5}}")
    assert all(pattern.fullmatch(code) for code in codes)


def test_two_sets_differ(backup: BackupCodes) -> None:
    assert set(backup.generate()).isdisjoint(backup.generate())


def test_count_and_length_are_configurable() -> None:
    codes = BackupCodes(KEY, count=3, length=8).generate()
    assert len(codes) == 3
    assert all(len(code) == 9 for code in codes)


@pytest.mark.parametrize("typed", ["abcde-fghjk", "ABCDE-FGHJK", "abcdefghjk", " abcde fghjk "])
def test_a_code_is_accepted_with_or_without_dash_in_any_case(
    backup: BackupCodes, typed: str
) -> None:
    assert backup.normalize(typed) == "abcdefghjk"
    assert backup.hash(typed) == backup.hash("abcde-fghjk")


def test_the_hash_is_keyed_hmac_sha256_hex(backup: BackupCodes) -> None:
    digest = backup.hash("abcde-fghjk")
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert "abcde" not in digest
    assert BackupCodes(b"c" * 32).hash("abcde-fghjk") != digest


def test_different_codes_hash_differently(backup: BackupCodes) -> None:
    assert len(set(backup.hashes(backup.generate()))) == 10


async def test_regenerate_stores_the_hashes_of_the_codes_shown(backup: BackupCodes) -> None:
    store = MemoryBackupCodeStore()
    codes = await backup.regenerate(store, "u1")
    assert await store.remaining("u1") == 10
    await backup.consume(store, "u1", codes[3].upper())
    assert await store.remaining("u1") == 9


async def test_a_spent_code_is_refused(backup: BackupCodes) -> None:
    store = MemoryBackupCodeStore()
    codes = await backup.regenerate(store, "u1")
    await backup.consume(store, "u1", codes[0])
    with pytest.raises(InvalidMfaCode):
        await backup.consume(store, "u1", codes[0])


async def test_regenerating_voids_the_old_set(backup: BackupCodes) -> None:
    store = MemoryBackupCodeStore()
    old = await backup.regenerate(store, "u1")
    await backup.regenerate(store, "u1")
    with pytest.raises(InvalidMfaCode):
        await backup.consume(store, "u1", old[0])
    assert await store.remaining("u1") == 10


async def test_an_unknown_code_is_refused(backup: BackupCodes) -> None:
    store = MemoryBackupCodeStore()
    await backup.regenerate(store, "u1")
    with pytest.raises(InvalidMfaCode):
        await backup.consume(store, "u1", "x" * 200)


@pytest.mark.parametrize(
    "options",
    [{"hmac_key": b"short"}, {"count": 0}, {"length": 6}, {"length": 11}],
)
def test_unsafe_settings_are_refused(options: dict[str, object]) -> None:
    arguments: dict[str, object] = {"hmac_key": KEY, **options}
    with pytest.raises(ImproperlyConfigured):
        BackupCodes(**arguments)  # type: ignore[arg-type]
