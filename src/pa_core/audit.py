"""The audit trail: who did what to what, when, from where, and how it ended."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from pa_core.client_address import valid_ip
from pa_core.clock import Clock
from pa_core.ids import new_id
from pa_core.pagination import Page, PageRequest

__all__ = [
    "AuditContext",
    "AuditEvent",
    "AuditFilter",
    "AuditLog",
    "AuditRecorder",
    "Outcome",
]


class Outcome(StrEnum):
    """How an audited action ended."""

    SUCCESS = "success"
    FAILURE = "failure"
    DENIED = "denied"


@dataclass(frozen=True, slots=True)
class AuditContext:
    """Where a request came from: recorded with every event it causes.

    ``ip`` is kept only when it is a valid IP address (else ``None``).
    """

    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None

    def __post_init__(self) -> None:
        if self.ip is not None:
            object.__setattr__(self, "ip", valid_ip(self.ip))


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One audited action. ``details`` never holds a secret (password, token, code, body)."""

    id: str
    at: datetime
    action: str
    outcome: Outcome
    actor_id: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.ip is not None:
            object.__setattr__(self, "ip", valid_ip(self.ip))


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Narrows a listing; every field is optional and they combine with AND."""

    actor_id: str | None = None
    action: str | None = None
    since: datetime | None = None


class AuditLog(Protocol):
    """Append-only store of audit events, listed newest first."""

    async def record(self, event: AuditEvent) -> None:
        """Append ``event``."""
        ...

    async def list(self, filters: AuditFilter, page: PageRequest) -> Page[AuditEvent]:
        """Events matching ``filters``, newest first, one page at a time."""
        ...


class AuditRecorder:
    """Builds events with ids and times from the clock and appends them to a log."""

    def __init__(self, log: AuditLog, clock: Clock) -> None:
        self.log = log
        self.clock = clock

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
        """Record one event and return it."""
        now = self.clock.now()
        ctx = context or AuditContext()
        event = AuditEvent(
            id=new_id(now),
            at=now,
            action=action,
            outcome=outcome,
            actor_id=actor_id,
            target_type=target_type,
            target_id=target_id,
            ip=ctx.ip,
            user_agent=ctx.user_agent[:512] if ctx.user_agent else None,
            request_id=ctx.request_id,
            details=details,
        )
        await self.log.record(event)
        return event
