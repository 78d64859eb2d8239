"""``/api/v1/auth/sessions``: the caller's sessions, and ending one."""

from __future__ import annotations

from litestar import Controller, delete, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.status_codes import HTTP_204_NO_CONTENT

from examples.litestar_app.sessions import providers
from examples.litestar_app.sessions.schemas import SessionOut, SessionsOut
from pa_core.accounts import AccountService
from pa_core.audit import AuditContext
from pa_core.auth import Principal
from pa_core.sessions import SessionService

__all__ = ["SessionsController"]


class SessionsController(Controller):
    """The caller's sessions."""

    path = "/api/v1/auth"
    tags = ["auth"]
    dependencies = providers.dependencies

    @get("/sessions", summary="The caller's sessions")
    async def list_sessions(
        self, principal: NamedDependency[Principal], sessions: NamedDependency[SessionService]
    ) -> SessionsOut:
        """Newest first; ``current`` marks the one making this request."""
        found = await sessions.list(principal.user_id)
        return SessionsOut([SessionOut.of(s, principal.session_id) for s in found])

    @delete("/sessions/{session_id:str}", status_code=HTTP_204_NO_CONTENT, summary="End a session")
    async def revoke_session(
        self,
        session_id: FromPath[str],
        principal: NamedDependency[Principal],
        accounts: NamedDependency[AccountService],
        audit_context: NamedDependency[AuditContext],
    ) -> None:
        """That session is dead at once; another user's session id is ``404``."""
        await accounts.revoke_session(principal, session_id, context=audit_context)

    @delete("/sessions", status_code=HTTP_204_NO_CONTENT, summary="End every other session")
    async def revoke_other_sessions(
        self,
        principal: NamedDependency[Principal],
        accounts: NamedDependency[AccountService],
        audit_context: NamedDependency[AuditContext],
    ) -> None:
        """Every session of the caller but the one making this request is dead at once."""
        await accounts.sign_out_others(
            principal.user_id, principal.session_id, context=audit_context
        )
