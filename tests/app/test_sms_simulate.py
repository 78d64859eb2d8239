"""``sms simulate``: a signed inbound SMS and status callback posted to a running service.

The service runs under uvicorn on a loopback port (its ``PA_PUBLIC_BASE_URL``);
the command runs in another process with the same settings and no Twilio.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
import uvicorn

from examples.litestar_app.app import create_app
from pa_sms.agents import DEFAULT_ACKNOWLEDGEMENT
from tests.app.conftest import make_settings

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]
HANDSET = "+15550000001"
WAIT = 20


class Live:
    """A running service and how to reach its command line."""

    def __init__(self, app: Any, env: dict[str, str]) -> None:
        self.app = app
        self.env = env

    @property
    def services(self) -> Any:
        return self.app.state.services

    async def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "examples.litestar_app", *args]
        return await anyio.to_thread.run_sync(
            lambda: subprocess.run(
                command, cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=60
            )
        )


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[Live]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    public = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app = create_app(make_settings(tmp_path, public_base_url=public))
    env = {
        **os.environ,
        "PA_DATA_DIR": str(tmp_path),
        "PA_PUBLIC_BASE_URL": public,
        "PA_SMS_TRANSPORT": "memory",
        "PA_EMAIL_BACKEND": "memory",
    }
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    async with anyio.create_task_group() as tg:
        tg.start_soon(server.serve, [sock])
        with anyio.fail_after(WAIT):
            while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
                await anyio.sleep(0.02)
        yield Live(app, env)
        server.should_exit = True


async def provisioned(live: Live) -> str:
    """A user with a number of their own; its E.164 value."""
    user = await live.services.accounts.register("alice@example.com", "violet kettle moon", None)
    number = await live.services.sms.numbers.provision(user.id, area_code="415")
    return str(number.phone_number)


async def test_simulate_posts_a_signed_inbound_sms_and_the_assistant_replies(live: Live) -> None:
    number = await provisioned(live)
    result = await live.cli("sms", "simulate", "--to", number, "--from", HANDSET, "remind me")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(": 200")
    await live.services.sms_queue.join()
    replies = [m for m in live.services.sms_sender.sent if m.to == HANDSET]
    assert [(m.from_, m.body) for m in replies] == [(number, DEFAULT_ACKNOWLEDGEMENT)]


async def test_simulate_status_posts_a_signed_callback_that_moves_the_status(live: Live) -> None:
    number = await provisioned(live)
    await live.cli("sms", "simulate", "--to", number, "--from", HANDSET, "hello")
    await live.services.sms_queue.join()
    [sid] = list(live.services.sms_sender.results)
    result = await live.cli("sms", "simulate-status", "--sid", sid, "--status", "delivered")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(": 204")
    assert (await live.services.sms.store.get_message(sid)).status == "delivered"


async def test_a_signature_with_another_token_is_refused(live: Live) -> None:
    number = await provisioned(live)
    env = {**live.env, "PA_TWILIO_AUTH_TOKEN": "not the service's token"}
    result = await Live(live.app, env).cli(
        "sms", "simulate", "--to", number, "--from", HANDSET, "hi"
    )
    assert result.returncode == 1
    assert result.stdout.strip().endswith(": 403")
