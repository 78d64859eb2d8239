"""The EmailSender contract, run against every backend (console, memory outbox, SMTP)."""

from __future__ import annotations

import email
import email.message
import email.policy
import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from pa_core.email import (
    ConsoleEmailSender,
    EmailMessage,
    EmailSender,
    MemoryOutbox,
    SmtpEmailSender,
)
from pa_core.errors import ServiceUnavailable
from tests.services import free_port

pytestmark = pytest.mark.anyio

TOKEN = "tok_A-b.c~d/e+f=="  # characters that need URL-encoding must survive delivery
MESSAGE = EmailMessage(
    to="ann@example.org",
    subject="Confirm your email address",
    text=f"Hello Ann,\n\nOpen https://assistant.test/verify-email?token={TOKEN}\n",
    html=f"<p>Open <a href='https://assistant.test/verify-email?token={TOKEN}'>this</a></p>",
)


@dataclass
class Backend:
    """One sender under test, a broken twin, and a view of what reached its backend."""

    sender: EmailSender
    broken: EmailSender
    delivered: Callable[[], list[str]]
    """One text dump per delivered message: headers and the decoded plain-text body."""
    cleanup: Callable[[], None] = lambda: None


@dataclass
class _SmtpSink:
    contents: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, email.message.EmailMessage)
        body = parsed.get_body(("plain",))
        assert body is not None
        self.contents.append(
            f"To: {parsed['To']}\nSubject: {parsed['Subject']}\n\n{body.get_content()}"
        )
        return "250 OK"


def _console() -> Backend:
    stream = io.StringIO()
    closed = io.StringIO()
    closed.close()

    def delivered() -> list[str]:
        marker = "Email (console backend"
        return [marker + chunk for chunk in stream.getvalue().split(marker)[1:]]

    return Backend(ConsoleEmailSender(stream), ConsoleEmailSender(closed), delivered)


def _memory() -> Backend:
    outbox, broken = MemoryOutbox(), MemoryOutbox()
    broken.failing = True

    def delivered() -> list[str]:
        return [f"To: {m.to}\nSubject: {m.subject}\n\n{m.text}" for m in outbox.messages]

    return Backend(outbox, broken, delivered)


def _smtp() -> Backend:
    sink = _SmtpSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    sender = SmtpEmailSender("127.0.0.1", port, sender="a@assistant.test", tls="none", timeout=5)
    nowhere = SmtpEmailSender(
        "127.0.0.1", free_port(), sender="a@assistant.test", tls="none", timeout=5
    )
    return Backend(sender, nowhere, lambda: list(sink.contents), controller.stop)


@pytest.fixture(
    params=[
        pytest.param("console", marks=pytest.mark.memory),
        pytest.param("memory", marks=pytest.mark.memory),
        pytest.param("smtp"),
    ]
)
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    made = {"console": _console, "memory": _memory, "smtp": _smtp}[request.param]()
    yield made
    made.cleanup()


def test_the_backend_is_an_email_sender(backend: Backend) -> None:
    assert isinstance(backend.sender, EmailSender)


async def test_a_sent_message_reaches_the_backend_with_its_recipient_and_subject(
    backend: Backend,
) -> None:
    await backend.sender.send(MESSAGE)
    [delivered] = backend.delivered()
    assert "ann@example.org" in delivered
    assert "Subject: Confirm your email address" in delivered


async def test_the_plain_text_body_arrives_with_its_link_intact(backend: Backend) -> None:
    await backend.sender.send(MESSAGE)
    [delivered] = backend.delivered()
    assert f"https://assistant.test/verify-email?token={TOKEN}" in delivered
    assert "Hello Ann," in delivered


async def test_non_ascii_text_arrives_intact(backend: Backend) -> None:
    await backend.sender.send(EmailMessage("zoe@example.org", "Grüße", "Café ☕ für Zoë"))
    [delivered] = backend.delivered()
    assert "Café ☕ für Zoë" in delivered
    assert "Grüße" in delivered


async def test_each_send_delivers_exactly_one_message(backend: Backend) -> None:
    await backend.sender.send(MESSAGE)
    await backend.sender.send(EmailMessage("bob@example.org", "Second", "two"))
    delivered = backend.delivered()
    assert len(delivered) == 2
    assert "bob@example.org" in delivered[1]


async def test_a_failed_delivery_raises_service_unavailable_for_email(backend: Backend) -> None:
    with pytest.raises(ServiceUnavailable) as caught:
        await backend.broken.send(MESSAGE)
    assert caught.value.dependency == "email"
    assert caught.value.code == "service_unavailable"


async def test_a_failed_delivery_is_logged_without_the_body(
    backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, "pa_core.email"), pytest.raises(ServiceUnavailable):
        await backend.broken.send(MESSAGE)
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "pa_core.email")
    assert "ann@example.org" in logged
    assert MESSAGE.subject in logged
    assert TOKEN not in logged
    assert "Hello Ann" not in logged
