"""TotpService: RFC 6238 codes, drift, replay protection, enrolment helpers."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import anyio
import pyotp
import pytest

from pa_core.clock import FrozenClock
from pa_core.crypto import FieldEncryptor
from pa_core.errors import ImproperlyConfigured, InvalidInput, InvalidMfaCode
from pa_core.kv import KeyValueStore, MemoryKeyValueStore
from pa_core.kv.redis import RedisKeyValueStore
from pa_core.mfa.totp import TotpService
from tests.services import services_required

pytestmark = pytest.mark.anyio

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
STEP = timedelta(seconds=30)
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.fixture
def totp(clock: FrozenClock) -> TotpService:
    return TotpService(FieldEncryptor([b"k" * 32]), "PA Assistant", clock)


def code_at(clock: FrozenClock, offset: timedelta = timedelta(0), secret: str = SECRET) -> str:
    return pyotp.TOTP(secret).at(clock.now() + offset)


@pytest.fixture(
    params=[
        pytest.param("memory", marks=pytest.mark.memory),
        pytest.param("redis", marks=pytest.mark.redis),
    ]
)
async def store(request: pytest.FixtureRequest, clock: FrozenClock) -> AsyncIterator[KeyValueStore]:
    if request.param == "memory":
        yield MemoryKeyValueStore(clock).with_namespace("mfa")
        return
    redis = RedisKeyValueStore.from_url(request.getfixturevalue("redis_url"), namespace="mfa")
    yield redis
    await redis.close()


# --- secrets and enrolment -------------------------------------------------------


def test_a_new_secret_is_160_random_bits_in_base32(totp: TotpService) -> None:
    secret = totp.new_secret()
    assert len(secret) == 32
    assert len(base64.b32decode(secret)) == 20
    assert totp.new_secret() != secret


def test_a_secret_survives_encryption_at_rest(totp: TotpService) -> None:
    stored = totp.encrypt_secret(SECRET)
    assert SECRET not in stored
    assert totp.decrypt_secret(stored) == SECRET


def test_the_provisioning_uri_names_issuer_and_account(totp: TotpService) -> None:
    uri = totp.provisioning_uri(SECRET, "ada@example.com")
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert unquote(parts.path) == "/PA Assistant:ada@example.com"
    query = parse_qs(parts.query)
    assert query["secret"] == [SECRET]
    assert query["issuer"] == ["PA Assistant"]


async def test_the_qr_code_is_an_embeddable_svg(totp: TotpService) -> None:
    svg = await totp.qr_svg(totp.provisioning_uri(SECRET, "ada@example.com"))
    assert svg.startswith("<svg")
    assert "<?xml" not in svg
    assert svg.rstrip().endswith("</svg>")


# --- verification ----------------------------------------------------------------


def test_the_current_code_is_accepted_and_its_step_returned(
    totp: TotpService, clock: FrozenClock
) -> None:
    assert totp.verify(SECRET, code_at(clock)) == totp.current_step()
    assert totp.current_step() == int(clock.now().timestamp()) // 30


@pytest.mark.parametrize("offset", [-STEP, STEP])
def test_one_step_of_drift_either_way_is_accepted(
    totp: TotpService, clock: FrozenClock, offset: timedelta
) -> None:
    step = totp.verify(SECRET, code_at(clock, offset))
    assert step == totp.current_step() + offset // STEP


@pytest.mark.parametrize("offset", [-2 * STEP, 2 * STEP])
def test_two_steps_of_drift_are_refused(
    totp: TotpService, clock: FrozenClock, offset: timedelta
) -> None:
    with pytest.raises(InvalidMfaCode):
        totp.verify(SECRET, code_at(clock, offset))


def test_a_wrong_code_is_refused(totp: TotpService, clock: FrozenClock) -> None:
    right = code_at(clock)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    with pytest.raises(InvalidMfaCode):
        totp.verify(SECRET, wrong)


def test_a_code_of_another_secret_is_refused(totp: TotpService, clock: FrozenClock) -> None:
    with pytest.raises(InvalidMfaCode):
        totp.verify(SECRET, code_at(clock, secret=totp.new_secret()))


@pytest.mark.parametrize(
    "code", ["", "12345", "1234567", "abcdef", "12345x", "\uff11\uff12\uff13\uff14\uff15\uff16"]
)
def test_a_malformed_code_is_refused(totp: TotpService, code: str) -> None:
    with pytest.raises(InvalidMfaCode):
        totp.verify(SECRET, code)


def test_spaces_and_a_dash_in_the_code_are_ignored(totp: TotpService, clock: FrozenClock) -> None:
    code = code_at(clock)
    assert totp.verify(SECRET, f" {code[:3]} {code[3:]} ") == totp.current_step()
    assert totp.verify(SECRET, f"{code[:3]}-{code[3:]}") == totp.current_step()


def test_a_code_of_the_last_used_step_is_a_replay(totp: TotpService, clock: FrozenClock) -> None:
    step = totp.verify(SECRET, code_at(clock))
    with pytest.raises(InvalidMfaCode):
        totp.verify(SECRET, code_at(clock), last_used_step=step)


def test_a_code_older_than_the_last_used_step_is_refused(
    totp: TotpService, clock: FrozenClock
) -> None:
    step = totp.verify(SECRET, code_at(clock))
    with pytest.raises(InvalidMfaCode):
        totp.verify(SECRET, code_at(clock, -STEP), last_used_step=step)


def test_a_code_newer_than_the_last_used_step_is_accepted(
    totp: TotpService, clock: FrozenClock
) -> None:
    step = totp.verify(SECRET, code_at(clock))
    clock.advance(STEP)
    assert totp.verify(SECRET, code_at(clock), last_used_step=step) == step + 1


def test_a_secret_that_is_not_base32_is_refused(totp: TotpService) -> None:
    with pytest.raises(InvalidInput):
        totp.verify("not base32!", "123456")


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ],
)
def test_the_rfc_6238_sha1_vectors_pass(clock: FrozenClock, when: int, expected: str) -> None:
    clock.set(datetime.fromtimestamp(when, UTC))
    totp = TotpService(FieldEncryptor([b"k" * 32]), "RFC", clock, digits=8, drift_steps=0)
    assert totp.verify(RFC_SECRET, expected) == when // 30


def test_codes_from_oathtool_are_accepted(totp: TotpService, clock: FrozenClock) -> None:
    oathtool = shutil.which("oathtool")
    if oathtool is None:
        message = "oathtool is not installed (apt-get install oathtool)"
        if services_required():
            pytest.fail(message)
        pytest.skip(message)
    secret = totp.new_secret()
    now = clock.now().strftime("%Y-%m-%d %H:%M:%S UTC")
    result = subprocess.run(
        [oathtool, "--totp", "-b", "--now", now, secret],
        capture_output=True,
        text=True,
        check=True,
    )
    assert totp.verify(secret, result.stdout.strip()) == totp.current_step()


@pytest.mark.parametrize(
    "options",
    [
        {"digits": 5},
        {"digits": 9},
        {"interval": timedelta(seconds=0)},
        {"interval": timedelta(seconds=1.5)},
        {"drift_steps": -1},
        {"issuer": ""},
        {"issuer": "A:B"},
    ],
)
def test_unsafe_settings_are_refused(clock: FrozenClock, options: dict[str, object]) -> None:
    arguments: dict[str, object] = {"issuer": "PA", **options}
    with pytest.raises(ImproperlyConfigured):
        TotpService(FieldEncryptor([b"k" * 32]), clock=clock, **arguments)  # type: ignore[arg-type]


# --- verify_and_consume: atomic replay protection on a key-value store ------------


async def test_consuming_a_code_returns_its_step(
    totp: TotpService, clock: FrozenClock, store: KeyValueStore
) -> None:
    step = await totp.verify_and_consume(SECRET, code_at(clock), "u1", store)
    assert step == totp.current_step()


async def test_a_consumed_code_is_refused_when_presented_again(
    totp: TotpService, clock: FrozenClock, store: KeyValueStore
) -> None:
    code = code_at(clock)
    await totp.verify_and_consume(SECRET, code, "u1", store)
    with pytest.raises(InvalidMfaCode):
        await totp.verify_and_consume(SECRET, code, "u1", store)


async def test_an_older_code_is_refused_after_a_newer_one(
    totp: TotpService, clock: FrozenClock, store: KeyValueStore
) -> None:
    await totp.verify_and_consume(SECRET, code_at(clock, STEP), "u1", store)
    for offset in (timedelta(0), -STEP):
        with pytest.raises(InvalidMfaCode):
            await totp.verify_and_consume(SECRET, code_at(clock, offset), "u1", store)


async def test_a_newer_code_is_accepted_after_an_older_one(
    totp: TotpService, clock: FrozenClock, store: KeyValueStore
) -> None:
    first = await totp.verify_and_consume(SECRET, code_at(clock, -STEP), "u1", store)
    second = await totp.verify_and_consume(SECRET, code_at(clock), "u1", store)
    assert second == first + 1


async def test_users_do_not_share_replay_markers(
    totp: TotpService, clock: FrozenClock, store: KeyValueStore
) -> None:
    code = code_at(clock)
    await totp.verify_and_consume(SECRET, code, "u1", store)
    assert await totp.verify_and_consume(SECRET, code, "u2", store) == totp.current_step()


async def test_a_wrong_code_claims_nothing(
    totp: TotpService, clock: FrozenClock, store: KeyValueStore
) -> None:
    right = code_at(clock)
    with pytest.raises(InvalidMfaCode):
        await totp.verify_and_consume(SECRET, f"{(int(right) + 1) % 1_000_000:06d}", "u1", store)
    assert await totp.verify_and_consume(SECRET, right, "u1", store) == totp.current_step()


async def test_replay_markers_expire_once_their_step_left_the_window(
    totp: TotpService, clock: FrozenClock, store: KeyValueStore
) -> None:
    step = await totp.verify_and_consume(SECRET, code_at(clock, STEP), "u1", store)
    left = await store.expires_in(f"totp:u1:{step}")
    assert left is not None
    assert 3 * STEP <= left <= 4 * STEP


async def test_concurrent_uses_of_one_code_let_exactly_one_through(
    totp: TotpService, clock: FrozenClock, store: KeyValueStore
) -> None:
    code = code_at(clock)
    outcomes: list[bool] = []

    async def attempt() -> None:
        try:
            await totp.verify_and_consume(SECRET, code, "u1", store)
        except InvalidMfaCode:
            outcomes.append(False)
        else:
            outcomes.append(True)

    async with anyio.create_task_group() as tg:
        for _ in range(10):
            tg.start_soon(attempt)
    assert outcomes.count(True) == 1
    assert len(outcomes) == 10


async def test_consuming_also_honours_a_last_used_step_kept_with_the_factor(
    totp: TotpService, clock: FrozenClock, store: KeyValueStore
) -> None:
    with pytest.raises(InvalidMfaCode):
        await totp.verify_and_consume(
            SECRET, code_at(clock), "u1", store, last_used_step=totp.current_step()
        )


# --- the guide -------------------------------------------------------------------


def test_the_mfa_guide_example_runs_and_prints_what_it_says(tmp_path: Path) -> None:
    guide = (Path(__file__).parents[2] / "docs" / "guides" / "mfa.md").read_text()
    script = re.search(r"```python\n(.*?)```", guide, re.DOTALL)
    printed = re.search(r"It prints:\n\n```text\n(.*?)```", guide, re.DOTALL)
    assert script is not None
    assert printed is not None
    (tmp_path / "mfa_example.py").write_text(script.group(1))
    result = subprocess.run(
        [sys.executable, "mfa_example.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == printed.group(1)
