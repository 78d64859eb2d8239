"""What the MFA flows share: their audit trail and notices, the password check, activation.

Enrolment is a sensitive action: setting up a factor needs the password,
unless the session's login is under :data:`RECENT_LOGIN` old, and confirming
it can sign out every other session (someone who had the password may hold one).
Every change is audited and mailed to the user as a security notice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final

from pa_core.accounts.password_flows import PasswordChange
from pa_core.accounts.sign_out import SignOut
from pa_core.accounts.support import SecurityNotices
from pa_core.audit.base import AuditContext, Outcome
from pa_core.audit.recorder import AuditRecorder
from pa_core.clock import Clock
from pa_core.errors import InvalidInput, InvalidPassword, ValidationFailed
from pa_core.mfa.backup_codes import BackupCodes
from pa_core.mfa.base import BackupCodeStore, FactorKind
from pa_core.users.base import User

__all__ = [
    "RECENT_LOGIN",
    "Activation",
    "InvalidConfirmationCode",
    "MfaEvents",
    "PasswordCheck",
]

RECENT_LOGIN: Final = timedelta(minutes=5)
"""A session whose login is younger than this may set up a factor without the password."""


class InvalidConfirmationCode(InvalidInput):
    """The code confirming a factor being set up is wrong.

    An :class:`~pa_core.errors.InvalidInput` (HTTP 400) rather than an
    authentication failure: the caller is signed in, only the code is wrong.
    """

    code = "invalid_mfa_code"
    title = "Invalid verification code"


class MfaEvents:
    """Records what the MFA flows do in the audit log, and mails the user's security notices.

    Args:
        audit: the audit log.
        notices: mails a security notice.
    """

    def __init__(self, audit: AuditRecorder, notices: SecurityNotices) -> None:
        self.audit = audit
        self.notices = notices

    async def record(
        self,
        action: str,
        user: User,
        context: AuditContext | None,
        *,
        outcome: Outcome = Outcome.SUCCESS,
        target_type: str = "user",
        target_id: str | None = None,
        **details: str,
    ) -> None:
        """Audit ``action`` by ``user`` on itself (or on ``target_type``/``target_id``)."""
        await self.audit.record(
            action,
            outcome,
            actor_id=user.id,
            target_type=target_type,
            target_id=target_id or user.id,
            context=context,
            **details,
        )

    async def notify(self, user: User, event: str) -> None:
        """A security notice; its failure is logged but does not undo the change."""
        await self.notices.send(user, event)


class PasswordCheck:
    """The password confirming an MFA change, counted in the user's re-confirmation back-off.

    Args:
        passwords: checks the password (:meth:`PasswordChange.confirm_password`).
        events: audits a wrong password.
        clock: the time source (how recent the login is).
    """

    def __init__(self, passwords: PasswordChange, events: MfaEvents, clock: Clock) -> None:
        self.passwords = passwords
        self.events = events
        self.clock = clock

    async def confirm(
        self,
        user: User,
        password: str,
        action: str,
        session_id: str | None,
        context: AuditContext | None,
    ) -> None:
        """Check ``password``; a wrong one is audited as a failed ``action``.

        Raises:
            InvalidPassword: the password is wrong.
            RateLimited: too many wrong passwords lately (``session_id`` has ended).
        """
        try:
            await self.passwords.confirm_password(
                user, password, session_id=session_id, action=action, context=context
            )
        except InvalidPassword:
            await self.events.record(
                action, user, context, outcome=Outcome.FAILURE, reason="invalid_password"
            )
            raise

    async def check_enrolment(
        self,
        user: User,
        password: str | None,
        signed_in_at: datetime | None,
        action: str,
        session_id: str | None,
        context: AuditContext | None,
    ) -> None:
        """The password, if given, must be right; left out, the login must be recent.

        Raises:
            ValidationFailed: no password, and no login in the last :data:`RECENT_LOGIN`.
            InvalidPassword: the password is wrong.
        """
        if password is not None:
            await self.confirm(user, password, action, session_id, context)
            return
        if signed_in_at is not None and self.clock.now() - signed_in_at < RECENT_LOGIN:
            return
        minutes = int(RECENT_LOGIN.total_seconds() // 60)
        raise ValidationFailed.for_field(
            "password", f"is required unless you signed in less than {minutes} minutes ago"
        )


class Activation:
    """What follows a factor's confirmation: new backup codes, audit, notice, other sessions out.

    Args:
        backup_codes: generates the codes.
        backup_store: keeps their hashes.
        events: audits the activation and mails the notice.
        sign_out: ends the other sessions when asked.
    """

    def __init__(
        self,
        *,
        backup_codes: BackupCodes,
        backup_store: BackupCodeStore,
        events: MfaEvents,
        sign_out: SignOut,
    ) -> None:
        self.backup_codes = backup_codes
        self.backup_store = backup_store
        self.events = events
        self.sign_out = sign_out

    async def activated(
        self,
        user: User,
        kind: FactorKind,
        context: AuditContext | None,
        *,
        sign_out_other_sessions: bool,
        session_id: str | None,
        **details: Any,
    ) -> list[str]:
        """Finish the activation of ``kind``; the new backup codes, shown once."""
        codes = await self.backup_codes.regenerate(self.backup_store, user.id)
        await self.events.record(f"mfa.{kind}.enable", user, context, **details)
        await self.events.notify(user, "mfa_enabled")
        if sign_out_other_sessions:
            await self.sign_out.sign_out_others(
                user.id, session_id, context=context, reason="mfa_enabled"
            )
        return codes
