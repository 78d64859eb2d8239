"""The email contract: an :class:`EmailMessage` and the :class:`EmailSender` protocol.

A sender hands one message to its backend or raises
:class:`~pa_core.errors.ServiceUnavailable` (``dependency="email"``) after logging the
failure through :func:`~pa_core.email.delivery.delivery_failed`. Nothing is dropped
silently, and no log line holds a message body: bodies carry verification and reset tokens.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from pa_core.errors import ValidationFailed

__all__ = ["EmailMessage", "EmailSender"]

_LINK = re.compile(r"https?://[^\s<>\"']+")


def _one_line(field_name: str, value: str) -> None:
    if "\r" in value or "\n" in value:
        raise ValidationFailed.for_field(field_name, "must be a single line")


@dataclass(frozen=True, slots=True)
class EmailMessage:
    """One email to one recipient, with a plain-text part and an optional HTML part.

    The bodies are left out of ``repr`` so that a logged message leaks no token.
    """

    to: str
    """The recipient's address (``ann@example.org`` or ``Ann <ann@example.org>``)."""
    subject: str
    """The subject line (no secrets: it shows in notifications and logs)."""
    text: str = field(repr=False)
    """The plain-text body."""
    html: str | None = field(default=None, repr=False)
    """The HTML body, sent as the preferred alternative when present."""
    headers: Mapping[str, str] = field(default_factory=dict)
    """Extra headers (``Reply-To``, ``List-Unsubscribe``, ...)."""

    def __post_init__(self) -> None:
        if not self.to.strip():
            raise ValidationFailed.for_field("to", "is required")
        _one_line("to", self.to)
        _one_line("subject", self.subject)
        for name, value in self.headers.items():
            _one_line(f"headers.{name}", name)
            _one_line(f"headers.{name}", value)

    def links(self) -> list[str]:
        """Every http(s) link in the plain-text body, in order (handy in tests)."""
        return _LINK.findall(self.text)


@runtime_checkable
class EmailSender(Protocol):
    """Delivers email messages.

    Implementations: :class:`~pa_core.email.console.ConsoleEmailSender` (development),
    :class:`~pa_core.email.memory.MemoryOutbox` (tests),
    :class:`~pa_core.email.smtp.SmtpEmailSender` (production).
    """

    async def send(self, message: EmailMessage) -> None:
        """Hand ``message`` over for delivery.

        Raises:
            ServiceUnavailable: the message could not be handed over (logged first,
                without its body); ``dependency`` is ``"email"``.
        """
        ...
