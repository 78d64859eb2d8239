"""The embedded development transport: writes a line to the log instead of sending.

It logs who a message went to (masked to the last 4 digits, like every
number in ``pa_sms``'s logs) and how many segments it took, never the body:
bodies carry one-time codes. ``show_body=True`` prints bodies as well, for
local development only (production refuses the console transport anyway);
the numbers stay masked even then.
"""

from __future__ import annotations

import logging
from collections import OrderedDict

from pa_core.errors import NotFound
from pa_sms.logsafe import mask_phone
from pa_sms.transports.base import OutboundSms, SendResult
from pa_sms.transports.recording import DEFAULT_TEST_FROM_NUMBER, new_message_sid
from pa_sms.transports.shared import TextSenderMixin, validate_outbound

__all__ = ["CONSOLE_HISTORY", "ConsoleTransport"]

CONSOLE_HISTORY = 1000
"""How many recent results :meth:`ConsoleTransport.fetch` can still find."""

_logger = logging.getLogger("pa_sms.console")


class ConsoleTransport(TextSenderMixin):
    """Logs each message (numbers masked, segments) to ``pa_sms.console``; sends nothing."""

    def __init__(
        self,
        from_number: str | None = DEFAULT_TEST_FROM_NUMBER,
        *,
        status_callback: str | None = None,
        show_body: bool = False,
        logger: logging.Logger | None = None,
        history: int = CONSOLE_HISTORY,
    ) -> None:
        self.from_number = from_number
        self.status_callback = status_callback
        self.show_body = show_body
        self._logger = logger or _logger
        self._history = history
        self._results: OrderedDict[str, SendResult] = OrderedDict()

    async def send(self, message: OutboundSms) -> SendResult:
        """Log ``message`` (without its body unless ``show_body``) and return a ``sent`` result."""
        info = validate_outbound(message)
        result = SendResult(sid=new_message_sid(), status="sent", segments=info.segments)
        self._logger.info(
            "SMS %s to %s from %s: %d segment(s), %s",
            result.sid,
            mask_phone(message.to),
            mask_phone(message.from_),
            info.segments,
            info.encoding,
        )
        if self.show_body:
            self._logger.info("SMS %s body (development only): %s", result.sid, message.body)
        self._results[result.sid] = result
        while len(self._results) > self._history:
            self._results.popitem(last=False)
        return result

    async def fetch(self, sid: str) -> SendResult:
        """The result of a recently logged message.

        Raises:
            NotFound: no recent message has this sid.
        """
        try:
            return self._results[sid]
        except KeyError:
            raise NotFound(f"no message {sid}") from None
