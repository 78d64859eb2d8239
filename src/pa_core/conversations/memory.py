"""In-process conversations and live updates: the embedded defaults and the test doubles."""

from __future__ import annotations

import builtins
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime, timedelta
from types import TracebackType

import anyio

from pa_core.conversations._cursors import cursor_id, cursor_instant, cursor_score, cursor_seq
from pa_core.conversations.base import Conversation, Message, NewMessage, SearchHit
from pa_core.conversations.search import SearchQuery
from pa_core.pagination import Page, PageRequest, decode_cursor, page_of
from pa_core.profiles import KEEP, Keep

__all__ = [
    "DEFAULT_SUBSCRIBER_BUFFER",
    "MemoryConversationRepository",
    "MemoryMessageBroker",
    "MemorySubscription",
]

DEFAULT_SUBSCRIBER_BUFFER = 1000
"""Messages held for one slow subscriber before the oldest are dropped."""


class MemoryConversationRepository:
    """Conversations and messages in dictionaries of this process."""

    def __init__(self) -> None:
        self._conversations: dict[str, Conversation] = {}
        self._messages: dict[str, list[Message]] = {}
        self._by_id: dict[str, Message] = {}

    def _owned(self, owner_id: str, conversation_id: str) -> Conversation | None:
        found = self._conversations.get(conversation_id)
        return found if found is not None and found.owner_id == owner_id else None

    async def add(self, conversation: Conversation) -> Conversation:
        """Insert a new conversation."""
        self._conversations[conversation.id] = conversation
        self._messages[conversation.id] = []
        return conversation

    async def get(self, owner_id: str, conversation_id: str) -> Conversation | None:
        """The owner's conversation."""
        return self._owned(owner_id, conversation_id)

    async def list(
        self, owner_id: str, page: PageRequest, *, archived: bool | None = None
    ) -> Page[Conversation]:
        """The owner's conversations, newest activity first."""
        rows = sorted(
            (
                c
                for c in self._conversations.values()
                if c.owner_id == owner_id and (archived is None or c.archived == archived)
            ),
            key=lambda c: (c.activity_at, c.id),
            reverse=True,
        )
        if page.cursor:
            at, cid = decode_cursor(page.cursor, 2)
            position = (cursor_instant(at), cursor_id(cid))
            rows = [c for c in rows if (c.activity_at, c.id) < position]
        return page_of(rows, page.limit, lambda c: [c.activity_at.isoformat(), c.id])

    async def update(
        self,
        owner_id: str,
        conversation_id: str,
        *,
        at: datetime,
        title: str | Keep | None = KEEP,
        archived: bool | Keep = KEEP,
    ) -> Conversation | None:
        """Change the given fields."""
        found = self._owned(owner_id, conversation_id)
        if found is None:
            return None
        if not isinstance(title, Keep):
            found = replace(found, title=title)
        if not isinstance(archived, Keep):
            found = replace(found, archived=archived)
        found = replace(found, updated_at=at)
        self._conversations[conversation_id] = found
        return found

    async def delete(self, owner_id: str, conversation_id: str) -> bool:
        """Delete the conversation and its messages."""
        if self._owned(owner_id, conversation_id) is None:
            return False
        del self._conversations[conversation_id]
        for message in self._messages.pop(conversation_id, []):
            self._by_id.pop(message.id, None)
        return True

    async def add_message(self, message: NewMessage) -> Message | None:
        """Store ``message`` with the next ``seq``."""
        found = self._owned(message.owner_id, message.conversation_id)
        if found is None:
            return None
        thread = self._messages[found.id]
        stored = Message.stored(message, len(thread) + 1)
        thread.append(stored)
        self._by_id[stored.id] = stored
        latest = found.last_message_at
        if latest is None or latest < message.created_at:
            latest = message.created_at
        self._conversations[found.id] = replace(
            found, last_message_at=latest, message_count=stored.seq
        )
        return stored

    async def get_message(self, owner_id: str, message_id: str) -> Message | None:
        """The owner's message."""
        found = self._by_id.get(message_id)
        return found if found is not None and found.owner_id == owner_id else None

    async def list_messages(
        self, owner_id: str, conversation_id: str, page: PageRequest
    ) -> Page[Message]:
        """The conversation's messages, oldest first."""
        after = 0
        if page.cursor:
            (after,) = decode_cursor(page.cursor, 1)
            after = cursor_seq(after)
        rows = await self.messages_after(owner_id, conversation_id, after, page.limit + 1)
        return page_of(rows, page.limit, lambda m: [m.seq])

    async def messages_after(
        self, owner_id: str, conversation_id: str, after_seq: int, limit: int
    ) -> builtins.list[Message]:
        """Messages with ``seq > after_seq``, oldest first."""
        if self._owned(owner_id, conversation_id) is None:
            return []
        thread = self._messages[conversation_id]
        return thread[max(after_seq, 0) : max(after_seq, 0) + limit]

    async def search(self, owner_id: str, query: SearchQuery, page: PageRequest) -> Page[SearchHit]:
        """The owner's matching messages, best first, then newest first."""
        hits = []
        for message in self._by_id.values():
            if message.owner_id != owner_id:
                continue
            score = query.score(message.body)
            if score > 0:
                hits.append(SearchHit(message, self._conversations[message.conversation_id], score))
        hits.sort(key=lambda h: (h.score, h.message.id), reverse=True)
        if page.cursor:
            score, mid = decode_cursor(page.cursor, 2)
            position = (cursor_score(score), cursor_id(mid))
            hits = [h for h in hits if (h.score, h.message.id) < position]
        return page_of(hits, page.limit, lambda h: [h.score, h.message.id])


class MemorySubscription:
    """A subscriber's queue in a :class:`MemoryMessageBroker`."""

    def __init__(self, broker: MemoryMessageBroker, conversation_id: str, buffer: int) -> None:
        self._broker = broker
        self._conversation_id = conversation_id
        self._queue: deque[Message] = deque(maxlen=buffer)
        self._ready = anyio.Event()

    def _put(self, message: Message) -> None:
        self._queue.append(message)  # a full deque drops its oldest entry
        self._ready.set()

    async def __aenter__(self) -> MemorySubscription:
        self._broker._subscribers.setdefault(self._conversation_id, set()).add(self)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        subscribers = self._broker._subscribers.get(self._conversation_id)
        if subscribers is not None:
            subscribers.discard(self)
            if not subscribers:
                del self._broker._subscribers[self._conversation_id]

    async def receive(self, wait: timedelta) -> Message | None:
        """The next message, or ``None`` after ``wait``."""
        if not self._queue:
            self._ready = anyio.Event()
            with anyio.move_on_after(wait.total_seconds()):
                await self._ready.wait()
        return self._queue.popleft() if self._queue else None

    async def __aiter__(self) -> AsyncIterator[Message]:
        while True:
            message = await self.receive(timedelta(days=1))
            if message is not None:
                yield message


class MemoryMessageBroker:
    """Publishes to subscribers of this process only (the embedded default)."""

    def __init__(self, buffer: int = DEFAULT_SUBSCRIBER_BUFFER) -> None:
        self.buffer = buffer
        self._subscribers: dict[str, set[MemorySubscription]] = {}

    async def publish(self, conversation_id: str, message: Message) -> None:
        """Queue ``message`` for every current subscriber of the conversation."""
        for subscriber in list(self._subscribers.get(conversation_id, ())):
            subscriber._put(message)

    def subscribe(self, conversation_id: str) -> MemorySubscription:
        """A subscription to the conversation."""
        return MemorySubscription(self, conversation_id, self.buffer)

    async def close(self) -> None:
        """Nothing to release."""
        self._subscribers.clear()
