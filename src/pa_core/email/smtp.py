"""SMTP delivery with the standard library's :mod:`smtplib`, in a worker thread.

Three transport modes (``PA_SMTP_TLS``):

- ``"starttls"``: connect in plain text, then upgrade with STARTTLS (port 587);
  a server that does not offer STARTTLS is refused rather than used unencrypted.
- ``"ssl"``: implicit TLS from the first byte (port 465).
- ``"none"``: no encryption; only for a relay on the same host or network.

Authentication is optional: with a username, ``AUTH`` is sent after the TLS
upgrade. Certificates are verified against the system trust store unless an
``ssl_context`` is given. Each message is ``multipart/alternative`` with the
plain-text part first and the HTML part, when there is one, last (preferred).

Every failure (connection, TLS, authentication, a refused recipient or message,
a timeout) is logged without the body and raised as
:class:`~pa_core.errors.ServiceUnavailable` with ``dependency="email"``.
"""

from __future__ import annotations

import email.message
import email.utils
import smtplib
import ssl
from typing import TYPE_CHECKING, Literal

import anyio.to_thread

from pa_core.clock import Clock, SystemClock
from pa_core.email.base import EmailMessage
from pa_core.email.delivery import delivery_failed
from pa_core.errors import ImproperlyConfigured

if TYPE_CHECKING:
    from pa_core.config import Settings

__all__ = ["DEFAULT_SMTP_TIMEOUT", "SmtpEmailSender", "SmtpTls"]

SmtpTls = Literal["none", "starttls", "ssl"]
"""How the connection to the SMTP server is encrypted."""

DEFAULT_SMTP_TIMEOUT = 10.0
"""Seconds to wait for the server on connect and on each command."""

_TLS_MODES: frozenset[str] = frozenset({"none", "starttls", "ssl"})


class SmtpEmailSender:
    """Sends messages to an SMTP server, one connection per message.

    Args:
        host: the server's host name.
        port: the server's port (25, 587 for STARTTLS, 465 for implicit TLS).
        sender: the ``From`` address, e.g. ``"Assistant <no-reply@example.org>"``.
        username: the ``AUTH`` user; no authentication when ``None``.
        password: the ``AUTH`` password.
        tls: ``"none"``, ``"starttls"`` or ``"ssl"``.
        timeout: seconds for connecting and for each command.
        ssl_context: the TLS settings; :func:`ssl.create_default_context` by default.
        clock: the source of the ``Date`` header.

    Raises:
        ImproperlyConfigured: an unknown TLS mode, a port out of range, or a
            username without a password.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        tls: SmtpTls = "starttls",
        timeout: float = DEFAULT_SMTP_TIMEOUT,
        ssl_context: ssl.SSLContext | None = None,
        clock: Clock | None = None,
    ) -> None:
        if tls not in _TLS_MODES:
            raise ImproperlyConfigured(f"PA_SMTP_TLS must be one of {sorted(_TLS_MODES)}")
        if not 0 < port < 65536:
            raise ImproperlyConfigured("PA_SMTP_PORT must be between 1 and 65535")
        if username and not password:
            raise ImproperlyConfigured("PA_SMTP_USERNAME is set but PA_SMTP_PASSWORD is not")
        if timeout <= 0:
            raise ImproperlyConfigured("PA_SMTP_TIMEOUT must be positive")
        self.host = host
        self.port = port
        self.sender = sender
        self.username = username
        self._password = password
        self.tls = tls
        self.timeout = timeout
        self._ssl_context = ssl_context
        self._clock = clock or SystemClock()
        address = email.utils.parseaddr(sender)[1]
        self._domain = address.rpartition("@")[2] or "localhost"

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock | None = None) -> SmtpEmailSender:
        """The sender configured by the ``PA_SMTP_*`` and ``PA_EMAIL_FROM`` settings."""
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return cls(
            settings.smtp_host,
            settings.smtp_port,
            sender=settings.email_from,
            username=settings.smtp_username,
            password=password,
            tls=settings.smtp_tls,
            timeout=settings.smtp_timeout,
            clock=clock,
        )

    def __repr__(self) -> str:
        return (
            f"SmtpEmailSender(host={self.host!r}, port={self.port}, tls={self.tls!r}, "
            f"username={self.username!r})"
        )

    def build(self, message: EmailMessage) -> email.message.EmailMessage:
        """The MIME message for ``message``: ``multipart/alternative`` when it has HTML."""
        mime = email.message.EmailMessage()
        mime["From"] = self.sender
        mime["To"] = message.to
        mime["Subject"] = message.subject
        mime["Date"] = email.utils.format_datetime(self._clock.now())
        mime["Message-ID"] = email.utils.make_msgid(domain=self._domain)
        for name, value in message.headers.items():
            mime[name] = value
        mime.set_content(message.text)
        if message.html is not None:
            mime.add_alternative(message.html, subtype="html")
        return mime

    async def send(self, message: EmailMessage) -> None:
        """Deliver ``message`` in a worker thread.

        Raises:
            ServiceUnavailable: the server could not be reached, TLS or
                authentication failed, or it refused the message (logged first).
        """
        mime = self.build(message)
        try:
            await anyio.to_thread.run_sync(self._deliver, mime)
        except smtplib.SMTPException as exc:
            raise delivery_failed(message, "smtp", _describe(exc)) from exc
        except OSError as exc:  # refused, unreachable, TLS errors, timeouts
            raise delivery_failed(message, "smtp", f"{type(exc).__name__}: {exc}") from exc

    def _context(self) -> ssl.SSLContext:
        return self._ssl_context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        if self.tls == "ssl":
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self._context()
            )
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)

    def _deliver(self, mime: email.message.EmailMessage) -> None:
        with self._connect() as client:
            if self.tls == "starttls":
                # Raises SMTPNotSupportedError when the server offers no STARTTLS:
                # never fall back to plain text.
                client.starttls(context=self._context())
            if self.username:
                client.login(self.username, self._password or "")
            refused = client.send_message(mime)
            if refused:  # pragma: no cover - one recipient: smtplib raises itself
                raise smtplib.SMTPRecipientsRefused(refused)


def _describe(exc: smtplib.SMTPException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error
        reply = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
        return f"{type(exc).__name__}: {exc.smtp_code} {reply}".strip()
    return f"{type(exc).__name__}: {exc}"
