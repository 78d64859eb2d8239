"""Webhook bodies through a real server: unsigned ones are refused unread, large ones with 413.

Both the reference app and the standalone SMS service run under uvicorn on a
loopback port; the requests come from a raw socket or httpx, as Twilio's would.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import uvicorn
from litestar import Litestar

from examples.litestar_app.app import create_app
from examples.litestar_app.core.settings import AppSettings
from examples.litestar_app.sms_app import create_sms_app
from tests.app.conftest import make_settings

pytestmark = pytest.mark.anyio

MIB = 1024 * 1024
WAIT = 10
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@asynccontextmanager
async def serving(app: Litestar) -> AsyncIterator[int]:
    """Run ``app`` under uvicorn on a free loopback port; yield the port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=1)
    )
    async with anyio.create_task_group() as tg:
        tg.start_soon(server.serve, [sock])
        with anyio.fail_after(WAIT):
            while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
                await anyio.sleep(0.02)
        yield port
        server.should_exit = True


@pytest.fixture(params=["app", "sms_app"])
async def port(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[int]:
    settings = make_settings(tmp_path, public_base_url="https://pa.example")
    factory: Callable[[AppSettings], Litestar] = (
        create_app if request.param == "app" else create_sms_app
    )
    async with serving(factory(settings)) as bound:
        yield bound


async def status_line(port: int, head: bytes) -> bytes:
    """Send ``head`` (request line and headers, no body) and read the status line back."""
    async with await anyio.connect_tcp("127.0.0.1", port) as stream:
        await stream.send(head)
        received = b""
        with anyio.fail_after(WAIT):
            while b"\r\n" not in received:
                received += await stream.receive()
    return received.split(b"\r\n", 1)[0]


@pytest.mark.parametrize("path", ["/sms/inbound", "/sms/status"])
async def test_an_unsigned_1_mib_form_is_403_before_its_body_is_sent(port: int, path: str) -> None:
    # The body is announced but never sent: only an answer that reads none of it can come back.
    head = (
        f"POST {path} HTTP/1.1\r\nHost: pa.example\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {MIB}\r\n\r\n"
    ).encode()
    assert await status_line(port, head) == b"HTTP/1.1 403 Forbidden"


async def test_an_unsigned_1_mib_form_sent_whole_is_403(port: int) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=WAIT) as client:
        response = await client.post("/sms/inbound", content=b"a=" + b"b" * MIB, headers=FORM)
    assert response.status_code == 403
    assert response.json()["code"] == "invalid_webhook_signature"


async def test_a_signed_form_announcing_more_than_64_kib_is_413_unread(port: int) -> None:
    head = (
        "POST /sms/inbound HTTP/1.1\r\nHost: pa.example\r\nX-Twilio-Signature: c2ln\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {MIB}\r\n\r\n"
    ).encode()
    assert await status_line(port, head) == b"HTTP/1.1 413 Request Entity Too Large"


@pytest.mark.parametrize("size", [64 * 1024 + 1, 200 * 1024, MIB])
async def test_a_signed_form_over_64_kib_without_a_length_is_413(port: int, size: int) -> None:
    async def chunked() -> AsyncIterator[bytes]:
        sent = 0
        while sent < size:
            part = min(8192, size - sent)
            sent += part
            yield b"b" * part

    headers: dict[str, Any] = {**FORM, "X-Twilio-Signature": "c2ln"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=WAIT) as client:
        response = await client.post("/sms/inbound", content=chunked(), headers=headers)
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
