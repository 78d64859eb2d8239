"""``/api/v1/conversations``: the caller's conversations, messages, search and live updates."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Annotated

import msgspec
from litestar import Controller, Request, delete, get, patch, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage

from examples.litestar_app.conversations import providers
from examples.litestar_app.conversations.schemas import (
    ConversationIn,
    ConversationOut,
    ConversationPatchIn,
    ConversationsOut,
    MessageIn,
    MessageOut,
    MessagesOut,
)
from pa_core.audit import AuditContext
from pa_core.auth import Principal
from pa_core.conversations import ConversationService, Heartbeat, MessageStream
from pa_core.errors import PAError
from pa_core.pagination import DEFAULT_LIMIT, PageRequest
from pa_core.profiles import KEEP
from pa_core.sessions import SessionService

__all__ = ["ConversationsController"]

logger = logging.getLogger(__name__)

Limit = Annotated[int, QueryParameter(description="page size, 1..100")]
Cursor = Annotated[str | None, QueryParameter(max_length=512)]
RECONNECT_MILLISECONDS = 3000
"""The ``retry`` hint sent to EventSource clients."""


async def _events(stream: MessageStream) -> AsyncIterator[ServerSentEventMessage]:
    """The SSE messages of a stream; it ends by itself when the caller's session or token does."""
    yield ServerSentEventMessage(data=None, comment="connected", retry=RECONNECT_MILLISECONDS)
    try:
        async for item in stream:
            if isinstance(item, Heartbeat):
                yield ServerSentEventMessage(data=None, comment="heartbeat")
                continue
            yield ServerSentEventMessage(
                data=msgspec.json.encode(MessageOut.of(item)).decode(),
                event="message",
                id=item.id,
            )
    except PAError as exc:
        # A lost backend ends the stream; the client reconnects with Last-Event-ID
        # (and authenticates again) and misses nothing.
        logger.info("event stream ended: %s", exc.code)
        return
    logger.info("event stream ended: %s", stream.ended)


class ConversationsController(Controller):
    """The caller's conversations; another user's conversation answers ``404``."""

    path = "/api/v1/conversations"
    tags = ["conversations"]
    dependencies = providers.dependencies

    @post("/", summary="Start a conversation", status_code=201)
    async def create(
        self,
        data: JSONBody[ConversationIn],
        principal: NamedDependency[Principal],
        conversations: NamedDependency[ConversationService],
        audit_context: NamedDependency[AuditContext],
    ) -> ConversationOut:
        """A new conversation of the caller."""
        conversation = await conversations.create(
            principal.user_id, data.title, context=audit_context
        )
        return ConversationOut.of(conversation)

    @get("/", summary="The caller's conversations, newest activity first")
    async def list_conversations(
        self,
        principal: NamedDependency[Principal],
        conversations: NamedDependency[ConversationService],
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
        archived: Annotated[bool | None, QueryParameter()] = None,
    ) -> ConversationsOut:
        """Paginated; ``archived=true|false`` filters."""
        page = await conversations.list(
            principal.user_id, PageRequest(limit, cursor), archived=archived
        )
        return ConversationsOut.of(page)

    @get("/search", summary="Search the caller's messages")
    async def search(
        self,
        principal: NamedDependency[Principal],
        conversations: NamedDependency[ConversationService],
        q: Annotated[str, QueryParameter(max_length=1000)],
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> MessagesOut:
        """Messages matching the words (``"a phrase"``, ``or``, ``-word``), best match first."""
        page = await conversations.search(principal.user_id, q, PageRequest(limit, cursor))
        return MessagesOut.of([hit.message for hit in page.items], page.next_cursor)

    @get("/{conversation_id:str}", summary="One conversation")
    async def get_conversation(
        self,
        conversation_id: FromPath[str],
        principal: NamedDependency[Principal],
        conversations: NamedDependency[ConversationService],
    ) -> ConversationOut:
        """The conversation, or ``404``."""
        conversation = await conversations.get(principal.user_id, conversation_id)
        return ConversationOut.of(conversation)

    @patch("/{conversation_id:str}", summary="Rename or archive a conversation")
    async def update(
        self,
        conversation_id: FromPath[str],
        data: JSONBody[ConversationPatchIn],
        principal: NamedDependency[Principal],
        conversations: NamedDependency[ConversationService],
        audit_context: NamedDependency[AuditContext],
    ) -> ConversationOut:
        """Only the given fields change."""
        conversation = await conversations.update(
            principal.user_id,
            conversation_id,
            title=KEEP if data.title is msgspec.UNSET else data.title,
            archived=KEEP if data.archived is msgspec.UNSET else data.archived,
            context=audit_context,
        )
        return ConversationOut.of(conversation)

    @delete("/{conversation_id:str}", summary="Delete a conversation and its messages")
    async def delete_conversation(
        self,
        conversation_id: FromPath[str],
        principal: NamedDependency[Principal],
        conversations: NamedDependency[ConversationService],
        audit_context: NamedDependency[AuditContext],
    ) -> None:
        """``204``; the messages go with it."""
        await conversations.delete(principal.user_id, conversation_id, context=audit_context)

    @post(
        "/{conversation_id:str}/messages",
        summary="Say something to the assistant",
        status_code=201,
    )
    async def post_message(
        self,
        conversation_id: FromPath[str],
        data: JSONBody[MessageIn],
        principal: NamedDependency[Principal],
        conversations: NamedDependency[ConversationService],
    ) -> MessageOut:
        """A message from the user (``direction: in``, ``channel: web``)."""
        message = await conversations.post_message(
            principal.user_id, conversation_id, data.body, reply_to=data.reply_to
        )
        return MessageOut.of(message)

    @get("/{conversation_id:str}/messages", summary="The conversation's messages, oldest first")
    async def list_messages(
        self,
        conversation_id: FromPath[str],
        principal: NamedDependency[Principal],
        conversations: NamedDependency[ConversationService],
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> MessagesOut:
        """Paginated; paging never skips or repeats a message while others are added."""
        page = await conversations.messages(
            principal.user_id, conversation_id, PageRequest(limit, cursor)
        )
        return MessagesOut.of(list(page.items), page.next_cursor)

    @get(
        "/{conversation_id:str}/events",
        summary="Live updates (Server-Sent Events)",
        description=(
            "One `message` event per new message (its `id` is the message id; the data is "
            "the message object), a comment heartbeat when quiet. Send `Last-Event-ID` to "
            "receive what was missed first."
        ),
    )
    async def events(
        self,
        conversation_id: FromPath[str],
        request: Request[object, object, State],
        principal: NamedDependency[Principal],
        conversations: NamedDependency[ConversationService],
        sessions: NamedDependency[SessionService],
        heartbeat: NamedDependency[timedelta],
    ) -> ServerSentEvent:
        """``404`` before streaming when the conversation is not the caller's."""
        stream = await conversations.open_stream(
            principal.user_id,
            conversation_id,
            watch=sessions.watch(
                principal.session_id, user_id=principal.user_id, until=principal.expires_at
            ),
            last_event_id=request.headers.get("last-event-id"),
            heartbeat=heartbeat,
        )
        return ServerSentEvent(_events(stream))
