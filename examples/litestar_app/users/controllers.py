"""``/api/v1/users/me``: the caller's account, profile and assistant preferences."""

from __future__ import annotations

from litestar import Controller, get, patch, put
from litestar.di import NamedDependency
from litestar.params import JSONBody
from msgspec import UNSET

from examples.litestar_app.core.services import Services
from examples.litestar_app.users.schemas import PreferencesIO, ProfilePatchIn, UserOut
from pa_core.audit import AuditContext
from pa_core.auth import Principal
from pa_core.profiles import KEEP

__all__ = ["PreferencesController", "UsersController"]


class UsersController(Controller):
    """The caller's own account."""

    path = "/api/v1/users"
    tags = ["users"]

    @get("/me", summary="The caller's account")
    async def me(
        self, principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> UserOut:
        """The user object of the caller."""
        return await services.user_out(await services.accounts.me(principal))

    @patch("/me", summary="Change the caller's profile")
    async def update_me(
        self,
        data: JSONBody[ProfilePatchIn],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        audit_context: NamedDependency[AuditContext],
    ) -> UserOut:
        """Only the given fields (display name, IANA time zone, locale) change."""
        user = await services.assistant.profiles.update(
            principal.user_id,
            display_name=KEEP if data.display_name is UNSET else data.display_name,
            timezone=KEEP if data.timezone is UNSET else data.timezone,
            locale=KEEP if data.locale is UNSET else data.locale,
            context=audit_context,
        )
        return await services.user_out(user)


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
