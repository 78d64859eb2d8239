"""``/api/v1/users/me/preferences``: what the caller wants of the assistant."""

from __future__ import annotations

from litestar import Controller, get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from examples.litestar_app.schemas_conversations import PreferencesIO
from examples.litestar_app.services import Services
from pa_core.audit import AuditContext
from pa_core.auth import Principal

__all__ = ["PreferencesController"]


class PreferencesController(Controller):
    """The caller's assistant preferences."""

    path = "/api/v1/users/me/preferences"
    tags = ["users"]

    @get("/", summary="The caller's preferences (defaults until changed)")
    async def get_preferences(
        self, principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> PreferencesIO:
        """The whole document."""
        preferences = await services.assistant.preferences.get(principal.user_id)
        return PreferencesIO.of(preferences.to_document())

    @put("/", summary="Replace the caller's preferences")
    async def put_preferences(
        self,
        data: JSONBody[PreferencesIO],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        audit_context: NamedDependency[AuditContext],
    ) -> PreferencesIO:
        """The whole document is replaced; defaults fill what is left out."""
        preferences = await services.assistant.preferences.replace(
            principal.user_id, data.document(), context=audit_context
        )
        return PreferencesIO.of(preferences.to_document())
