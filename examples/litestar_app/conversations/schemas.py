"""Bodies of the conversations routes (``/api/v1/conversations``)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import UNSET, UnsetType

from examples.litestar_app.core.schemas import _In, rfc3339
from pa_core.conversations import Conversation, Message
from pa_core.pagination import Page

__all__ = [
    "ConversationIn",
    "ConversationOut",
    "ConversationPatchIn",
    "ConversationsOut",
    "MessageIn",
    "MessageOut",
    "MessagesOut",
]

Title = Annotated[str, msgspec.Meta(max_length=200)]
Body = Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class ConversationIn(_In):
    """``POST /conversations``."""

    title: Title | None = None


class ConversationPatchIn(_In):
    """``PATCH /conversations/{id}``: rename (``null`` clears the title) and/or archive."""

    title: Title | UnsetType | None = UNSET
    archived: bool | UnsetType = UNSET


class ConversationOut(msgspec.Struct):
    """A conversation as the API shows it."""

    id: str
    title: str | None
    archived: bool
    created_at: str
    updated_at: str
    last_message_at: str | None

    @classmethod
    def of(cls, conversation: Conversation) -> ConversationOut:
        """From the library's conversation."""
        return cls(
            id=conversation.id,
            title=conversation.title,
            archived=conversation.archived,
            created_at=rfc3339(conversation.created_at) or "",
            updated_at=rfc3339(conversation.updated_at) or "",
            last_message_at=rfc3339(conversation.last_message_at),
        )


class ConversationsOut(msgspec.Struct):
    """A page of conversations, newest activity first."""

    items: list[ConversationOut]
    next_cursor: str | None

    @classmethod
    def of(cls, page: Page[Conversation]) -> ConversationsOut:
        """From the library's page."""
        return cls([ConversationOut.of(c) for c in page.items], page.next_cursor)


class MessageIn(_In):
    """``POST /conversations/{id}/messages``."""

    body: Body
    reply_to: Id | None = None


class MessageOut(msgspec.Struct):
    """A message as the API shows it."""

    id: str
    conversation_id: str
    body: str
    direction: str
    channel: str
    reply_to: str | None
    created_at: str

    @classmethod
    def of(cls, message: Message) -> MessageOut:
        """From the library's message."""
        return cls(
            id=message.id,
            conversation_id=message.conversation_id,
            body=message.body,
            direction=message.direction.value,
            channel=message.channel.value,
            reply_to=message.reply_to,
            created_at=rfc3339(message.created_at) or "",
        )


class MessagesOut(msgspec.Struct):
    """A page of messages."""

    items: list[MessageOut]
    next_cursor: str | None

    @classmethod
    def of(cls, messages: list[Message], next_cursor: str | None) -> MessagesOut:
        """From the library's messages."""
        return cls([MessageOut.of(m) for m in messages], next_cursor)
