"""The audit trail: who did what to what, when, from where, and how it ended."""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Final, Protocol

from pa_core.client_address import valid_ip
from pa_core.clock import Clock
from pa_core.ids import new_id
from pa_core.pagination import Page, PageRequest

__all__ = [
    "MAX_LENGTHS",
    "AuditContext",
    "AuditEvent",
    "AuditFilter",
    "AuditLog",
    "AuditRecorder",
    "Outcome",
    "clean_ip",
    "clean_text",
    "sanitise_event",
]

MAX_LENGTHS: Final[Mapping[str, int]] = {
    "action": 100,
    "target_type": 50,
    "target_id": 64,
    "ip": 45,
    "user_agent": 512,
    "request_id": 128,
}
"""The most characters each text field of an event may hold (the ``audit_events`` columns)."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean_text(value: str | None, limit: int | None = None) -> str | None:
    """``value`` without control characters, cut to ``limit`` characters; ``None`` stays ``None``.

    Request metadata is whatever the client sent: a NUL byte (refused by
    PostgreSQL text) or a newline (a forged log line) must never reach the trail.
    """
    if value is None:
        return None
    cleaned = _CONTROL.sub("", value)
    return cleaned[:limit] if limit is not None else cleaned


def clean_ip(value: str | None) -> str | None:
    """``value`` as a canonical IPv4/IPv6 address, or ``None`` when it is not one.

    A zone (``fe80::1%eth0``) is dropped: it names an interface of the
    recording host, not the client, and would overflow the column.
    """
    if not value or len(value) > 100:
        return None
    try:
        address = ipaddress.ip_address(value.strip().split("%", 1)[0])
    except ValueError:
        return None
    text = str(address)
    return text if len(text) <= MAX_LENGTHS["ip"] else None


def _clean_detail(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Mapping):
        return {clean_text(str(k)): _clean_detail(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_detail(v) for v in value]
    return value


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


def sanitise_event(event: AuditEvent) -> AuditEvent:
    """``event`` as every backend stores it: bad request metadata can never fail the write.

    The IP must parse as an address (else ``None``); every text field loses its
    control characters and is cut to its column size (:data:`MAX_LENGTHS`);
    strings inside ``details`` lose their control characters. Backends call
    this in ``record``, so a trail written without :class:`AuditRecorder` is
    held to the same rules.
    """
    return dataclasses.replace(
        event,
        action=clean_text(event.action, MAX_LENGTHS["action"]) or "",
        actor_id=clean_text(event.actor_id),
        target_type=clean_text(event.target_type, MAX_LENGTHS["target_type"]),
        target_id=clean_text(event.target_id, MAX_LENGTHS["target_id"]),
        ip=clean_ip(event.ip),
        user_agent=clean_text(event.user_agent, MAX_LENGTHS["user_agent"]),
        request_id=clean_text(event.request_id, MAX_LENGTHS["request_id"]),
        details=_clean_detail(dict(event.details)),
    )


class AuditLog(Protocol):
    """Append-only store of audit events, listed newest first.

    ``record`` stores :func:`sanitise_event` of what it is given.
    """

    async def record(self, event: AuditEvent) -> None:
        """Append ``event`` (sanitised)."""
        ...

    def atomic(self) -> AbstractAsyncContextManager[None]:
        """A block whose writes commit together with the events recorded in it, or not at all.

        On SQL, every store on the same :class:`~pa_core.stores.sqlalchemy.Database`
        joins one transaction for the block (the change and its audit row land
        together or neither does). In memory nothing can fail half-way, so the
        block only groups the calls. Blocks nest: an inner one joins the outer.
        """
        ...

    async def list(self, filters: AuditFilter, page: PageRequest) -> Page[AuditEvent]:
        """Events matching ``filters``, newest first, one page at a time."""
        ...


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
