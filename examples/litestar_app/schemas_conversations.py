"""Bodies of the profile, preferences and conversations routes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from examples.litestar_app.schemas import _In, rfc3339
from pa_core.conversations import Conversation, Message
from pa_core.pagination import Page

__all__ = [
    "ConversationIn",
    "ConversationOut",
    "ConversationPatchIn",
    "ConversationsOut",
    "MessageIn",
    "MessageOut",
    "MessagesOut",
    "PreferencesIO",
    "ProfilePatchIn",
    "QuietHoursIO",
]

Title = Annotated[str, msgspec.Meta(max_length=200)]
Body = Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class ProfilePatchIn(_In):
    """``PATCH /users/me``: only the fields given change."""

    display_name: Annotated[str, msgspec.Meta(max_length=200)] | UnsetType | None = UNSET
    timezone: Annotated[str, msgspec.Meta(max_length=64)] | UnsetType = UNSET
    locale: Annotated[str, msgspec.Meta(max_length=64)] | UnsetType = UNSET


class QuietHoursIO(msgspec.Struct, forbid_unknown_fields=True):
    """A daily window in the user's local time, ``HH:MM``; may cross midnight."""

    start: str
    end: str


class PreferencesIO(msgspec.Struct, forbid_unknown_fields=True):
    """``GET``/``PUT /users/me/preferences``; a PUT fills left-out fields with defaults."""

    quiet_hours: QuietHoursIO | UnsetType | None = UNSET
    preferred_channel: Literal["sms", "web"] | UnsetType = UNSET
    reminder_lead_minutes: int | UnsetType = UNSET
    daily_digest_time: str | UnsetType | None = UNSET
    nudge_max: int | UnsetType = UNSET
    tone: Literal["brief", "detailed"] | UnsetType = UNSET

    def document(self) -> dict[str, Any]:
        """The fields that were given, as the library's document."""
        given: dict[str, Any] = {
            f: getattr(self, f) for f in self.__struct_fields__ if getattr(self, f) is not UNSET
        }
        if isinstance(given.get("quiet_hours"), QuietHoursIO):
            quiet = given["quiet_hours"]
            given["quiet_hours"] = {"start": quiet.start, "end": quiet.end}
        return given

    @classmethod
    def of(cls, document: dict[str, Any]) -> PreferencesIO:
        """From the library's document."""
        quiet = document["quiet_hours"]
        return cls(
            quiet_hours=None if quiet is None else QuietHoursIO(quiet["start"], quiet["end"]),
            preferred_channel=document["preferred_channel"],
            reminder_lead_minutes=document["reminder_lead_minutes"],
            daily_digest_time=document["daily_digest_time"],
            nudge_max=document["nudge_max"],
            tone=document["tone"],
        )


class ConversationIn(_In):
    """``POST /conversations``."""

    title: Title | None = None


class ConversationPatchIn(_In):
    """``PATCH /conversations/{id}``: rename (``null`` clears the title) and/or archive."""

    title: Title | UnsetType | None = UNSET
    archived: bool | UnsetType = UNSET


class ConversationOut(msgspec.Struct):
    """A conversation as the API shows it."""

    id: str
    title: str | None
    archived: bool
    created_at: str
    updated_at: str
    last_message_at: str | None

    @classmethod
    def of(cls, conversation: Conversation) -> ConversationOut:
        """From the library's conversation."""
        return cls(
            id=conversation.id,
            title=conversation.title,
            archived=conversation.archived,
            created_at=rfc3339(conversation.created_at) or "",
            updated_at=rfc3339(conversation.updated_at) or "",
            last_message_at=rfc3339(conversation.last_message_at),
        )


class ConversationsOut(msgspec.Struct):
    """A page of conversations, newest activity first."""

    items: list[ConversationOut]
    next_cursor: str | None

    @classmethod
    def of(cls, page: Page[Conversation]) -> ConversationsOut:
        """From the library's page."""
        return cls([ConversationOut.of(c) for c in page.items], page.next_cursor)


class MessageIn(_In):
    """``POST /conversations/{id}/messages``."""

    body: Body
    reply_to: Id | None = None


class MessageOut(msgspec.Struct):
    """A message as the API shows it."""

    id: str
    conversation_id: str
    body: str
    direction: str
    channel: str
    reply_to: str | None
    created_at: str

    @classmethod
    def of(cls, message: Message) -> MessageOut:
        """From the library's message."""
        return cls(
            id=message.id,
            conversation_id=message.conversation_id,
            body=message.body,
            direction=message.direction.value,
            channel=message.channel.value,
            reply_to=message.reply_to,
            created_at=rfc3339(message.created_at) or "",
        )


class MessagesOut(msgspec.Struct):
    """A page of messages."""

    items: list[MessageOut]
    next_cursor: str | None

    @classmethod
    def of(cls, messages: list[Message], next_cursor: str | None) -> MessagesOut:
        """From the library's messages."""
        return cls([MessageOut.of(m) for m in messages], next_cursor)
