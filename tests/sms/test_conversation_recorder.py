"""Text messages land in the user's "Text messages" conversation, channel sms."""

from __future__ import annotations

import pytest

from pa_core.clock import FrozenClock
from pa_core.conversations import ConversationService
from pa_core.conversations.memory import MemoryConversationRepository, MemoryMessageBroker
from pa_core.pagination import PageRequest
from pa_sms.conversation_recorder import SMS_CONVERSATION_TITLE, ConversationServiceRecorder

pytestmark = pytest.mark.anyio


@pytest.fixture
def conversations(clock: FrozenClock) -> ConversationService:
    return ConversationService(MemoryConversationRepository(), MemoryMessageBroker(), clock)


async def said(conversations: ConversationService, user_id: str) -> list[tuple[str, str, str]]:
    page = await conversations.list(user_id, PageRequest())
    out = []
    for conversation in page.items:
        assert conversation.title == SMS_CONVERSATION_TITLE
        messages = await conversations.messages(user_id, conversation.id, PageRequest())
        out += [(m.direction.value, m.channel.value, m.body) for m in messages.items]
    return out


async def test_both_sides_go_into_one_conversation(conversations: ConversationService) -> None:
    recorder = ConversationServiceRecorder(conversations)
    await recorder.record("ada", "in", "remind me at 5")
    await recorder.record("ada", "out", "Got it")
    assert await said(conversations, "ada") == [
        ("in", "sms", "remind me at 5"),
        ("out", "sms", "Got it"),
    ]


async def test_an_existing_conversation_is_found_by_a_new_recorder(
    conversations: ConversationService,
) -> None:
    await ConversationServiceRecorder(conversations).record("ada", "in", "first")
    await ConversationServiceRecorder(conversations).record("ada", "in", "second")
    assert len((await conversations.list("ada", PageRequest())).items) == 1


async def test_a_deleted_conversation_is_started_again(conversations: ConversationService) -> None:
    recorder = ConversationServiceRecorder(conversations)
    await recorder.record("ada", "in", "first")
    [conversation] = (await conversations.list("ada", PageRequest())).items
    await conversations.delete("ada", conversation.id)
    await recorder.record("ada", "in", "again")
    assert await said(conversations, "ada") == [("in", "sms", "again")]


async def test_users_never_share_a_conversation(conversations: ConversationService) -> None:
    recorder = ConversationServiceRecorder(conversations)
    await recorder.record("ada", "in", "for ada")
    await recorder.record("bob", "in", "for bob")
    assert await said(conversations, "ada") == [("in", "sms", "for ada")]
    assert await said(conversations, "bob") == [("in", "sms", "for bob")]
