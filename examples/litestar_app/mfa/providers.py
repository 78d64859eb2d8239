"""Dependencies of the MFA routes: the MFA service, the caller's account and session."""

from __future__ import annotations

from litestar.datastructures import State
from litestar.di import Provide

from examples.litestar_app.core.services import app_services
from examples.litestar_app.sessions.providers import provide_sessions
from examples.litestar_app.users.providers import provide_accounts
from pa_core.mfa import MfaService

__all__ = ["dependencies", "provide_mfa"]


def provide_mfa(state: State) -> MfaService:
    """The MFA service (enrolment, the login's second step, devices)."""
    return app_services(state).mfa


dependencies = {
    "accounts": Provide(provide_accounts, sync_to_thread=False),
    "mfa": Provide(provide_mfa, sync_to_thread=False),
    "sessions": Provide(provide_sessions, sync_to_thread=False),
}
"""The ``dependencies`` of the MFA controller."""
