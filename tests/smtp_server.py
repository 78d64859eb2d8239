"""A real SMTP server for tests (aiosmtpd), recording what it receives."""

from __future__ import annotations

import asyncio
import email
import email.message
import email.policy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.services import free_port

HOST = "127.0.0.1"


@dataclass
class Recorder:
    """aiosmtpd handler that keeps what it receives, or refuses on demand."""

    refuse_recipients: bool = False
    refuse_data: bool = False
    delay: float = 0.0
    """Seconds the server sits on each message before accepting it (a slow server)."""
    messages: list[email.message.EmailMessage] = field(default_factory=list)
    envelopes: list[Any] = field(default_factory=list)
    logins: list[bytes] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if self.refuse_recipients:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.refuse_data:
            return "554 5.7.1 message rejected"
        self.envelopes.append(envelope)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, email.message.EmailMessage)
        self.messages.append(parsed)
        return "250 OK"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login == b"mailer"
            and data.password == b"s3cret pass"
        )
        if ok:
            self.logins.append(data.login)
        return AuthResult(success=ok, handled=False)


@dataclass
class Server:
    recorder: Recorder
    port: int


def start_server(**kwargs: Any) -> Iterator[Server]:
    recorder = Recorder()
    port = free_port()
    authenticate = kwargs.pop("authenticate", False)
    if authenticate:
        kwargs["authenticator"] = recorder.authenticate
    controller = Controller(recorder, hostname=HOST, port=port, **kwargs)
    controller.start()
    try:
        yield Server(recorder, port)
    finally:
        controller.stop()


running_server = contextmanager(start_server)
"""``with running_server() as server:``: the same server as a context manager."""
