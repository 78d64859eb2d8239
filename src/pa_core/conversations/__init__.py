"""Conversations between a user and the assistant: threads, messages, search and live updates.

The Redis broker is in :mod:`pa_core.conversations.redis` and the SQL
repository in :mod:`pa_core.conversations.sqlalchemy` (tables in
:mod:`pa_core.conversations.models`); neither is imported
here, so this package needs no optional dependency.
"""

from pa_core.conversations.base import (
    MAX_BODY_LENGTH,
    MAX_TITLE_LENGTH,
    Channel,
    Conversation,
    ConversationRepository,
    Direction,
    Heartbeat,
    Message,
    MessageBroker,
    NewMessage,
    SearchHit,
    Subscription,
)
from pa_core.conversations.memory import (
    MemoryConversationRepository,
    MemoryMessageBroker,
    MemorySubscription,
)
from pa_core.conversations.search import SearchQuery
from pa_core.conversations.service import DEFAULT_HEARTBEAT, ConversationService, MessageStream

__all__ = [
    "DEFAULT_HEARTBEAT",
    "MAX_BODY_LENGTH",
    "MAX_TITLE_LENGTH",
    "Channel",
    "Conversation",
    "ConversationRepository",
    "ConversationService",
    "Direction",
    "Heartbeat",
    "MemoryConversationRepository",
    "MemoryMessageBroker",
    "MemorySubscription",
    "Message",
    "MessageBroker",
    "MessageStream",
    "NewMessage",
    "SearchHit",
    "SearchQuery",
    "Subscription",
]
