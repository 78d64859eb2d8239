"""App-wide dependencies the routes ask for by name: the caller and the audit context.

Each domain's services come from that domain's ``providers.py``, so a route receives
the one service it uses, never the whole container.
"""

from __future__ import annotations

from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide

from examples.litestar_app.core.guards import audit_context_of, principal_of
from pa_core.audit import AuditContext
from pa_core.auth import Principal

__all__ = ["dependencies"]


async def provide_principal(request: Request[object, object, State]) -> Principal:
    """The authenticated caller, or ``401`` (``503`` when the session store is down)."""
    return await principal_of(request)  # once per request, shared with the guards


def provide_audit_context(request: Request[object, object, State]) -> AuditContext:
    """Where the request came from, for audit events and rate limits."""
    return audit_context_of(request)


dependencies = {
    "principal": Provide(provide_principal),
    "audit_context": Provide(provide_audit_context, sync_to_thread=False),
}
"""Given to ``Litestar(dependencies=...)``."""
