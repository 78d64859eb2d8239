"""Contracts of the conversations feature: the repository and the live-update broker."""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from types import TracebackType
from typing import Protocol

from pa_core.conversations.models import Conversation, Message, NewMessage, SearchHit
from pa_core.conversations.search import SearchQuery
from pa_core.pagination import Page, PageRequest
from pa_core.profiles import KEEP, Keep

__all__ = ["ConversationRepository", "MessageBroker", "Subscription"]


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
