"""Live updates across processes over Redis pub/sub; needs the ``redis`` extra.

Each subscription holds one Redis connection (``SUBSCRIBE`` on the channel
``<prefix>:<conversation id>``); publishing is one ``PUBLISH`` of the message as
JSON. Pub/sub keeps nothing for absent subscribers, which is why streams replay
from the database on reconnect (``Last-Event-ID``) and fill gaps from it.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

import anyio
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from pa_core.conversations.base import Channel, Direction, Message
from pa_core.kv.redis import create_redis_client, redis_errors

__all__ = [
    "DEFAULT_CHANNEL_PREFIX",
    "RedisMessageBroker",
    "RedisSubscription",
    "message_from_dict",
    "message_to_dict",
]

DEFAULT_CHANNEL_PREFIX = "pa:conversation"
"""Channels are ``<prefix>:<conversation id>``."""
_CLOSE_TIMEOUT = 2.0


def message_to_dict(message: Message) -> dict[str, Any]:
    """A JSON-able form of ``message`` (for brokers between processes)."""
    return {
        "id": message.id,
        "conversation_id": message.conversation_id,
        "owner_id": message.owner_id,
        "seq": message.seq,
        "body": message.body,
        "direction": message.direction.value,
        "channel": message.channel.value,
        "created_at": message.created_at.isoformat(),
        "reply_to": message.reply_to,
    }


def message_from_dict(data: dict[str, Any]) -> Message:
    """The inverse of :func:`message_to_dict`."""
    return Message(
        id=str(data["id"]),
        conversation_id=str(data["conversation_id"]),
        owner_id=str(data["owner_id"]),
        seq=int(data["seq"]),
        body=str(data["body"]),
        direction=Direction(data["direction"]),
        channel=Channel(data["channel"]),
        created_at=datetime.fromisoformat(data["created_at"]),
        reply_to=None if data.get("reply_to") is None else str(data["reply_to"]),
    )


class RedisSubscription:
    """One ``SUBSCRIBE`` on one connection; enter it to subscribe, leave it to let go."""

    def __init__(self, client: Redis, channel: str, subscribe_timeout: float) -> None:
        self._client = client
        self._channel = channel
        self._subscribe_timeout = subscribe_timeout
        self._pubsub: PubSub | None = None

    async def __aenter__(self) -> RedisSubscription:
        pubsub = self._client.pubsub()
        self._pubsub = pubsub
        try:
            with redis_errors():
                await pubsub.subscribe(self._channel)
                # Wait for Redis to confirm: from then on nothing published is missed.
                deadline = time.monotonic() + self._subscribe_timeout
                while time.monotonic() < deadline:
                    reply = await pubsub.get_message(timeout=deadline - time.monotonic())
                    if reply is not None and reply.get("type") == "subscribe":
                        return self
                raise TimeoutError("no subscribe confirmation from redis")
        except BaseException:
            await self._close()
            raise

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._close()

    async def _close(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is None:
            return
        # Runs when a client went away and the stream was cancelled: shield the clean-up.
        # Best effort: the connection may be gone already.
        with (
            anyio.CancelScope(shield=True),
            anyio.move_on_after(_CLOSE_TIMEOUT),
            contextlib.suppress(RedisError, OSError),
        ):
            await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def receive(self, wait: timedelta) -> Message | None:
        """The next message, or ``None`` after ``wait``; ``ServiceUnavailable`` if Redis is lost."""
        if self._pubsub is None:
            raise RuntimeError("enter the subscription first")
        deadline = time.monotonic() + wait.total_seconds()
        while (left := deadline - time.monotonic()) > 0:
            with redis_errors():
                reply = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=left)
            if reply is not None and reply.get("type") == "message":
                return message_from_dict(json.loads(reply["data"]))
        return None

    async def __aiter__(self) -> AsyncIterator[Message]:
        while True:
            message = await self.receive(timedelta(days=1))
            if message is not None:
                yield message


class RedisMessageBroker:
    """Publishes through Redis so that every app process's subscribers receive each message."""

    def __init__(
        self,
        client: Redis,
        *,
        prefix: str = DEFAULT_CHANNEL_PREFIX,
        subscribe_timeout: float = 5.0,
        owns_client: bool = False,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.subscribe_timeout = subscribe_timeout
        self._owns_client = owns_client

    @classmethod
    def from_url(cls, url: str, *, timeout: float = 0.5, **kwargs: Any) -> RedisMessageBroker:
        """A broker with a fail-fast client of its own (closed by :meth:`close`)."""
        return cls(create_redis_client(url, timeout), owns_client=True, **kwargs)

    def _channel(self, conversation_id: str) -> str:
        return f"{self.prefix}:{conversation_id}"

    async def publish(self, conversation_id: str, message: Message) -> None:
        """``PUBLISH`` the message as JSON; ``ServiceUnavailable`` if Redis is down."""
        with redis_errors():
            await self.client.publish(
                self._channel(conversation_id), json.dumps(message_to_dict(message))
            )

    def subscribe(self, conversation_id: str) -> RedisSubscription:
        """A subscription to the conversation's channel."""
        return RedisSubscription(
            self.client, self._channel(conversation_id), self.subscribe_timeout
        )

    async def close(self) -> None:
        """Close the client if the broker made it."""
        if self._owns_client:
            await self.client.aclose()
