"""Contracts of the conversations feature: value types, the repository, the live-update broker."""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from types import TracebackType
from typing import Protocol

from pa_core.conversations.search import SearchQuery
from pa_core.pagination import Page, PageRequest
from pa_core.preferences.base import Channel
from pa_core.profiles import KEEP, Keep

__all__ = [
    "MAX_BODY_LENGTH",
    "MAX_TITLE_LENGTH",
    "Channel",
    "Conversation",
    "ConversationRepository",
    "Direction",
    "Heartbeat",
    "Message",
    "MessageBroker",
    "NewMessage",
    "SearchHit",
    "Subscription",
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


class ConversationRepository(Protocol):
    """Stores conversations and messages; every query is scoped to one owner.

    Each method takes ``owner_id`` and never sees, changes or counts another
    user's rows: a conversation of someone else behaves exactly like one that
    does not exist. Messages of one conversation are numbered by ``seq`` in
    commit order. Raises :class:`pa_core.errors.ServiceUnavailable` when the
    backend is unreachable.
    """

    async def add(self, conversation: Conversation) -> Conversation:
        """Insert a new conversation and return it."""
        ...

    async def get(self, owner_id: str, conversation_id: str) -> Conversation | None:
        """The owner's conversation, or ``None``."""
        ...

    async def list(
        self, owner_id: str, page: PageRequest, *, archived: bool | None = None
    ) -> Page[Conversation]:
        """The owner's conversations, newest activity first (keyset on activity time, id)."""
        ...

    async def update(
        self,
        owner_id: str,
        conversation_id: str,
        *,
        at: datetime,
        title: str | Keep | None = KEEP,
        archived: bool | Keep = KEEP,
    ) -> Conversation | None:
        """Change the given fields (``updated_at`` becomes ``at``); ``None`` if not the owner's."""
        ...

    async def delete(self, owner_id: str, conversation_id: str) -> bool:
        """Delete the conversation and its messages; whether it existed for this owner."""
        ...

    async def add_message(self, message: NewMessage) -> Message | None:
        """Store ``message`` with the next ``seq`` of its conversation, atomically.

        The conversation's ``last_message_at`` moves to the message's time (never
        backwards). ``None`` when the conversation is not ``message.owner_id``'s.
        """
        ...

    async def get_message(self, owner_id: str, message_id: str) -> Message | None:
        """The owner's message, or ``None``."""
        ...

    async def list_messages(
        self, owner_id: str, conversation_id: str, page: PageRequest
    ) -> Page[Message]:
        """The conversation's messages, oldest first (keyset on ``seq``)."""
        ...

    async def messages_after(
        self, owner_id: str, conversation_id: str, after_seq: int, limit: int
    ) -> builtins.list[Message]:
        """At most ``limit`` messages with ``seq > after_seq``, oldest first."""
        ...

    async def search(self, owner_id: str, query: SearchQuery, page: PageRequest) -> Page[SearchHit]:
        """The owner's messages matching ``query``, best match first, then newest first."""
        ...


class Subscription(Protocol):
    """Messages published to one conversation after the subscription was entered.

    Use it as ``async with broker.subscribe(cid) as sub``: once entered, nothing
    published afterwards is missed (unless the subscriber falls too far behind,
    when the oldest undelivered messages are dropped; readers notice the gap in
    ``seq`` and catch up from the repository).
    """

    async def __aenter__(self) -> Subscription:
        """Subscribe; returns when the subscription is live."""
        ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Unsubscribe and release the connection."""
        ...

    async def receive(self, wait: timedelta) -> Message | None:
        """The next message, or ``None`` when none came within ``wait``."""
        ...

    def __aiter__(self) -> AsyncIterator[Message]:
        """Every message, as it comes."""
        ...


class MessageBroker(Protocol):
    """Fans a new message out to every live subscriber of its conversation, in any process."""

    async def publish(self, conversation_id: str, message: Message) -> None:
        """Deliver ``message`` to the conversation's current subscribers."""
        ...

    def subscribe(self, conversation_id: str) -> Subscription:
        """A subscription to the conversation (enter it to start receiving)."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
