"""Helpers shared by the session-cache tests."""

from __future__ import annotations

import anyio

from pa_core.sessions.cache import RevocationChannel

WAIT_SECONDS = 5.0


async def wait_until_fresh(channel: RevocationChannel) -> None:
    """Wait until the channel has subscribed and heard its first heartbeat."""
    with anyio.fail_after(WAIT_SECONDS):
        while not channel.fresh():  # noqa: ASYNC110 - polling a plain flag
            await anyio.sleep(0.01)


async def wait_until_stale(channel: RevocationChannel) -> None:
    """Wait until the channel has noticed it lost its connection."""
    with anyio.fail_after(WAIT_SECONDS):
        while channel.fresh():  # noqa: ASYNC110 - polling a plain flag
            await anyio.sleep(0.01)
