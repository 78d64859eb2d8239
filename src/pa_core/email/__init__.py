"""Outbound email: the :class:`EmailSender` contract, its backends and the account templates.

Backends (``PA_EMAIL_BACKEND``):

- ``console``: prints each message, links included, to standard output; the
  development default, refused when ``PA_ENV=production``.
- ``memory``: :class:`MemoryOutbox` keeps messages in a list; for tests.
- ``smtp``: :class:`SmtpEmailSender` delivers through an SMTP server
  (STARTTLS, implicit TLS or none; authentication optional).

All backends use only the standard library. :class:`MailDispatcher` sends in
background tasks, for flows whose answer must not depend on the mail server.
"""

from __future__ import annotations

from pa_core.clock import Clock
from pa_core.config import Settings
from pa_core.email.base import EmailMessage, EmailSender
from pa_core.email.console import ConsoleEmailSender
from pa_core.email.delivery import delivery_failed
from pa_core.email.dispatcher import MailDispatcher
from pa_core.email.memory import MemoryOutbox
from pa_core.email.smtp import SmtpEmailSender
from pa_core.email.templates import SECURITY_EVENTS, EmailTemplates

__all__ = [
    "SECURITY_EVENTS",
    "ConsoleEmailSender",
    "EmailMessage",
    "EmailSender",
    "EmailTemplates",
    "MailDispatcher",
    "MemoryOutbox",
    "SmtpEmailSender",
    "delivery_failed",
    "email_sender_from_settings",
]


def email_sender_from_settings(settings: Settings, *, clock: Clock | None = None) -> EmailSender:
    """The sender that ``PA_EMAIL_BACKEND`` selects, configured from the settings.

    Raises:
        ImproperlyConfigured: the SMTP settings are inconsistent.
    """
    if settings.email_backend == "smtp":
        return SmtpEmailSender.from_settings(settings, clock=clock)
    if settings.email_backend == "memory":
        return MemoryOutbox()
    return ConsoleEmailSender()
