"""Enrolling an authenticator app (TOTP): set up a secret, confirm it with a first code.

The check of a TOTP code, shared with the login challenge, claims the code's
time step, so a code is never accepted twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pa_core.audit.base import AuditContext, Outcome
from pa_core.clock import Clock
from pa_core.errors import Conflict, InvalidMfaCode
from pa_core.ids import new_id
from pa_core.mfa.base import MfaFactor, MfaFactorStore
from pa_core.mfa.flows.common import (
    Activation,
    InvalidConfirmationCode,
    MfaEvents,
    PasswordCheck,
)
from pa_core.mfa.totp import TotpService
from pa_core.users.base import User

__all__ = ["TotpEnrolment", "TotpSetup", "check_totp_code"]


@dataclass(frozen=True, slots=True)
class TotpSetup:
    """What the user needs to add the account to an authenticator app."""

    secret: str
    otpauth_uri: str
    qr_svg: str


async def check_totp_code(
    totp: TotpService, factors: MfaFactorStore, factor: MfaFactor, code: str
) -> None:
    """Verify a TOTP code against the factor and claim its step (a replay is refused).

    A secret under a retired key is re-encrypted under the current one.

    Raises:
        InvalidMfaCode: a wrong or replayed code, or a factor without a secret.
    """
    if factor.secret_encrypted is None:
        raise InvalidMfaCode()
    secret = totp.decrypt_secret(factor.secret_encrypted)
    step = totp.verify(secret, code, factor.last_used_step)
    if not await factors.advance_step(factor.id, step):
        raise InvalidMfaCode()
    if totp.encryptor.needs_rotation(factor.secret_encrypted):
        await factors.set_secret(factor.id, totp.encrypt_secret(secret))


class TotpEnrolment:
    """Sets up and confirms a user's TOTP factor.

    Args:
        factors: the user's factors.
        totp: TOTP secrets and codes (with the field encryptor).
        password_check: the password (or recent login) that enrolment needs.
        activation: what follows the confirmation.
        events: audits each step.
        clock: the time source.
    """

    def __init__(
        self,
        *,
        factors: MfaFactorStore,
        totp: TotpService,
        password_check: PasswordCheck,
        activation: Activation,
        events: MfaEvents,
        clock: Clock,
    ) -> None:
        self.factors = factors
        self.totp = totp
        self.password_check = password_check
        self.activation = activation
        self.events = events
        self.clock = clock

    async def start_totp(
        self,
        user: User,
        *,
        password: str | None = None,
        signed_in_at: datetime | None = None,
        session_id: str | None = None,
        context: AuditContext | None = None,
    ) -> TotpSetup:
        """Create a new TOTP secret for ``user``, not active until confirmed.

        A second call before confirming replaces the pending secret.

        Args:
            user: the signed-in user.
            password: the user's password; may be left out while the login is recent.
            signed_in_at: when the calling session logged in (``Session.created_at``).
            session_id: the calling session, ended if its password guesses trip the back-off.
            context: where the request came from.

        Raises:
            ValidationFailed: no password, and no login in the last
                :data:`~pa_core.mfa.flows.common.RECENT_LOGIN`.
            InvalidPassword: the password is wrong.
            Conflict: TOTP is active already (disable it first).
        """
        await self.password_check.check_enrolment(
            user, password, signed_in_at, "mfa.totp.setup", session_id, context
        )
        current = await self.factors.get(user.id, "totp")
        if current is not None and current.active:
            raise Conflict("TOTP is already active; disable it first")
        secret = self.totp.new_secret()
        now = self.clock.now()
        await self.factors.put(
            MfaFactor(
                id=new_id(now),
                user_id=user.id,
                kind="totp",
                created_at=now,
                secret_encrypted=self.totp.encrypt_secret(secret),
            )
        )
        uri = self.totp.provisioning_uri(secret, user.email)
        await self.events.record("mfa.totp.setup", user, context)
        return TotpSetup(secret, uri, await self.totp.qr_svg(uri))

    async def confirm_totp(
        self,
        user: User,
        code: str,
        *,
        sign_out_other_sessions: bool = False,
        session_id: str | None = None,
        context: AuditContext | None = None,
    ) -> list[str]:
        """Activate the pending TOTP factor with a first valid code; return new backup codes.

        With ``sign_out_other_sessions``, every session of the user but
        ``session_id`` (the caller's) ends once the factor is active.

        Raises:
            InvalidConfirmationCode: wrong code, or no TOTP set-up pending.
            Conflict: TOTP is active already.
        """
        factor = await self.factors.get(user.id, "totp")
        if factor is not None and factor.active:
            raise Conflict("TOTP is already active")
        try:
            if factor is None:
                raise InvalidMfaCode()
            await check_totp_code(self.totp, self.factors, factor, code)
        except InvalidMfaCode as exc:
            await self.events.record("mfa.totp.enable", user, context, outcome=Outcome.FAILURE)
            raise InvalidConfirmationCode() from exc
        await self.factors.confirm(factor.id, self.clock.now())
        return await self.activation.activated(
            user,
            "totp",
            context,
            sign_out_other_sessions=sign_out_other_sessions,
            session_id=session_id,
        )
