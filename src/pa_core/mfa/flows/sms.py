"""Enrolling a phone for codes by SMS: text a code to the number, confirm it."""

from __future__ import annotations

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
from pa_core.mfa.sms_codes import SmsCodeService
from pa_core.phones import mask_phone, normalize_phone
from pa_core.users.base import User

__all__ = ["SETUP_CODE_PURPOSE", "SmsEnrolment"]

SETUP_CODE_PURPOSE = "mfa-setup"
"""Purpose of the SMS code that confirms a phone number being set up."""


class SmsEnrolment:
    """Sets up and confirms a user's SMS factor.

    Args:
        factors: the user's factors.
        sms: SMS codes (with the sender and the send limits).
        password_check: the password (or recent login) that enrolment needs.
        activation: what follows the confirmation.
        events: audits each step.
        clock: the time source.
    """

    def __init__(
        self,
        *,
        factors: MfaFactorStore,
        sms: SmsCodeService,
        password_check: PasswordCheck,
        activation: Activation,
        events: MfaEvents,
        clock: Clock,
    ) -> None:
        self.factors = factors
        self.sms = sms
        self.password_check = password_check
        self.activation = activation
        self.events = events
        self.clock = clock

    async def start_sms(
        self,
        user: User,
        phone: str,
        *,
        password: str | None = None,
        signed_in_at: datetime | None = None,
        session_id: str | None = None,
        context: AuditContext | None = None,
    ) -> None:
        """Text a code to ``phone`` (any form with a country code) to confirm it.

        ``password``, ``signed_in_at`` and ``session_id`` as for
        :meth:`~pa_core.mfa.flows.totp.TotpEnrolment.start_totp`.

        Raises:
            ValidationFailed: not a valid phone number; or no password and no recent login.
            InvalidPassword: the password is wrong.
            Conflict: SMS is active already (disable it first).
            RateLimited: too many codes to this user or number lately.
        """
        await self.password_check.check_enrolment(
            user, password, signed_in_at, "mfa.sms.setup", session_id, context
        )
        current = await self.factors.get(user.id, "sms")
        if current is not None and current.active:
            raise Conflict("SMS is already active; disable it first")
        number = normalize_phone(phone)
        await self.sms.send(SETUP_CODE_PURPOSE, user.id, number)
        await self.events.record("mfa.sms.setup", user, context, phone=mask_phone(number))

    async def confirm_sms(
        self,
        user: User,
        code: str,
        *,
        sign_out_other_sessions: bool = False,
        session_id: str | None = None,
        context: AuditContext | None = None,
    ) -> list[str]:
        """Activate SMS with the code texted by :meth:`start_sms`; return new backup codes.

        ``sign_out_other_sessions`` and ``session_id`` as for
        :meth:`~pa_core.mfa.flows.totp.TotpEnrolment.confirm_totp`.

        Raises:
            InvalidConfirmationCode: wrong, expired or exhausted code, or none sent.
            Conflict: SMS is active already.
        """
        current = await self.factors.get(user.id, "sms")
        if current is not None and current.active:
            raise Conflict("SMS is already active")
        try:
            phone = await self.sms.verify(SETUP_CODE_PURPOSE, user.id, code)
        except InvalidMfaCode as exc:
            await self.events.record("mfa.sms.enable", user, context, outcome=Outcome.FAILURE)
            raise InvalidConfirmationCode() from exc
        now = self.clock.now()
        await self.factors.put(
            MfaFactor(
                id=new_id(now),
                user_id=user.id,
                kind="sms",
                created_at=now,
                phone=phone,
                confirmed_at=now,
            )
        )
        return await self.activation.activated(
            user,
            "sms",
            context,
            sign_out_other_sessions=sign_out_other_sessions,
            session_id=session_id,
            phone=mask_phone(phone),
        )
