"""Route guards: ``guards=[requires_permission("users:manage")]``.

A guard runs before the handler's dependencies. It authenticates the caller
(``401`` without valid credentials), resolves the caller's effective permissions
once per request (one key-value read for the cache version), and refuses with
``403 permission_denied``, audited as ``rbac.denied``. The principal and grants are
kept on the connection, so the ``principal`` dependency and further guards of the
same request reuse them.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from examples.litestar_app.core.client_address import client_ip_of
from examples.litestar_app.core.request_id import request_id_of, request_state
from examples.litestar_app.core.services import app_services
from pa_core.audit import AuditContext
from pa_core.auth import Principal
from pa_core.rbac import Grants

__all__ = ["audit_context_of", "grants_of", "principal_of", "requires_permission"]

_PRINCIPAL = "pa_principal"
_GRANTS = "pa_grants"


def audit_context_of(connection: ASGIConnection[Any, Any, Any, Any]) -> AuditContext:
    """Where the request came from, for audit events and rate limits."""
    return AuditContext(
        ip=client_ip_of(connection),
        user_agent=connection.headers.get("user-agent"),
        request_id=request_id_of(connection.scope),
    )


def _authorization(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The first ``Authorization`` header, read from the raw scope (no header map built)."""
    for name, value in connection.scope["headers"]:
        if name == b"authorization":
            return value.decode("latin-1")
    return None


async def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The authenticated caller, checked once per request (``401``/``503`` otherwise).

    On every authenticated request: the scope is read directly, as Litestar's
    ``connection.state`` and ``connection.headers`` build objects on each access.
    """
    state = request_state(connection.scope)
    cached = state.get(_PRINCIPAL)
    if isinstance(cached, Principal):
        return cached
    authenticator = app_services(connection.app.state).authenticator
    principal = await authenticator.authenticate(_authorization(connection))
    state[_PRINCIPAL] = principal
    return principal


async def grants_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Grants:
    """The caller's effective roles and permissions, resolved once per request."""
    state = request_state(connection.scope)
    cached = state.get(_GRANTS)
    if isinstance(cached, Grants):
        return cached
    principal = await principal_of(connection)
    grants = await app_services(connection.app.state).permissions.grants_for(principal)
    state[_GRANTS] = grants
    return grants


def requires_permission(permission: str) -> Guard:
    """A guard that lets through only callers holding ``permission``."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal = await principal_of(connection)
        await app_services(connection.app.state).permissions.require(
            principal,
            permission,
            grants=await grants_of(connection),
            context=audit_context_of(connection),
        )

    guard.__qualname__ = f"requires_permission({permission!r})"
    return guard
