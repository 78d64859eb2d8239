"""The assistant behind each number: the agent contract, the per-user registry, the default agent.

An :class:`AgentHandler` gets each inbound message of a user and may return a
reply; the router sends that reply through the outbound queue (never inside
the webhook's answer). :class:`AgentRegistry` picks the handler per user, with
one default. :class:`DefaultAgent` is the reference app's assistant until the
full one lands: it records every message in the user's conversation (channel
``sms``) through a :class:`ConversationRecorder` and answers each one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from pa_sms.keywords import DEFAULT_HELP_TEXT, Keyword
from pa_sms.records.base import PhoneNumber
from pa_sms.webhooks import InboundSms

__all__ = [
    "DEFAULT_ACKNOWLEDGEMENT",
    "SMS_CHANNEL",
    "AgentContext",
    "AgentHandler",
    "AgentRegistry",
    "ConversationDirection",
    "ConversationRecorder",
    "DefaultAgent",
    "MemoryConversationRecorder",
    "RecordedMessage",
]

DEFAULT_ACKNOWLEDGEMENT = "Got it. I'll take it from here."
"""The default agent's answer to an ordinary message."""
SMS_CHANNEL = "sms"
"""The channel name of messages that came or went by SMS."""

ConversationDirection = Literal["in", "out"]
"""``in``: the user to the assistant; ``out``: the assistant to the user."""


@runtime_checkable
class ConversationRecorder(Protocol):
    """Writes one message into the user's conversation (channel ``sms``)."""

    async def record(self, user_id: str, direction: ConversationDirection, body: str) -> None:
        """Append ``body`` to ``user_id``'s conversation as said ``in`` or ``out``."""
        ...


@dataclass(frozen=True, slots=True, repr=False)
class RecordedMessage:
    """One message kept by :class:`MemoryConversationRecorder`."""

    user_id: str
    direction: ConversationDirection
    body: str
    channel: str = SMS_CHANNEL

    def __repr__(self) -> str:
        return (
            f"RecordedMessage(user_id={self.user_id!r}, direction={self.direction!r}, "
            f"body=<{len(self.body)} chars>)"
        )


class MemoryConversationRecorder:
    """Keeps conversation messages in a list: for tests and until conversations are wired."""

    def __init__(self) -> None:
        self.messages: list[RecordedMessage] = []

    async def record(self, user_id: str, direction: ConversationDirection, body: str) -> None:
        """See :meth:`ConversationRecorder.record`."""
        self.messages.append(RecordedMessage(user_id, direction, body))

    def of(self, user_id: str) -> list[RecordedMessage]:
        """The messages recorded for ``user_id``, oldest first."""
        return [m for m in self.messages if m.user_id == user_id]


@dataclass(frozen=True, slots=True)
class AgentContext:
    """What the router knows about an inbound message besides its text."""

    user_id: str
    number: PhoneNumber
    keyword: Keyword | None = None
    """``Keyword.HELP`` for HELP/INFO (the reply is sent even to an opted-out handset)."""
    opted_out: bool = False
    """Whether the handset opted out of this number (an ordinary reply will not be sent)."""


@runtime_checkable
class AgentHandler(Protocol):
    """Answers a user's text messages."""

    async def handle(self, message: InboundSms, context: AgentContext) -> str | None:
        """Deal with ``message``; return the reply to text back, or ``None`` for none."""
        ...


class AgentRegistry:
    """Which :class:`AgentHandler` serves which user; everyone else gets the default."""

    def __init__(self, default: AgentHandler) -> None:
        self.default = default
        self._by_user: dict[str, AgentHandler] = {}

    def register(self, user_id: str, handler: AgentHandler) -> None:
        """Serve ``user_id`` with ``handler`` from now on."""
        self._by_user[user_id] = handler

    def unregister(self, user_id: str) -> None:
        """Serve ``user_id`` with the default again."""
        self._by_user.pop(user_id, None)

    def for_user(self, user_id: str) -> AgentHandler:
        """The handler serving ``user_id``."""
        return self._by_user.get(user_id, self.default)


class DefaultAgent:
    """Records each message in the user's conversation and answers it.

    HELP and INFO get ``help_text``; anything else ``acknowledgement``.
    """

    def __init__(
        self,
        recorder: ConversationRecorder,
        *,
        help_text: str = DEFAULT_HELP_TEXT,
        acknowledgement: str = DEFAULT_ACKNOWLEDGEMENT,
    ) -> None:
        self.recorder = recorder
        self.help_text = help_text
        self.acknowledgement = acknowledgement

    async def handle(self, message: InboundSms, context: AgentContext) -> str | None:
        """See :meth:`AgentHandler.handle`."""
        await self.recorder.record(context.user_id, "in", message.body)
        reply = self.help_text if context.keyword is Keyword.HELP else self.acknowledgement
        await self.recorder.record(context.user_id, "out", reply)
        return reply
