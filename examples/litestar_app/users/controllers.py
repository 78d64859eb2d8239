"""``/api/v1/users/me``: the caller's account, profile and assistant preferences."""

from __future__ import annotations

from litestar import Controller, get, patch, put
from litestar.di import NamedDependency
from litestar.params import JSONBody
from msgspec import UNSET

from examples.litestar_app.users import providers
from examples.litestar_app.users.providers import UserViews
from examples.litestar_app.users.schemas import PreferencesIO, ProfilePatchIn, UserOut
from pa_core.accounts import AccountService
from pa_core.audit import AuditContext
from pa_core.auth import Principal
from pa_core.preferences import PreferencesService
from pa_core.profiles import KEEP, UserProfileService

__all__ = ["PreferencesController", "UsersController"]


class UsersController(Controller):
    """The caller's own account."""

    path = "/api/v1/users"
    tags = ["users"]
    dependencies = providers.dependencies

    @get("/me", summary="The caller's account")
    async def me(
        self,
        principal: NamedDependency[Principal],
        user_views: NamedDependency[UserViews],
        accounts: NamedDependency[AccountService],
    ) -> UserOut:
        """The user object of the caller."""
        return await user_views.of(await accounts.me(principal))

    @patch("/me", summary="Change the caller's profile")
    async def update_me(
        self,
        data: JSONBody[ProfilePatchIn],
        principal: NamedDependency[Principal],
        user_views: NamedDependency[UserViews],
        profiles: NamedDependency[UserProfileService],
        audit_context: NamedDependency[AuditContext],
    ) -> UserOut:
        """Only the given fields (display name, IANA time zone, locale) change."""
        user = await profiles.update(
            principal.user_id,
            display_name=KEEP if data.display_name is UNSET else data.display_name,
            timezone=KEEP if data.timezone is UNSET else data.timezone,
            locale=KEEP if data.locale is UNSET else data.locale,
            context=audit_context,
        )
        return await user_views.of(user)


class PreferencesController(Controller):
    """The caller's assistant preferences."""

    path = "/api/v1/users/me/preferences"
    tags = ["users"]
    dependencies = providers.dependencies

    @get("/", summary="The caller's preferences (defaults until changed)")
    async def get_preferences(
        self,
        principal: NamedDependency[Principal],
        preferences: NamedDependency[PreferencesService],
    ) -> PreferencesIO:
        """The whole document."""
        found = await preferences.get(principal.user_id)
        return PreferencesIO.of(found.to_document())

    @put("/", summary="Replace the caller's preferences")
    async def put_preferences(
        self,
        data: JSONBody[PreferencesIO],
        principal: NamedDependency[Principal],
        preferences: NamedDependency[PreferencesService],
        audit_context: NamedDependency[AuditContext],
    ) -> PreferencesIO:
        """The whole document is replaced; defaults fill what is left out."""
        replaced = await preferences.replace(
            principal.user_id, data.document(), context=audit_context
        )
        return PreferencesIO.of(replaced.to_document())
