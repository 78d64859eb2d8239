"""The SMS transport contract: hand one message to a carrier and look it up later."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, runtime_checkable

from pa_sms.logsafe import mask_phone

__all__ = [
    "OutboundSms",
    "SendResult",
    "SmsTransport",
]


@dataclass(frozen=True, slots=True, repr=False)
class OutboundSms:
    """One text message to send.

    ``status_callback`` is the URL the provider calls with delivery updates
    (Twilio sets it per message); ``None`` lets the transport use its default.
    """

    to: str
    from_: str
    body: str
    status_callback: str | None = None

    def __repr__(self) -> str:
        # The body may hold a one-time code: keep it out of logs and tracebacks.
        return (
            f"OutboundSms(to={mask_phone(self.to)!r}, from_={mask_phone(self.from_)!r}, "
            f"body=<{len(self.body)} chars>, "
            f"status_callback={self.status_callback!r})"
        )


@dataclass(frozen=True, slots=True)
class SendResult:
    """What the provider said about a message: on sending, and again on :meth:`~SmsTransport.fetch`.

    ``price`` is what the message cost, as a positive amount in ``price_unit``;
    it is ``None`` until the provider knows it (after delivery). ``segments``
    may be ``0`` at first with some providers.
    """

    sid: str
    status: str
    segments: int
    price: Decimal | None = None
    price_unit: str | None = None
    error_code: int | None = None


@runtime_checkable
class SmsTransport(Protocol):
    """Hands text messages to a carrier; also a :class:`pa_core.sms.SmsSender`.

    Implementations validate the message first (E.164 recipient, non-empty body
    of at most 1,600 characters) and raise :mod:`pa_sms.errors` classes: a
    permanent error (:class:`~pa_sms.errors.RecipientOptedOut`,
    :class:`~pa_sms.errors.InvalidPhoneNumber`, ...) or
    :class:`~pa_sms.errors.SmsRetryableError`. They never log message bodies.
    """

    async def send(self, message: OutboundSms) -> SendResult:
        """Send ``message`` and return the provider's first answer (sid, status, segments).

        Raises:
            InvalidPhoneNumber: the recipient is not a valid mobile number.
            MessageTooLong: the body is over the cap.
            RecipientOptedOut: the recipient has opted out of this sender.
            SmsRetryableError: the provider is down, overloaded or rate limiting.
            SmsProviderError: any other refusal.
        """
        ...

    async def fetch(self, sid: str) -> SendResult:
        """Look a sent message up again (its status and, once known, its price).

        Raises:
            NotFound: no message has this sid.
            SmsRetryableError: the provider is down, overloaded or rate limiting.
        """
        ...

    async def send_text(self, to: str, body: str) -> str:
        """Send ``body`` to ``to`` from the transport's default number; return the sid."""
        ...
