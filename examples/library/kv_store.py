"""A key-value store with expiry, as sessions and rate limits use it."""

import asyncio
from datetime import timedelta

from pa_core.kv import MemoryKeyValueStore


async def main() -> None:
    store = MemoryKeyValueStore().with_namespace("demo")
    await store.set("greeting", "hello", ttl=timedelta(minutes=5))
    print(await store.get("greeting"))  # b'hello'

    # One winner, even under concurrency: the idempotency-key pattern.
    first = await store.set_if_absent("msg:SM123", "seen", ttl=timedelta(days=1))
    again = await store.set_if_absent("msg:SM123", "seen", ttl=timedelta(days=1))
    print(first, again)  # True False

    # A fixed window counter, as the rate limiter uses it.
    for _ in range(3):
        count = await store.increment("login:ip:203.0.113.7", ttl=timedelta(minutes=1))
    print(count)  # 3


if __name__ == "__main__":
    asyncio.run(main())
