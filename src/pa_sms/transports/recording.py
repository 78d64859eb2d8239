"""A transport that sends nothing and remembers everything: ship it in your own tests.

.. code-block:: python

    transport = RecordingTransport()
    await service.send_code("+15551234567")       # anything that takes an SmsSender
    assert "123456" in transport.last_to("+15551234567").body

    transport.fail_next(RecipientOptedOut())      # the next send raises this
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from decimal import Decimal

from pa_core.errors import NotFound
from pa_sms.transports.base import OutboundSms, SendResult
from pa_sms.transports.shared import TextSenderMixin, validate_outbound

__all__ = ["DEFAULT_TEST_FROM_NUMBER", "RecordingTransport", "new_message_sid"]

DEFAULT_TEST_FROM_NUMBER = "+15005550006"
"""Twilio's magic test sender number; the default ``from_`` of the development transports."""


def new_message_sid() -> str:
    """A random message sid in Twilio's shape (``SM`` and 32 hex digits)."""
    return "SM" + secrets.token_hex(16)


class RecordingTransport(TextSenderMixin):
    """Keeps every message in :attr:`sent` instead of sending it.

    Validates messages exactly like the real transports, so a test that passes
    here does not send an empty or over-long body in production.
    """

    def __init__(
        self,
        from_number: str | None = DEFAULT_TEST_FROM_NUMBER,
        status_callback: str | None = None,
    ) -> None:
        self.from_number = from_number
        self.status_callback = status_callback
        self.sent: list[OutboundSms] = []
        """Every message accepted, oldest first (with the default status callback filled in)."""
        self.results: dict[str, SendResult] = {}
        """The current :class:`SendResult` of each accepted message, by sid."""
        self._failures: list[BaseException] = []

    def fail_next(self, exc: BaseException, times: int = 1) -> None:
        """Make the next ``times`` sends raise ``exc`` (nothing is recorded for them)."""
        self._failures.extend([exc] * times)

    async def send(self, message: OutboundSms) -> SendResult:
        """Record ``message`` and return a ``queued`` result (or raise a planned failure)."""
        info = validate_outbound(message)
        if self._failures:
            raise self._failures.pop(0)
        if message.status_callback is None and self.status_callback is not None:
            message = replace(message, status_callback=self.status_callback)
        result = SendResult(sid=new_message_sid(), status="queued", segments=info.segments)
        self.sent.append(message)
        self.results[result.sid] = result
        return result

    async def fetch(self, sid: str) -> SendResult:
        """The current result of a recorded message.

        Raises:
            NotFound: no message was recorded under ``sid``.
        """
        try:
            return self.results[sid]
        except KeyError:
            raise NotFound(f"no message {sid}") from None

    def set_status(
        self,
        sid: str,
        status: str,
        *,
        price: Decimal | None = None,
        price_unit: str | None = "USD",
        error_code: int | None = None,
    ) -> SendResult:
        """Move a recorded message on (``delivered`` with a price, ``failed`` with a code, ...)."""
        current = self.results[sid]
        updated = replace(
            current,
            status=status,
            price=price,
            price_unit=price_unit if price is not None else current.price_unit,
            error_code=error_code,
        )
        self.results[sid] = updated
        return updated

    def last_to(self, number: str) -> OutboundSms | None:
        """The most recent message sent to ``number``, or ``None``."""
        for message in reversed(self.sent):
            if message.to == number:
                return message
        return None

    def clear(self) -> None:
        """Forget every message and planned failure."""
        self.sent.clear()
        self.results.clear()
        self._failures.clear()
