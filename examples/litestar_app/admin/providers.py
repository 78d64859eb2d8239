"""Dependencies of the admin routes: role administration and user objects."""

from __future__ import annotations

from litestar.datastructures import State
from litestar.di import Provide

from examples.litestar_app.core.services import app_services
from examples.litestar_app.users.providers import provide_user_views
from pa_core.rbac import RoleAdministration

__all__ = ["dependencies", "provide_administration"]


def provide_administration(state: State) -> RoleAdministration:
    """Users' roles and the audit trail, each call checked against the actor's permissions."""
    return app_services(state).administration


dependencies = {
    "administration": Provide(provide_administration, sync_to_thread=False),
    "user_views": Provide(provide_user_views, sync_to_thread=False),
}
"""The ``dependencies`` of the admin controller."""
