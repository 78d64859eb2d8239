"""SQLAlchemy implementation of :class:`~pa_core.audit.AuditLog`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy import and_, or_, select

from pa_core.audit.base import AuditEvent, AuditFilter, Outcome
from pa_core.audit.models import AuditEventRow
from pa_core.audit.sanitise import sanitise_event
from pa_core.database.engine import Database
from pa_core.pagination import Page, PageRequest, decode_cursor, page_of

__all__ = ["SqlAuditLog"]


def _to_event(row: AuditEventRow) -> AuditEvent:
    return AuditEvent(
        id=row.id,
        at=row.at,
        action=row.action,
        outcome=Outcome(row.outcome),
        actor_id=row.actor_id,
        target_type=row.target_type,
        target_id=row.target_id,
        ip=row.ip,
        user_agent=row.user_agent,
        request_id=row.request_id,
        details=dict(row.details or {}),
    )


class SqlAuditLog:
    """Audit events in the ``audit_events`` table."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def record(self, event: AuditEvent) -> None:
        """Append ``event``, sanitised (:func:`~pa_core.audit.sanitise_event`).

        Inside :meth:`atomic` the row is part of that block's transaction.
        """
        event = sanitise_event(event)
        async with self.database.session() as session:
            session.add(
                AuditEventRow(
                    id=event.id,
                    at=event.at,
                    action=event.action,
                    outcome=event.outcome.value,
                    actor_id=event.actor_id,
                    target_type=event.target_type,
                    target_id=event.target_id,
                    ip=event.ip,
                    user_agent=event.user_agent,
                    request_id=event.request_id,
                    details=dict(event.details),
                )
            )

    @asynccontextmanager
    async def atomic(self) -> AsyncIterator[None]:
        """One transaction (:meth:`Database.transaction`) for the block's writes and events."""
        async with self.database.transaction():
            yield

    async def list(self, filters: AuditFilter, page: PageRequest) -> Page[AuditEvent]:
        """Events matching ``filters``, newest first (keyset on ``at, id``)."""
        query = (
            select(AuditEventRow)
            .order_by(AuditEventRow.at.desc(), AuditEventRow.id.desc())
            .limit(page.limit + 1)
        )
        if filters.actor_id is not None:
            query = query.where(AuditEventRow.actor_id == filters.actor_id)
        if filters.action is not None:
            query = query.where(AuditEventRow.action == filters.action)
        if filters.since is not None:
            query = query.where(AuditEventRow.at >= filters.since)
        if page.cursor:
            at, eid = decode_cursor(page.cursor, 2)
            before = datetime.fromisoformat(at)
            query = query.where(
                or_(
                    AuditEventRow.at < before,
                    and_(AuditEventRow.at == before, AuditEventRow.id < eid),
                )
            )
        async with self.database.session() as session:
            events = [_to_event(r) for r in (await session.scalars(query)).all()]
        return page_of(events, page.limit, lambda e: [e.at.isoformat(), e.id])
