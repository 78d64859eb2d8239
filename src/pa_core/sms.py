"""The outbound text-message contract ``pa_core`` needs (MFA codes); ``pa_sms`` implements it."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["SmsSender"]


@runtime_checkable
class SmsSender(Protocol):
    """Sends one text message to an E.164 number.

    Implementations raise a :class:`pa_core.errors.PAError` subclass when the
    message cannot be handed over, and never log ``body`` (it may hold a code).
    """

    async def send_text(self, to: str, body: str) -> str:
        """Send ``body`` to ``to`` and return the provider's message id."""
        ...
