"""Redis key-value store (``redis.asyncio``); needs the ``redis`` extra.

Driver errors are translated at one boundary, :func:`redis_errors`: a Redis
that is down, or does not answer within the socket timeout, becomes
:class:`~pa_core.errors.ServiceUnavailable`. The connection pool reconnects by
itself once the server is back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from redis import exceptions as redis_exc
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from pa_core.errors import ServiceUnavailable
from pa_core.kv.base import KeyValueStore, normalize_ttl

__all__ = ["RedisKeyValueStore", "create_redis_client", "redis_errors"]

_GET_DEL = (
    "local v = redis.call('GET', KEYS[1]); if v then redis.call('DEL', KEYS[1]) end; return v"
)
_INCR_TTL = """
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if tonumber(ARGV[2]) > 0 and redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return v
"""


@contextmanager
def redis_errors(dependency: str = "redis") -> Iterator[None]:
    """Translate redis-py connection and timeout errors into ``ServiceUnavailable``."""
    try:
        yield
    except (redis_exc.ConnectionError, redis_exc.TimeoutError, OSError) as exc:
        raise ServiceUnavailable(f"{dependency} is unreachable", dependency=dependency) from exc
    except redis_exc.BusyLoadingError as exc:  # pragma: no cover - needs a loading server
        raise ServiceUnavailable(f"{dependency} is loading", dependency=dependency) from exc


def create_redis_client(url: str, timeout: float = 0.5) -> Redis:
    """A client that fails fast: connect and socket timeouts of ``timeout`` seconds, no retries."""
    return Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
        retry_on_timeout=False,
        health_check_interval=30,
    )


def _ms(ttl: timedelta | None) -> int | None:
    ttl = normalize_ttl(ttl)
    return None if ttl is None else max(1, int(ttl.total_seconds() * 1000))


class RedisKeyValueStore:
    """Key-value store on Redis; namespaces are key prefixes sharing one client."""

    def __init__(self, client: Redis, namespace: str | None = None) -> None:
        self.client = client
        self.namespace = namespace

    @classmethod
    def from_url(
        cls, url: str, *, timeout: float = 0.5, namespace: str | None = None
    ) -> RedisKeyValueStore:
        """Connect to ``url`` with a fail-fast client."""
        return cls(create_redis_client(url, timeout), namespace)

    def _key(self, key: str) -> str:
        return f"{self.namespace}:{key}" if self.namespace else key

    async def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        with redis_errors():
            return await getattr(self.client, method)(*args, **kwargs)

    async def get(self, key: str) -> bytes | None:
        """Return the value under ``key``, or ``None``."""
        value: bytes | None = await self._call("get", self._key(key))
        return value

    async def set(self, key: str, value: bytes | str, ttl: timedelta | None = None) -> None:
        """Store ``value`` under ``key``."""
        await self._call("set", self._key(key), value, px=_ms(ttl))

    async def set_if_absent(
        self, key: str, value: bytes | str, ttl: timedelta | None = None
    ) -> bool:
        """``SET NX``: store only if free."""
        return bool(await self._call("set", self._key(key), value, px=_ms(ttl), nx=True))

    async def get_and_delete(self, key: str) -> bytes | None:
        """Atomically read and remove ``key``."""
        value: bytes | None = await self._call("eval", _GET_DEL, 1, self._key(key))
        return value

    async def delete(self, key: str) -> bool:
        """Remove ``key``."""
        return bool(await self._call("delete", self._key(key)))

    async def exists(self, key: str) -> bool:
        """Whether ``key`` is live."""
        return bool(await self._call("exists", self._key(key)))

    async def expires_in(self, key: str) -> timedelta | None:
        """Time left before ``key`` expires."""
        ms = int(await self._call("pttl", self._key(key)))
        return None if ms < 0 else timedelta(milliseconds=ms)

    async def increment(self, key: str, amount: int = 1, ttl: timedelta | None = None) -> int:
        """``INCRBY`` plus an expiry set on creation, in one script."""
        try:
            return int(
                await self._call("eval", _INCR_TTL, 1, self._key(key), amount, _ms(ttl) or 0)
            )
        except redis_exc.ResponseError as exc:
            raise ValueError(f"value under {key!r} is not an integer") from exc

    def with_namespace(self, namespace: str) -> KeyValueStore:
        """A sibling under ``namespace`` sharing this client."""
        nested = f"{self.namespace}:{namespace}" if self.namespace else namespace
        return RedisKeyValueStore(self.client, nested)

    async def delete_all(self) -> None:
        """Remove every key of this namespace (``SCAN`` + ``UNLINK``)."""
        if not self.namespace:
            raise RuntimeError("delete_all needs a namespace; use with_namespace() first")
        with redis_errors():
            batch: list[bytes] = []
            async for key in self.client.scan_iter(match=f"{self.namespace}:*", count=500):
                batch.append(key)
                if len(batch) >= 500:
                    await self.client.unlink(*batch)
                    batch.clear()
            if batch:
                await self.client.unlink(*batch)

    async def ping(self) -> None:
        """``PING``; raises ``ServiceUnavailable`` when Redis does not answer."""
        await self._call("ping")

    async def close(self) -> None:
        """Close the client's connections."""
        await self.client.aclose()
