"""Records text messages in the user's conversation, through ``pa_core``'s ConversationService."""

from __future__ import annotations

import asyncio

from pa_core.conversations import ConversationService
from pa_core.conversations.base import Channel, Direction
from pa_core.errors import NotFound
from pa_core.pagination import PageRequest
from pa_sms.agents import ConversationDirection

__all__ = ["SMS_CONVERSATION_TITLE", "ConversationServiceRecorder"]

SMS_CONVERSATION_TITLE = "Text messages"
"""Title of the conversation that holds a user's text messages."""

_PAGE = 100


class ConversationServiceRecorder:
    """A :class:`~pa_sms.agents.ConversationRecorder` writing to one conversation per user.

    The conversation titled :data:`SMS_CONVERSATION_TITLE` is found (or created on
    the first message) and remembered; if the user deletes it, the next message
    starts a new one.
    """

    def __init__(self, conversations: ConversationService, title: str = SMS_CONVERSATION_TITLE):
        self.conversations = conversations
        self.title = title
        self._known: dict[str, str] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def _conversation_of(self, user_id: str) -> str:
        known = self._known.get(user_id)
        if known is not None:
            return known
        cursor: str | None = None
        while True:
            page = await self.conversations.list(user_id, PageRequest(limit=_PAGE, cursor=cursor))
            for conversation in page.items:
                if conversation.title == self.title and not conversation.archived:
                    self._known[user_id] = conversation.id
                    return conversation.id
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        created = await self.conversations.create(user_id, self.title)
        self._known[user_id] = created.id
        return created.id

    async def record(self, user_id: str, direction: ConversationDirection, body: str) -> None:
        """Append ``body`` as said ``in`` (by the user) or ``out`` (by the assistant)."""
        lock = self._locks.setdefault(user_id, asyncio.Lock())
        async with lock:
            for _ in range(2):
                conversation_id = await self._conversation_of(user_id)
                try:
                    await self.conversations.post_message(
                        user_id,
                        conversation_id,
                        body,
                        direction=Direction(direction),
                        channel=Channel.SMS,
                    )
                    return
                except NotFound:
                    # Deleted since we remembered it: find or start another.
                    self._known.pop(user_id, None)
