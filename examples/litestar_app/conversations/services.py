"""Wiring of the conversations service (SQL storage, live-update broker).

The broker is Redis pub/sub when ``PA_REDIS_URL`` is set (every app process
hears every message), else in-process (one process, the embedded default).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from examples.litestar_app.core.settings import AppSettings
from pa_core.audit import AuditRecorder
from pa_core.clock import Clock
from pa_core.conversations import ConversationService, MemoryMessageBroker, MessageBroker
from pa_core.conversations.sqlalchemy import SqlConversationRepository
from pa_core.database import Database

__all__ = ["AssistantServices", "build_assistant_services"]


@dataclass
class AssistantServices:
    """The conversations with the assistant and their live updates."""

    conversations: ConversationService
    broker: MessageBroker
    heartbeat: timedelta

    async def close(self) -> None:
        """Release the broker's connections."""
        await self.broker.close()


def _broker(settings: AppSettings) -> MessageBroker:
    if settings.redis_url:
        from pa_core.conversations.redis import RedisMessageBroker

        return RedisMessageBroker.from_url(settings.redis_url, timeout=settings.redis_timeout)
    return MemoryMessageBroker()


def build_assistant_services(
    settings: AppSettings,
    clock: Clock,
    *,
    database: Database,
    audit: AuditRecorder,
) -> AssistantServices:
    """Build the services for ``settings``."""
    broker = _broker(settings)
    return AssistantServices(
        conversations=ConversationService(
            SqlConversationRepository(database), broker, clock, audit
        ),
        broker=broker,
        heartbeat=timedelta(seconds=settings.sse_heartbeat_interval),
    )
