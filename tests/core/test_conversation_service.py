"""ConversationService rules that need no particular backend, and its live streams."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import anyio
import pytest

from pa_core.audit import AuditFilter, AuditRecorder, MemoryAuditLog
from pa_core.clock import FrozenClock
from pa_core.conversations import (
    ConversationService,
    Heartbeat,
    MemoryConversationRepository,
    MemoryMessageBroker,
    Message,
    MessageStream,
)
from pa_core.errors import ServiceUnavailable, ValidationFailed
from pa_core.pagination import PageRequest

pytestmark = pytest.mark.anyio

QUICK = timedelta(milliseconds=30)


@pytest.fixture
def service(clock: FrozenClock) -> ConversationService:
    return ConversationService(MemoryConversationRepository(), MemoryMessageBroker(), clock)


async def _take(stream: MessageStream, count: int, *, skip_heartbeats: bool = True) -> list[object]:
    taken: list[object] = []
    with anyio.fail_after(5):
        async for item in stream:
            if skip_heartbeats and isinstance(item, Heartbeat):
                continue
            taken.append(item)
            if len(taken) == count:
                break
    return taken


async def _collect(stream: MessageStream, into: list[object], count: int) -> None:
    into.extend(await _take(stream, count))


@pytest.mark.parametrize("title", ["x" * 201, "two\nlines", 42])
async def test_a_bad_title_is_refused(service: ConversationService, title: object) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await service.create("u1", title)  # type: ignore[arg-type]
    assert caught.value.errors[0].field == "title"


@pytest.mark.parametrize("body", ["", "   \n ", "x" * 4001, "nul\x00byte", None])
async def test_a_bad_body_is_refused(service: ConversationService, body: object) -> None:
    conversation = await service.create("u1")
    with pytest.raises(ValidationFailed) as caught:
        await service.post_message("u1", conversation.id, body)  # type: ignore[arg-type]
    assert caught.value.errors[0].field == "body"


async def test_archived_must_be_a_boolean(service: ConversationService) -> None:
    conversation = await service.create("u1")
    with pytest.raises(ValidationFailed):
        await service.update("u1", conversation.id, archived="yes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "query", ["", "   ", "!!!", "-dentist", "a or -b", "x" * 201, " ".join(["w"] * 17)]
)
async def test_a_search_with_nothing_sensible_to_look_for_is_refused(
    service: ConversationService, query: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await service.search("u1", query, PageRequest())
    assert caught.value.errors[0].field == "q"


async def test_creating_and_deleting_are_audited(clock: FrozenClock) -> None:
    log = MemoryAuditLog()
    service = ConversationService(
        MemoryConversationRepository(), MemoryMessageBroker(), clock, AuditRecorder(log, clock)
    )
    conversation = await service.create("u1")
    await service.delete("u1", conversation.id)
    events = (await log.list(AuditFilter(actor_id="u1"), PageRequest())).items
    assert sorted(e.action for e in events) == ["conversation.create", "conversation.delete"]
    assert {e.target_id for e in events} == {conversation.id}


async def test_a_stream_delivers_each_new_message(service: ConversationService) -> None:
    conversation = await service.create("u1")
    await service.post_message("u1", conversation.id, "before the stream")
    stream = await service.open_stream("u1", conversation.id, watch=None, heartbeat=QUICK)
    received: list[object] = []
    async with anyio.create_task_group() as tg:
        tg.start_soon(_collect, stream, received, 2)
        await anyio.sleep(0.05)
        first = await service.post_message("u1", conversation.id, "one")
        second = await service.post_message("u1", conversation.id, "two")
    assert received == [first, second]


async def test_a_stream_resumes_after_the_last_event_id(service: ConversationService) -> None:
    conversation = await service.create("u1")
    posted = [await service.post_message("u1", conversation.id, f"m{n}") for n in range(4)]
    stream = await service.open_stream(
        "u1", conversation.id, watch=None, last_event_id=posted[1].id, heartbeat=QUICK
    )
    received: list[object] = []
    async with anyio.create_task_group() as tg:
        tg.start_soon(_collect, stream, received, 3)
        await anyio.sleep(0.05)
        live = await service.post_message("u1", conversation.id, "live")
    assert received == [posted[2], posted[3], live]


async def test_a_foreign_last_event_id_is_ignored(service: ConversationService) -> None:
    here = await service.create("u1")
    there = await service.create("u1")
    elsewhere = await service.post_message("u1", there.id, "elsewhere")
    await service.post_message("u1", here.id, "old")
    stream = await service.open_stream(
        "u1", here.id, watch=None, last_event_id=elsewhere.id, heartbeat=QUICK
    )
    received: list[object] = []
    async with anyio.create_task_group() as tg:
        tg.start_soon(_collect, stream, received, 1)
        await anyio.sleep(0.05)
        new = await service.post_message("u1", here.id, "new")
    assert received == [new]


async def test_a_quiet_stream_sends_heartbeats(service: ConversationService) -> None:
    conversation = await service.create("u1")
    stream = await service.open_stream("u1", conversation.id, watch=None, heartbeat=QUICK)
    assert await _take(stream, 2, skip_heartbeats=False) == [Heartbeat(), Heartbeat()]


async def test_a_stream_ends_when_its_conversation_is_deleted(
    service: ConversationService,
) -> None:
    conversation = await service.create("u1")
    stream = await service.open_stream("u1", conversation.id, watch=None, heartbeat=QUICK)
    await service.delete("u1", conversation.id)
    with anyio.fail_after(5):
        items = [item async for item in stream]
    assert items == []


async def test_a_slow_subscriber_catches_up_from_the_repository(clock: FrozenClock) -> None:
    broker = MemoryMessageBroker(buffer=1)  # keeps only the newest message per subscriber
    service = ConversationService(MemoryConversationRepository(), broker, clock)
    conversation = await service.create("u1")
    stream = await service.open_stream("u1", conversation.id, watch=None, heartbeat=QUICK)
    iterator = aiter(stream)
    with anyio.fail_after(5):
        assert isinstance(await anext(iterator), Heartbeat)  # subscribed by now
        posted = [await service.post_message("u1", conversation.id, f"m{n}") for n in range(5)]
        received = [await anext(iterator) for _ in range(5)]
    assert received == posted
    await iterator.aclose()  # type: ignore[attr-defined]


async def test_messages_published_out_of_order_arrive_in_order_once(clock: FrozenClock) -> None:
    repository = MemoryConversationRepository()
    broker = MemoryMessageBroker()
    service = ConversationService(repository, broker, clock)
    quiet = ConversationService(repository, _SilentBroker(), clock)
    conversation = await service.create("u1")
    stream = await service.open_stream("u1", conversation.id, watch=None, heartbeat=QUICK)
    iterator = aiter(stream)
    with anyio.fail_after(5):
        assert isinstance(await anext(iterator), Heartbeat)
        # two processes: the first publishes late, after the second
        first = await quiet.post_message("u1", conversation.id, "first")
        second = await service.post_message("u1", conversation.id, "second")
        await broker.publish(conversation.id, first)
        third = await service.post_message("u1", conversation.id, "third")
        received = [await anext(iterator) for _ in range(3)]
    assert received == [first, second, third]
    await iterator.aclose()  # type: ignore[attr-defined]


class _SilentBroker(MemoryMessageBroker):
    async def publish(self, conversation_id: str, message: Message) -> None:
        return None


class _DownBroker(MemoryMessageBroker):
    async def publish(self, conversation_id: str, message: Message) -> None:
        raise ServiceUnavailable("redis is unreachable", dependency="redis")


async def test_a_message_is_kept_when_live_updates_are_down(clock: FrozenClock) -> None:
    service = ConversationService(MemoryConversationRepository(), _DownBroker(), clock)
    conversation = await service.create("u1")
    message = await service.post_message("u1", conversation.id, "still saved")
    page = await service.messages("u1", conversation.id, PageRequest())
    assert list(page.items) == [message]


@pytest.mark.redis
async def test_a_stream_in_one_process_hears_a_message_posted_in_another(
    redis_url: str, tmp_path: Path, clock: FrozenClock
) -> None:
    from pa_core.conversations.redis import RedisMessageBroker
    from pa_core.conversations.sqlalchemy import SqlConversationRepository
    from pa_core.users import User
    from pa_core.users.sqlalchemy import SqlUserRepository
    from tests.conftest import migrated_database, sqlite_copy

    url = sqlite_copy(tmp_path)
    db_a, db_b = await migrated_database(url), await migrated_database(url)
    broker_a = RedisMessageBroker.from_url(redis_url)
    broker_b = RedisMessageBroker.from_url(redis_url)
    now = clock.now()
    await SqlUserRepository(db_a).add(User("u1", "u1@example.com", None, now, now))
    service_a = ConversationService(SqlConversationRepository(db_a), broker_a, clock)
    service_b = ConversationService(SqlConversationRepository(db_b), broker_b, clock)
    try:
        conversation = await service_a.create("u1")
        stream = await service_a.open_stream("u1", conversation.id, watch=None, heartbeat=QUICK)
        received: list[object] = []
        async with anyio.create_task_group() as tg:
            tg.start_soon(_collect, stream, received, 2)
            await anyio.sleep(0.2)
            posted = [
                await service_b.post_message("u1", conversation.id, "from b"),
                await service_b.post_message("u1", conversation.id, "again"),
            ]
        assert received == posted
    finally:
        for closing in (broker_a.close, broker_b.close, db_a.dispose, db_b.dispose):
            await closing()
