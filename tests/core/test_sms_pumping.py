"""SMS pumping: codes go only to mobile numbers of allowed countries, and a daily cap holds."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from pa_core.clock import FrozenClock
from pa_core.config import Settings
from pa_core.errors import ImproperlyConfigured, RateLimited, ValidationFailed
from pa_core.kv import KeyValueStore, MemoryKeyValueStore
from pa_core.kv.redis import RedisKeyValueStore
from pa_core.mfa.sms_codes import SendLimit, SmsCodeLimits, SmsCodeService
from pa_core.phones import DEFAULT_SMS_COUNTRIES, SmsDestinationPolicy, parse_countries

pytestmark = pytest.mark.anyio

KEY = b"k" * 32
GENEROUS = SmsCodeLimits(
    per_subject=(SendLimit(100, timedelta(minutes=1)),),
    per_phone=(SendLimit(100, timedelta(minutes=1)),),
)
WITH_GB = SmsDestinationPolicy(DEFAULT_SMS_COUNTRIES | {"GB"})


class RecordingSender:
    """Keeps the numbers it would have texted."""

    def __init__(self) -> None:
        self.to: list[str] = []

    async def send_text(self, to: str, body: str) -> str:
        self.to.append(to)
        return f"SM{len(self.to)}"


# --- which numbers may be texted ---------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        pytest.param("+44 909 876 5432", id="uk-premium-rate"),
        pytest.param("+1 900 555 0123", id="us-premium-rate"),
        pytest.param("+1 800 253 0000", id="us-toll-free"),
        pytest.param("+33 1 23 45 67 89", id="french-fixed-line"),
    ],
)
def test_a_number_that_is_not_mobile_is_refused_on_phone(number: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        WITH_GB.check(number)  # GB allowed here: the number type alone refuses it
    assert [e.field for e in caught.value.errors] == ["phone"]
    assert "mobile" in caught.value.errors[0].message


@pytest.mark.parametrize(
    "number",
    [
        pytest.param("+44 7400 123456", id="uk-mobile"),
        pytest.param("+55 11 96123 4567", id="brazil-mobile"),
    ],
)
def test_a_mobile_number_of_a_country_not_allowed_is_refused_on_phone(number: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        SmsDestinationPolicy().check(number)
    assert [e.field for e in caught.value.errors] == ["phone"]
    assert "country" in caught.value.errors[0].message


@pytest.mark.parametrize(
    ("number", "e164"),
    [
        pytest.param("+1 415 555 0123", "+14155550123", id="us-fixed-line-or-mobile"),
        pytest.param("+1 613 555 0123", "+16135550123", id="canada-fixed-line-or-mobile"),
        pytest.param("+33 6 12 34 56 78", "+33612345678", id="french-mobile"),
        pytest.param("+49 151 12345678", "+4915112345678", id="german-mobile"),
    ],
)
def test_mobile_numbers_of_allowed_countries_are_accepted(number: str, e164: str) -> None:
    assert SmsDestinationPolicy().check(number) == e164


def test_the_default_countries_are_the_us_canada_and_the_27_eu_states() -> None:
    assert len(DEFAULT_SMS_COUNTRIES) == 29
    assert {"US", "CA", "FR", "DE", "IE", "SE"} <= DEFAULT_SMS_COUNTRIES
    assert "GB" not in DEFAULT_SMS_COUNTRIES
    assert parse_countries(Settings(_env_file=None).sms_allowed_countries) == DEFAULT_SMS_COUNTRIES


def test_the_allowed_countries_come_from_the_setting() -> None:
    settings = Settings(_env_file=None, sms_allowed_countries="gb, US")
    policy = SmsDestinationPolicy.from_settings(settings)
    assert policy.allowed_countries == {"GB", "US"}
    assert policy.check("+44 7400 123456") == "+447400123456"
    with pytest.raises(ValidationFailed):
        policy.check("+33 6 12 34 56 78")


def test_an_unknown_country_code_is_a_configuration_error() -> None:
    with pytest.raises(ImproperlyConfigured):
        parse_countries("US,XX")
    with pytest.raises(ValidationError):
        Settings(_env_file=None, sms_allowed_countries="US,ZZ")


async def test_the_code_sender_refuses_a_premium_number_and_texts_nothing(
    clock: FrozenClock,
) -> None:
    sender = RecordingSender()
    codes = SmsCodeService(MemoryKeyValueStore(clock), sender, clock, KEY)
    with pytest.raises(ValidationFailed):
        await codes.send("mfa-setup", "u1", "+1 900 555 0123")
    with pytest.raises(ValidationFailed):
        await codes.send("mfa-setup", "u1", "+44 7400 123456")
    assert sender.to == []


# --- the daily cap of the whole service --------------------------------------------


def phone(i: int) -> str:
    return f"+1415555{i:04d}"


@pytest.fixture(
    params=[
        pytest.param("memory", marks=pytest.mark.memory),
        pytest.param("redis", marks=pytest.mark.redis),
    ]
)
async def shared_store(
    request: pytest.FixtureRequest, clock: FrozenClock
) -> AsyncIterator[Callable[[], KeyValueStore]]:
    """A factory of stores that share their data, as two processes share one Redis."""
    if request.param == "memory":
        memory = MemoryKeyValueStore(clock).with_namespace("sms-codes")
        yield lambda: memory
        return
    url = request.getfixturevalue("redis_url")
    opened: list[RedisKeyValueStore] = []

    def connect() -> KeyValueStore:
        store = RedisKeyValueStore.from_url(url, namespace="sms-codes")
        opened.append(store)
        return store

    yield connect
    for store in opened:
        await store.close()


def two_senders(
    shared_store: Callable[[], KeyValueStore], clock: FrozenClock, cap: int
) -> tuple[SmsCodeService, SmsCodeService]:
    return (
        SmsCodeService(
            shared_store(), RecordingSender(), clock, KEY, limits=GENEROUS, codes_per_day=cap
        ),
        SmsCodeService(
            shared_store(), RecordingSender(), clock, KEY, limits=GENEROUS, codes_per_day=cap
        ),
    )


async def test_the_daily_cap_holds_across_senders_until_the_next_utc_day(
    shared_store: Callable[[], KeyValueStore], clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 3, 1, 18, 0, tzinfo=UTC))
    first, second = two_senders(shared_store, clock, cap=3)
    await first.send("login", "u1", phone(1))
    await second.send("login", "u2", phone(2))
    await first.send("login", "u3", phone(3))
    with pytest.raises(RateLimited) as caught:
        await second.send("login", "u4", phone(4))
    assert caught.value.retry_after == 6 * 3600  # until midnight UTC
    with pytest.raises(RateLimited):
        await first.send("login", "u5", phone(5))
    clock.set(datetime(2026, 3, 2, 0, 0, 1, tzinfo=UTC))
    await second.send("login", "u4", phone(4))


async def test_reaching_the_cap_logs_one_error_without_the_number(
    shared_store: Callable[[], KeyValueStore],
    clock: FrozenClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    first, second = two_senders(shared_store, clock, cap=1)
    await first.send("login", "u1", phone(1))
    caplog.set_level(logging.INFO, logger="pa_core.mfa.sms_codes")
    for i, sender in enumerate((second, first, second), start=2):
        with pytest.raises(RateLimited):
            await sender.send("login", f"u{i}", phone(i))
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "cap" in errors[0].getMessage()
    assert "555" not in caplog.text


async def test_a_cap_of_zero_sends_nothing(clock: FrozenClock) -> None:
    sender = RecordingSender()
    codes = SmsCodeService(MemoryKeyValueStore(clock), sender, clock, KEY, codes_per_day=0)
    with pytest.raises(RateLimited):
        await codes.send("login", "u1", phone(1))
    assert sender.to == []


async def test_the_default_limits_cap_each_account_at_ten_codes_a_day(clock: FrozenClock) -> None:
    codes = SmsCodeService(MemoryKeyValueStore(clock), RecordingSender(), clock, KEY)
    for i in range(10):
        await codes.send("login", "u1", phone(i % 2))
        clock.advance(timedelta(hours=1))
    with pytest.raises(RateLimited):
        await codes.send("login", "u1", phone(3))
