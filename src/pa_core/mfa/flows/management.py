"""Managing second factors: disable one, renew the backup codes, list and forget devices.

Disabling a factor and renewing the codes need the password; wrong passwords
count against the user's re-confirmation back-off.
"""

from __future__ import annotations

from pa_core.audit.base import AuditContext
from pa_core.errors import Conflict, NotFound
from pa_core.mfa.backup_codes import BackupCodes
from pa_core.mfa.base import FactorKind, TrustedDevice
from pa_core.mfa.flows.common import MfaEvents, PasswordCheck
from pa_core.mfa.gate import MfaGate
from pa_core.users.base import User

__all__ = ["MfaManagement"]


class MfaManagement:
    """Removes factors, renews backup codes and forgets remembered devices.

    Args:
        gate: the user's factors, backup codes and devices.
        backup_codes: generates and hashes backup codes.
        password_check: the password these changes need.
        events: audits each change and mails the notices.
    """

    def __init__(
        self,
        *,
        gate: MfaGate,
        backup_codes: BackupCodes,
        password_check: PasswordCheck,
        events: MfaEvents,
    ) -> None:
        self.gate = gate
        self.backup_codes = backup_codes
        self.password_check = password_check
        self.events = events

    async def disable(
        self,
        user: User,
        kind: FactorKind,
        password: str,
        *,
        session_id: str | None = None,
        context: AuditContext | None = None,
    ) -> None:
        """Remove the user's factor of ``kind``, confirming the password first.

        When no factor is left, the backup codes and remembered devices go too.
        Wrong passwords count against the user's re-confirmation back-off
        (:meth:`pa_core.accounts.AccountService.confirm_password`),
        which ends ``session_id`` (every session when ``None``) when it triggers.

        Raises:
            InvalidPassword: the password is wrong.
            RateLimited: too many wrong passwords lately.
            NotFound: the user has no factor of ``kind`` (pending or active).
        """
        action = f"mfa.{kind}.disable"
        await self.password_check.confirm(user, password, action, session_id, context)
        factor = await self.gate.factors.get(user.id, kind)
        if factor is None or not await self.gate.factors.delete(user.id, kind):
            raise NotFound()
        if not (await self.gate.status(user.id)).enabled:
            await self.gate.backup_store.replace(user.id, [])
            await self.gate.devices.revoke_all(user.id)
        await self.events.record(action, user, context)
        if factor.active:
            await self.events.notify(user, "mfa_disabled")

    async def regenerate_backup_codes(
        self,
        user: User,
        password: str,
        *,
        session_id: str | None = None,
        context: AuditContext | None = None,
    ) -> list[str]:
        """A new set of backup codes (the old set is void), confirming the password first.

        Wrong passwords count as for :meth:`disable`.

        Raises:
            InvalidPassword: the password is wrong.
            RateLimited: too many wrong passwords lately.
            Conflict: no second factor is active (backup codes would guard nothing).
        """
        await self.password_check.confirm(
            user, password, "mfa.backup_codes.regenerate", session_id, context
        )
        if not (await self.gate.status(user.id)).enabled:
            raise Conflict("turn on a second factor first")
        codes = await self.backup_codes.regenerate(self.gate.backup_store, user.id)
        await self.events.record("mfa.backup_codes.regenerate", user, context)
        await self.events.notify(user, "backup_codes_regenerated")
        return codes

    async def devices(self, user_id: str) -> list[TrustedDevice]:
        """The user's live remembered devices, newest first."""
        return await self.gate.devices.list(user_id)

    async def revoke_device(
        self, user_id: str, device_id: str, *, context: AuditContext | None = None
    ) -> None:
        """Forget one remembered device of the user.

        Raises:
            NotFound: no live device ``device_id`` of this user.
        """
        await self.gate.devices.revoke(user_id, device_id)
        await self.events.audit.record(
            "mfa.device.revoke",
            actor_id=user_id,
            target_type="device",
            target_id=device_id,
            context=context,
        )
