"""Revocation broadcasts over Redis pub/sub, with heartbeats; needs the ``redis`` extra."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence

from redis.asyncio import Redis

from pa_core.sessions.cache import RevocationHandler
from pa_core.stores.redis import redis_errors

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
    """Publishes and receives revocations; fresh only while PONGs keep arriving."""

    def __init__(
        self,
        client: Redis,
        channel: str = DEFAULT_CHANNEL,
        *,
        heartbeat: float = HEARTBEAT,
        staleness: float = STALENESS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 < heartbeat < staleness:
            raise ValueError("heartbeat must be positive and shorter than staleness")
        self.client = client
        self.channel = channel
        self.heartbeat = heartbeat
        self.staleness = staleness
        self._monotonic = monotonic
        self._last_alive = float("-inf")
        self._handler: RevocationHandler | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self, on_revoked: RevocationHandler) -> None:
        """Subscribe in a background task of the running loop (started lazily if none runs)."""
        self._handler = on_revoked
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        self._ensure_task()

    def _ensure_task(self) -> None:
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

    async def _listen(self) -> None:
        while True:
            pubsub = self.client.pubsub()
            try:
                await pubsub.subscribe(self.channel)
                # Anything published while we were away is lost: start from empty.
                self._forget_everything()
                last_ping = float("-inf")
                while True:
                    now = self._monotonic()
                    if now - last_ping >= self.heartbeat:
                        await pubsub.ping()
                        last_ping = now
                    message = await pubsub.get_message(timeout=self.heartbeat)
                    if message is None:
                        continue
                    kind = message.get("type")
                    if kind in {"pong", "subscribe", "message"}:
                        self._last_alive = self._monotonic()
                    if kind == "message" and self._handler is not None:
                        data = message["data"]
                        text = data.decode() if isinstance(data, bytes) else str(data)
                        self._handler([sid for sid in text.split(",") if sid])
            except asyncio.CancelledError:
                raise
            except Exception:  # any failure means: stop trusting caches
                logger.warning("session revocation channel lost; caches bypassed until it is back")
                self._forget_everything()
                await asyncio.sleep(RECONNECT_DELAY)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def publish(self, session_ids: Sequence[str]) -> None:
        """``PUBLISH`` the ids; ``ServiceUnavailable`` when Redis fails."""
        with redis_errors("session_store"):
            await self.client.publish(self.channel, ",".join(session_ids))

    async def close(self) -> None:
        """Stop listening."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        self._last_alive = float("-inf")
