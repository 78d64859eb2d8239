"""Forgot-password and resend answer alike for real and unknown accounts, whatever SMTP does.

Against a real SMTP server (aiosmtpd) that sits on each message for seconds,
and against no server at all: the answers are ``202`` and fast for both an
existing and a missing account, and the mail still reaches the real one.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from examples.litestar_app.app import create_app
from pa_core.ids import new_id
from pa_core.users import DEFAULT_ROLE, User
from tests.app.conftest import make_settings
from tests.app.helpers import in_app, mail_sent, register
from tests.services import free_port
from tests.smtp_server import HOST, running_server

pytestmark = [pytest.mark.anyio, pytest.mark.smtp]

SLOW_SERVER_SECONDS = 2.0
FAST_ENOUGH = 0.5
"""Far below the server's delay: an answer that waited for the mail could not make it."""

FLOWS = [
    pytest.param("/api/v1/auth/password/forgot", id="forgot-password"),
    pytest.param("/api/v1/auth/verify-email/resend", id="resend-verification"),
]


def smtp_settings(tmp_path: Path, port: int) -> Any:
    return make_settings(
        tmp_path,
        email_backend="smtp",
        smtp_host=HOST,
        smtp_port=port,
        smtp_tls="none",
        smtp_timeout=10,
        email_from="Assistant <no-reply@assistant.example>",
        rate_limit_email_per_address="100/1h",
        rate_limit_email_per_ip="100/1h",
    )


async def timed_post(client: AsyncTestClient[Any], path: str, email: str) -> tuple[int, float]:
    started = time.perf_counter()
    response = await client.post(path, json={"email": email})
    return response.status_code, time.perf_counter() - started


async def add_account(client: AsyncTestClient[Any], email: str) -> None:
    """An unverified account put straight into the repository (no mail needed to make it)."""
    services = client.app.state.services
    now = services.clock.now()
    user = User(
        id=new_id(now),
        email=email,
        password_hash=None,
        created_at=now,
        updated_at=now,
        roles=(DEFAULT_ROLE,),
    )
    await in_app(client, services.users.add, user)


@pytest.mark.parametrize("path", FLOWS)
async def test_a_slow_mail_server_answers_alike_and_fast_and_the_mail_arrives(
    tmp_path: Path, path: str
) -> None:
    with running_server() as server:
        async with AsyncTestClient(app=create_app(smtp_settings(tmp_path, server.port))) as client:
            await register(client)
            await mail_sent(client)
            server.recorder.messages.clear()
            server.recorder.delay = SLOW_SERVER_SECONDS
            existing = await timed_post(client, path, "ada@example.com")
            missing = await timed_post(client, path, "nobody@example.com")
            assert (existing[0], missing[0]) == (202, 202)
            assert existing[1] < FAST_ENOUGH, existing
            assert missing[1] < FAST_ENOUGH, missing
            await mail_sent(client)
    assert [m["To"] for m in server.recorder.messages] == ["ada@example.com"]


@pytest.mark.parametrize("path", FLOWS)
async def test_a_mail_server_that_is_down_answers_alike_and_fast(tmp_path: Path, path: str) -> None:
    async with AsyncTestClient(app=create_app(smtp_settings(tmp_path, free_port()))) as client:
        await add_account(client, "ada@example.com")
        existing = await timed_post(client, path, "ada@example.com")
        missing = await timed_post(client, path, "nobody@example.com")
        await mail_sent(client)
    assert (existing[0], missing[0]) == (202, 202)
    assert existing[1] < FAST_ENOUGH, existing
    assert missing[1] < FAST_ENOUGH, missing
