"""A durable job queue on Redis Streams, for worker processes apart from the web processes.

Jobs are appended to one stream (``XADD``) and read by a consumer group
(``XREADGROUP``): each job goes to one consumer. A job is acknowledged and
deleted from the stream (``XACK`` + ``XDEL``) once its handler returned or
failed, so a message body travelling in a job does not outlive its processing.

A consumer that dies holds its jobs in the group's pending list; after
``visibility_timeout`` seconds without news another consumer takes them over
(``XAUTOCLAIM``) and runs them. While a job runs, its consumer keeps it
claimed (an ``XCLAIM`` heartbeat), so a slow job (a long wait for the sending
rate) is never taken over by a live consumer's peer. A job runs once, except
when its worker dies mid-job: it then runs again elsewhere (at least once).
A job whose workers keep dying (one that crashes the process, say) is given up
after ``max_deliveries`` deliveries: logged (kind and id, never its data),
acknowledged and deleted, so it cannot take every worker down forever.

Failures are logged like :class:`~pa_sms.jobs.InProcessJobQueue`'s (kind and
exception, never the job's data) and are not retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import time
from typing import Any

from redis import exceptions as redis_exc
from redis.asyncio import Redis

from pa_core.errors import ServiceUnavailable
from pa_core.kv.redis import create_redis_client, redis_errors
from pa_core.redis_values import as_text
from pa_sms.jobs import Job, JobHandler, JobHandlers

__all__ = [
    "DEFAULT_BLOCK",
    "DEFAULT_CONCURRENCY",
    "DEFAULT_GROUP",
    "DEFAULT_MAX_DELIVERIES",
    "DEFAULT_STREAM",
    "DEFAULT_VISIBILITY_TIMEOUT",
    "RedisJobQueue",
]

DEFAULT_STREAM = "pa:sms:jobs"
"""The stream the jobs wait in."""
DEFAULT_GROUP = "sms-workers"
"""The consumer group every worker process joins."""
DEFAULT_CONCURRENCY = 32
"""Jobs one consumer runs at once (each mostly waits on the database, the agent, the sender)."""
DEFAULT_VISIBILITY_TIMEOUT = 60.0
"""Seconds a job of a silent consumer stays with it before another consumer takes it over."""
DEFAULT_BLOCK = 0.5
"""Seconds one read waits for new jobs (also how soon a stopping consumer notices)."""
DEFAULT_MAX_DELIVERIES = 5
"""Deliveries of one job (its first and the take-overs after dead workers) before it is given up."""

_logger = logging.getLogger("pa_sms.jobs")


class RedisJobQueue:
    """Implements :class:`~pa_sms.jobs.JobQueue` on a Redis stream with a consumer group.

    Any process may :meth:`submit`; a process that should run jobs also calls
    :meth:`start` (and :meth:`close` at shutdown).

    Args:
        client: a Redis client whose socket timeout exceeds ``block`` (see :meth:`from_url`).
        stream: the stream's key.
        group: the consumer group's name.
        consumer: this consumer's name (host and process id by default).
        concurrency: jobs run at once by this consumer.
        visibility_timeout: seconds before a silent consumer's jobs are taken over.
        block: seconds one read waits for new jobs.
        max_deliveries: deliveries of a job before it is given up (see the module doc).
    """

    def __init__(
        self,
        client: Redis,
        *,
        stream: str = DEFAULT_STREAM,
        group: str = DEFAULT_GROUP,
        consumer: str | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        visibility_timeout: float = DEFAULT_VISIBILITY_TIMEOUT,
        block: float = DEFAULT_BLOCK,
        max_deliveries: int = DEFAULT_MAX_DELIVERIES,
        logger: logging.Logger | None = None,
    ) -> None:
        if concurrency < 1 or visibility_timeout <= 0 or block <= 0 or max_deliveries < 1:
            raise ValueError(
                "concurrency, visibility_timeout, block and max_deliveries must be positive"
            )
        self.client = client
        self.stream = stream
        self.group = group
        self.consumer = consumer or f"{socket.gethostname()}-{os.getpid()}"
        self.concurrency = concurrency
        self.visibility_timeout = visibility_timeout
        self.block = block
        self.max_deliveries = max_deliveries
        self.handlers = JobHandlers(logger)
        self._logger = logger or _logger
        self._running: dict[asyncio.Task[None], str] = {}
        self._done: list[str] = []
        self._reader: asyncio.Task[None] | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._stopping = False

    @classmethod
    def from_url(cls, url: str, *, timeout: float = 0.5, **options: Any) -> RedisJobQueue:
        """A queue with its own client (socket timeout ``timeout`` plus the read's ``block``)."""
        block = float(options.get("block", DEFAULT_BLOCK))
        return cls(create_redis_client(url, timeout + block), **options)

    @property
    def failures(self) -> int:
        """Jobs that raised in this process since the queue was made."""
        return self.handlers.failures

    @property
    def running(self) -> bool:
        """Whether this process is consuming jobs."""
        return self._reader is not None

    def register(self, kind: str, handler: JobHandler) -> None:
        """See :meth:`~pa_sms.jobs.JobQueue.register`."""
        self.handlers.register(kind, handler)

    async def submit(self, job: Job) -> None:
        """See :meth:`~pa_sms.jobs.JobQueue.submit` (one ``XADD``)."""
        fields = {"kind": job.kind, "data": json.dumps(job.data, separators=(",", ":"))}
        with redis_errors("jobs"):
            await self.client.xadd(self.stream, fields)  # type: ignore[arg-type]

    async def ensure_group(self) -> None:
        """Create the stream and its consumer group if they do not exist yet."""
        with redis_errors("jobs"):
            try:
                await self.client.xgroup_create(self.stream, self.group, id="0", mkstream=True)
            except redis_exc.ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    async def start(self) -> None:
        """Start consuming in the running event loop (idempotent)."""
        if self._reader is not None:
            return
        await self.ensure_group()
        self._stopping = False
        self._reader = asyncio.create_task(self._consume(), name="sms-job-reader")
        self._heartbeat = asyncio.create_task(self._keep_claims(), name="sms-job-heartbeat")

    async def run_forever(self) -> None:
        """Consume until cancelled, then finish the jobs in hand (a worker process's main)."""
        await self.start()
        try:
            await asyncio.Event().wait()
        finally:
            await self.close()

    async def join(self, poll: float = 0.01) -> None:
        """Wait until the stream holds no job: every one submitted so far was processed.

        Processed jobs are deleted, so an empty stream means nothing is waiting
        or running, in this process or any other.
        """
        while True:
            with redis_errors("jobs"):
                if await self.client.xlen(self.stream) == 0:
                    return
            await asyncio.sleep(poll)

    async def close(self) -> None:
        """Stop reading, finish the jobs in hand, acknowledge them, close the client."""
        if self._reader is not None:
            self._stopping = True
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
            self._heartbeat = None
        with contextlib.suppress(ServiceUnavailable):
            await self._acknowledge()
        await self.client.aclose()

    # --- consuming -------------------------------------------------------------------

    async def _consume(self) -> None:
        reclaim_at = 0.0
        while not self._stopping:
            try:
                await self._acknowledge()
                free = self.concurrency - len(self._running)
                if free <= 0:
                    await asyncio.wait(set(self._running), return_when=asyncio.FIRST_COMPLETED)
                    continue
                entries: list[Any] = []
                if time.monotonic() >= reclaim_at:
                    entries = await self._reclaim(free)
                    reclaim_at = time.monotonic() + self.visibility_timeout / 2
                if not entries:
                    entries = await self._read(free)
                for entry_id, fields in entries:
                    self._begin(as_text(entry_id), fields)
            except ServiceUnavailable:
                self._logger.warning("job queue: Redis is unreachable; trying again")
                await asyncio.sleep(self.block)
            except redis_exc.ResponseError as exc:
                # The stream or its group vanished (flushed, deleted): make them again.
                self._logger.warning("job queue: %s; recreating the group", str(exc)[:60])
                await asyncio.sleep(self.block)
                with contextlib.suppress(ServiceUnavailable, redis_exc.ResponseError):
                    await self.ensure_group()
        if self._running:
            await asyncio.wait(set(self._running))

    async def _read(self, count: int) -> list[Any]:
        with redis_errors("jobs"):
            found: Any = await self.client.xreadgroup(
                self.group,
                self.consumer,
                {self.stream: ">"},
                count=count,
                block=max(1, int(self.block * 1000)),
            )
        return list(found[0][1]) if found else []

    async def _reclaim(self, count: int) -> list[Any]:
        """Take over jobs that a silent consumer held longer than the visibility timeout."""
        with redis_errors("jobs"):
            answer = await self.client.xautoclaim(
                self.stream,
                self.group,
                self.consumer,
                min_idle_time=int(self.visibility_timeout * 1000),
                start_id="0-0",
                count=count,
            )
        claimed = [(i, f) for i, f in answer[1] if f]
        gone = [as_text(i) for i, f in answer[1] if not f]
        gone += [as_text(i) for i in (answer[2] if len(answer) > 2 else [])]
        self._done.extend(gone)  # deleted meanwhile: nothing left to run
        if claimed:
            self._logger.warning("job queue: took over %d job(s) of a silent worker", len(claimed))
            claimed = await self._within_deliveries(claimed)
        return claimed

    async def _within_deliveries(self, claimed: list[Any]) -> list[Any]:
        """The claimed jobs not yet delivered too often; the others are given up."""
        with redis_errors("jobs"):
            async with self.client.pipeline(transaction=False) as pipe:
                for entry_id, _ in claimed:
                    pipe.xpending_range(self.stream, self.group, entry_id, entry_id, 1)
                answers = await pipe.execute()
        keep = []
        for (entry_id, fields), pending in zip(claimed, answers, strict=True):
            deliveries = int(pending[0]["times_delivered"]) if pending else 1
            if deliveries <= self.max_deliveries:
                keep.append((entry_id, fields))
                continue
            self.handlers.failures += 1
            kind = as_text(fields.get(b"kind", fields.get("kind", b"?")))
            self._logger.error(
                "SMS job %s (%s) given up after %d deliveries: its workers kept dying",
                as_text(entry_id),
                kind,
                deliveries,
            )
            self._done.append(as_text(entry_id))
        return keep

    def _begin(self, entry_id: str, fields: dict[Any, Any]) -> None:
        values = {as_text(k): as_text(v) for k, v in fields.items()}
        task = asyncio.create_task(self._run(entry_id, values))
        self._running[task] = entry_id
        task.add_done_callback(self._finished)

    async def _run(self, entry_id: str, values: dict[str, str]) -> None:
        try:
            job = Job(values.get("kind", ""), json.loads(values.get("data", "{}")))
        except ValueError:
            self.handlers.failures += 1
            self._logger.error("SMS job %s is not valid JSON; dropped", entry_id)
            return
        await self.handlers.run(job)

    def _finished(self, task: asyncio.Task[None]) -> None:
        entry_id = self._running.pop(task)
        self._done.append(entry_id)

    async def _acknowledge(self) -> None:
        """Acknowledge and delete the finished jobs (one round trip for all of them)."""
        if not self._done:
            return
        done, self._done = self._done, []
        try:
            with redis_errors("jobs"):
                async with self.client.pipeline(transaction=False) as pipe:
                    pipe.xack(self.stream, self.group, *done)
                    pipe.xdel(self.stream, *done)
                    await pipe.execute()
        except ServiceUnavailable:
            self._done.extend(done)
            raise

    async def _keep_claims(self) -> None:
        """Reset the idle time of the jobs in hand, so no peer takes over a live consumer's job."""
        while True:
            await asyncio.sleep(self.visibility_timeout / 3)
            held: list[Any] = list(self._running.values())
            if not held:
                continue
            try:
                with redis_errors("jobs"):
                    await self.client.xclaim(
                        self.stream, self.group, self.consumer, 0, held, justid=True
                    )
            except ServiceUnavailable:
                self._logger.warning("job queue: could not renew the claim on running jobs")
