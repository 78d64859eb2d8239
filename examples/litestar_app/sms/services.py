"""Wiring of SMS: the transport, store, outbound sender, router, number manager, agents, job queue.

Shared by the reference app and the standalone SMS service (``sms_app.py``).
Wiring only; every rule lives in ``pa_sms``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from examples.litestar_app.core.settings import AppSettings
from pa_core.audit import AuditRecorder
from pa_core.clock import Clock
from pa_core.database import Database
from pa_core.errors import ImproperlyConfigured
from pa_core.kv import KeyValueStore
from pa_core.users import UserRepository
from pa_sms.agents import (
    AgentRegistry,
    ConversationRecorder,
    DefaultAgent,
    MemoryConversationRecorder,
)
from pa_sms.jobs import InProcessJobQueue, JobQueue
from pa_sms.jobs_redis import RedisJobQueue
from pa_sms.numbers import MemoryNumberProvider, NumberProvider
from pa_sms.numbers.manager import NumberManager
from pa_sms.outbound import OutboundSender, SegmentRateLimiter
from pa_sms.records.sqlalchemy import SqlSmsStore
from pa_sms.router import SmsRouter
from pa_sms.transports import ConsoleTransport, RecordingTransport, SmsTransport
from pa_sms.webhooks import (
    INBOUND_PATH,
    STATUS_PATH,
    TwilioSignatureVerifier,
    webhook_auth_token,
)

__all__ = [
    "PRICE_REFRESH_INTERVAL",
    "SmsJobQueue",
    "SmsServices",
    "build_sms_sender",
    "build_sms_services",
]

PRICE_REFRESH_INTERVAL = timedelta(minutes=5)
"""How often the prices Twilio filled in after delivery are fetched."""

_logger = logging.getLogger("pa_sms.app")


class SmsJobQueue(JobQueue, Protocol):
    """The queue the agents' jobs wait in (``PA_SMS_JOB_QUEUE``): what the app drives of it."""

    @property
    def failures(self) -> int:
        """Jobs that raised in this process."""
        ...

    async def start(self) -> None:
        """Start running jobs in this process."""
        ...

    async def join(self) -> None:
        """Wait until every job submitted so far has been processed."""
        ...

    async def close(self) -> None:
        """Stop running jobs, after finishing those in hand."""
        ...


@dataclass
class SmsServices:
    """The SMS parts of the app; :meth:`start` and :meth:`close` follow the app's lifespan."""

    store: SqlSmsStore
    outbound: OutboundSender
    router: SmsRouter
    numbers: NumberManager
    agents: AgentRegistry
    recorder: ConversationRecorder
    queue: SmsJobQueue
    run_worker: bool = True
    """Whether this process does the background SMS work: agents' jobs (always with the
    in-process queue) and the periodic refreshes (prices here, usage rollups beside)."""
    _price_task: asyncio.Task[None] | None = field(default=None, repr=False)

    async def start(self) -> None:
        """Start the background work if this process does it (:attr:`run_worker`).

        A web process beside ``sms-worker`` processes only makes sure the queue
        exists: jobs and periodic refreshes take no time from its requests.
        """
        if isinstance(self.queue, RedisJobQueue) and not self.run_worker:
            await self.queue.ensure_group()
        else:
            await self.start_background()

    async def start_background(self) -> None:
        """Take jobs and refresh prices periodically in this process (``sms-worker`` does)."""
        await self.queue.start()
        if self._price_task is None:
            self._price_task = asyncio.create_task(self._refresh_prices(), name="sms-prices")

    async def close(self) -> None:
        """Finish queued jobs, then stop the workers and the price refresh."""
        if self._price_task is not None:
            self._price_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._price_task
            self._price_task = None
        await self.queue.close()

    async def _refresh_prices(self) -> None:
        while True:
            await asyncio.sleep(PRICE_REFRESH_INTERVAL.total_seconds())
            try:
                await self.outbound.refresh_prices()
            except Exception as exc:  # a failed round must not end the loop
                _logger.warning("SMS price refresh failed: %s", type(exc).__name__)


async def _nothing() -> None:
    return None


async def build_sms_sender(
    settings: AppSettings,
) -> tuple[SmsTransport, Callable[[], Awaitable[None]]]:
    """The transport named by ``PA_SMS_TRANSPORT`` and how to close it.

    ``memory`` records messages (tests read ``services.sms_sender.sent``),
    ``console`` logs them without their body, ``twilio`` sends them from
    ``PA_TWILIO_FROM_NUMBER``. Call it inside the running event loop.
    """
    if settings.sms_transport == "twilio":
        from pa_sms.transports.twilio import TwilioTransport

        twilio = TwilioTransport.from_settings(settings)
        return twilio, twilio.close
    if settings.sms_transport == "memory":
        recording = (
            RecordingTransport(settings.twilio_from_number)
            if settings.twilio_from_number
            else RecordingTransport()
        )
        return recording, _nothing
    console = (
        ConsoleTransport(settings.twilio_from_number)
        if settings.twilio_from_number
        else ConsoleTransport()
    )
    return console, _nothing


def _provider(transport: SmsTransport) -> NumberProvider:
    """Twilio's numbers when sending through Twilio (sharing its client), else in memory."""
    client = getattr(transport, "client", None)
    if client is not None:
        from pa_sms.numbers.twilio import TwilioNumberProvider

        return TwilioNumberProvider(client)
    return MemoryNumberProvider()


def _queue(settings: AppSettings) -> SmsJobQueue:
    """``PA_SMS_JOB_QUEUE``: this process's memory, or a Redis stream shared by workers."""
    if settings.sms_job_queue == "redis":
        if not settings.redis_url:
            raise ImproperlyConfigured("PA_SMS_JOB_QUEUE is 'redis' but PA_REDIS_URL is not set")
        return RedisJobQueue.from_url(
            settings.redis_url,
            timeout=settings.redis_timeout,
            concurrency=settings.sms_worker_concurrency,
            visibility_timeout=settings.sms_job_visibility_timeout,
            max_deliveries=settings.sms_job_max_deliveries,
        )
    return InProcessJobQueue(workers=settings.sms_worker_concurrency)


def _router(
    settings: AppSettings,
    clock: Clock,
    *,
    store: SqlSmsStore,
    outbound: OutboundSender,
    agents: AgentRegistry,
    queue: SmsJobQueue,
    kv: KeyValueStore,
) -> SmsRouter:
    """The webhooks' router: Twilio's signature on the public URLs, MessageSid idempotency."""
    return SmsRouter(
        store=store,
        verifier=TwilioSignatureVerifier(
            webhook_auth_token(settings), account_sid=settings.twilio_account_sid
        ),
        outbound=outbound,
        agents=agents,
        jobs=queue,
        idempotency=kv,
        clock=clock,
        inbound_url=settings.public_base_url + INBOUND_PATH,
        status_url=settings.public_base_url + STATUS_PATH,
        own_numbers=[settings.twilio_from_number or ""],
    )


def build_sms_services(
    settings: AppSettings,
    clock: Clock,
    *,
    database: Database,
    kv: KeyValueStore,
    users: UserRepository,
    transport: SmsTransport,
    audit: AuditRecorder,
    recorder: ConversationRecorder | None = None,
) -> SmsServices:
    """Build the SMS services on the app's database, key-value store and SMS transport.

    ``recorder`` writes the default agent's messages into users' conversations;
    in memory until the conversation service is wired in.
    """
    inbound_url = settings.public_base_url + INBOUND_PATH
    status_url = settings.public_base_url + STATUS_PATH
    store = SqlSmsStore(database)
    outbound = OutboundSender(
        transport,
        store,
        clock,
        limiter=SegmentRateLimiter(settings.sms_segments_per_second),
        status_callback=status_url,
    )
    recorder = recorder or MemoryConversationRecorder()
    agents = AgentRegistry(DefaultAgent(recorder))
    queue = _queue(settings)
    router = _router(
        settings, clock, store=store, outbound=outbound, agents=agents, queue=queue, kv=kv
    )
    numbers = NumberManager(
        _provider(transport),
        store,
        clock,
        inbound_url=inbound_url,
        status_url=status_url,
        users=users,
        audit=audit,
    )
    return SmsServices(
        store=store,
        outbound=outbound,
        router=router,
        numbers=numbers,
        agents=agents,
        recorder=recorder,
        queue=queue,
        run_worker=settings.sms_job_queue == "inprocess" or settings.sms_worker_in_app,
    )
