"""SmtpEmailSender against a real local SMTP server (aiosmtpd): TLS modes, AUTH, failures."""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pa_core.clock import FrozenClock
from pa_core.config import Settings
from pa_core.email import (
    ConsoleEmailSender,
    EmailMessage,
    MemoryOutbox,
    SmtpEmailSender,
    email_sender_from_settings,
)
from pa_core.errors import ImproperlyConfigured, ServiceUnavailable
from tests.smtp_server import HOST, Server, free_port, start_server

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
]

SENDER = "Assistant <no-reply@assistant.test>"
SECRET_BODY = "Your link: https://assistant.test/verify-email?token=tok-SECRET-123"
MESSAGE = EmailMessage(
    to="ann@example.org",
    subject="Confirm your email address",
    text=SECRET_BODY,
    html="<p>Your <a href='https://assistant.test/verify-email?token=tok-SECRET-123'>link</a></p>",
)


@dataclass
class Certificate:
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert_file))


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for 127.0.0.1 and localhost."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Certificate(cert_file, key_file)


@pytest.fixture
def plain_server() -> Iterator[Server]:
    yield from start_server()


@pytest.fixture
def plain_auth_server() -> Iterator[Server]:
    yield from start_server(authenticate=True, auth_require_tls=False, auth_required=True)


@pytest.fixture
def starttls_server(certificate: Certificate) -> Iterator[Server]:
    yield from start_server(
        tls_context=certificate.server_context(),
        require_starttls=True,
        authenticate=True,
    )


@pytest.fixture
def implicit_tls_server(certificate: Certificate) -> Iterator[Server]:
    yield from start_server(
        ssl_context=certificate.server_context(), authenticate=True, auth_require_tls=False
    )


def sender_for(server: Server, **kwargs: Any) -> SmtpEmailSender:
    kwargs.setdefault("tls", "none")
    return SmtpEmailSender(HOST, server.port, sender=SENDER, timeout=5, **kwargs)


# --- delivery --------------------------------------------------------------------


async def test_a_message_is_delivered_over_plain_smtp(plain_server: Server) -> None:
    await sender_for(plain_server).send(MESSAGE)
    [received] = plain_server.recorder.messages
    assert received["To"] == "ann@example.org"
    assert received["From"] == SENDER
    assert received["Subject"] == "Confirm your email address"
    assert plain_server.recorder.envelopes[0].rcpt_tos == ["ann@example.org"]
    assert plain_server.recorder.envelopes[0].mail_from == "no-reply@assistant.test"


async def test_the_message_is_multipart_alternative_text_then_html(plain_server: Server) -> None:
    await sender_for(plain_server).send(MESSAGE)
    [received] = plain_server.recorder.messages
    assert received.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in received.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    plain = received.get_body(("plain",))
    html = received.get_body(("html",))
    assert plain is not None
    assert html is not None
    assert plain.get_content().strip() == SECRET_BODY
    assert "href='https://assistant.test/verify-email?token=tok-SECRET-123'" in html.get_content()


async def test_a_text_only_message_is_a_single_plain_part(plain_server: Server) -> None:
    await sender_for(plain_server).send(EmailMessage("ann@example.org", "Hi", "just text"))
    [received] = plain_server.recorder.messages
    assert received.get_content_type() == "text/plain"
    assert received.get_content().strip() == "just text"


async def test_date_and_message_id_headers_are_set(plain_server: Server) -> None:
    clock = FrozenClock(dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC))
    await sender_for(plain_server, clock=clock).send(MESSAGE)
    [received] = plain_server.recorder.messages
    assert received["Date"].datetime == clock.now()
    assert received["Message-ID"].endswith("@assistant.test>")


async def test_extra_headers_and_non_ascii_text_arrive_intact(plain_server: Server) -> None:
    message = EmailMessage(
        "ann@example.org",
        "Grüße: your code",
        "Café ☕ ready",
        headers={"Reply-To": "help@assistant.test"},
    )
    await sender_for(plain_server).send(message)
    [received] = plain_server.recorder.messages
    assert received["Subject"] == "Grüße: your code"
    assert received["Reply-To"] == "help@assistant.test"
    assert received.get_content().strip() == "Café ☕ ready"


async def test_auth_is_sent_when_a_username_is_configured(plain_auth_server: Server) -> None:
    sender = sender_for(plain_auth_server, username="mailer", password="s3cret pass")
    await sender.send(MESSAGE)
    assert plain_auth_server.recorder.logins == [b"mailer"]
    assert len(plain_auth_server.recorder.messages) == 1


async def test_starttls_upgrades_the_connection_then_authenticates(
    starttls_server: Server, certificate: Certificate
) -> None:
    sender = sender_for(
        starttls_server,
        tls="starttls",
        ssl_context=certificate.client_context(),
        username="mailer",
        password="s3cret pass",
    )
    await sender.send(MESSAGE)
    assert starttls_server.recorder.logins == [b"mailer"]
    assert len(starttls_server.recorder.messages) == 1


async def test_implicit_tls_delivers(implicit_tls_server: Server, certificate: Certificate) -> None:
    sender = sender_for(
        implicit_tls_server,
        tls="ssl",
        ssl_context=certificate.client_context(),
        username="mailer",
        password="s3cret pass",
    )
    await sender.send(MESSAGE)
    assert len(implicit_tls_server.recorder.messages) == 1


# --- failures ----------------------------------------------------------------------


async def failure_of(sender: SmtpEmailSender, caplog: pytest.LogCaptureFixture) -> str:
    """Send MESSAGE, expect ServiceUnavailable, check the log, return the log text."""
    with caplog.at_level(logging.ERROR, "pa_core.email"), pytest.raises(ServiceUnavailable) as e:
        await sender.send(MESSAGE)
    assert e.value.dependency == "email"
    assert e.value.__cause__ is not None
    assert "tok-SECRET-123" not in str(e.value)
    records = [r for r in caplog.records if r.name == "pa_core.email"]
    assert records, "the failure was not logged"
    text = "\n".join(r.getMessage() for r in records)
    assert "tok-SECRET-123" not in text
    assert MESSAGE.subject in text
    return text


async def test_a_refused_recipient_is_surfaced_and_logged_without_the_body(
    plain_server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    plain_server.recorder.refuse_recipients = True
    text = await failure_of(sender_for(plain_server), caplog)
    assert "SMTPRecipientsRefused" in text


async def test_a_rejected_message_is_surfaced_with_the_server_reply(
    plain_server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    plain_server.recorder.refuse_data = True
    text = await failure_of(sender_for(plain_server), caplog)
    assert "554" in text
    assert "message rejected" in text


async def test_wrong_credentials_are_surfaced(
    plain_auth_server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    sender = sender_for(plain_auth_server, username="mailer", password="wrong")
    text = await failure_of(sender, caplog)
    assert "SMTPAuthenticationError" in text
    assert "wrong" not in text
    assert plain_auth_server.recorder.messages == []


async def test_a_server_that_is_down_is_surfaced(caplog: pytest.LogCaptureFixture) -> None:
    sender = SmtpEmailSender(HOST, free_port(), sender=SENDER, tls="none", timeout=2)
    text = await failure_of(sender, caplog)
    assert "ConnectionRefusedError" in text


async def test_a_server_that_never_answers_times_out(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as silent:
        silent.bind((HOST, 0))
        silent.listen()  # accepts the TCP connection, never greets
        port = silent.getsockname()[1]
        sender = SmtpEmailSender(HOST, port, sender=SENDER, tls="none", timeout=0.2)
        text = await failure_of(sender, caplog)
    assert "timed out" in text or "Timeout" in text


async def test_starttls_refuses_to_fall_back_to_plain_text(
    plain_server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    sender = sender_for(plain_server, tls="starttls")
    text = await failure_of(sender, caplog)
    assert "STARTTLS" in text
    assert plain_server.recorder.messages == []


async def test_an_untrusted_certificate_is_refused(
    implicit_tls_server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    sender = sender_for(implicit_tls_server, tls="ssl")  # system trust store only
    text = await failure_of(sender, caplog)
    assert "certificate" in text.lower()
    assert implicit_tls_server.recorder.messages == []


# --- configuration -------------------------------------------------------------------


def test_an_unknown_tls_mode_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="PA_SMTP_TLS"):
        SmtpEmailSender(HOST, 25, sender=SENDER, tls="maybe")  # type: ignore[arg-type]


def test_a_port_out_of_range_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="PA_SMTP_PORT"):
        SmtpEmailSender(HOST, 70000, sender=SENDER)


def test_a_username_without_password_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="PA_SMTP_PASSWORD"):
        SmtpEmailSender(HOST, 587, sender=SENDER, username="mailer")


def test_a_non_positive_timeout_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="PA_SMTP_TIMEOUT"):
        SmtpEmailSender(HOST, 587, sender=SENDER, timeout=0)


def test_the_repr_hides_the_password() -> None:
    sender = SmtpEmailSender(HOST, 587, sender=SENDER, username="mailer", password="s3cret pass")
    assert "s3cret" not in repr(sender)
    assert "mailer" in repr(sender)


def test_settings_select_and_configure_the_smtp_sender() -> None:
    settings = Settings(
        email_backend="smtp",
        smtp_host="mail.example.org",
        smtp_port=587,
        smtp_tls="starttls",
        smtp_username="mailer",
        smtp_password="s3cret pass",
        smtp_timeout=3.5,
        email_from="Helper <help@example.org>",
    )
    sender = email_sender_from_settings(settings)
    assert isinstance(sender, SmtpEmailSender)
    assert (sender.host, sender.port, sender.tls, sender.timeout) == (
        "mail.example.org",
        587,
        "starttls",
        3.5,
    )
    assert (sender.username, sender.sender) == ("mailer", "Helper <help@example.org>")


async def test_settings_from_the_environment_deliver_through_smtp(
    plain_server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PA_EMAIL_BACKEND", "smtp")
    monkeypatch.setenv("PA_SMTP_HOST", HOST)
    monkeypatch.setenv("PA_SMTP_PORT", str(plain_server.port))
    monkeypatch.setenv("PA_SMTP_TLS", "none")
    await email_sender_from_settings(Settings(_env_file=None)).send(MESSAGE)
    assert len(plain_server.recorder.messages) == 1


def test_settings_select_the_console_and_memory_senders() -> None:
    assert isinstance(email_sender_from_settings(Settings()), ConsoleEmailSender)
    assert isinstance(email_sender_from_settings(Settings(email_backend="memory")), MemoryOutbox)
