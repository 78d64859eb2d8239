"""Running work outside the request: the job queue contract and an in-process implementation.

The webhook answers Twilio at once; the agent runs later, as a job.
:class:`InProcessJobQueue` is a bounded asyncio queue with a few worker
tasks, started and drained by the application's lifespan. A full queue makes
:meth:`~InProcessJobQueue.submit` wait (back-pressure), never drop work.

Scaling out beyond one process means a job queue on Redis with separate
worker processes behind the same :class:`JobQueue` contract.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable

from pa_core.errors import ServiceUnavailable

__all__ = [
    "DEFAULT_QUEUE_SIZE",
    "DEFAULT_WORKERS",
    "InProcessJobQueue",
    "Job",
    "JobQueue",
]

Job = Callable[[], Awaitable[None]]
"""A unit of work: an argument-less coroutine function."""

DEFAULT_QUEUE_SIZE = 1000
"""Jobs that may wait before :meth:`InProcessJobQueue.submit` starts to wait itself."""
DEFAULT_WORKERS = 8
"""Jobs run at once (each mostly waits: on the agent, the rate limit, the provider)."""

_logger = logging.getLogger("pa_sms.jobs")


@runtime_checkable
class JobQueue(Protocol):
    """Accepts jobs to run soon, outside the caller's request."""

    async def submit(self, job: Job) -> None:
        """Queue ``job``; returns once it is accepted (not run).

        Raises:
            ServiceUnavailable: the queue is not running.
        """
        ...


class InProcessJobQueue:
    """A bounded queue of jobs run by worker tasks in this process's event loop.

    A job that raises is logged (its exception type and message; jobs must not
    put message bodies in exceptions) and does not stop the worker.
    """

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
        self._logger = logger or _logger
        self._queue: asyncio.Queue[Job] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self.failures = 0
        """Jobs that raised since start."""

    @property
    def running(self) -> bool:
        """Whether workers are taking jobs."""
        return bool(self._tasks)

    @property
    def pending(self) -> int:
        """Jobs waiting for a worker."""
        return 0 if self._queue is None else self._queue.qsize()

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
                await job()
            except Exception as exc:
                self.failures += 1
                self._logger.error("SMS job failed: %s: %s", type(exc).__name__, exc)
            finally:
                queue.task_done()
