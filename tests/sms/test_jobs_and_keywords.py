"""The in-process job queue's own traits, the compliance keywords and the default agent."""

from __future__ import annotations

import pytest

from pa_core.clock import FrozenClock
from pa_core.errors import ServiceUnavailable
from pa_sms.agents import AgentContext, DefaultAgent, MemoryConversationRecorder
from pa_sms.jobs import InProcessJobQueue, Job
from pa_sms.keywords import Keyword, classify
from pa_sms.records.base import PhoneNumber
from pa_sms.records.statuses import is_forward, status_rank
from pa_sms.webhooks import InboundSms

pytestmark = pytest.mark.anyio


async def test_a_full_in_process_queue_makes_submit_wait_not_drop() -> None:
    queue = InProcessJobQueue(maxsize=2, workers=1)
    await queue.start()
    await queue.start()
    done: list[int] = []

    async def job(job: Job) -> None:
        done.append(job.data["n"])

    queue.register("count", job)
    for n in range(5):
        await queue.submit(Job("count", {"n": n}))
    await queue.join()
    assert done == [0, 1, 2, 3, 4]
    assert queue.pending == 0
    await queue.close()
    await queue.close()
    assert not queue.running


async def test_a_queue_that_is_not_running_refuses_jobs() -> None:
    queue = InProcessJobQueue()
    await queue.join()
    assert queue.pending == 0
    with pytest.raises(ServiceUnavailable):
        await queue.submit(Job("any", {}))


async def test_close_finishes_queued_jobs_first() -> None:
    queue = InProcessJobQueue(workers=1)
    await queue.start()
    done: list[int] = []

    async def job(job: Job) -> None:
        done.append(1)

    queue.register("one", job)
    for _ in range(3):
        await queue.submit(Job("one", {}))
    await queue.close()
    assert done == [1, 1, 1]


def test_a_jobs_repr_shows_no_data() -> None:
    assert "secret" not in repr(Job("sms.inbound", {"body": "secret"}))


def test_a_queue_needs_room_and_workers() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        InProcessJobQueue(maxsize=0)


@pytest.mark.parametrize(
    ("body", "keyword"),
    [
        ("STOP", Keyword.OPT_OUT),
        ("stop.", Keyword.OPT_OUT),
        ("  Unsubscribe ", Keyword.OPT_OUT),
        ("optout", Keyword.OPT_OUT),
        ("start", Keyword.OPT_IN),
        ("Yes!", Keyword.OPT_IN),
        ("unstop", Keyword.OPT_IN),
        ("HELP", Keyword.HELP),
        ("info?", Keyword.HELP),
        ("stop the reminders", None),
        ("helpful", None),
        ("", None),
    ],
)
def test_only_a_whole_message_is_a_keyword(body: str, keyword: Keyword | None) -> None:
    assert classify(body) is keyword


def test_statuses_only_move_forward() -> None:
    assert is_forward("queued", "sent")
    assert is_forward("sent", "delivered")
    assert not is_forward("delivered", "sent")
    assert not is_forward("delivered", "failed")
    assert not is_forward("sent", "mystery")
    assert status_rank("mystery") == -1


async def test_the_default_agent_records_both_sides_and_answers(clock: FrozenClock) -> None:
    recorder = MemoryConversationRecorder()
    agent = DefaultAgent(recorder, help_text="help!", acknowledgement="ok!")
    number = PhoneNumber("n1", "alice", "+14155550100", "PN1", "active", {}, clock.now())
    message = InboundSms("SM1", "AC1", "+15550000001", "+14155550100", "private", clock.now())
    assert await agent.handle(message, AgentContext("alice", number)) == "ok!"
    help_context = AgentContext("alice", number, keyword=Keyword.HELP)
    assert await agent.handle(message, help_context) == "help!"
    assert [(m.direction, m.body, m.channel) for m in recorder.of("alice")] == [
        ("in", "private", "sms"),
        ("out", "ok!", "sms"),
        ("in", "private", "sms"),
        ("out", "help!", "sms"),
    ]
    assert "private" not in repr(recorder.messages[0])
    assert recorder.of("bob") == []


def test_join_works_from_another_event_loop() -> None:
    import asyncio
    import threading

    queue = InProcessJobQueue(workers=1)
    ready = threading.Event()
    done: list[int] = []
    stop: asyncio.Event | None = None
    loop_holder: list[asyncio.AbstractEventLoop] = []

    async def serve() -> None:
        nonlocal stop
        stop = asyncio.Event()
        await queue.start()
        loop_holder.append(asyncio.get_running_loop())
        ready.set()
        await stop.wait()
        await queue.close()

    thread = threading.Thread(target=asyncio.run, args=(serve(),))
    thread.start()
    ready.wait(5)
    loop = loop_holder[0]

    async def slow(job: Job) -> None:
        await asyncio.sleep(0.05)
        done.append(1)

    queue.register("slow", slow)
    asyncio.run_coroutine_threadsafe(queue.submit(Job("slow", {})), loop).result(5)
    asyncio.run(queue.join())
    assert done == [1]
    assert stop is not None
    loop.call_soon_threadsafe(stop.set)
    thread.join(5)
