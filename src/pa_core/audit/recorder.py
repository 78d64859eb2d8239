"""Records audit events: ids and times from the clock, request context, sanitised details."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any

from pa_core.audit.base import AuditContext, AuditEvent, AuditLog, Outcome
from pa_core.audit.sanitise import sanitise_event
from pa_core.clock import Clock
from pa_core.ids import new_id

__all__ = ["AuditRecorder"]


class AuditRecorder:
    """Builds events with ids and times from the clock and appends them to a log."""

    def __init__(self, log: AuditLog, clock: Clock) -> None:
        self.log = log
        self.clock = clock

    def atomic(self) -> AbstractAsyncContextManager[None]:
        """The log's :meth:`AuditLog.atomic` block: a change and its events land together."""
        return self.log.atomic()

    async def record(
        self,
        action: str,
        outcome: Outcome = Outcome.SUCCESS,
        *,
        actor_id: str | None = None,
        target_type: str | None = None,
        target_id: str | None = None,
        context: AuditContext | None = None,
        **details: Any,
    ) -> AuditEvent:
        """Record one event (sanitised, see :func:`sanitise_event`) and return it."""
        now = self.clock.now()
        ctx = context or AuditContext()
        event = sanitise_event(
            AuditEvent(
                id=new_id(now),
                at=now,
                action=action,
                outcome=outcome,
                actor_id=actor_id,
                target_type=target_type,
                target_id=target_id,
                ip=ctx.ip,
                user_agent=ctx.user_agent,
                request_id=ctx.request_id,
                details=details,
            )
        )
        await self.log.record(event)
        return event
