"""The client's IP for a request, worked out once per request by ``pa_core.client_address``.

``X-Forwarded-For`` is believed only from ``PA_TRUSTED_PROXIES``; uvicorn is
started with ``proxy_headers=False`` so that the socket's peer reaches the app
unchanged. Every per-address limit, audit event and session reads the address here.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection

from examples.litestar_app.core.request_id import request_state
from pa_core.client_address import TrustedProxies

__all__ = ["TRUSTED_PROXIES_STATE", "client_ip_of"]

TRUSTED_PROXIES_STATE = "trusted_proxies"
"""The app's ``state`` key holding its :class:`TrustedProxies` (parsed once, at start)."""

_CLIENT_IP = "pa_client_ip"


def client_ip_of(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The request's client IP (a valid IP or ``None``), kept in the scope's state."""
    state = request_state(connection.scope)
    if _CLIENT_IP in state:
        ip: str | None = state[_CLIENT_IP]
        return ip
    proxies: TrustedProxies = connection.app.state[TRUSTED_PROXIES_STATE]
    scope = connection.scope
    peer = scope.get("client")
    forwarded = (
        [v.decode("latin-1") for k, v in scope["headers"] if k == b"x-forwarded-for"]
        if proxies
        else []
    )
    ip = proxies.client_ip(peer[0] if peer else None, forwarded)
    state[_CLIENT_IP] = ip
    return ip
