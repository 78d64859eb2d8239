"""PasswordHasher: argon2id hashes, bcrypt upgrades, raising verification, worker threads."""

from __future__ import annotations

import logging
import threading
from typing import Any

import anyio
import anyio.lowlevel
import bcrypt
import pytest
from passlib.context import CryptContext

from pa_core.errors import InvalidCredentials
from pa_core.passwords import (
    BCRYPT_MAX_BYTES,
    OWASP_ARGON2ID,
    Argon2idParameters,
    PasswordHasher,
    create_crypt_context,
    normalize_password,
)

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse battery staple"


def full_width(text: str) -> str:
    """``text`` as typed with a full-width (East Asian) keyboard layout."""
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in text)


def bcrypt_hash(secret: str | bytes, rounds: int = 4) -> str:
    data = secret.encode() if isinstance(secret, str) else secret
    return bcrypt.hashpw(data, bcrypt.gensalt(rounds)).decode()


@pytest.fixture
def hasher() -> PasswordHasher:
    return PasswordHasher()


async def test_a_new_hash_is_argon2id_with_owasp_parameters(hasher: PasswordHasher) -> None:
    hashed = await hasher.hash(PASSWORD)
    assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_the_owasp_constant_holds_the_cheat_sheet_values() -> None:
    assert Argon2idParameters(memory_cost=19456, time_cost=2, parallelism=1) == OWASP_ARGON2ID


def test_argon2_parameters_refuse_impossible_costs() -> None:
    with pytest.raises(ValueError, match="argon2id"):
        Argon2idParameters(memory_cost=4, time_cost=1, parallelism=1)


async def test_two_hashes_of_one_password_differ_by_their_salt(hasher: PasswordHasher) -> None:
    assert await hasher.hash(PASSWORD) != await hasher.hash(PASSWORD)


async def test_the_right_password_verifies_and_needs_no_update(hasher: PasswordHasher) -> None:
    hashed = await hasher.hash(PASSWORD)
    assert await hasher.verify_and_update(PASSWORD, hashed) is None
    assert not hasher.needs_update(hashed)


async def test_a_wrong_password_raises_invalid_credentials(hasher: PasswordHasher) -> None:
    hashed = await hasher.hash(PASSWORD)
    with pytest.raises(InvalidCredentials):
        await hasher.verify_and_update(PASSWORD + "!", hashed)


async def test_a_legacy_bcrypt_hash_verifies_and_an_argon2id_replacement_is_returned(
    hasher: PasswordHasher,
) -> None:
    legacy = bcrypt_hash(PASSWORD)
    assert hasher.needs_update(legacy)
    upgraded = await hasher.verify_and_update(PASSWORD, legacy)
    assert upgraded is not None
    assert upgraded.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert await hasher.verify_and_update(PASSWORD, upgraded) is None


async def test_a_wrong_password_against_bcrypt_raises_and_offers_no_upgrade(
    hasher: PasswordHasher,
) -> None:
    with pytest.raises(InvalidCredentials):
        await hasher.verify_and_update("not the password", bcrypt_hash(PASSWORD))


async def test_argon2id_with_outdated_costs_is_upgraded(hasher: PasswordHasher) -> None:
    old = create_crypt_context(Argon2idParameters(memory_cost=8192, time_cost=1, parallelism=1))
    upgraded = await hasher.verify_and_update(PASSWORD, old.hash(PASSWORD))
    assert upgraded is not None
    assert upgraded.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


async def test_a_long_password_matches_a_legacy_bcrypt_hash_of_its_first_72_bytes(
    hasher: PasswordHasher,
) -> None:
    long_password = "é" * 60  # 120 bytes in UTF-8: bcrypt < 4.1 hashed the first 72
    legacy = bcrypt_hash(long_password.encode()[:BCRYPT_MAX_BYTES])
    upgraded = await hasher.verify_and_update(long_password, legacy)
    assert upgraded is not None
    # The replacement covers the whole password, not the truncated one.
    assert await hasher.verify_and_update(long_password, upgraded) is None
    with pytest.raises(InvalidCredentials):
        await hasher.verify_and_update("é" * 36, upgraded)


async def test_a_long_wrong_password_against_bcrypt_is_a_mismatch_not_a_crash(
    hasher: PasswordHasher,
) -> None:
    with pytest.raises(InvalidCredentials):
        await hasher.verify_and_update("x" * 128, bcrypt_hash(PASSWORD))


async def test_a_password_is_nfkc_normalised_before_hashing(hasher: PasswordHasher) -> None:
    typed = full_width("correct horse")  # what some input methods send
    hashed = await hasher.hash(typed)
    assert await hasher.verify_and_update("correct horse", hashed) is None


def test_normalize_password_applies_nfkc() -> None:
    assert normalize_password("\ufb01ne " + full_width("ABC")) == "fine ABC"
    assert normalize_password("e\u0301") == "\u00e9"


async def test_a_legacy_hash_of_an_unnormalised_password_still_verifies(
    hasher: PasswordHasher,
) -> None:
    raw = full_width("passphrase")
    upgraded = await hasher.verify_and_update(raw, bcrypt_hash(raw))
    assert upgraded is not None
    assert await hasher.verify_and_update("passphrase", upgraded) is None


async def test_a_string_that_is_no_valid_unicode_is_a_mismatch(hasher: PasswordHasher) -> None:
    hashed = await hasher.hash(PASSWORD)
    with pytest.raises(InvalidCredentials):
        await hasher.verify_and_update("\ud800 lone surrogate", hashed)


@pytest.mark.parametrize("stored", ["", "not a hash", "$1$saltsalt$hash"])
async def test_an_unknown_stored_hash_refuses_the_login_and_logs(
    hasher: PasswordHasher, stored: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, "pa_core.passwords"), pytest.raises(InvalidCredentials):
        await hasher.verify_and_update(PASSWORD, stored)
    assert "unknown format" in caplog.text
    assert PASSWORD not in caplog.text


async def test_a_malformed_stored_hash_refuses_the_login_and_logs(
    hasher: PasswordHasher, caplog: pytest.LogCaptureFixture
) -> None:
    broken = bcrypt_hash(PASSWORD)[:-5]
    with caplog.at_level(logging.WARNING, "pa_core.passwords"), pytest.raises(InvalidCredentials):
        await hasher.verify_and_update(PASSWORD, broken)
    assert "malformed" in caplog.text


async def test_dummy_verify_always_raises_invalid_credentials(hasher: PasswordHasher) -> None:
    for attempt in (PASSWORD, "", "anything at all"):
        with pytest.raises(InvalidCredentials):
            await hasher.dummy_verify(attempt)


class RecordingContext:
    """Wraps a CryptContext and records the thread each call runs in."""

    def __init__(self, inner: CryptContext) -> None:
        self.inner = inner
        self.threads: list[threading.Thread] = []

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if name in {"hash", "verify"}:

            def recorded(*args: Any, **kwargs: Any) -> Any:
                self.threads.append(threading.current_thread())
                return attr(*args, **kwargs)

            return recorded
        return attr


async def test_hashing_and_verifying_run_in_worker_threads() -> None:
    context = RecordingContext(create_crypt_context())
    hasher = PasswordHasher(context)
    hashed = await hasher.hash(PASSWORD)
    await hasher.verify_and_update(PASSWORD, hashed)
    with pytest.raises(InvalidCredentials):
        await hasher.dummy_verify(PASSWORD)
    assert len(context.threads) >= 4
    assert threading.main_thread() not in context.threads


async def test_the_event_loop_keeps_running_while_a_hash_is_computed() -> None:
    slow = RecordingContext(create_crypt_context())
    gate = threading.Event()
    original_hash = slow.inner.hash

    def blocking_hash(secret: bytes) -> str:
        assert gate.wait(timeout=10), "the loop never got to run"
        return str(original_hash(secret))

    slow.inner = type("Ctx", (), {"hash": staticmethod(blocking_hash)})()
    hasher = PasswordHasher(slow)

    async with anyio.create_task_group() as tg:
        tg.start_soon(hasher.hash, PASSWORD)
        await anyio.lowlevel.checkpoint()
        gate.set()  # only reachable if the hash does not hold the loop


async def test_a_capacity_limiter_bounds_the_worker_threads() -> None:
    context = create_crypt_context()
    lock = threading.Lock()
    running = [0]
    peak = [0]

    def counting_hash(secret: bytes) -> str:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        try:
            return str(context.hash(secret))
        finally:
            with lock:
                running[0] -= 1

    wrapper = RecordingContext(context)
    wrapper.inner = type("Ctx", (), {"hash": staticmethod(counting_hash)})()
    hasher = PasswordHasher(wrapper, limiter=anyio.CapacityLimiter(1))
    async with anyio.create_task_group() as tg:
        for _ in range(4):
            tg.start_soon(hasher.hash, PASSWORD)
    assert peak[0] == 1
