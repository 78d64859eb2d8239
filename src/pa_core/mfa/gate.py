"""The login's view of MFA: which second factors a user has, and their remembered devices.

:class:`MfaGate` is the :class:`~pa_core.accounts.SecondFactorGate` given to
:class:`~pa_core.accounts.AccountService`, whose ``login`` then answers an
:class:`~pa_core.accounts.MfaChallenge` instead of tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, get_args

from pa_core.mfa.base import BackupCodeStore, MfaFactorStore
from pa_core.mfa.devices import DeviceTrust
from pa_core.users.base import User

__all__ = ["METHODS", "MfaGate", "MfaMethod", "MfaStatus"]

MfaMethod = Literal["totp", "sms", "backup_code"]
"""A way to pass the second login step."""

METHODS: Final[tuple[MfaMethod, ...]] = get_args(MfaMethod)
"""Every :data:`MfaMethod`, in the order a challenge lists them."""


@dataclass(frozen=True, slots=True)
class MfaStatus:
    """Which second factors of a user are active."""

    totp: bool = False
    sms: bool = False
    backup_codes_remaining: int = 0

    @property
    def enabled(self) -> bool:
        """Whether any factor guards the login."""
        return self.totp or self.sms


class MfaGate:
    """Reads a user's second factors and remembered devices (the login's view of MFA).

    Args:
        factors: the TOTP and SMS factors.
        backup_store: the backup-code hashes.
        devices: remembered devices.
    """

    def __init__(
        self, factors: MfaFactorStore, backup_store: BackupCodeStore, devices: DeviceTrust
    ) -> None:
        self.factors = factors
        self.backup_store = backup_store
        self.devices = devices

    async def status(self, user_id: str) -> MfaStatus:
        """The factors active for ``user_id`` and the backup codes left."""
        active = {f.kind for f in await self.factors.list_for_user(user_id) if f.active}
        remaining = await self.backup_store.remaining(user_id) if active else 0
        return MfaStatus("totp" in active, "sms" in active, remaining)

    async def methods_for(self, user: User) -> list[str]:
        """The methods that pass the user's second step; empty when MFA is off."""
        status = await self.status(user.id)
        offered = {
            "totp": status.totp,
            "sms": status.sms,
            "backup_code": status.backup_codes_remaining > 0,
        }
        return [method for method in METHODS if offered[method]] if status.enabled else []

    async def device_trusted(self, user: User, device_token: str) -> bool:
        """Whether ``device_token`` is a live remembered device of ``user``."""
        return await self.devices.is_trusted(user.id, device_token)

    async def forget_devices(self, user_id: str) -> None:
        """Revoke every remembered device of the user (logout-all, password change)."""
        await self.devices.revoke_all(user_id)
