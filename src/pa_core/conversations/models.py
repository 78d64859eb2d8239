"""Tables of conversations and messages.

Full-text search lives outside these models, in the migration that creates
the tables: on PostgreSQL a stored generated column ``messages_fts_vector``
(``to_tsvector('simple', body)``) under a GIN index; on SQLite an FTS5 table
``messages_fts`` (external content, ``rowid`` = ``messages.pk``) kept in step
by triggers. All their names start with ``messages_fts``, which the migration
environment leaves out of autogenerate's comparison.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pa_core.database.schema import Base

__all__ = ["FTS_PREFIX", "ConversationRow", "MessageRow"]

FTS_PREFIX = "messages_fts"
"""Names of the full-text objects created by the migration only."""


class ConversationRow(Base):
    """``conversations``: erased with their owner.

    ``activity_at`` is the last message's time, or the creation time before the
    first one; ``last_seq`` is the ``seq`` of the newest message (row-locked
    while a message is added, so numbers follow commit order).
    """

    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str | None] = mapped_column(String(200))
    archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    last_message_at: Mapped[datetime | None]
    activity_at: Mapped[datetime]
    last_seq: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_conversations_owner_activity", "owner_id", "activity_at", "id"),)


class MessageRow(Base):
    """``messages``: erased with their conversation (and so with their owner).

    ``pk`` is an internal surrogate key (SQLite's ``rowid``, which FTS5 points
    at); ``id`` is the public one. ``owner_id`` repeats the conversation's owner
    so that every query and search is scoped by an index.
    """

    __tablename__ = "messages"

    pk: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    id: Mapped[str] = mapped_column(String(26), unique=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    direction: Mapped[str] = mapped_column(String(3))
    channel: Mapped[str] = mapped_column(String(8))
    reply_to: Mapped[str | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("conversation_id", "seq", name="uq_messages_conversation_seq"),
        Index("ix_messages_owner_created", "owner_id", "created_at", "id"),
    )
