"""``/api/v1/users/me``: the caller's account."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency

from examples.litestar_app.schemas import UserOut
from examples.litestar_app.services import Services
from pa_core.auth import Principal

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
