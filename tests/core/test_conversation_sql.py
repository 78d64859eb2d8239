"""SQL specifics of conversations: erasure with the user, and both PostgreSQL search plans."""

from __future__ import annotations

import pytest

from pa_core.clock import FrozenClock
from pa_core.conversations import ConversationService, MemoryMessageBroker
from pa_core.conversations.search import SearchQuery
from pa_core.conversations.sqlalchemy import SqlConversationRepository
from pa_core.database import Database
from pa_core.ids import new_id
from pa_core.pagination import PageRequest
from pa_core.preferences import Preferences
from pa_core.preferences.sqlalchemy import SqlPreferencesRepository
from pa_core.users import User
from pa_core.users.sqlalchemy import SqlUserRepository

pytestmark = pytest.mark.anyio


async def _user(database: Database, clock: FrozenClock) -> str:
    now = clock.now()
    user = User(new_id(now), f"{new_id()}@example.com", None, now, now)
    await SqlUserRepository(database).add(user)
    return user.id


async def test_erasing_a_user_erases_their_conversations_messages_and_preferences(
    database: Database, clock: FrozenClock
) -> None:
    owner = await _user(database, clock)
    repository = SqlConversationRepository(database)
    service = ConversationService(repository, MemoryMessageBroker(), clock)
    conversation = await service.create(owner)
    first = await service.post_message(owner, conversation.id, "first words")
    reply = await service.post_message(owner, conversation.id, "answer", reply_to=first.id)
    preferences = SqlPreferencesRepository(database)
    await preferences.put(owner, Preferences(updated_at=clock.now()))

    assert await SqlUserRepository(database).delete(owner)

    assert await repository.get(owner, conversation.id) is None
    assert await repository.get_message(owner, reply.id) is None
    assert await preferences.get(owner) is None
    assert (await repository.search(owner, SearchQuery.parse("words"), PageRequest())).items == []


async def test_preferences_for_an_unknown_user_are_refused(
    database: Database, clock: FrozenClock
) -> None:
    from pa_core.errors import NotFound

    with pytest.raises(NotFound):
        await SqlPreferencesRepository(database).put("nobody", Preferences())


async def test_search_finds_the_same_with_the_owner_scan_and_with_the_index(
    database: Database, clock: FrozenClock
) -> None:
    owner = await _user(database, clock)
    scanning = SqlConversationRepository(database)
    indexed = SqlConversationRepository(database, owner_scan_limit=0)
    service = ConversationService(scanning, MemoryMessageBroker(), clock)
    conversation = await service.create(owner)
    for body in ("call the dentist", "dentist bill", "buy milk", "dentist dentist"):
        clock.advance(1)
        await service.post_message(owner, conversation.id, body)
    query = SearchQuery.parse("dentist -bill")
    one = await scanning.search(owner, query, PageRequest())
    two = await indexed.search(owner, query, PageRequest())
    assert [h.message.id for h in one.items] == [h.message.id for h in two.items]
    assert [h.message.body for h in one.items] == ["dentist dentist", "call the dentist"]
