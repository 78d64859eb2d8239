"""The ConversationRepository contract, through the service, on memory, SQLite and PostgreSQL.

Every test works with owners of its own, so one migrated database per backend
serves the whole module (isolation between owners is itself under test).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import anyio
import pytest
from sqlalchemy.engine import make_url

from pa_core.clock import FrozenClock
from pa_core.conversations import (
    Channel,
    ConversationRepository,
    ConversationService,
    Direction,
    MemoryConversationRepository,
    MemoryMessageBroker,
)
from pa_core.conversations.sqlalchemy import SqlConversationRepository
from pa_core.database import Database
from pa_core.errors import NotFound, ValidationFailed
from pa_core.ids import new_id
from pa_core.migrations import upgrade
from pa_core.pagination import PageRequest, encode_cursor
from pa_core.users import User
from pa_core.users.sqlalchemy import SqlUserRepository
from tests.conftest import _admin
from tests.services import unique_name

pytestmark = pytest.mark.anyio


@dataclass
class Backend:
    service: ConversationService
    repository: ConversationRepository
    clock: FrozenClock
    new_owner: Callable[[], Awaitable[str]]


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("memory", marks=pytest.mark.memory),
        pytest.param("sqlite", marks=pytest.mark.sqlite),
        pytest.param("postgres", marks=pytest.mark.postgres),
    ],
)
def backend_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """``memory``, or the URL of a database migrated once for this module."""
    if request.param == "memory":
        yield "memory"
        return
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('conversations')}/db.sqlite3"
        upgrade(url)
        yield url
        return
    server = request.getfixturevalue("postgres_server_url")
    name = unique_name("pa_test_conversations")
    _admin(server, f'CREATE DATABASE "{name}"')
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def backend(backend_url: str, clock: FrozenClock) -> AsyncIterator[Backend]:
    if backend_url == "memory":

        async def memory_owner() -> str:
            return new_id()

        repository: ConversationRepository = MemoryConversationRepository()
        yield Backend(
            ConversationService(repository, MemoryMessageBroker(), clock),
            repository,
            clock,
            memory_owner,
        )
        return
    db = Database(backend_url)
    users = SqlUserRepository(db)

    async def sql_owner() -> str:
        now = clock.now()
        user = User(
            id=new_id(now),
            email=f"{new_id()}@example.com",
            password_hash=None,
            created_at=now,
            updated_at=now,
        )
        await users.add(user)
        return user.id

    repository = SqlConversationRepository(db)
    yield Backend(
        ConversationService(repository, MemoryMessageBroker(), clock), repository, clock, sql_owner
    )
    await db.dispose()


async def test_a_new_conversation_is_read_back_by_its_owner(backend: Backend) -> None:
    owner = await backend.new_owner()
    created = await backend.service.create(owner, "  Groceries  ")
    found = await backend.service.get(owner, created.id)
    assert found == created
    assert found.title == "Groceries"
    assert not found.archived
    assert found.last_message_at is None
    assert found.message_count == 0


async def test_another_users_conversation_answers_like_a_missing_one(backend: Backend) -> None:
    owner, other = await backend.new_owner(), await backend.new_owner()
    conversation = await backend.service.create(owner, "mine")
    service = backend.service
    for attempt in (
        service.get(other, conversation.id),
        service.update(other, conversation.id, title="theirs"),
        service.delete(other, conversation.id),
        service.messages(other, conversation.id, PageRequest()),
        service.post_message(other, conversation.id, "hello"),
        service.open_stream(other, conversation.id, watch=None),
    ):
        with pytest.raises(NotFound):
            await attempt
    assert (await service.list(other, PageRequest())).items == []
    assert (await service.get(owner, conversation.id)).title == "mine"


async def test_conversations_are_listed_newest_activity_first(backend: Backend) -> None:
    owner = await backend.new_owner()
    first = await backend.service.create(owner, "first")
    backend.clock.advance(1)
    second = await backend.service.create(owner, "second")
    backend.clock.advance(1)
    third = await backend.service.create(owner, "third")
    listed = await backend.service.list(owner, PageRequest())
    assert [c.id for c in listed.items] == [third.id, second.id, first.id]
    assert listed.next_cursor is None


async def test_a_new_message_moves_its_conversation_to_the_top(backend: Backend) -> None:
    owner = await backend.new_owner()
    old = await backend.service.create(owner, "old")
    backend.clock.advance(1)
    new = await backend.service.create(owner, "new")
    backend.clock.advance(1)
    message = await backend.service.post_message(owner, old.id, "still here")
    listed = await backend.service.list(owner, PageRequest())
    assert [c.id for c in listed.items] == [old.id, new.id]
    assert listed.items[0].last_message_at == message.created_at
    assert listed.items[0].message_count == 1


async def test_conversation_pages_never_repeat_one(backend: Backend) -> None:
    owner = await backend.new_owner()
    made = []
    for n in range(7):
        made.append((await backend.service.create(owner, f"c{n}")).id)
        backend.clock.advance(1)
    seen: list[str] = []
    cursor = None
    while True:
        page = await backend.service.list(owner, PageRequest(limit=3, cursor=cursor))
        seen.extend(c.id for c in page.items)
        # activity elsewhere moves an already listed conversation to the top: never listed twice
        backend.clock.advance(1)
        await backend.service.post_message(owner, seen[0], "bump")
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == list(reversed(made))


async def test_archived_conversations_can_be_filtered(backend: Backend) -> None:
    owner = await backend.new_owner()
    kept = await backend.service.create(owner, "kept")
    gone = await backend.service.create(owner, "gone")
    await backend.service.update(owner, gone.id, archived=True)
    active = await backend.service.list(owner, PageRequest(), archived=False)
    archived = await backend.service.list(owner, PageRequest(), archived=True)
    everything = await backend.service.list(owner, PageRequest())
    assert [c.id for c in active.items] == [kept.id]
    assert [c.id for c in archived.items] == [gone.id]
    assert {c.id for c in everything.items} == {kept.id, gone.id}


async def test_an_update_changes_only_the_given_fields(backend: Backend) -> None:
    owner = await backend.new_owner()
    conversation = await backend.service.create(owner, "Plans")
    backend.clock.advance(5)
    archived = await backend.service.update(owner, conversation.id, archived=True)
    assert archived.title == "Plans"
    assert archived.archived
    assert archived.updated_at == backend.clock.now()
    renamed = await backend.service.update(owner, conversation.id, title="Trip plans")
    assert renamed.archived
    assert renamed.title == "Trip plans"
    cleared = await backend.service.update(owner, conversation.id, title=None, archived=False)
    assert cleared.title is None
    assert not cleared.archived
    assert await backend.service.get(owner, conversation.id) == cleared


async def test_deleting_a_conversation_deletes_its_messages(backend: Backend) -> None:
    owner = await backend.new_owner()
    conversation = await backend.service.create(owner)
    message = await backend.service.post_message(owner, conversation.id, "pick up parcel")
    await backend.service.delete(owner, conversation.id)
    with pytest.raises(NotFound):
        await backend.service.get(owner, conversation.id)
    assert await backend.repository.get_message(owner, message.id) is None
    assert (await backend.service.search(owner, "parcel", PageRequest())).items == []
    with pytest.raises(NotFound):
        await backend.service.delete(owner, conversation.id)


async def test_messages_are_listed_oldest_first_with_their_fields(backend: Backend) -> None:
    owner = await backend.new_owner()
    conversation = await backend.service.create(owner)
    first = await backend.service.post_message(owner, conversation.id, "Remind me at 5")
    backend.clock.advance(1)
    second = await backend.service.post_message(
        owner,
        conversation.id,
        "Will do.",
        direction=Direction.OUT,
        channel=Channel.SMS,
        reply_to=first.id,
    )
    page = await backend.service.messages(owner, conversation.id, PageRequest())
    assert list(page.items) == [first, second]
    assert (first.seq, second.seq) == (1, 2)
    assert (second.direction, second.channel, second.reply_to) == (
        Direction.OUT,
        Channel.SMS,
        first.id,
    )
    assert first.direction is Direction.IN
    assert first.channel is Channel.WEB
    assert second.created_at == backend.clock.now()


async def test_paging_messages_never_skips_or_repeats_while_others_are_added(
    backend: Backend,
) -> None:
    owner = await backend.new_owner()
    conversation = await backend.service.create(owner)
    posted = [
        (await backend.service.post_message(owner, conversation.id, f"m{n}")).id for n in range(5)
    ]
    seen: list[str] = []
    cursor = None
    n = 5
    while True:
        page = await backend.service.messages(
            owner, conversation.id, PageRequest(limit=2, cursor=cursor)
        )
        seen.extend(m.id for m in page.items)
        if page.next_cursor is None and len(seen) == len(posted):
            break
        for _ in range(2):  # others keep writing between page fetches
            posted.append((await backend.service.post_message(owner, conversation.id, f"m{n}")).id)
            n += 1
        if n > 14:
            cursor = page.next_cursor or encode_cursor([page.items[-1].seq])
            while True:
                page = await backend.service.messages(
                    owner, conversation.id, PageRequest(limit=2, cursor=cursor)
                )
                seen.extend(m.id for m in page.items)
                if page.next_cursor is None:
                    break
                cursor = page.next_cursor
            break
        cursor = page.next_cursor or encode_cursor([page.items[-1].seq])
    assert seen == posted


async def test_concurrent_messages_get_consecutive_numbers(backend: Backend) -> None:
    owner = await backend.new_owner()
    conversation = await backend.service.create(owner)
    stored = []

    async def post(n: int) -> None:
        stored.append(await backend.service.post_message(owner, conversation.id, f"n{n}"))

    async with anyio.create_task_group() as tg:
        for n in range(12):
            tg.start_soon(post, n)
    assert sorted(m.seq for m in stored) == list(range(1, 13))
    listed = await backend.service.messages(owner, conversation.id, PageRequest(limit=100))
    assert [m.seq for m in listed.items] == list(range(1, 13))
    assert (await backend.service.get(owner, conversation.id)).message_count == 12


async def test_a_reply_must_be_in_the_same_conversation(backend: Backend) -> None:
    owner, other = await backend.new_owner(), await backend.new_owner()
    here = await backend.service.create(owner)
    there = await backend.service.create(owner)
    elsewhere = await backend.service.post_message(owner, there.id, "over there")
    theirs_conversation = await backend.service.create(other)
    theirs = await backend.service.post_message(other, theirs_conversation.id, "not yours")
    for parent in (elsewhere.id, theirs.id, "no-such-message"):
        with pytest.raises(ValidationFailed) as caught:
            await backend.service.post_message(owner, here.id, "reply", reply_to=parent)
        assert caught.value.errors[0].field == "reply_to"


async def test_a_body_of_4000_characters_is_kept_whole(backend: Backend) -> None:
    owner = await backend.new_owner()
    conversation = await backend.service.create(owner)
    body = "é" * 4000
    message = await backend.service.post_message(owner, conversation.id, body)
    assert (await backend.repository.get_message(owner, message.id)) == message
    assert message.body == body


async def test_a_forged_message_cursor_is_a_validation_error(backend: Backend) -> None:
    owner = await backend.new_owner()
    conversation = await backend.service.create(owner)
    for cursor in ("%%%", encode_cursor(["x"]), encode_cursor([-1]), encode_cursor([True])):
        with pytest.raises(ValidationFailed):
            await backend.service.messages(owner, conversation.id, PageRequest(cursor=cursor))


async def test_a_forged_list_cursor_is_a_validation_error(backend: Backend) -> None:
    owner = await backend.new_owner()
    for cursor in (encode_cursor(["yesterday", "x"]), encode_cursor(["2026-01-01T00:00:00", 1])):
        with pytest.raises(ValidationFailed):
            await backend.service.list(owner, PageRequest(cursor=cursor))


# --- search ---------------------------------------------------------------------------------

CORPUS = [
    "Dentist appointment on Tuesday at 3pm",
    "Call mom about the dentist bill",
    "Buy milk, eggs and bread",
    "Remember to call the plumber",
    "The plumber cancelled; call again tomorrow",
    "Mom's birthday dinner on Friday",
    "Renew passport before the trip",
    "Trip to Lisbon: book the hotel",
    "Café meeting with Zoë at noon",
    "Pay the electricity bill",
]

QUERIES = {
    "dentist": {0, 1},
    "DENTIST": {0, 1},
    "call": {1, 3, 4},
    "call plumber": {3, 4},
    '"call the plumber"': {3},
    '"call mom"': {1},
    "plumber -cancelled": {3},
    "milk or passport": {2, 6},
    "bill or trip -electricity": {1, 6, 7, 9},
    "trip -electricity or milk": {2, 6, 7},
    "café": {8},
    "zoë": {8},
    "BILL!": {1, 9},
    "nothing matches this": set(),
}


async def _corpus(backend: Backend) -> tuple[str, list[str]]:
    owner = await backend.new_owner()
    first = await backend.service.create(owner, "errands")
    second = await backend.service.create(owner, "family")
    ids = []
    for n, body in enumerate(CORPUS):
        backend.clock.advance(1)
        target = first if n % 2 == 0 else second
        ids.append((await backend.service.post_message(owner, target.id, body)).id)
    return owner, ids


async def test_search_finds_the_same_messages_on_every_backend(backend: Backend) -> None:
    owner, ids = await _corpus(backend)
    for query, expected in QUERIES.items():
        page = await backend.service.search(owner, query, PageRequest(limit=100))
        assert {h.message.id for h in page.items} == {ids[n] for n in expected}, query


async def test_search_ranks_more_occurrences_first(backend: Backend) -> None:
    owner = await backend.new_owner()
    conversation = await backend.service.create(owner)
    once = await backend.service.post_message(owner, conversation.id, "water plants today please")
    backend.clock.advance(1)
    twice = await backend.service.post_message(owner, conversation.id, "water plants water today")
    page = await backend.service.search(owner, "water", PageRequest())
    assert [h.message.id for h in page.items] == [twice.id, once.id]
    assert page.items[0].score > page.items[1].score


async def test_search_sees_only_the_owners_messages(backend: Backend) -> None:
    owner, _ = await _corpus(backend)
    other = await backend.new_owner()
    theirs = await backend.service.create(other)
    await backend.service.post_message(other, theirs.id, "dentist dentist dentist")
    page = await backend.service.search(owner, "dentist", PageRequest())
    assert {h.message.owner_id for h in page.items} == {owner}
    assert len(page.items) == 2
    mine = await backend.service.search(other, "dentist", PageRequest())
    assert [h.message.owner_id for h in mine.items] == [other]


async def test_search_hits_carry_their_conversation(backend: Backend) -> None:
    owner, _ = await _corpus(backend)
    page = await backend.service.search(owner, "trip", PageRequest())
    assert sorted(h.conversation.title or "" for h in page.items) == ["errands", "family"]
    for hit in page.items:
        assert hit.conversation.id == hit.message.conversation_id


async def test_search_pages_through_every_hit_once(backend: Backend) -> None:
    owner = await backend.new_owner()
    conversation = await backend.service.create(owner)
    posted = set()
    for n in range(7):
        backend.clock.advance(1)
        body = "note " * (1 + n % 3) + f"number {n}"
        posted.add((await backend.service.post_message(owner, conversation.id, body)).id)
    seen: list[str] = []
    cursor = None
    while True:
        page = await backend.service.search(owner, "note", PageRequest(limit=2, cursor=cursor))
        seen.extend(h.message.id for h in page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == posted


async def test_streams_wait_no_longer_than_the_heartbeat(backend: Backend) -> None:
    owner = await backend.new_owner()
    conversation = await backend.service.create(owner)
    stream = await backend.service.open_stream(
        owner, conversation.id, watch=None, heartbeat=timedelta(milliseconds=20)
    )
    with anyio.fail_after(5):
        async for item in stream:
            assert type(item).__name__ == "Heartbeat"
            break
