"""A sender that prints each message to a stream: for development only.

Printing the whole message, links and tokens included, is the point: a developer
follows the verification link from the terminal. ``PA_ENV=production`` refuses this
backend (:meth:`pa_core.config.Settings.check_production`).
"""

from __future__ import annotations

import sys
from typing import TextIO

from pa_core.email.base import EmailMessage
from pa_core.email.delivery import delivery_failed

__all__ = ["ConsoleEmailSender"]

_RULE = "-" * 72


class ConsoleEmailSender:
    """Writes each message (headers and plain-text body) to ``stream``.

    Args:
        stream: where to write; standard output (looked up at each send) by default.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def render(self, message: EmailMessage) -> str:
        """The text written for ``message``."""
        lines = [
            _RULE,
            "Email (console backend, development only: not sent)",
            f"To: {message.to}",
            f"Subject: {message.subject}",
            *(f"{name}: {value}" for name, value in message.headers.items()),
        ]
        if message.html is not None:
            lines.append(f"(an HTML alternative of {len(message.html)} characters is not shown)")
        lines += ["", message.text.rstrip("\n"), _RULE, ""]
        return "\n".join(lines)

    async def send(self, message: EmailMessage) -> None:
        """Write ``message`` to the stream.

        Raises:
            ServiceUnavailable: the stream cannot be written (closed, broken pipe).
        """
        stream = self._stream if self._stream is not None else sys.stdout
        try:
            stream.write(self.render(message))
            stream.flush()
        except (OSError, ValueError) as exc:
            raise delivery_failed(message, "console", f"{type(exc).__name__}: {exc}") from exc
