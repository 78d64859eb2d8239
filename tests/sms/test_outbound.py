"""Outbound sending: paced per number, retried with back-off, never to an opted-out pair, logged."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import anyio
import pytest

from pa_core.clock import FrozenClock
from pa_core.errors import PermissionDenied, ValidationFailed
from pa_sms.errors import (
    InvalidPhoneNumber,
    RecipientOptedOut,
    SmsProviderError,
    SmsRetryableError,
)
from pa_sms.outbound import OutboundSender, RetryPolicy, SegmentRateLimiter
from pa_sms.records import MemorySmsStore
from pa_sms.records.base import PhoneNumber, WebhookConfig
from pa_sms.transports import RecordingTransport
from pa_sms.transports.twilio import TwilioTransport
from tests.sms.fake_twilio import FakeTwilio

pytestmark = pytest.mark.anyio

FROM, TO = "+14155550100", "+15557654321"
CALLBACK = "https://pa.example/sms/status"


class FakeTime:
    """A monotonic clock that only moves when something sleeps on it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def store() -> MemorySmsStore:
    return MemorySmsStore()


@pytest.fixture
def transport() -> RecordingTransport:
    return RecordingTransport()


def sender(
    transport: Any, store: MemorySmsStore, clock: FrozenClock, time: FakeTime, **kw: Any
) -> OutboundSender:
    return OutboundSender(
        transport,
        store,
        clock,
        limiter=SegmentRateLimiter(
            kw.pop("rate", 1.0), kw.pop("burst", 1), monotonic=time.monotonic, sleep=time.sleep
        ),
        status_callback=CALLBACK,
        sleep=time.sleep,
        **kw,
    )


# --- the rate limiter ----------------------------------------------------------------


def test_one_segment_a_second_per_number_by_default(time: FakeTime) -> None:
    limiter = SegmentRateLimiter(monotonic=time.monotonic, sleep=time.sleep)
    assert [limiter.reserve(FROM) for _ in range(4)] == [0.0, 1.0, 2.0, 3.0]
    assert limiter.reserve("+14155550199") == 0.0


def test_a_long_message_books_one_slot_per_segment(time: FakeTime) -> None:
    limiter = SegmentRateLimiter(monotonic=time.monotonic, sleep=time.sleep)
    assert limiter.reserve(FROM, 3) == 0.0
    assert limiter.reserve(FROM, 1) == 3.0


def test_capacity_comes_back_with_time(time: FakeTime) -> None:
    limiter = SegmentRateLimiter(2.0, monotonic=time.monotonic, sleep=time.sleep)
    assert limiter.reserve(FROM) == 0.0
    time.now += 10
    assert limiter.reserve(FROM) == 0.0
    assert limiter.reserve(FROM) == 0.5


def test_a_burst_allowance_lets_the_first_messages_through(time: FakeTime) -> None:
    limiter = SegmentRateLimiter(1.0, 3, monotonic=time.monotonic, sleep=time.sleep)
    assert [limiter.reserve(FROM) for _ in range(5)] == [0.0, 0.0, 0.0, 1.0, 2.0]


def test_a_limiter_needs_a_positive_rate_and_burst() -> None:
    with pytest.raises(ValueError, match="rate"):
        SegmentRateLimiter(0)
    with pytest.raises(ValueError, match="burst"):
        SegmentRateLimiter(1, 0)


def test_idle_senders_are_forgotten(time: FakeTime) -> None:
    limiter = SegmentRateLimiter(monotonic=time.monotonic, sleep=time.sleep)
    for n in range(1100):
        limiter.reserve(f"+1415555{n:04d}")
    time.now += 5
    limiter.reserve(FROM)
    assert len(limiter._tat) == 1


def test_back_off_doubles_honours_retry_after_and_is_capped() -> None:
    policy = RetryPolicy(max_attempts=5, base_delay=1.0, max_delay=5.0)
    assert [policy.delay(n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 5.0]
    assert policy.delay(1, retry_after=3.0) == 3.0


# --- sending -------------------------------------------------------------------------


async def test_a_burst_is_delayed_not_refused(
    transport: RecordingTransport, store: MemorySmsStore, clock: FrozenClock, time: FakeTime
) -> None:
    waits: list[float] = []

    async def wait_concurrently(seconds: float) -> None:
        waits.append(seconds)  # every sender waits at once: time does not add up

    out = sender(transport, store, clock, time)
    out.limiter = SegmentRateLimiter(monotonic=time.monotonic, sleep=wait_concurrently)
    async with anyio.create_task_group() as tg:
        for n in range(3):
            tg.start_soon(lambda n=n: out.send(from_number=FROM, to=TO, body=f"message {n}"))
    assert len(transport.sent) == 3
    assert sorted(waits) == [1.0, 2.0]


async def test_a_sent_message_is_logged_without_its_body_with_an_estimated_cost(
    transport: RecordingTransport, store: MemorySmsStore, clock: FrozenClock, time: FakeTime
) -> None:
    out = sender(transport, store, clock, time, segment_price=Decimal("0.0079"))
    record = await out.send(from_number=FROM, to=TO, body="x" * 161, user_id=None)
    assert transport.sent[0].status_callback == CALLBACK
    assert (record.direction, record.segments, record.encoding) == ("outbound", 2, "GSM-7")
    assert record.estimated_cost == Decimal("0.0158")
    assert record.price is None
    assert await store.get_message(record.sid) == record
    assert not any("x" * 20 in str(v) for v in record.__repr__().split())


async def test_an_emoji_message_is_ucs2(
    transport: RecordingTransport, store: MemorySmsStore, clock: FrozenClock, time: FakeTime
) -> None:
    record = await sender(transport, store, clock, time).send(
        from_number=FROM, to=TO, body="Done 🎉"
    )
    assert (record.encoding, record.segments) == ("UCS-2", 1)


async def test_a_bad_message_is_refused_before_anything_is_sent(
    transport: RecordingTransport, store: MemorySmsStore, clock: FrozenClock, time: FakeTime
) -> None:
    out = sender(transport, store, clock, time)
    with pytest.raises(InvalidPhoneNumber):
        await out.send(from_number=FROM, to="555", body="hi")
    with pytest.raises(ValidationFailed):
        await out.send(from_number=FROM, to=TO, body="")
    assert transport.sent == []


async def test_nothing_is_sent_to_an_opted_out_pair(
    transport: RecordingTransport, store: MemorySmsStore, clock: FrozenClock, time: FakeTime
) -> None:
    await store.set_opt_out(FROM, TO, clock.now())
    out = sender(transport, store, clock, time)
    with pytest.raises(RecipientOptedOut):
        await out.send(from_number=FROM, to=TO, body="hi")
    assert transport.sent == []
    await out.send(from_number="+14155550101", to=TO, body="another number may")
    await out.send(from_number=FROM, to=TO, body="help text", allow_opted_out=True)
    assert len(transport.sent) == 2


async def test_a_retryable_failure_is_retried_with_back_off(
    transport: RecordingTransport, store: MemorySmsStore, clock: FrozenClock, time: FakeTime
) -> None:
    transport.fail_next(SmsRetryableError("busy", retry_after=0.5), times=2)
    out = sender(transport, store, clock, time, retry=RetryPolicy(max_attempts=3))
    record = await out.send(from_number=FROM, to=TO, body="hi")
    assert time.sleeps == [1.0, 2.0]
    assert await store.get_message(record.sid) is not None


async def test_retries_give_up_after_the_last_attempt(
    transport: RecordingTransport, store: MemorySmsStore, clock: FrozenClock, time: FakeTime
) -> None:
    transport.fail_next(SmsRetryableError("down"), times=3)
    out = sender(transport, store, clock, time, retry=RetryPolicy(max_attempts=3))
    with pytest.raises(SmsRetryableError):
        await out.send(from_number=FROM, to=TO, body="hi")
    assert len(time.sleeps) == 2
    assert store.messages == {}


async def test_a_21610_marks_the_pair_opted_out_and_is_not_retried(
    transport: RecordingTransport, store: MemorySmsStore, clock: FrozenClock, time: FakeTime
) -> None:
    transport.fail_next(RecipientOptedOut("stop", provider_code=21610))
    out = sender(transport, store, clock, time)
    with pytest.raises(RecipientOptedOut):
        await out.send(from_number=FROM, to=TO, body="hi")
    assert time.sleeps == []
    assert await store.is_opted_out(FROM, TO)


async def test_a_permanent_failure_is_not_retried(
    transport: RecordingTransport, store: MemorySmsStore, clock: FrozenClock, time: FakeTime
) -> None:
    transport.fail_next(SmsProviderError("no", provider_code=21612))
    with pytest.raises(SmsProviderError):
        await sender(transport, store, clock, time).send(from_number=FROM, to=TO, body="hi")
    assert time.sleeps == []


async def test_a_user_sends_only_from_their_own_number(
    transport: RecordingTransport, store: MemorySmsStore, clock: FrozenClock, time: FakeTime
) -> None:
    number = PhoneNumber(
        id="n1",
        user_id="alice",
        phone_number=FROM,
        provider_sid="PN1",
        status="active",
        capabilities={"sms": True},
        provisioned_at=clock.now(),
    )
    await store.add_number(
        number, WebhookConfig("n1", FROM, "https://x/sms", "https://x/sms", CALLBACK)
    )
    out = sender(transport, store, clock, time)
    record = await out.send_as_user("alice", FROM, TO, "hi")
    assert (record.user_id, record.number_id) == ("alice", "n1")
    with pytest.raises(PermissionDenied):
        await out.send_as_user("bob", FROM, TO, "hi")
    with pytest.raises(PermissionDenied):
        await out.send_as_user("alice", "+14155550199", TO, "hi")


async def test_prices_are_fetched_later_and_stored(
    transport: RecordingTransport, store: MemorySmsStore, clock: FrozenClock, time: FakeTime
) -> None:
    out = sender(transport, store, clock, time)
    first = await out.send(from_number=FROM, to=TO, body="one")
    second = await out.send(from_number=FROM, to=TO, body="two")
    transport.set_status(first.sid, "delivered", price=Decimal("0.0079"))
    assert await out.refresh_prices() == 0  # too recent: Twilio has not priced it yet
    clock.advance(timedelta(minutes=5))
    assert await out.refresh_prices() == 1
    priced = await store.get_message(first.sid)
    assert priced is not None
    assert (priced.status, priced.price, priced.price_unit) == (
        "delivered",
        Decimal("0.0079"),
        "USD",
    )
    pending = await store.get_message(second.sid)
    assert pending is not None
    assert pending.price is None


async def test_price_refresh_skips_unknown_messages_and_stops_when_the_provider_is_down(
    transport: RecordingTransport, store: MemorySmsStore, clock: FrozenClock, time: FakeTime
) -> None:
    out = sender(transport, store, clock, time)
    first = await out.send(from_number=FROM, to=TO, body="one")
    await out.send(from_number=FROM, to=TO, body="two")
    del transport.results[first.sid]
    clock.advance(timedelta(minutes=5))

    async def down(sid: str) -> Any:
        raise SmsRetryableError("down")

    assert await out.refresh_prices() == 0
    transport.fetch = down  # type: ignore[method-assign]
    assert await out.refresh_prices() == 0


@pytest.mark.twilio
async def test_sending_through_the_twilio_client_sets_the_status_callback_and_gets_the_price(
    fake_twilio: FakeTwilio,
    twilio_client: Any,
    store: MemorySmsStore,
    clock: FrozenClock,
    time: FakeTime,
) -> None:
    out = sender(TwilioTransport(twilio_client), store, clock, time)
    fake_twilio.state.fail_next(1, status=429, code=20429)
    record = await out.send(from_number=FROM, to=TO, body="Time for your 3pm check-in")
    [sent] = fake_twilio.state.sent
    assert sent.params["StatusCallback"] == CALLBACK
    assert record.sid == sent.sid
    assert time.sleeps == [1.0]
    fake_twilio.state.deliver(sent.sid, price=Decimal("0.0079"))
    clock.advance(timedelta(minutes=5))
    assert await out.refresh_prices() == 1
    priced = await store.get_message(sent.sid)
    assert priced is not None
    assert (priced.status, priced.price) == ("delivered", Decimal("0.0079"))


@pytest.mark.twilio
async def test_twilios_21610_through_the_client_opts_the_pair_out(
    fake_twilio: FakeTwilio,
    twilio_client: Any,
    store: MemorySmsStore,
    clock: FrozenClock,
    time: FakeTime,
) -> None:
    fake_twilio.state.opted_out.add(TO)
    out = sender(TwilioTransport(twilio_client), store, clock, time)
    with pytest.raises(RecipientOptedOut):
        await out.send(from_number=FROM, to=TO, body="hi")
    assert await store.is_opted_out(FROM, TO)
    with pytest.raises(RecipientOptedOut):
        await out.send(from_number=FROM, to=TO, body="hi")
    assert len(fake_twilio.state.requests) == 1
