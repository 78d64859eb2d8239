"""An in-memory outbox: the email sender for tests, shipped for users' tests too."""

from __future__ import annotations

from collections.abc import Iterator

from pa_core.email.base import EmailMessage
from pa_core.email.delivery import delivery_failed

__all__ = ["MemoryOutbox"]


def _address(value: str) -> str:
    start, end = value.rfind("<"), value.rfind(">")
    if 0 <= start < end:
        value = value[start + 1 : end]
    return value.strip().casefold()


class MemoryOutbox:
    """Keeps every sent message in :attr:`messages`, oldest first.

    Set :attr:`failing` to make every send fail as a broken mail server would
    (logged, :class:`~pa_core.errors.ServiceUnavailable`, nothing kept).
    """

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        """The messages sent so far, oldest first."""
        self.failing = False
        """When true, :meth:`send` fails instead of keeping the message."""

    async def send(self, message: EmailMessage) -> None:
        """Keep ``message``; raise ``ServiceUnavailable`` instead while :attr:`failing`."""
        if self.failing:
            raise delivery_failed(message, "memory", "the outbox is set to fail")
        self.messages.append(message)

    def sent_to(self, address: str) -> list[EmailMessage]:
        """The messages sent to ``address`` (case-insensitive), oldest first."""
        wanted = _address(address)
        return [message for message in self.messages if _address(message.to) == wanted]

    def last_to(self, address: str) -> EmailMessage:
        """The latest message sent to ``address``.

        Raises:
            LookupError: nothing was sent to ``address``.
        """
        sent = self.sent_to(address)
        if not sent:
            raise LookupError(f"no email was sent to {address}")
        return sent[-1]

    def clear(self) -> None:
        """Forget every message sent so far."""
        self.messages.clear()

    def __len__(self) -> int:
        return len(self.messages)

    def __iter__(self) -> Iterator[EmailMessage]:
        return iter(self.messages)
