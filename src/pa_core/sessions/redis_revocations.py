"""Revocation broadcasts over Redis pub/sub, with heartbeats; needs the ``redis`` extra.

A broadcast can be lost: ``PUBLISH`` may fail after the revocation was stored.
Two rules keep every process's cache honest anyway:

- the session store increments a revocation epoch (``{namespace}:epoch``) in
  the same script as every revocation, and each process reads it on every
  heartbeat: when it has moved more than the broadcasts this process heard,
  the process drops its whole cache (within one heartbeat);
- the process whose ``PUBLISH`` failed stops answering from its own cache
  until its subscription proves itself again with a fresh ``PONG``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from redis.asyncio import Redis

from pa_core.errors import ServiceUnavailable
from pa_core.kv.redis import redis_errors
from pa_core.sessions.cache import RevocationHandler
from pa_core.sessions.redis import DEFAULT_EPOCH_KEY, RedisSessionStore

__all__ = ["DEFAULT_CHANNEL", "HEARTBEAT", "STALENESS", "RedisRevocationChannel"]

logger = logging.getLogger(__name__)

DEFAULT_CHANNEL = "pa:sessions:revoked"
"""The pub/sub channel carrying revoked session ids (comma-separated)."""
HEARTBEAT = 0.25
"""Seconds between PINGs on the subscription connection."""
STALENESS = 1.0
"""Without a PONG for this long the channel is not fresh and caches are bypassed."""
RECONNECT_DELAY = 0.5
"""Pause before resubscribing after a failure."""


class RedisRevocationChannel:
    """Publishes and receives revocations; fresh only while PONGs keep arriving.

    Args:
        client: The Redis client (the session store's is fine).
        channel: The pub/sub channel.
        epoch_key: The session store's revocation epoch
            (:attr:`RedisSessionStore.epoch_key <pa_core.sessions.redis.RedisSessionStore>`),
            read on every heartbeat; ``None`` turns that check off.
        heartbeat: Seconds between PINGs (and epoch reads).
        staleness: Without a PONG for this long the channel is not fresh.
        monotonic: The clock of heartbeats (tests replace it).
    """

    def __init__(
        self,
        client: Redis,
        channel: str = DEFAULT_CHANNEL,
        *,
        epoch_key: str | None = DEFAULT_EPOCH_KEY,
        heartbeat: float = HEARTBEAT,
        staleness: float = STALENESS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 < heartbeat < staleness:
            raise ValueError("heartbeat must be positive and shorter than staleness")
        self.client = client
        self.channel = channel
        self.epoch_key = epoch_key
        self.heartbeat = heartbeat
        self.staleness = staleness
        self._monotonic = monotonic
        self._last_alive = float("-inf")
        self._handler: RevocationHandler | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        # Epoch read at the last (re)start or mismatch, and the broadcasts heard since.
        self._epoch = 0
        self._heard = 0

    @classmethod
    def for_store(cls, store: RedisSessionStore, **kwargs: Any) -> RedisRevocationChannel:
        """The channel of ``store``: its client, ``{namespace}:revoked`` and its epoch key."""
        kwargs.setdefault("channel", f"{store.namespace}:revoked")
        kwargs.setdefault("epoch_key", store.epoch_key)
        return cls(store.client, **kwargs)

    def start(self, on_revoked: RevocationHandler) -> None:
        """Subscribe in a background task of the running loop (started lazily if none runs)."""
        self._handler = on_revoked
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        self._ensure_task()

    def _ensure_task(self) -> None:
        if self._closed:
            return
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._listen())

    def fresh(self) -> bool:
        """Whether a PONG (or a message) arrived within ``staleness`` seconds."""
        if self._handler is not None and (self._task is None or self._task.done()):
            with contextlib.suppress(RuntimeError):
                self._ensure_task()
        return self._monotonic() - self._last_alive < self.staleness

    def _forget_everything(self) -> None:
        self._last_alive = float("-inf")
        if self._handler is not None:
            self._handler(None)

    async def _read_epoch(self) -> int:
        if self.epoch_key is None:
            return 0
        return int(await self.client.get(self.epoch_key) or 0)

    async def _check_epoch(self) -> None:
        """Drop every cached session if revocations were stored that no broadcast announced."""
        epoch = await self._read_epoch()
        if epoch == self._epoch + self._heard:
            return
        if epoch > self._epoch + self._heard:
            logger.warning("session revocations without a broadcast; cache dropped")
        # (A broadcast still in flight also lands here: dropping the cache is harmless.)
        self._epoch, self._heard = epoch, 0
        if self._handler is not None:
            self._handler(None)

    async def _listen(self) -> None:
        while not self._closed:
            pubsub = self.client.pubsub()
            try:
                await pubsub.subscribe(self.channel)
                # Anything published while we were away is lost: start from empty.
                self._forget_everything()
                self._epoch, self._heard = await self._read_epoch(), 0
                last_ping = float("-inf")
                while True:
                    if _being_cancelled():
                        # redis-py can swallow a cancellation that lands inside a read
                        # (returning None or raising TimeoutError): honour it here.
                        raise asyncio.CancelledError
                    now = self._monotonic()
                    if now - last_ping >= self.heartbeat:
                        await pubsub.ping()
                        await self._check_epoch()
                        last_ping = now
                    message = await pubsub.get_message(timeout=self.heartbeat)
                    if message is None:
                        continue
                    kind = message.get("type")
                    if kind in {"pong", "subscribe", "message"}:
                        self._last_alive = self._monotonic()
                    if kind == "message":
                        self._heard += 1
                    if kind == "message" and self._handler is not None:
                        data = message["data"]
                        text = data.decode() if isinstance(data, bytes) else str(data)
                        self._handler([sid for sid in text.split(",") if sid])
            except asyncio.CancelledError:
                raise
            except Exception:  # any failure means: stop trusting caches
                if _being_cancelled():
                    # redis-py can turn a cancellation inside a read timeout into
                    # TimeoutError: honour the cancel, or close() would wait forever.
                    raise asyncio.CancelledError from None
                logger.warning("session revocation channel lost; caches bypassed until it is back")
                self._forget_everything()
                await asyncio.sleep(RECONNECT_DELAY)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def publish(self, session_ids: Sequence[str]) -> None:
        """``PUBLISH`` the ids; ``ServiceUnavailable`` when Redis fails.

        After a failure the channel is not fresh (this process's cache is
        bypassed) until the subscription answers a heartbeat again; other
        processes learn of the revocation from the epoch.
        """
        try:
            with redis_errors("session_store"):
                await self.client.publish(self.channel, ",".join(session_ids))
        except ServiceUnavailable:
            self._last_alive = float("-inf")
            raise

    async def close(self) -> None:
        """Stop listening, for good (a closed channel never resubscribes)."""
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        self._last_alive = float("-inf")


def _being_cancelled() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
