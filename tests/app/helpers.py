"""Small steps many app tests share: make an account, log in, authorise a request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio
from litestar.testing import AsyncTestClient

PASSWORD = "correct horse battery staple"

T = TypeVar("T")


def bearer(access_token: str) -> dict[str, str]:
    """The Authorization header for ``access_token``."""
    return {"Authorization": f"Bearer {access_token}"}


async def register(
    client: AsyncTestClient[Any], email: str = "ada@example.com", password: str = PASSWORD
) -> dict[str, Any]:
    """Register an account and return the user object."""
    response = await client.post(
        "/api/v1/auth/register", json={"email": email, "password": password}
    )
    assert response.status_code == 201, response.text
    user: dict[str, Any] = response.json()
    return user


async def login(
    client: AsyncTestClient[Any],
    email: str = "ada@example.com",
    password: str = PASSWORD,
    **extra: Any,
) -> dict[str, Any]:
    """Log in and return the token pair."""
    response = await client.post(
        "/api/v1/auth/login", json={"email": email, "password": password, **extra}
    )
    assert response.status_code == 200, response.text
    pair: dict[str, Any] = response.json()
    return pair


async def register_and_login(
    client: AsyncTestClient[Any], email: str = "ada@example.com", password: str = PASSWORD
) -> dict[str, Any]:
    """A new account, logged in: the token pair plus ``user``."""
    user = await register(client, email, password)
    pair = await login(client, email, password)
    return {**pair, "user": user}


async def in_app(client: AsyncTestClient[Any], fn: Callable[..., Awaitable[T]], *args: Any) -> T:
    """Await ``fn(*args)`` on the app's own event loop.

    The test client runs the app in a portal thread with a loop of its own; the
    app's connection pools belong to that loop, so service calls made directly
    from a test must go through it.
    """
    return await anyio.to_thread.run_sync(lambda: client.blocking_portal.call(fn, *args))


async def mail_sent(client: AsyncTestClient[Any]) -> None:
    """Wait until the app's background mail (reset, resend) has been handed to the sender."""
    await in_app(client, client.app.state.services.mail.drain)
