"""In-memory audit log: the embedded default and the test double."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from pa_core.audit.base import AuditEvent, AuditFilter
from pa_core.audit.sanitise import sanitise_event
from pa_core.pagination import Page, PageRequest, decode_cursor, page_of

__all__ = ["MemoryAuditLog"]


class MemoryAuditLog:
    """Audit events in a list; the embedded test double of :class:`~pa_core.audit.base.AuditLog`."""

    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    async def record(self, event: AuditEvent) -> None:
        """Append ``event``, sanitised as by every backend (``sanitise_event``)."""
        self.events.append(sanitise_event(event))

    @asynccontextmanager
    async def atomic(self) -> AsyncIterator[None]:
        """Groups a change with its events; in memory neither can fail half-way."""
        yield

    async def list(self, filters: AuditFilter, page: PageRequest) -> Page[AuditEvent]:
        """Events matching ``filters``, newest first."""
        matching = [
            e
            for e in self.events
            if (filters.actor_id is None or e.actor_id == filters.actor_id)
            and (filters.action is None or e.action == filters.action)
            and (filters.since is None or e.at >= filters.since)
        ]
        matching.sort(key=lambda e: (e.at, e.id), reverse=True)
        if page.cursor:
            at, eid = decode_cursor(page.cursor, 2)
            position = (datetime.fromisoformat(at), eid)
            matching = [e for e in matching if (e.at, e.id) < position]
        return page_of(matching, page.limit, lambda e: [e.at.isoformat(), e.id])
