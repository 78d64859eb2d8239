"""Running work outside the request: the job queue contract and an in-process implementation.

The webhook answers Twilio at once; the agent runs later, as a job. A
:class:`Job` is data (a ``kind`` and a JSON-serialisable ``data`` mapping),
never a closure, so the same job can wait in this process's memory or in Redis
for a worker in another process. Whoever handles a kind registers a
:data:`JobHandler` for it on the queue (:meth:`JobQueue.register`).

:class:`InProcessJobQueue` is a bounded asyncio queue with a few worker
tasks, started and drained by the application's lifespan (the embedded
default: no Redis needed). A full queue makes :meth:`~InProcessJobQueue.submit`
wait (back-pressure), never drop work. :class:`pa_sms.jobs_redis.RedisJobQueue`
is the durable one for separate worker processes, behind the same contract.

A job that raises is logged with its kind and the exception's type and message,
never its data (which may hold a message body), and is not retried.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from pa_core.errors import ServiceUnavailable
from pa_sms.logsafe import mask_numbers_in

__all__ = [
    "DEFAULT_QUEUE_SIZE",
    "DEFAULT_WORKERS",
    "InProcessJobQueue",
    "Job",
    "JobHandler",
    "JobHandlers",
    "JobQueue",
]

DEFAULT_QUEUE_SIZE = 1000
"""Jobs that may wait before :meth:`InProcessJobQueue.submit` starts to wait itself."""
DEFAULT_WORKERS = 8
"""Jobs run at once (each mostly waits: on the agent, the rate limit, the provider)."""

_logger = logging.getLogger("pa_sms.jobs")


@dataclass(frozen=True, slots=True, repr=False)
class Job:
    """One unit of work as data: what to do (``kind``) and with what (JSON-able ``data``)."""

    kind: str
    data: Mapping[str, Any]

    def __repr__(self) -> str:
        # The data may hold a message body: only its field names are shown.
        return f"Job(kind={self.kind!r}, fields={sorted(self.data)})"


JobHandler = Callable[[Job], Awaitable[None]]
"""Runs one job of the kind it was registered for."""


@runtime_checkable
class JobQueue(Protocol):
    """Accepts jobs to run soon, outside the caller's request, by the handler of their kind."""

    def register(self, kind: str, handler: JobHandler) -> None:
        """Run jobs of ``kind`` with ``handler`` (replacing any handler registered before)."""
        ...

    async def submit(self, job: Job) -> None:
        """Queue ``job``; returns once it is accepted (not run).

        Raises:
            ServiceUnavailable: the queue is not running (or its backend is down).
        """
        ...


class JobHandlers:
    """The handlers of a queue by job kind, and how a job is run and its failure logged."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._handlers: dict[str, JobHandler] = {}
        self._logger = logger or _logger
        self.failures = 0
        """Jobs that raised (or had no handler) since the queue was made."""

    def register(self, kind: str, handler: JobHandler) -> None:
        """See :meth:`JobQueue.register`."""
        self._handlers[kind] = handler

    async def run(self, job: Job) -> bool:
        """Run ``job``; return whether it succeeded (a failure is logged without the job's data)."""
        handler = self._handlers.get(job.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for jobs of kind {job.kind!r}")
            await handler(job)
        except Exception as exc:
            self.failures += 1
            self._logger.error(
                "SMS job %s failed: %s: %s", job.kind, type(exc).__name__, mask_numbers_in(str(exc))
            )
            return False
        return True


class InProcessJobQueue:
    """A bounded queue of jobs run by worker tasks in this process's event loop."""

    def __init__(
        self,
        maxsize: int = DEFAULT_QUEUE_SIZE,
        workers: int = DEFAULT_WORKERS,
        *,
        logger: logging.Logger | None = None,
    ) -> None:
        if maxsize < 1 or workers < 1:
            raise ValueError("maxsize and workers must be at least 1")
        self.maxsize = maxsize
        self.workers = workers
        self.handlers = JobHandlers(logger)
        self._queue: asyncio.Queue[Job] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def failures(self) -> int:
        """Jobs that raised since the queue was made."""
        return self.handlers.failures

    @property
    def running(self) -> bool:
        """Whether workers are taking jobs."""
        return bool(self._tasks)

    @property
    def pending(self) -> int:
        """Jobs waiting for a worker."""
        return 0 if self._queue is None else self._queue.qsize()

    def register(self, kind: str, handler: JobHandler) -> None:
        """See :meth:`JobQueue.register`."""
        self.handlers.register(kind, handler)

    async def start(self) -> None:
        """Start the workers in the running event loop (idempotent)."""
        if self._tasks:
            return
        self._queue = asyncio.Queue(self.maxsize)
        self._loop = asyncio.get_running_loop()
        self._tasks = [
            asyncio.create_task(self._work(), name=f"sms-job-worker-{n}")
            for n in range(self.workers)
        ]

    async def submit(self, job: Job) -> None:
        """See :meth:`JobQueue.submit`; waits while the queue is full."""
        if self._queue is None or not self._tasks:
            raise ServiceUnavailable("the job queue is not running", dependency="jobs")
        await self._queue.put(job)

    async def join(self) -> None:
        """Wait until every job submitted so far (and any job they submit) has finished.

        Callable from another event loop too (a test client running the app in a
        thread of its own): the wait then runs on the queue's loop.
        """
        queue, loop = self._queue, self._loop
        if queue is None or loop is None:
            return
        if asyncio.get_running_loop() is loop:
            await queue.join()
            return
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(queue.join(), loop))

    async def close(self) -> None:
        """Stop taking jobs: finish the queued ones, then stop the workers."""
        if not self._tasks:
            return
        await self.join()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        self._queue = None
        self._loop = None

    async def _work(self) -> None:
        assert self._queue is not None
        queue = self._queue
        while True:
            job = await queue.get()
            try:
                await self.handlers.run(job)
            finally:
                queue.task_done()
