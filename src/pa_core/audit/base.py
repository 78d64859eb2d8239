"""The audit trail's contract: who did what to what, when, from where, and how it ended."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from pa_core.client_address import valid_ip
from pa_core.pagination import Page, PageRequest

__all__ = ["AuditContext", "AuditEvent", "AuditFilter", "AuditLog", "Outcome"]


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
    """Append-only store of audit events, listed newest first.

    ``record`` stores :func:`~pa_core.audit.sanitise.sanitise_event` of what it is given.
    """

    async def record(self, event: AuditEvent) -> None:
        """Append ``event`` (sanitised)."""
        ...

    def atomic(self) -> AbstractAsyncContextManager[None]:
        """A block whose writes commit together with the events recorded in it, or not at all.

        On SQL, every store on the same :class:`~pa_core.database.Database`
        joins one transaction for the block (the change and its audit row land
        together or neither does). In memory nothing can fail half-way, so the
        block only groups the calls. Blocks nest: an inner one joins the outer.
        """
        ...

    async def list(self, filters: AuditFilter, page: PageRequest) -> Page[AuditEvent]:
        """Events matching ``filters``, newest first, one page at a time."""
        ...
