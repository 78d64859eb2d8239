"""SQLAlchemy implementation of :class:`~pa_core.conversations.ConversationRepository`.

Every statement filters on ``owner_id``. Adding a message bumps the
conversation's ``last_seq`` with one ``UPDATE ... RETURNING`` that also locks
the conversation row until commit, so the numbers of one conversation follow
commit order and a reader paging by ``seq`` never skips a message that commits
late. Search uses PostgreSQL full-text search (a stored ``to_tsvector('simple', body)``
under a GIN index, ``websearch_to_tsquery``, ``ts_rank``) or SQLite FTS5 (``bm25``).
"""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    and_,
    case,
    cast,
    column,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    table,
    text,
    update,
)

from pa_core.conversations._cursors import cursor_id, cursor_instant, cursor_score, cursor_seq
from pa_core.conversations.base import (
    Channel,
    Conversation,
    Direction,
    Message,
    NewMessage,
    SearchHit,
)
from pa_core.conversations.models import ConversationRow, MessageRow
from pa_core.conversations.search import SearchQuery
from pa_core.database.engine import Database
from pa_core.pagination import Page, PageRequest, decode_cursor, page_of
from pa_core.profiles import KEEP, Keep

__all__ = ["OWNER_SCAN_LIMIT", "SqlConversationRepository"]


def _conversation(row: ConversationRow) -> Conversation:
    return Conversation(
        id=row.id,
        owner_id=row.owner_id,
        title=row.title,
        archived=row.archived,
        created_at=row.created_at,
        updated_at=row.updated_at,
        last_message_at=row.last_message_at,
        message_count=row.last_seq,
    )


def _message(row: MessageRow) -> Message:
    return Message(
        id=row.id,
        conversation_id=row.conversation_id,
        owner_id=row.owner_id,
        seq=row.seq,
        body=row.body,
        direction=Direction(row.direction),
        channel=Channel(row.channel),
        created_at=row.created_at,
        reply_to=row.reply_to,
    )


def _pg_vector() -> ColumnElement[Any]:
    # The stored generated column (and its GIN index) made by the migration, not in the model.
    return literal_column("messages.messages_fts_vector")


OWNER_SCAN_LIMIT = 5000
"""Up to this many messages, a PostgreSQL search reads the owner's messages by the owner index.

The planner likes to intersect the owner index with the GIN index, which for a
common word means reading a posting list of a large share of all messages;
checking the stored vectors of one user's few thousand messages is far cheaper.
Above the limit the planner chooses freely (the GIN index pays off).
"""


class SqlConversationRepository:
    """Conversations and messages in the ``conversations`` and ``messages`` tables."""

    def __init__(self, database: Database, *, owner_scan_limit: int = OWNER_SCAN_LIMIT) -> None:
        self.database = database
        self.owner_scan_limit = owner_scan_limit

    async def add(self, conversation: Conversation) -> Conversation:
        """Insert a new conversation."""
        async with self.database.session() as session:
            session.add(
                ConversationRow(
                    id=conversation.id,
                    owner_id=conversation.owner_id,
                    title=conversation.title,
                    archived=conversation.archived,
                    created_at=conversation.created_at,
                    updated_at=conversation.updated_at,
                    last_message_at=conversation.last_message_at,
                    activity_at=conversation.activity_at,
                    last_seq=0,
                )
            )
        return conversation

    async def get(self, owner_id: str, conversation_id: str) -> Conversation | None:
        """The owner's conversation."""
        async with self.database.session() as session:
            row = await session.scalar(
                select(ConversationRow).where(
                    ConversationRow.id == conversation_id, ConversationRow.owner_id == owner_id
                )
            )
            return None if row is None else _conversation(row)

    async def list(
        self, owner_id: str, page: PageRequest, *, archived: bool | None = None
    ) -> Page[Conversation]:
        """The owner's conversations, newest activity first."""
        query = (
            select(ConversationRow)
            .where(ConversationRow.owner_id == owner_id)
            .order_by(ConversationRow.activity_at.desc(), ConversationRow.id.desc())
            .limit(page.limit + 1)
        )
        if archived is not None:
            query = query.where(ConversationRow.archived == archived)
        if page.cursor:
            at, cid = decode_cursor(page.cursor, 2)
            before, before_id = cursor_instant(at), cursor_id(cid)
            query = query.where(
                or_(
                    ConversationRow.activity_at < before,
                    and_(ConversationRow.activity_at == before, ConversationRow.id < before_id),
                )
            )
        async with self.database.session() as session:
            items = [_conversation(r) for r in (await session.scalars(query)).all()]
        return page_of(items, page.limit, lambda c: [c.activity_at.isoformat(), c.id])

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
        async with self.database.session() as session:
            row = await session.scalar(
                select(ConversationRow).where(
                    ConversationRow.id == conversation_id, ConversationRow.owner_id == owner_id
                )
            )
            if row is None:
                return None
            if not isinstance(title, Keep):
                row.title = title
            if not isinstance(archived, Keep):
                row.archived = archived
            row.updated_at = at
            return _conversation(row)

    async def delete(self, owner_id: str, conversation_id: str) -> bool:
        """Delete the conversation (its messages cascade)."""
        async with self.database.session() as session:
            result = await session.execute(
                delete(ConversationRow).where(
                    ConversationRow.id == conversation_id, ConversationRow.owner_id == owner_id
                )
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def add_message(self, message: NewMessage) -> Message | None:
        """Store ``message`` with the next ``seq`` (the conversation row stays locked to commit)."""
        at = message.created_at
        async with self.database.session() as session:
            seq = await session.scalar(
                update(ConversationRow)
                .where(
                    ConversationRow.id == message.conversation_id,
                    ConversationRow.owner_id == message.owner_id,
                )
                .values(
                    last_seq=ConversationRow.last_seq + 1,
                    last_message_at=case(
                        (
                            or_(
                                ConversationRow.last_message_at.is_(None),
                                ConversationRow.last_message_at < at,
                            ),
                            at,
                        ),
                        else_=ConversationRow.last_message_at,
                    ),
                    activity_at=case(
                        (ConversationRow.activity_at < at, at),
                        else_=ConversationRow.activity_at,
                    ),
                )
                .returning(ConversationRow.last_seq)
                .execution_options(synchronize_session=False)
            )
            if seq is None:
                return None
            # A Core INSERT: no ORM object, identity map or flush for a row nobody reads back.
            await session.execute(
                insert(MessageRow).values(
                    id=message.id,
                    conversation_id=message.conversation_id,
                    owner_id=message.owner_id,
                    seq=seq,
                    body=message.body,
                    direction=message.direction.value,
                    channel=message.channel.value,
                    reply_to=message.reply_to,
                    created_at=at,
                )
            )
        return Message.stored(message, seq)

    async def get_message(self, owner_id: str, message_id: str) -> Message | None:
        """The owner's message."""
        async with self.database.session() as session:
            row = await session.scalar(
                select(MessageRow).where(
                    MessageRow.id == message_id, MessageRow.owner_id == owner_id
                )
            )
            return None if row is None else _message(row)

    async def list_messages(
        self, owner_id: str, conversation_id: str, page: PageRequest
    ) -> Page[Message]:
        """The conversation's messages, oldest first (keyset on ``seq``)."""
        after = 0
        if page.cursor:
            (value,) = decode_cursor(page.cursor, 1)
            after = cursor_seq(value)
        rows = await self.messages_after(owner_id, conversation_id, after, page.limit + 1)
        return page_of(rows, page.limit, lambda m: [m.seq])

    async def messages_after(
        self, owner_id: str, conversation_id: str, after_seq: int, limit: int
    ) -> builtins.list[Message]:
        """Messages with ``seq > after_seq``, oldest first."""
        query = (
            select(MessageRow)
            .where(
                MessageRow.conversation_id == conversation_id,
                MessageRow.owner_id == owner_id,
                MessageRow.seq > after_seq,
            )
            .order_by(MessageRow.seq)
            .limit(limit)
        )
        async with self.database.session() as session:
            return [_message(r) for r in (await session.scalars(query)).all()]

    async def search(self, owner_id: str, query: SearchQuery, page: PageRequest) -> Page[SearchHit]:
        """The owner's matching messages, best first, then newest first."""
        if self.database.dialect == "postgresql":
            tsquery = func.websearch_to_tsquery(
                literal_column("'simple'::regconfig"), query.to_websearch()
            )
            score: ColumnElement[Any] = cast(func.ts_rank(_pg_vector(), tsquery), Float)
            matched = select(MessageRow, score.label("score")).where(
                MessageRow.owner_id == owner_id, _pg_vector().op("@@")(tsquery)
            )
        else:
            fts = table("messages_fts", column("rowid"))
            matched = (
                select(MessageRow, (-func.bm25(literal_column("messages_fts"))).label("score"))
                .select_from(MessageRow)
                .join(fts, fts.c.rowid == MessageRow.pk)
                .where(
                    MessageRow.owner_id == owner_id,
                    literal_column("messages_fts").op("MATCH")(query.to_fts5()),
                )
            )
        ranked = matched.subquery()
        hits = select(ranked).order_by(ranked.c.score.desc(), ranked.c.id.desc())
        if page.cursor:
            value, mid = decode_cursor(page.cursor, 2)
            best, best_id = cursor_score(value), cursor_id(mid)
            hits = hits.where(
                or_(ranked.c.score < best, and_(ranked.c.score == best, ranked.c.id < best_id))
            )
        hits = hits.limit(page.limit + 1)
        async with self.database.session() as session:
            if self.database.dialect == "postgresql":
                held = await session.scalar(
                    select(func.coalesce(func.sum(ConversationRow.last_seq), 0)).where(
                        ConversationRow.owner_id == owner_id
                    )
                )
                if int(held or 0) <= self.owner_scan_limit:
                    # GIN indexes are read through bitmaps only: this leaves the owner index.
                    await session.execute(text("SET LOCAL enable_bitmapscan = off"))
            rows = (await session.execute(hits)).mappings().all()
            conversation_ids = {r["conversation_id"] for r in rows}
            conversations = {
                c.id: _conversation(c)
                for c in (
                    await session.scalars(
                        select(ConversationRow).where(
                            ConversationRow.owner_id == owner_id,
                            ConversationRow.id.in_(conversation_ids),
                        )
                    )
                ).all()
            }
        found = [
            SearchHit(_message_from(r), conversations[r["conversation_id"]], float(r["score"]))
            for r in rows
        ]
        return page_of(found, page.limit, lambda h: [h.score, h.message.id])


def _message_from(row: Any) -> Message:
    return Message(
        id=row["id"],
        conversation_id=row["conversation_id"],
        owner_id=row["owner_id"],
        seq=row["seq"],
        body=row["body"],
        direction=Direction(row["direction"]),
        channel=Channel(row["channel"]),
        created_at=row["created_at"],
        reply_to=row["reply_to"],
    )
