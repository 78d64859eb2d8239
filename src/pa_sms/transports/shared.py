"""What every SMS transport shares: the check before a message leaves, and ``send_text``."""

from __future__ import annotations

import re

from pa_core.errors import ImproperlyConfigured
from pa_sms.errors import InvalidPhoneNumber
from pa_sms.segments import SegmentInfo, check_length
from pa_sms.transports.base import OutboundSms, SendResult

__all__ = ["E164_PATTERN", "TextSenderMixin", "validate_outbound"]

E164_PATTERN = re.compile(r"^\+[1-9]\d{1,14}$")
"""An E.164 phone number: ``+``, a country code and at most 15 digits in all."""


def validate_outbound(message: OutboundSms) -> SegmentInfo:
    """Check a message before it leaves; return its segment count.

    Raises:
        InvalidPhoneNumber: ``to`` is not in E.164 form.
        ValidationFailed: the body is empty.
        MessageTooLong: the body is over the cap.
    """
    if not E164_PATTERN.match(message.to):
        raise InvalidPhoneNumber("must be an E.164 number such as +15551234567")
    return check_length(message.body)


class TextSenderMixin:
    """Implements ``SmsTransport.send_text`` on top of ``send`` and a default sender number."""

    from_number: str | None
    status_callback: str | None

    async def send(self, message: OutboundSms) -> SendResult:  # pragma: no cover - overridden
        raise NotImplementedError

    async def send_text(self, to: str, body: str) -> str:
        """Send ``body`` to ``to`` from the default number and return the message sid.

        Raises:
            ImproperlyConfigured: the transport has no default sender number.
        """
        if not self.from_number:
            raise ImproperlyConfigured("no default sender number (PA_TWILIO_FROM_NUMBER)")
        result = await self.send(
            OutboundSms(to=to, from_=self.from_number, body=body, status_callback=None)
        )
        return result.sid
