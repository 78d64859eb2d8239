"""Dependencies of the users routes: the account, profile and preferences services.

:class:`UserViews` also serves the accounts and admin routes, which answer user objects.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar.datastructures import State
from litestar.di import Provide

from examples.litestar_app.core.services import app_services
from examples.litestar_app.users.schemas import MfaOut, UserOut
from pa_core.accounts import AccountService
from pa_core.mfa import MfaService
from pa_core.preferences import PreferencesService
from pa_core.profiles import UserProfileService
from pa_core.users import User

__all__ = [
    "UserViews",
    "dependencies",
    "provide_accounts",
    "provide_preferences",
    "provide_profiles",
    "provide_user_views",
]


@dataclass(frozen=True)
class UserViews:
    """Builds the API's user object, with the state of the user's second factors."""

    mfa: MfaService

    async def of(self, user: User) -> UserOut:
        """The user as the API shows it."""
        status = await self.mfa.status(user.id)
        return UserOut.of(user, MfaOut(status.totp, status.sms, status.backup_codes_remaining))


def provide_user_views(state: State) -> UserViews:
    """User objects with their second factors' state."""
    return UserViews(app_services(state).mfa)


def provide_accounts(state: State) -> AccountService:
    """The account service (registration, login, tokens, passwords, the caller's account)."""
    return app_services(state).accounts


def provide_profiles(state: State) -> UserProfileService:
    """The profile service (display name, time zone, locale)."""
    return app_services(state).profiles


def provide_preferences(state: State) -> PreferencesService:
    """The assistant preferences service."""
    return app_services(state).preferences


dependencies = {
    "accounts": Provide(provide_accounts, sync_to_thread=False),
    "profiles": Provide(provide_profiles, sync_to_thread=False),
    "preferences": Provide(provide_preferences, sync_to_thread=False),
    "user_views": Provide(provide_user_views, sync_to_thread=False),
}
"""The ``dependencies`` of the users controllers."""
