"""The audit trail: who did what to what, when, from where, and how it ended.

:class:`AuditLog` is the contract, :class:`MemoryAuditLog` the embedded log and
:class:`pa_core.audit.sqlalchemy.SqlAuditLog` the SQL one (table in
:mod:`pa_core.audit.models`). :class:`AuditRecorder` builds and records events;
every backend stores :func:`sanitise_event` of what it is given.
"""

from pa_core.audit.base import AuditContext, AuditEvent, AuditFilter, AuditLog, Outcome
from pa_core.audit.memory import MemoryAuditLog
from pa_core.audit.recorder import AuditRecorder
from pa_core.audit.sanitise import MAX_LENGTHS, clean_ip, clean_text, sanitise_event

__all__ = [
    "MAX_LENGTHS",
    "AuditContext",
    "AuditEvent",
    "AuditFilter",
    "AuditLog",
    "AuditRecorder",
    "MemoryAuditLog",
    "Outcome",
    "clean_ip",
    "clean_text",
    "sanitise_event",
]
