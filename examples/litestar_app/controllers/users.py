"""``/api/v1/users/me``: the caller's account."""

from __future__ import annotations

from litestar import Controller, get, patch
from litestar.di import NamedDependency
from litestar.params import JSONBody
from msgspec import UNSET

from examples.litestar_app.schemas import UserOut
from examples.litestar_app.schemas_conversations import ProfilePatchIn
from examples.litestar_app.services import Services
from pa_core.audit import AuditContext
from pa_core.auth import Principal
from pa_core.profiles import KEEP

__all__ = ["UsersController"]


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
