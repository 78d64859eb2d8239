"""The MessageBroker contract on the in-process broker and on Redis pub/sub."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import anyio
import pytest

from pa_core.conversations import Channel, Direction, MemoryMessageBroker, Message, MessageBroker

pytestmark = pytest.mark.anyio

SHORT = timedelta(milliseconds=50)
LONG = timedelta(seconds=5)


@pytest.fixture(
    params=[
        pytest.param("memory", marks=pytest.mark.memory),
        pytest.param("redis", marks=pytest.mark.redis),
    ]
)
async def broker(request: pytest.FixtureRequest) -> AsyncIterator[MessageBroker]:
    if request.param == "memory":
        memory = MemoryMessageBroker()
        yield memory
        await memory.close()
        return
    from pa_core.conversations.redis import RedisMessageBroker

    redis = RedisMessageBroker.from_url(request.getfixturevalue("redis_url"))
    yield redis
    await redis.close()


def _message(conversation_id: str, seq: int, body: str = "hello") -> Message:
    return Message(
        id=f"m{seq}",
        conversation_id=conversation_id,
        owner_id="u1",
        seq=seq,
        body=body,
        direction=Direction.IN,
        channel=Channel.WEB,
        created_at=datetime(2026, 1, 1, 12, tzinfo=UTC),
        reply_to=None if seq == 1 else "m1",
    )


async def test_a_subscriber_receives_what_is_published_after_it_subscribed(
    broker: MessageBroker,
) -> None:
    async with broker.subscribe("c1") as subscription:
        await broker.publish("c1", _message("c1", 1))
        await broker.publish("c1", _message("c1", 2, "ünïcode ✓"))
        first = await subscription.receive(LONG)
        second = await subscription.receive(LONG)
    assert first == _message("c1", 1)
    assert second == _message("c1", 2, "ünïcode ✓")


async def test_every_subscriber_of_the_conversation_receives_it(broker: MessageBroker) -> None:
    async with broker.subscribe("c1") as one, broker.subscribe("c1") as two:
        await broker.publish("c1", _message("c1", 1))
        assert await one.receive(LONG) == _message("c1", 1)
        assert await two.receive(LONG) == _message("c1", 1)


async def test_other_conversations_are_not_heard(broker: MessageBroker) -> None:
    async with broker.subscribe("c1") as subscription:
        await broker.publish("c2", _message("c2", 1))
        assert await subscription.receive(SHORT) is None


async def test_nothing_is_kept_for_a_subscriber_that_left(broker: MessageBroker) -> None:
    async with broker.subscribe("c1"):
        pass
    await broker.publish("c1", _message("c1", 1))
    async with broker.subscribe("c1") as later:
        assert await later.receive(SHORT) is None


async def test_a_subscription_can_be_iterated(broker: MessageBroker) -> None:
    async with broker.subscribe("c1") as subscription:
        await broker.publish("c1", _message("c1", 1))
        with anyio.fail_after(5):
            async for message in subscription:
                assert message.seq == 1
                break
