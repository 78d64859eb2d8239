"""The JobQueue contract, run against the in-process queue and the Redis Streams queue."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from pa_core.errors import ServiceUnavailable
from pa_sms.jobs import InProcessJobQueue, Job, JobQueue
from pa_sms.jobs_redis import RedisJobQueue
from tests.services import free_port, unique_name

pytestmark = pytest.mark.anyio

Factory = Callable[..., Any]


@pytest.fixture(
    params=[
        pytest.param("inprocess", marks=pytest.mark.memory),
        pytest.param("redis", marks=pytest.mark.redis),
    ]
)
async def make_queue(request: pytest.FixtureRequest) -> AsyncIterator[Factory]:
    """Makes started queues (consumers) sharing one queue; all closed after the test."""
    made: list[Any] = []
    stream = unique_name("jobs")
    shared: list[InProcessJobQueue] = []

    async def make(**options: Any) -> Any:
        if request.param == "inprocess":
            if not shared:
                shared.append(InProcessJobQueue(workers=4))
                await shared[0].start()
                made.append(shared[0])
            return shared[0]
        url = request.getfixturevalue("redis_url")
        queue = RedisJobQueue.from_url(url, stream=stream, block=0.05, **options)
        await queue.start()
        made.append(queue)
        return queue

    yield make
    for queue in made:
        await queue.close()


async def test_both_queues_meet_the_protocol(make_queue: Factory) -> None:
    assert isinstance(await make_queue(), JobQueue)


async def test_each_job_is_processed_exactly_once_by_one_of_several_workers(
    make_queue: Factory,
) -> None:
    first, second = await make_queue(consumer="a"), await make_queue(consumer="b")
    seen: Counter[int] = Counter()

    async def count(job: Job) -> None:
        await asyncio.sleep(0)
        seen[job.data["n"]] += 1

    for queue in (first, second):
        queue.register("count", count)
    for start in range(0, 200, 50):
        await asyncio.gather(
            *(first.submit(Job("count", {"n": n})) for n in range(start, start + 50))
        )
    await first.join()
    assert seen == Counter(range(200))


async def test_a_failure_is_logged_without_the_jobs_data_and_the_worker_carries_on(
    make_queue: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    queue = await make_queue()
    done: list[str] = []

    async def handle(job: Job) -> None:
        if job.data["fail"]:
            raise RuntimeError("kaput")
        done.append(job.data["body"])

    queue.register("sms.inbound", handle)
    with caplog.at_level(logging.ERROR, "pa_sms.jobs"):
        await queue.submit(Job("sms.inbound", {"fail": True, "body": "my secret words"}))
        await queue.submit(Job("sms.inbound", {"fail": False, "body": "fine"}))
        await queue.submit(Job("unknown.kind", {"body": "my secret words"}))
        await queue.join()
    assert done == ["fine"]
    assert queue.failures == 2
    assert "sms.inbound failed: RuntimeError: kaput" in caplog.text
    assert "unknown.kind" in caplog.text
    assert "my secret words" not in caplog.text


@pytest.mark.redis
async def test_the_jobs_of_a_crashed_worker_are_taken_over(redis_url: str) -> None:
    stream = unique_name("jobs")
    producer = RedisJobQueue.from_url(redis_url, stream=stream)
    await producer.ensure_group()
    for n in range(5):
        await producer.submit(Job("count", {"n": n}))
    # A worker reads every job, then dies before acknowledging any.
    taken = await producer.client.xreadgroup(
        producer.group, "dead", {stream: ">"}, count=10, block=100
    )
    assert len(taken[0][1]) == 5
    seen: Counter[int] = Counter()

    async def count(job: Job) -> None:
        seen[job.data["n"]] += 1

    survivor = RedisJobQueue.from_url(
        redis_url, stream=stream, consumer="alive", visibility_timeout=0.2, block=0.05
    )
    survivor.register("count", count)
    await survivor.start()
    await asyncio.wait_for(survivor.join(), 5)
    assert seen == Counter(range(5))
    pending = await survivor.client.xpending(stream, survivor.group)
    assert pending["pending"] == 0
    await survivor.close()
    await producer.close()


@pytest.mark.redis
async def test_a_job_whose_workers_keep_dying_is_given_up_without_its_data(
    redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    stream = unique_name("jobs")
    producer = RedisJobQueue.from_url(redis_url, stream=stream)
    await producer.ensure_group()
    await producer.submit(Job("sms.inbound", {"body": "my secret words"}))
    taken = await producer.client.xreadgroup(
        producer.group, "dead", {stream: ">"}, count=1, block=100
    )
    entry_id = taken[0][1][0][0]
    # It was delivered to three workers already, each of which died with it.
    await producer.client.xclaim(stream, producer.group, "dead", 0, [entry_id], retrycount=3)
    ran: list[Job] = []

    async def handle(job: Job) -> None:
        ran.append(job)

    survivor = RedisJobQueue.from_url(
        redis_url, stream=stream, visibility_timeout=0.2, block=0.05, max_deliveries=3
    )
    survivor.register("sms.inbound", handle)
    with caplog.at_level(logging.ERROR, "pa_sms.jobs"):
        await survivor.start()
        await asyncio.wait_for(survivor.join(), 5)
    assert ran == []
    assert survivor.failures == 1
    assert "given up after 4 deliveries" in caplog.text
    assert "my secret words" not in caplog.text
    assert (await survivor.client.xpending(stream, survivor.group))["pending"] == 0
    await survivor.close()
    await producer.close()


@pytest.mark.redis
async def test_a_slow_job_of_a_live_worker_is_not_taken_over(redis_url: str) -> None:
    stream = unique_name("jobs")
    runs: list[str] = []

    def worker(name: str) -> RedisJobQueue:
        queue = RedisJobQueue.from_url(
            redis_url, stream=stream, consumer=name, visibility_timeout=0.3, block=0.05
        )

        async def slow(job: Job) -> None:
            runs.append(name)
            await asyncio.sleep(1.0)

        queue.register("slow", slow)
        return queue

    first, second = worker("first"), worker("second")
    await first.start()
    await first.submit(Job("slow", {}))
    await asyncio.sleep(0.1)
    await second.start()
    await asyncio.wait_for(first.join(), 5)
    assert runs == ["first"]
    await first.close()
    await second.close()


@pytest.mark.redis
async def test_processed_jobs_leave_nothing_behind_in_redis(redis_url: str) -> None:
    queue = RedisJobQueue.from_url(redis_url, stream=unique_name("jobs"), block=0.05)

    async def handle(job: Job) -> None:
        return None

    queue.register("sms.inbound", handle)
    await queue.start()
    await queue.submit(Job("sms.inbound", {"body": "my secret words"}))
    await queue.join()
    assert await queue.client.xlen(queue.stream) == 0
    assert await queue.client.xrange(queue.stream) == []
    await queue.close()


@pytest.mark.redis
async def test_an_entry_that_is_not_a_job_is_dropped_and_logged(
    redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    queue = RedisJobQueue.from_url(redis_url, stream=unique_name("jobs"), block=0.05)
    await queue.start()
    await queue.client.xadd(queue.stream, {"kind": "x", "data": "{not json"})
    with caplog.at_level(logging.ERROR, "pa_sms.jobs"):
        await asyncio.wait_for(queue.join(), 5)
    assert queue.failures == 1
    assert "not valid JSON" in caplog.text
    await queue.close()


async def test_a_redis_queue_that_cannot_reach_redis_refuses_jobs() -> None:
    queue = RedisJobQueue.from_url(f"redis://127.0.0.1:{free_port()}/0", timeout=0.2)
    with pytest.raises(ServiceUnavailable):
        await queue.submit(Job("any", {}))
    with pytest.raises(ServiceUnavailable):
        await queue.ensure_group()
    await queue.close()


def test_a_redis_queue_needs_sane_settings() -> None:
    with pytest.raises(ValueError, match="positive"):
        RedisJobQueue.from_url("redis://127.0.0.1:1/0", concurrency=0)
    with pytest.raises(ValueError, match="max_deliveries"):
        RedisJobQueue.from_url("redis://127.0.0.1:1/0", max_deliveries=0)
