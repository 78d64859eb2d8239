"""Conversations and their messages, as the library hands them out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pa_core.errors import ValidationFailed
from pa_core.preferences import Channel

__all__ = [
    "MAX_BODY_LENGTH",
    "MAX_TITLE_LENGTH",
    "Channel",
    "Conversation",
    "Direction",
    "Heartbeat",
    "Message",
    "NewMessage",
    "SearchHit",
    "message_from_dict",
    "message_to_dict",
    "validate_body",
    "validate_title",
]

MAX_BODY_LENGTH = 4000
"""Longest message body, in characters."""
MAX_TITLE_LENGTH = 200
"""Longest conversation title, in characters."""


class Direction(StrEnum):
    """Who speaks: ``in`` is the user to the assistant, ``out`` the assistant to the user."""

    IN = "in"
    OUT = "out"


@dataclass(frozen=True, slots=True)
class Conversation:
    """A thread of messages between one user (its owner) and the assistant.

    ``activity_at`` is ``last_message_at``, or ``created_at`` before the first
    message: lists are ordered by it, newest first. ``message_count`` is also
    the ``seq`` of the newest message.
    """

    id: str
    owner_id: str
    title: str | None
    archived: bool
    created_at: datetime
    updated_at: datetime
    last_message_at: datetime | None = None
    message_count: int = 0

    @property
    def activity_at(self) -> datetime:
        """When something last happened in the conversation."""
        return self.last_message_at or self.created_at


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message about to be stored (its ``seq`` is assigned by the repository)."""

    id: str
    conversation_id: str
    owner_id: str
    body: str
    direction: Direction
    channel: Channel
    created_at: datetime
    reply_to: str | None = None


@dataclass(frozen=True, slots=True)
class Message:
    """A stored message.

    ``seq`` numbers the messages of one conversation 1, 2, 3... in the order
    their transactions committed: paging and live delivery follow it, so a
    reader never skips or repeats a message while others are added.
    """

    id: str
    conversation_id: str
    owner_id: str
    seq: int
    body: str
    direction: Direction
    channel: Channel
    created_at: datetime
    reply_to: str | None = None

    @classmethod
    def stored(cls, new: NewMessage, seq: int) -> Message:
        """The stored form of ``new`` with its sequence number."""
        return cls(
            id=new.id,
            conversation_id=new.conversation_id,
            owner_id=new.owner_id,
            seq=seq,
            body=new.body,
            direction=new.direction,
            channel=new.channel,
            created_at=new.created_at,
            reply_to=new.reply_to,
        )


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One search result: the message, its conversation, and how well it matched (higher first).

    Scores compare only within one search on one backend.
    """

    message: Message
    conversation: Conversation
    score: float


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """Yielded by a live stream after a quiet spell, so that proxies do not hang up."""


def validate_body(body: object) -> str:
    """A message body of 1..4,000 characters that is not blank; ``validation_error`` on ``body``."""
    if not isinstance(body, str) or not body.strip():
        raise ValidationFailed.for_field("body", "must not be empty")
    if len(body) > MAX_BODY_LENGTH:
        raise ValidationFailed.for_field("body", f"must be at most {MAX_BODY_LENGTH} characters")
    if "\x00" in body:
        raise ValidationFailed.for_field("body", "must not contain NUL characters")
    return body


def validate_title(title: object) -> str | None:
    """A one-line title of at most 200 characters (blank or ``None`` clears it)."""
    if title is None:
        return None
    if not isinstance(title, str):
        raise ValidationFailed.for_field("title", "must be text")
    title = title.strip()
    if any(ch in title for ch in "\x00\r\n"):
        raise ValidationFailed.for_field("title", "must be one line of text")
    if len(title) > MAX_TITLE_LENGTH:
        raise ValidationFailed.for_field("title", f"must be at most {MAX_TITLE_LENGTH} characters")
    return title or None


def message_to_dict(message: Message) -> dict[str, Any]:
    """A JSON-able form of ``message`` (for brokers between processes)."""
    return {
        "id": message.id,
        "conversation_id": message.conversation_id,
        "owner_id": message.owner_id,
        "seq": message.seq,
        "body": message.body,
        "direction": message.direction.value,
        "channel": message.channel.value,
        "created_at": message.created_at.isoformat(),
        "reply_to": message.reply_to,
    }


def message_from_dict(data: dict[str, Any]) -> Message:
    """The inverse of :func:`message_to_dict`."""
    return Message(
        id=str(data["id"]),
        conversation_id=str(data["conversation_id"]),
        owner_id=str(data["owner_id"]),
        seq=int(data["seq"]),
        body=str(data["body"]),
        direction=Direction(data["direction"]),
        channel=Channel(data["channel"]),
        created_at=datetime.fromisoformat(data["created_at"]),
        reply_to=None if data.get("reply_to") is None else str(data["reply_to"]),
    )
