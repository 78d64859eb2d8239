"""The conversations service: every rule of conversations, messages, search and live updates."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import TYPE_CHECKING

import anyio

from pa_core.audit.base import AuditContext
from pa_core.audit.recorder import AuditRecorder
from pa_core.clock import Clock
from pa_core.conversations.base import (
    Channel,
    Conversation,
    ConversationRepository,
    Direction,
    Heartbeat,
    Message,
    MessageBroker,
    NewMessage,
    SearchHit,
)
from pa_core.conversations.search import SearchQuery
from pa_core.conversations.validation import validate_body, validate_title
from pa_core.errors import NotFound, ServiceUnavailable, ValidationFailed
from pa_core.ids import new_id
from pa_core.pagination import Page, PageRequest
from pa_core.profiles import KEEP, Keep

if TYPE_CHECKING:
    from pa_core.sessions.watch import SessionWatch

__all__ = [
    "CATCH_UP_BATCH",
    "DEFAULT_HEARTBEAT",
    "ConversationService",
    "MessageStream",
]

logger = logging.getLogger(__name__)

DEFAULT_HEARTBEAT = timedelta(seconds=15)
"""A live stream says something at least this often (below common proxy idle timeouts)."""
CATCH_UP_BATCH = 100
"""Messages read from the repository at a time when a stream replays or catches up."""

_HEARTBEAT = Heartbeat()


class ConversationService:
    """Conversations of one owner at a time: every method takes ``owner_id`` and checks it.

    A conversation that exists but belongs to someone else raises
    :class:`~pa_core.errors.NotFound`, exactly like one that does not exist.
    """

    def __init__(
        self,
        repository: ConversationRepository,
        broker: MessageBroker,
        clock: Clock,
        audit: AuditRecorder | None = None,
    ) -> None:
        self.repository = repository
        self.broker = broker
        self.clock = clock
        self.audit = audit

    async def _audit(
        self, action: str, owner_id: str, conversation_id: str, context: AuditContext | None
    ) -> None:
        if self.audit is not None:
            await self.audit.record(
                action,
                actor_id=owner_id,
                target_type="conversation",
                target_id=conversation_id,
                context=context,
            )

    async def create(
        self, owner_id: str, title: str | None = None, *, context: AuditContext | None = None
    ) -> Conversation:
        """Start a conversation (``title`` optional, at most 200 characters, one line)."""
        now = self.clock.now()
        conversation = Conversation(
            id=new_id(now),
            owner_id=owner_id,
            title=validate_title(title),
            archived=False,
            created_at=now,
            updated_at=now,
        )
        await self.repository.add(conversation)
        await self._audit("conversation.create", owner_id, conversation.id, context)
        return conversation

    async def list(
        self, owner_id: str, page: PageRequest, *, archived: bool | None = None
    ) -> Page[Conversation]:
        """The owner's conversations, newest activity first; ``archived`` filters when given.

        Paging is by keyset on (activity time, id): a page never repeats a
        conversation already listed. A conversation that gets a new message
        while someone pages moves to the top, so that pass may not reach it;
        starting again from the first page shows it first.
        """
        return await self.repository.list(owner_id, page, archived=archived)

    async def get(self, owner_id: str, conversation_id: str) -> Conversation:
        """The owner's conversation, or ``NotFound``."""
        conversation = await self.repository.get(owner_id, conversation_id)
        if conversation is None:
            raise NotFound()
        return conversation

    async def update(
        self,
        owner_id: str,
        conversation_id: str,
        *,
        title: str | Keep | None = KEEP,
        archived: bool | Keep = KEEP,
        context: AuditContext | None = None,
    ) -> Conversation:
        """Rename and/or archive (or unarchive); only the given fields change."""
        if not isinstance(title, Keep):
            title = validate_title(title)
        if not isinstance(archived, Keep | bool):
            raise ValidationFailed.for_field("archived", "must be true or false")
        updated = await self.repository.update(
            owner_id, conversation_id, at=self.clock.now(), title=title, archived=archived
        )
        if updated is None:
            raise NotFound()
        return updated

    async def delete(
        self, owner_id: str, conversation_id: str, *, context: AuditContext | None = None
    ) -> None:
        """Delete the conversation and all its messages, or ``NotFound``."""
        if not await self.repository.delete(owner_id, conversation_id):
            raise NotFound()
        await self._audit("conversation.delete", owner_id, conversation_id, context)

    async def post_message(
        self,
        owner_id: str,
        conversation_id: str,
        body: str,
        *,
        direction: Direction = Direction.IN,
        channel: Channel = Channel.WEB,
        reply_to: str | None = None,
    ) -> Message:
        """Add a message and push it to every live stream of the conversation.

        Raises:
            ValidationFailed: a blank or too long ``body``, or a ``reply_to``
                that is not a message of this conversation.
            NotFound: the conversation is not the owner's.
        """
        body = validate_body(body)
        if reply_to is not None:
            parent = await self.repository.get_message(owner_id, reply_to)
            if parent is None or parent.conversation_id != conversation_id:
                raise ValidationFailed.for_field(
                    "reply_to", "must be a message of this conversation"
                )
        now = self.clock.now()
        stored = await self.repository.add_message(
            NewMessage(
                id=new_id(now),
                conversation_id=conversation_id,
                owner_id=owner_id,
                body=body,
                direction=Direction(direction),
                channel=Channel(channel),
                created_at=now,
                reply_to=reply_to,
            )
        )
        if stored is None:
            raise NotFound()
        try:
            await self.broker.publish(conversation_id, stored)
        except ServiceUnavailable:
            # The message is stored; streams catch up with the next message or on reconnect.
            logger.warning("live update not published for conversation %s", conversation_id)
        return stored

    async def messages(
        self, owner_id: str, conversation_id: str, page: PageRequest
    ) -> Page[Message]:
        """The conversation's messages, oldest first.

        Paging is by keyset on ``seq``, which follows commit order: a reader
        never skips or repeats a message, however many are added meanwhile.
        """
        await self.get(owner_id, conversation_id)
        return await self.repository.list_messages(owner_id, conversation_id, page)

    async def search(self, owner_id: str, text: str, page: PageRequest) -> Page[SearchHit]:
        """The owner's messages matching ``text`` (websearch syntax), best match first."""
        return await self.repository.search(owner_id, SearchQuery.parse(text), page)

    async def open_stream(
        self,
        owner_id: str,
        conversation_id: str,
        *,
        watch: SessionWatch | None,
        last_event_id: str | None = None,
        heartbeat: timedelta = DEFAULT_HEARTBEAT,
    ) -> MessageStream:
        """A live stream of the conversation's new messages (``NotFound`` before anything starts).

        With ``last_event_id`` (the id of the last message a client saw), the
        messages after it are replayed first. An id that is not a message of
        this conversation is ignored: the stream starts with what comes next.

        Args:
            watch: The caller's session and token
                (:meth:`SessionService.watch <pa_core.sessions.SessionService.watch>`):
                the stream checks it before every message and at least every
                :data:`~pa_core.sessions.WATCH_INTERVAL`, and ends when the
                session is revoked or the token expires, however busy the
                conversation. ``None`` only for a trusted reader with no session
                (a worker, a test); it must be given explicitly.
        """
        if watch is not None and watch.user_id != owner_id:
            raise ValueError("the watched session must be the owner's")
        await self.get(owner_id, conversation_id)
        after: int | None = None
        if last_event_id:
            seen = await self.repository.get_message(owner_id, last_event_id)
            if seen is not None and seen.conversation_id == conversation_id:
                after = seen.seq
        return MessageStream(self, owner_id, conversation_id, after, heartbeat, watch)


class MessageStream:
    """Iterate to receive each new message once, in order, with a :class:`Heartbeat` when quiet.

    It subscribes first and reads the repository second, so nothing falls in
    between; a gap in ``seq`` (a slow subscriber, or two processes publishing
    out of order) is filled from the repository. The stream ends (and
    :attr:`ended` says why) when the conversation is deleted (noticed at a
    heartbeat), and, with a :class:`~pa_core.sessions.SessionWatch`, as soon as
    the session is revoked or the token expires: nothing is delivered after that.
    """

    def __init__(
        self,
        service: ConversationService,
        owner_id: str,
        conversation_id: str,
        after_seq: int | None,
        heartbeat: timedelta,
        watch: SessionWatch | None = None,
    ) -> None:
        self.service = service
        self.owner_id = owner_id
        self.conversation_id = conversation_id
        self.after_seq = after_seq
        self.heartbeat = heartbeat
        self.watch = watch
        self.ended: str | None = None
        """Why it ended: ``conversation_deleted``, ``session_ended`` or ``token_expired``."""

    async def _may_deliver(self) -> bool:
        if self.watch is None or await self.watch.alive():
            return True
        self.ended = self.watch.ended
        return False

    def _wait(self, wanted: timedelta) -> timedelta:
        return wanted if self.watch is None else self.watch.wait_for(wanted)

    async def _after(self, seq: int) -> AsyncIterator[Message]:
        repository = self.service.repository
        while True:
            batch = await repository.messages_after(
                self.owner_id, self.conversation_id, seq, CATCH_UP_BATCH
            )
            for message in batch:
                yield message
                seq = message.seq
            if len(batch) < CATCH_UP_BATCH:
                return

    async def __aiter__(self) -> AsyncIterator[Message | Heartbeat]:
        service = self.service
        beat = self.heartbeat.total_seconds()
        async with service.broker.subscribe(self.conversation_id) as subscription:
            conversation = await service.repository.get(self.owner_id, self.conversation_id)
            if conversation is None:
                self.ended = "conversation_deleted"
                return
            if not await self._may_deliver():
                return
            last = conversation.message_count if self.after_seq is None else self.after_seq
            async for message in self._after(last):
                if not await self._may_deliver():
                    return
                last = message.seq
                yield message
            quiet_since = anyio.current_time()
            while True:
                left = timedelta(seconds=quiet_since + beat - anyio.current_time())
                received = await subscription.receive(self._wait(left))
                if not await self._may_deliver():
                    return
                if received is None:
                    if anyio.current_time() - quiet_since < beat:
                        continue  # woke up only to check the session
                    if await service.repository.get(self.owner_id, self.conversation_id) is None:
                        self.ended = "conversation_deleted"
                        return
                    yield _HEARTBEAT
                    quiet_since = anyio.current_time()
                    continue
                if received.seq > last + 1:
                    # Something was missed: the repository has it (it commits before publishing).
                    async for message in self._after(last):
                        if not await self._may_deliver():
                            return
                        last = message.seq
                        yield message
                        quiet_since = anyio.current_time()
                if received.seq <= last:
                    continue
                last = received.seq
                yield received
                quiet_since = anyio.current_time()
