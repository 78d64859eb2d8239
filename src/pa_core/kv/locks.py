"""A short mutual-exclusion lock over a :class:`~pa_core.kv.base.KeyValueStore`.

On Redis it excludes every process sharing the store; in memory, every task of
the process. The lock expires after ``ttl`` so that a crashed holder cannot
block others forever: keep the guarded work far shorter than that.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import anyio

from pa_core.errors import ServiceUnavailable
from pa_core.kv.base import KeyValueStore

__all__ = ["DEFAULT_LOCK_TTL", "DEFAULT_LOCK_WAIT", "held_lock"]

DEFAULT_LOCK_TTL = timedelta(seconds=10)
"""How long a lock lives if its holder never releases it."""
DEFAULT_LOCK_WAIT = timedelta(seconds=5)
"""How long to wait for a lock before giving up."""
_POLL_SECONDS = 0.01


@asynccontextmanager
async def held_lock(
    store: KeyValueStore,
    name: str,
    *,
    ttl: timedelta = DEFAULT_LOCK_TTL,
    wait: timedelta = DEFAULT_LOCK_WAIT,
) -> AsyncIterator[None]:
    """Hold the lock ``name`` for the ``async with`` block.

    Raises:
        ServiceUnavailable: the lock stayed taken for longer than ``wait``
            (dependency ``"lock"``), or the store is down.
    """
    key = f"lock:{name}"
    token = secrets.token_hex(16)
    deadline = time.monotonic() + wait.total_seconds()
    while not await store.set_if_absent(key, token, ttl=ttl):
        if time.monotonic() >= deadline:
            raise ServiceUnavailable(f"{name} is busy; try again", dependency="lock")
        await anyio.sleep(_POLL_SECONDS)
    try:
        yield
    finally:
        # Release only our own lock (it may have expired and been taken since).
        if await store.get(key) == token.encode():
            await store.delete(key)
