"""What every audit backend stores: request metadata cleaned so that it can never fail a write."""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from collections.abc import Mapping
from typing import Any, Final

from pa_core.audit.base import AuditEvent

__all__ = ["MAX_LENGTHS", "clean_ip", "clean_text", "sanitise_event"]

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


def sanitise_event(event: AuditEvent) -> AuditEvent:
    """``event`` as every backend stores it: bad request metadata can never fail the write.

    The IP must parse as an address (else ``None``); every text field loses its
    control characters and is cut to its column size (:data:`MAX_LENGTHS`);
    strings inside ``details`` lose their control characters. Backends call
    this in ``record``, so a trail written without
    :class:`~pa_core.audit.recorder.AuditRecorder` is
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
