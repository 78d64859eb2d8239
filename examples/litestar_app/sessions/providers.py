"""Dependencies of the sessions routes: the session service, and the account service that
ends a session with its tokens and audit event."""

from __future__ import annotations

from litestar.datastructures import State
from litestar.di import Provide

from examples.litestar_app.core.services import app_services
from examples.litestar_app.users.providers import provide_accounts
from pa_core.sessions import SessionService

__all__ = ["dependencies", "provide_sessions"]


def provide_sessions(state: State) -> SessionService:
    """The session service (listing, checking and watching sessions)."""
    return app_services(state).sessions


dependencies = {
    "accounts": Provide(provide_accounts, sync_to_thread=False),
    "sessions": Provide(provide_sessions, sync_to_thread=False),
}
"""The ``dependencies`` of the sessions controller."""
