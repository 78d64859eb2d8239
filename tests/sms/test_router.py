"""Inbound routing: verified, once per MessageSid, to the number's owner only; status callbacks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import anyio
import pytest

from pa_core.clock import FrozenClock
from pa_core.errors import MalformedRequest, ServiceUnavailable
from pa_core.kv import KeyValueStore, MemoryKeyValueStore
from pa_sms.agents import (
    DEFAULT_ACKNOWLEDGEMENT,
    AgentContext,
    AgentRegistry,
    DefaultAgent,
    MemoryConversationRecorder,
)
from pa_sms.errors import InvalidWebhookSignature, RecipientOptedOut
from pa_sms.jobs import InProcessJobQueue, Job, JobHandler
from pa_sms.keywords import DEFAULT_HELP_TEXT, Keyword
from pa_sms.outbound import OutboundSender, SegmentRateLimiter
from pa_sms.records import MemorySmsStore
from pa_sms.records.base import PhoneNumber, WebhookConfig
from pa_sms.router import INBOUND_JOB, InboundOutcome, SmsRouter
from pa_sms.transports import RecordingTransport
from pa_sms.webhooks import InboundSms, TwilioSignatureVerifier
from tests.sms.fake_twilio import FakeTwilioState, re_split_message_sid

pytestmark = pytest.mark.anyio

INBOUND = "https://pa.example/sms/inbound"
STATUS = "https://pa.example/sms/status"
ALICE_NUMBER, BOB_NUMBER = "+14155550100", "+14155550101"
ALICE_PHONE, BOB_PHONE = "+15550000001", "+15550000002"
SERVICE_NUMBER = "+15005550006"


def message_sid(n: int) -> str:
    """A well-formed message sid (``SM`` and 32 hex digits), distinct for each ``n``."""
    return f"SM{n:032x}"


async def _no_wait(seconds: float) -> None:
    return None


@dataclass
class Rig:
    router: SmsRouter
    store: MemorySmsStore
    transport: RecordingTransport
    recorder: MemoryConversationRecorder
    queue: InProcessJobQueue
    twilio: FakeTwilioState
    clock: FrozenClock

    def signed(
        self, *, to: str, from_: str, body: str, sid: str | None = None
    ) -> tuple[list[tuple[str, str]], str]:
        form, _ = self.twilio.inbound(INBOUND, to=to, from_=from_, body=body)
        if sid is not None:
            form["MessageSid"] = form["SmsSid"] = form["SmsMessageSid"] = sid
        return list(form.items()), self.twilio.sign(INBOUND, form)

    async def text(self, *, to: str, from_: str, body: str) -> InboundOutcome:
        outcome = await self.router.receive(*self.signed(to=to, from_=from_, body=body))
        await self.queue.join()
        return outcome

    def replies_to(self, phone: str) -> list[str]:
        return [m.body for m in self.transport.sent if m.to == phone]


async def add_number(store: MemorySmsStore, clock: FrozenClock, user: str, phone: str) -> None:
    number = PhoneNumber(
        id=f"n-{user}",
        user_id=user,
        phone_number=phone,
        provider_sid=f"PN{user}",
        status="active",
        capabilities={"sms": True},
        provisioned_at=clock.now(),
    )
    await store.add_number(number, WebhookConfig(number.id, phone, INBOUND, INBOUND, STATUS))


@pytest.fixture(
    params=[
        pytest.param("memory", marks=pytest.mark.memory),
        pytest.param("redis", marks=pytest.mark.redis),
    ]
)
async def idempotency(
    request: pytest.FixtureRequest, clock: FrozenClock
) -> AsyncIterator[KeyValueStore]:
    if request.param == "memory":
        yield MemoryKeyValueStore(clock, namespace="test")
        return
    from pa_core.kv.redis import RedisKeyValueStore

    store = RedisKeyValueStore.from_url(request.getfixturevalue("redis_url"), namespace="test")
    yield store
    await store.close()


@pytest.fixture
async def rig(clock: FrozenClock, idempotency: KeyValueStore) -> AsyncIterator[Rig]:
    store = MemorySmsStore()
    await add_number(store, clock, "alice", ALICE_NUMBER)
    await add_number(store, clock, "bob", BOB_NUMBER)
    transport = RecordingTransport()
    twilio = FakeTwilioState()
    recorder = MemoryConversationRecorder()
    queue = InProcessJobQueue(workers=2)
    await queue.start()
    router = SmsRouter(
        store=store,
        verifier=TwilioSignatureVerifier(twilio.auth_token, account_sid=twilio.account_sid),
        outbound=OutboundSender(
            transport,
            store,
            clock,
            limiter=SegmentRateLimiter(sleep=_no_wait),
            status_callback=STATUS,
        ),
        agents=AgentRegistry(DefaultAgent(recorder)),
        jobs=queue,
        idempotency=idempotency,
        clock=clock,
        inbound_url=INBOUND,
        status_url=STATUS,
        own_numbers=[SERVICE_NUMBER],
    )
    yield Rig(router, store, transport, recorder, queue, twilio, clock)
    await queue.close()


async def test_a_message_reaches_its_owners_agent_and_the_reply_goes_out_by_rest(rig: Rig) -> None:
    assert await rig.text(to=ALICE_NUMBER, from_=ALICE_PHONE, body="buy milk") == "accepted"
    assert [(m.direction, m.body) for m in rig.recorder.of("alice")] == [
        ("in", "buy milk"),
        ("out", DEFAULT_ACKNOWLEDGEMENT),
    ]
    [reply] = rig.transport.sent
    assert (reply.from_, reply.to, reply.status_callback) == (ALICE_NUMBER, ALICE_PHONE, STATUS)


async def test_a_message_to_alices_number_never_reaches_bob(rig: Rig) -> None:
    await rig.text(to=ALICE_NUMBER, from_=BOB_PHONE, body="for alice")
    await rig.text(to=BOB_NUMBER, from_=BOB_PHONE, body="for bob")
    assert [m.body for m in rig.recorder.of("alice") if m.direction == "in"] == ["for alice"]
    assert [m.body for m in rig.recorder.of("bob") if m.direction == "in"] == ["for bob"]
    assert {m.from_ for m in rig.transport.sent} == {ALICE_NUMBER, BOB_NUMBER}


async def test_the_inbound_message_is_logged_without_its_body(rig: Rig) -> None:
    params, signature = rig.signed(
        to=ALICE_NUMBER, from_=ALICE_PHONE, body="secret", sid=message_sid(1)
    )
    await rig.router.receive(params, signature)
    record = await rig.store.get_message(message_sid(1))
    assert record is not None
    assert (record.direction, record.user_id, record.status) == ("inbound", "alice", "received")
    assert "secret" not in repr(record)


async def test_a_repeated_message_sid_is_processed_once(rig: Rig) -> None:
    params, signature = rig.signed(
        to=ALICE_NUMBER, from_=ALICE_PHONE, body="hi", sid=message_sid(2)
    )
    assert await rig.router.receive(params, signature) == "accepted"
    assert await rig.router.receive(params, signature) == "duplicate"
    await rig.queue.join()
    assert len(rig.recorder.of("alice")) == 2
    assert len(rig.transport.sent) == 1


async def test_duplicates_arriving_at_the_same_moment_are_processed_once(rig: Rig) -> None:
    params, signature = rig.signed(
        to=ALICE_NUMBER, from_=ALICE_PHONE, body="hi", sid=message_sid(3)
    )
    outcomes: list[InboundOutcome] = []

    async def deliver() -> None:
        outcomes.append(await rig.router.receive(params, signature))

    async with anyio.create_task_group() as tg:
        for _ in range(10):
            tg.start_soon(deliver)
    await rig.queue.join()
    assert sorted(outcomes) == ["accepted"] + ["duplicate"] * 9
    assert len(rig.transport.sent) == 1


async def test_the_message_log_is_the_last_guard_when_the_claim_is_lost(rig: Rig) -> None:
    params, signature = rig.signed(
        to=ALICE_NUMBER, from_=ALICE_PHONE, body="hi", sid=message_sid(4)
    )
    await rig.router.receive(params, signature)
    await rig.router.idempotency.delete("sms:inbound:SM3")  # the claim expired or Redis was flushed
    assert await rig.router.receive(params, signature) == "duplicate"
    await rig.queue.join()
    assert len(rig.transport.sent) == 1


async def test_a_claim_is_given_back_when_logging_fails_so_twilio_can_retry(rig: Rig) -> None:
    params, signature = rig.signed(
        to=ALICE_NUMBER, from_=ALICE_PHONE, body="hi", sid=message_sid(5)
    )

    async def down(record: Any) -> bool:
        raise ServiceUnavailable("db down", dependency="database")

    original = rig.store.log_inbound
    rig.store.log_inbound = down  # type: ignore[method-assign]
    with pytest.raises(ServiceUnavailable):
        await rig.router.receive(params, signature)
    rig.store.log_inbound = original  # type: ignore[method-assign]
    assert await rig.router.receive(params, signature) == "accepted"


@pytest.mark.parametrize("to", ["+14155550199", "+14155550102"])
async def test_an_unknown_or_released_number_reaches_no_agent(rig: Rig, to: str) -> None:
    await add_number(rig.store, rig.clock, "carol", "+14155550102")
    await rig.store.release_number("n-carol", rig.clock.now())
    assert await rig.text(to=to, from_=ALICE_PHONE, body="hello?") == "unrouted"
    assert rig.recorder.messages == []
    assert rig.transport.sent == []


async def test_our_own_numbers_as_senders_are_ignored(rig: Rig) -> None:
    assert await rig.text(to=ALICE_NUMBER, from_=BOB_NUMBER, body="loop") == "ignored"
    assert await rig.text(to=ALICE_NUMBER, from_=SERVICE_NUMBER, body="loop") == "ignored"
    assert rig.recorder.messages == []
    assert rig.transport.sent == []


async def test_a_forged_or_missing_signature_is_refused_before_anything_else(rig: Rig) -> None:
    params, _ = rig.signed(to=ALICE_NUMBER, from_=ALICE_PHONE, body="hi")
    for signature in (
        None,
        "forged",
        rig.twilio.sign("https://evil.example/sms/inbound", dict(params)),
    ):
        with pytest.raises(InvalidWebhookSignature):
            await rig.router.receive(params, signature)
    assert rig.store.messages == {}


async def test_a_signed_form_without_a_message_sid_is_malformed(rig: Rig) -> None:
    params = [("AccountSid", rig.twilio.account_sid), ("To", ALICE_NUMBER)]
    with pytest.raises(MalformedRequest):
        await rig.router.receive(params, rig.twilio.sign(INBOUND, dict(params)))


async def test_a_replay_re_split_into_a_new_message_sid_is_refused_unprocessed(rig: Rig) -> None:
    params, signature = rig.signed(to=ALICE_NUMBER, from_=ALICE_PHONE, body="hi")
    assert await rig.router.receive(params, signature) == "accepted"
    await rig.queue.join()
    with pytest.raises(MalformedRequest):
        await rig.router.receive(re_split_message_sid(params), signature)
    await rig.queue.join()
    assert len(rig.store.messages) == 2  # the message and its one reply
    assert len(rig.transport.sent) == 1


async def test_stop_opts_out_and_then_nothing_but_help_is_sent(rig: Rig) -> None:
    assert await rig.text(to=ALICE_NUMBER, from_=ALICE_PHONE, body="Stop") == "accepted"
    assert await rig.store.is_opted_out(ALICE_NUMBER, ALICE_PHONE)
    assert rig.transport.sent == []
    await rig.text(to=ALICE_NUMBER, from_=ALICE_PHONE, body="are you there?")
    assert rig.transport.sent == []
    await rig.text(to=ALICE_NUMBER, from_=ALICE_PHONE, body="HELP")
    assert rig.replies_to(ALICE_PHONE) == [DEFAULT_HELP_TEXT]
    await rig.text(to=BOB_NUMBER, from_=ALICE_PHONE, body="hi bob")
    assert rig.replies_to(ALICE_PHONE)[-1] == DEFAULT_ACKNOWLEDGEMENT


@pytest.mark.parametrize(
    "word", ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"]
)
async def test_every_stop_word_opts_out(rig: Rig, word: str) -> None:
    await rig.text(to=ALICE_NUMBER, from_=ALICE_PHONE, body=f" {word.lower()}! ")
    assert await rig.store.is_opted_out(ALICE_NUMBER, ALICE_PHONE)


@pytest.mark.parametrize("word", ["START", "YES", "UNSTOP"])
async def test_every_start_word_opts_back_in(rig: Rig, word: str) -> None:
    await rig.text(to=ALICE_NUMBER, from_=ALICE_PHONE, body="STOP")
    await rig.text(to=ALICE_NUMBER, from_=ALICE_PHONE, body=word)
    assert not await rig.store.is_opted_out(ALICE_NUMBER, ALICE_PHONE)
    await rig.text(to=ALICE_NUMBER, from_=ALICE_PHONE, body="back again")
    assert rig.replies_to(ALICE_PHONE) == [DEFAULT_ACKNOWLEDGEMENT]


async def test_info_is_answered_with_the_help_text(rig: Rig) -> None:
    await rig.text(to=ALICE_NUMBER, from_=ALICE_PHONE, body="info")
    assert rig.replies_to(ALICE_PHONE) == [DEFAULT_HELP_TEXT]


async def test_help_is_answered_even_when_the_agent_stays_silent(rig: Rig) -> None:
    class Silent:
        async def handle(self, message: InboundSms, context: AgentContext) -> str | None:
            return None

    rig.router.agents.register("alice", Silent())
    await rig.text(to=ALICE_NUMBER, from_=ALICE_PHONE, body="hello")
    assert rig.transport.sent == []
    await rig.text(to=ALICE_NUMBER, from_=ALICE_PHONE, body="help")
    assert rig.replies_to(ALICE_PHONE) == [DEFAULT_HELP_TEXT]


async def test_each_user_can_have_an_agent_of_their_own(rig: Rig) -> None:
    seen: list[tuple[str, str]] = []

    class Echo:
        async def handle(self, message: InboundSms, context: AgentContext) -> str | None:
            seen.append((context.user_id, message.body))
            return f"echo: {message.body}"

    rig.router.agents.register("bob", Echo())
    await rig.text(to=BOB_NUMBER, from_=BOB_PHONE, body="ping")
    await rig.text(to=ALICE_NUMBER, from_=ALICE_PHONE, body="ping")
    assert seen == [("bob", "ping")]
    assert rig.replies_to(BOB_PHONE) == ["echo: ping"]
    assert rig.replies_to(ALICE_PHONE) == [DEFAULT_ACKNOWLEDGEMENT]
    rig.router.agents.unregister("bob")
    assert rig.router.agents.for_user("bob") is rig.router.agents.default


async def test_a_reply_refused_by_the_carrier_is_logged_not_raised(rig: Rig) -> None:
    rig.transport.fail_next(RecipientOptedOut(provider_code=21610))
    await rig.text(to=ALICE_NUMBER, from_=ALICE_PHONE, body="hi")
    assert rig.queue.failures == 0
    assert await rig.store.is_opted_out(ALICE_NUMBER, ALICE_PHONE)


# --- status callbacks ---------------------------------------------------------------


async def _sent(rig: Rig) -> str:
    await rig.text(to=ALICE_NUMBER, from_=ALICE_PHONE, body="hi")
    [sid] = [m.sid for m in rig.store.messages.values() if m.direction == "outbound"]
    return sid


def callback(rig: Rig, sid: str, status: str, **extra: str) -> tuple[list[tuple[str, str]], str]:
    form = {
        "AccountSid": rig.twilio.account_sid,
        "MessageSid": sid,
        "MessageStatus": status,
        "From": ALICE_NUMBER,
        "To": ALICE_PHONE,
        **extra,
    }
    return list(form.items()), rig.twilio.sign(STATUS, form)


async def test_status_callbacks_out_of_order_never_move_a_message_back(rig: Rig) -> None:
    sid = await _sent(rig)
    assert await rig.router.status_callback(*callback(rig, sid, "delivered"))
    assert not await rig.router.status_callback(*callback(rig, sid, "sent"))
    assert not await rig.router.status_callback(*callback(rig, sid, "queued"))
    record = await rig.store.get_message(sid)
    assert record is not None
    assert record.status == "delivered"


async def test_a_failure_callback_records_its_error_code(rig: Rig) -> None:
    sid = await _sent(rig)
    await rig.router.status_callback(*callback(rig, sid, "sent"))
    assert await rig.router.status_callback(*callback(rig, sid, "undelivered", ErrorCode="30003"))
    record = await rig.store.get_message(sid)
    assert record is not None
    assert (record.status, record.error_code) == ("undelivered", 30003)


async def test_a_21610_in_a_callback_opts_the_pair_out(rig: Rig) -> None:
    sid = await _sent(rig)
    await rig.router.status_callback(*callback(rig, sid, "failed", ErrorCode="21610"))
    assert await rig.store.is_opted_out(ALICE_NUMBER, ALICE_PHONE)


async def test_a_callback_for_an_unknown_or_incomplete_message_changes_nothing(rig: Rig) -> None:
    assert not await rig.router.status_callback(*callback(rig, message_sid(6), "delivered"))
    assert not await rig.router.status_callback(*callback(rig, message_sid(6), ""))
    sid = await _sent(rig)
    assert await rig.router.status_callback(*callback(rig, sid, "sent", ErrorCode="x"))


async def test_a_status_callback_with_a_malformed_sid_is_refused_unapplied(rig: Rig) -> None:
    sid = await _sent(rig)
    params, signature = callback(rig, sid, "failed", SmsSid=sid + "0")
    with pytest.raises(MalformedRequest):
        await rig.router.status_callback(params, signature)
    record = await rig.store.get_message(sid)
    assert record is not None
    assert record.status != "failed"


async def test_a_forged_status_callback_is_refused(rig: Rig) -> None:
    sid = await _sent(rig)
    params, _ = callback(rig, sid, "delivered")
    with pytest.raises(InvalidWebhookSignature):
        await rig.router.status_callback(params, rig.twilio.sign(INBOUND, dict(params)))


class HeldJobs:
    """A JobQueue that keeps the jobs, so a test decides when (and after what) they run."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []
        self.handlers: dict[str, JobHandler] = {}

    def register(self, kind: str, handler: JobHandler) -> None:
        self.handlers[kind] = handler

    async def submit(self, job: Job) -> None:
        self.jobs.append(job)

    async def run(self) -> None:
        for job in self.jobs:
            await self.handlers[job.kind](job)


async def test_a_number_released_before_its_job_runs_reaches_no_agent(rig: Rig) -> None:
    held = HeldJobs()
    router = SmsRouter(
        store=rig.store,
        verifier=rig.router.verifier,
        outbound=rig.router.outbound,
        agents=rig.router.agents,
        jobs=held,
        idempotency=rig.router.idempotency,
        clock=rig.clock,
        inbound_url=INBOUND,
        status_url=STATUS,
    )
    assert await router.receive(*rig.signed(to=ALICE_NUMBER, from_=BOB_PHONE, body="hi")) == (
        "accepted"
    )
    assert [job.kind for job in held.jobs] == [INBOUND_JOB]
    assert "hi" not in repr(held.jobs[0])
    await rig.store.release_number("n-alice", rig.clock.now())
    await held.run()
    assert rig.recorder.messages == []
    assert rig.transport.sent == []


async def test_stop_and_start_queue_no_job(rig: Rig) -> None:
    held = HeldJobs()
    router = SmsRouter(
        store=rig.store,
        verifier=rig.router.verifier,
        outbound=rig.router.outbound,
        agents=rig.router.agents,
        jobs=held,
        idempotency=rig.router.idempotency,
        clock=rig.clock,
        inbound_url=INBOUND,
        status_url=STATUS,
    )
    for body in ("STOP", "START"):
        assert await router.receive(*rig.signed(to=ALICE_NUMBER, from_=BOB_PHONE, body=body)) == (
            "accepted"
        )
    assert held.jobs == []
    await router.process(  # called directly, a compliance keyword still reaches no agent
        InboundSms("SMx", "AC", BOB_PHONE, ALICE_NUMBER, "STOP", rig.clock.now()),
        (await rig.store.active_number(ALICE_NUMBER)),  # type: ignore[arg-type]
        Keyword.OPT_OUT,
    )
    assert rig.recorder.messages == []
