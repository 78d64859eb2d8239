"""SmsCodeService: one-time codes by text message, with tries, expiry and send limits."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import anyio
import pytest

from pa_core.clock import FrozenClock
from pa_core.errors import (
    ImproperlyConfigured,
    InvalidMfaCode,
    RateLimited,
    ServiceUnavailable,
    ValidationFailed,
)
from pa_core.kv import KeyValueStore, MemoryKeyValueStore
from pa_core.kv.redis import RedisKeyValueStore
from pa_core.mfa.sms_codes import SendLimit, SmsCodeLimits, SmsCodeService
from pa_core.sms import SmsSender

pytestmark = pytest.mark.anyio

KEY = b"k" * 32
PHONE = "+14155550123"
OTHER_PHONE = "+14155550199"
GENEROUS = SmsCodeLimits(
    per_subject=(SendLimit(100, timedelta(minutes=1)),),
    per_phone=(SendLimit(100, timedelta(minutes=1)),),
)


class RecordingSender:
    """Keeps what would have been sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send_text(self, to: str, body: str) -> str:
        self.sent.append((to, body))
        return f"SM{len(self.sent)}"

    @property
    def last_code(self) -> str:
        match = re.search(r"\b(\d{6})\b", self.sent[-1][1])
        assert match is not None
        return match.group(1)


class FailingSender:
    async def send_text(self, to: str, body: str) -> str:
        raise ServiceUnavailable("provider down", dependency="sms")


@pytest.fixture
def sender() -> RecordingSender:
    return RecordingSender()


@pytest.fixture(
    params=[
        pytest.param("memory", marks=pytest.mark.memory),
        pytest.param("redis", marks=pytest.mark.redis),
    ]
)
async def store(request: pytest.FixtureRequest, clock: FrozenClock) -> AsyncIterator[KeyValueStore]:
    if request.param == "memory":
        yield MemoryKeyValueStore(clock).with_namespace("sms")
        return
    redis = RedisKeyValueStore.from_url(request.getfixturevalue("redis_url"), namespace="sms")
    yield redis
    await redis.close()


@pytest.fixture
def codes(store: KeyValueStore, sender: RecordingSender, clock: FrozenClock) -> SmsCodeService:
    return SmsCodeService(store, sender, clock, KEY, limits=GENEROUS)


@pytest.fixture
def memory_codes(sender: RecordingSender, clock: FrozenClock) -> SmsCodeService:
    """A service on a memory store driven by the frozen clock, for rules about waiting."""
    return SmsCodeService(MemoryKeyValueStore(clock), sender, clock, KEY)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# --- sending ---------------------------------------------------------------------


def test_the_recording_sender_fits_the_contract() -> None:
    assert isinstance(RecordingSender(), SmsSender)


async def test_send_texts_a_six_digit_code_to_the_e164_number(
    codes: SmsCodeService, sender: RecordingSender
) -> None:
    await codes.send("mfa-setup", "u1", "+1 (415) 555-0123")
    [(to, body)] = sender.sent
    assert to == PHONE
    assert re.fullmatch(r"Your verification code is \d{6}", body)


async def test_the_code_is_stored_hashed_not_in_clear(
    codes: SmsCodeService, sender: RecordingSender, store: KeyValueStore
) -> None:
    await codes.send("mfa-setup", "u1", PHONE)
    stored = await store.get("code:mfa-setup:u1")
    assert stored is not None
    assert sender.last_code.encode() not in stored


async def test_an_invalid_number_is_refused_and_nothing_is_sent(
    codes: SmsCodeService, sender: RecordingSender
) -> None:
    with pytest.raises(ValidationFailed):
        await codes.send("mfa-setup", "u1", "12")
    assert sender.sent == []


async def test_the_code_never_reaches_the_logs(
    codes: SmsCodeService, sender: RecordingSender, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await codes.send("mfa-setup", "u1", PHONE)
    code = sender.last_code
    with pytest.raises(InvalidMfaCode):
        await codes.verify("mfa-setup", "u1", wrong(code))
    await codes.verify("mfa-setup", "u1", code)
    logged = caplog.text + " ".join(str(vars(record)) for record in caplog.records)
    assert code not in logged
    assert PHONE not in logged
    assert "+1******0123" in logged


async def test_a_failed_send_leaves_no_live_code(store: KeyValueStore, clock: FrozenClock) -> None:
    codes = SmsCodeService(store, FailingSender(), clock, KEY, limits=GENEROUS)
    with pytest.raises(ServiceUnavailable):
        await codes.send("mfa-setup", "u1", PHONE)
    assert await store.get("code:mfa-setup:u1") is None


# --- verifying -------------------------------------------------------------------


async def test_the_right_code_confirms_and_returns_the_number(
    codes: SmsCodeService, sender: RecordingSender
) -> None:
    await codes.send("mfa-setup", "u1", PHONE)
    assert await codes.verify("mfa-setup", "u1", sender.last_code) == PHONE


async def test_a_code_with_spaces_is_accepted(
    codes: SmsCodeService, sender: RecordingSender
) -> None:
    await codes.send("mfa-setup", "u1", PHONE)
    code = sender.last_code
    assert await codes.verify("mfa-setup", "u1", f"{code[:3]} {code[3:]}") == PHONE


async def test_a_code_is_single_use(codes: SmsCodeService, sender: RecordingSender) -> None:
    await codes.send("login", "u1", PHONE)
    await codes.verify("login", "u1", sender.last_code)
    with pytest.raises(InvalidMfaCode):
        await codes.verify("login", "u1", sender.last_code)


async def test_without_a_code_every_guess_is_refused(codes: SmsCodeService) -> None:
    with pytest.raises(InvalidMfaCode):
        await codes.verify("login", "u1", "123456")


async def test_a_wrong_code_is_refused_and_the_right_one_still_works(
    codes: SmsCodeService, sender: RecordingSender
) -> None:
    await codes.send("login", "u1", PHONE)
    with pytest.raises(InvalidMfaCode):
        await codes.verify("login", "u1", wrong(sender.last_code))
    assert await codes.verify("login", "u1", sender.last_code) == PHONE


async def test_after_five_wrong_tries_the_code_is_dead(
    codes: SmsCodeService, sender: RecordingSender
) -> None:
    await codes.send("login", "u1", PHONE)
    for _ in range(5):
        with pytest.raises(InvalidMfaCode):
            await codes.verify("login", "u1", wrong(sender.last_code))
    with pytest.raises(InvalidMfaCode):
        await codes.verify("login", "u1", sender.last_code)


async def test_concurrent_guesses_get_no_extra_tries(
    codes: SmsCodeService, sender: RecordingSender
) -> None:
    await codes.send("login", "u1", PHONE)

    async def guess() -> None:
        with pytest.raises(InvalidMfaCode):
            await codes.verify("login", "u1", wrong(sender.last_code))

    async with anyio.create_task_group() as tg:
        for _ in range(12):
            tg.start_soon(guess)
    with pytest.raises(InvalidMfaCode):
        await codes.verify("login", "u1", sender.last_code)


async def test_concurrent_right_codes_succeed_once(
    codes: SmsCodeService, sender: RecordingSender
) -> None:
    await codes.send("login", "u1", PHONE)
    outcomes: list[bool] = []

    async def attempt() -> None:
        try:
            await codes.verify("login", "u1", sender.last_code)
        except InvalidMfaCode:
            outcomes.append(False)
        else:
            outcomes.append(True)

    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(attempt)
    assert sorted(outcomes) == [False, False, False, False, True]


async def test_a_new_code_voids_the_previous_one(
    codes: SmsCodeService, sender: RecordingSender, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn = iter([111111, 222222])
    monkeypatch.setattr("pa_core.mfa.sms_codes.secrets.randbelow", lambda _n: next(drawn))
    await codes.send("login", "u1", PHONE)
    first = sender.last_code
    await codes.send("login", "u1", PHONE)
    second = sender.last_code
    assert (first, second) == ("111111", "222222")
    with pytest.raises(InvalidMfaCode):
        await codes.verify("login", "u1", first)
    assert await codes.verify("login", "u1", second) == PHONE


async def test_a_code_answers_only_its_purpose_and_subject(
    codes: SmsCodeService, sender: RecordingSender
) -> None:
    await codes.send("login", "u1", PHONE)
    with pytest.raises(InvalidMfaCode):
        await codes.verify("mfa-setup", "u1", sender.last_code)
    with pytest.raises(InvalidMfaCode):
        await codes.verify("login", "u2", sender.last_code)


async def test_discard_voids_the_live_code(codes: SmsCodeService, sender: RecordingSender) -> None:
    await codes.send("login", "u1", PHONE)
    await codes.discard("login", "u1")
    with pytest.raises(InvalidMfaCode):
        await codes.verify("login", "u1", sender.last_code)


async def test_a_code_is_valid_for_ten_minutes(
    memory_codes: SmsCodeService, sender: RecordingSender, clock: FrozenClock
) -> None:
    await memory_codes.send("login", "u1", PHONE)
    clock.advance(timedelta(minutes=10) - timedelta(seconds=1))
    assert await memory_codes.verify("login", "u1", sender.last_code) == PHONE


async def test_a_code_expires_after_ten_minutes(
    memory_codes: SmsCodeService, sender: RecordingSender, clock: FrozenClock
) -> None:
    await memory_codes.send("login", "u1", PHONE)
    clock.advance(timedelta(minutes=10))
    with pytest.raises(InvalidMfaCode):
        await memory_codes.verify("login", "u1", sender.last_code)


# --- send limits -----------------------------------------------------------------


async def test_a_second_message_to_a_subject_within_a_minute_is_refused(
    store: KeyValueStore, sender: RecordingSender, clock: FrozenClock
) -> None:
    codes = SmsCodeService(store, sender, clock, KEY)
    await codes.send("login", "u1", PHONE)
    with pytest.raises(RateLimited) as caught:
        await codes.send("login", "u1", OTHER_PHONE)
    assert 1 <= caught.value.retry_after <= 60
    assert len(sender.sent) == 1


async def test_a_second_message_to_a_number_within_a_minute_is_refused(
    store: KeyValueStore, sender: RecordingSender, clock: FrozenClock
) -> None:
    codes = SmsCodeService(store, sender, clock, KEY)
    await codes.send("login", "u1", PHONE)
    with pytest.raises(RateLimited):
        await codes.send("login", "u2", "+1 415 555 0123")
    assert len(sender.sent) == 1


async def test_the_limit_counts_across_purposes(
    store: KeyValueStore, sender: RecordingSender, clock: FrozenClock
) -> None:
    codes = SmsCodeService(store, sender, clock, KEY)
    await codes.send("login", "u1", PHONE)
    with pytest.raises(RateLimited):
        await codes.send("mfa-setup", "u1", PHONE)


async def test_sending_resumes_after_the_minute(
    memory_codes: SmsCodeService, sender: RecordingSender, clock: FrozenClock
) -> None:
    await memory_codes.send("login", "u1", PHONE)
    clock.advance(timedelta(minutes=1))
    await memory_codes.send("login", "u1", PHONE)
    assert len(sender.sent) == 2


async def test_no_more_than_five_messages_an_hour(
    memory_codes: SmsCodeService, sender: RecordingSender, clock: FrozenClock
) -> None:
    for _ in range(5):
        await memory_codes.send("login", "u1", PHONE)
        clock.advance(timedelta(minutes=1))
    with pytest.raises(RateLimited) as caught:
        await memory_codes.send("login", "u1", PHONE)
    assert caught.value.retry_after == 55 * 60
    clock.advance(timedelta(minutes=55))
    await memory_codes.send("login", "u1", PHONE)
    assert len(sender.sent) == 6


async def test_a_refused_resend_does_not_use_up_the_hourly_budget(
    memory_codes: SmsCodeService, sender: RecordingSender, clock: FrozenClock
) -> None:
    await memory_codes.send("login", "u1", PHONE)
    for _ in range(10):
        with pytest.raises(RateLimited):
            await memory_codes.send("login", "u1", PHONE)
    for _ in range(4):
        clock.advance(timedelta(minutes=1))
        await memory_codes.send("login", "u1", PHONE)
    assert len(sender.sent) == 5


# --- configuration ---------------------------------------------------------------


@pytest.mark.parametrize("purpose", ["", "Login", "a:b", "x" * 65])
async def test_a_bad_purpose_is_refused(codes: SmsCodeService, purpose: str) -> None:
    with pytest.raises(ImproperlyConfigured):
        await codes.send(purpose, "u1", PHONE)
    with pytest.raises(ImproperlyConfigured):
        await codes.verify(purpose, "u1", "123456")


@pytest.mark.parametrize(
    "options",
    [
        {"hmac_key": b"short"},
        {"ttl": timedelta(0)},
        {"max_attempts": 0},
        {"message": "no placeholder"},
    ],
)
def test_unsafe_settings_are_refused(
    sender: RecordingSender, clock: FrozenClock, options: dict[str, object]
) -> None:
    arguments: dict[str, object] = {"hmac_key": KEY, **options}
    with pytest.raises(ImproperlyConfigured):
        SmsCodeService(MemoryKeyValueStore(clock), sender, clock, **arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("count", "window"), [(0, timedelta(minutes=1)), (1, timedelta(milliseconds=10))]
)
def test_a_meaningless_send_limit_is_refused(count: int, window: timedelta) -> None:
    with pytest.raises(ImproperlyConfigured):
        SendLimit(count, window)
