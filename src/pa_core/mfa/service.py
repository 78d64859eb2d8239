"""The MFA facade: enrolment, management and the second login step behind one object.

Laid out like django-allauth's ``mfa`` app, one flow per file in
:mod:`pa_core.mfa.flows`, each taking only what it uses:

* :class:`~pa_core.mfa.flows.totp.TotpEnrolment` and
  :class:`~pa_core.mfa.flows.sms.SmsEnrolment`: set up and confirm a factor;
* :class:`~pa_core.mfa.flows.management.MfaManagement`: disable a factor,
  regenerate backup codes (both need the password), forget remembered devices;
* :class:`~pa_core.mfa.flows.challenge.LoginChallenge`: text a login code, and
  :meth:`~MfaService.verify_login`, which checks the second factor and starts
  the session through the account flows.

:class:`~pa_core.mfa.gate.MfaGate` reads a user's factors for the login, so
that neither the account service nor this one needs the other at construction.
"""

from __future__ import annotations

from datetime import datetime

from pa_core.accounts import AccountService
from pa_core.audit.base import AuditContext
from pa_core.audit.recorder import AuditRecorder
from pa_core.clock import Clock
from pa_core.kv.base import KeyValueStore
from pa_core.mfa.backup_codes import BackupCodes
from pa_core.mfa.base import FactorKind, TrustedDevice
from pa_core.mfa.flows.challenge import DEFAULT_VERIFY_PER_TOKEN, LoginChallenge, MfaLogin
from pa_core.mfa.flows.common import Activation, MfaEvents, PasswordCheck
from pa_core.mfa.flows.management import MfaManagement
from pa_core.mfa.flows.sms import SmsEnrolment
from pa_core.mfa.flows.totp import TotpEnrolment, TotpSetup
from pa_core.mfa.gate import MfaGate, MfaStatus
from pa_core.mfa.sms_codes import SmsCodeService
from pa_core.mfa.totp import TotpService
from pa_core.ratelimit import FailureBackoff, RateLimit, RateLimiter
from pa_core.users.base import User

__all__ = ["MfaService"]


class MfaService:
    """Every rule of enrolment, management and the second login step.

    The flows are attributes (:attr:`totp_enrolment`, :attr:`sms_enrolment`,
    :attr:`management`, :attr:`challenge`); the methods here delegate to them.

    Args:
        gate: the user's factors, backup codes and devices.
        accounts: confirms passwords and starts the session of a completed login.
        totp: TOTP secrets and codes (with the field encryptor).
        sms: SMS codes (with the sender and the send limits).
        backup_codes: generates and hashes backup codes.
        audit: where every change and failure is recorded.
        clock: the time source.
        one_time: marks spent MFA tokens (namespaced here).
        limiter: counts second-step tries per MFA token.
        backoff: locks an account's second step after repeated failures (per
            account and client address, and per account from everywhere).
        verify_per_token: tries allowed per MFA token.
    """

    def __init__(
        self,
        *,
        gate: MfaGate,
        accounts: AccountService,
        totp: TotpService,
        sms: SmsCodeService,
        backup_codes: BackupCodes,
        audit: AuditRecorder,
        clock: Clock,
        one_time: KeyValueStore,
        limiter: RateLimiter,
        backoff: FailureBackoff,
        verify_per_token: RateLimit = DEFAULT_VERIFY_PER_TOKEN,
    ) -> None:
        self._gate = gate
        events = MfaEvents(audit, accounts.notices)
        password_check = PasswordCheck(accounts.password_change, events, clock)
        activation = Activation(
            backup_codes=backup_codes,
            backup_store=gate.backup_store,
            events=events,
            sign_out=accounts.sign_out,
        )
        self.totp_enrolment = TotpEnrolment(
            factors=gate.factors,
            totp=totp,
            password_check=password_check,
            activation=activation,
            events=events,
            clock=clock,
        )
        self.sms_enrolment = SmsEnrolment(
            factors=gate.factors,
            sms=sms,
            password_check=password_check,
            activation=activation,
            events=events,
            clock=clock,
        )
        self.management = MfaManagement(
            gate=gate, backup_codes=backup_codes, password_check=password_check, events=events
        )
        self.challenge = LoginChallenge(
            gate=gate,
            sign_in=accounts.sign_in,
            totp=totp,
            sms=sms,
            backup_codes=backup_codes,
            events=events,
            clock=clock,
            one_time=one_time,
            limiter=limiter,
            backoff=backoff,
            verify_per_token=verify_per_token,
        )

    # --- what callers read ---------------------------------------------------

    @property
    def gate(self) -> MfaGate:
        """The user's factors, backup codes and devices."""
        return self._gate

    @property
    def totp(self) -> TotpService:
        """TOTP secrets and codes (with the field encryptor)."""
        return self.totp_enrolment.totp

    @property
    def sms(self) -> SmsCodeService:
        """SMS codes (with the sender and the send limits)."""
        return self.sms_enrolment.sms

    @property
    def backoff(self) -> FailureBackoff:
        """Locks an account's second step after repeated failures."""
        return self.challenge.backoff

    async def status(self, user_id: str) -> MfaStatus:
        """Which factors of the user are active (the ``mfa`` of the user object)."""
        return await self._gate.status(user_id)

    # --- enrolment -----------------------------------------------------------

    async def start_totp(
        self,
        user: User,
        *,
        password: str | None = None,
        signed_in_at: datetime | None = None,
        session_id: str | None = None,
        context: AuditContext | None = None,
    ) -> TotpSetup:
        """Create a pending TOTP secret for ``user`` (see :class:`TotpEnrolment`)."""
        return await self.totp_enrolment.start_totp(
            user,
            password=password,
            signed_in_at=signed_in_at,
            session_id=session_id,
            context=context,
        )

    async def confirm_totp(
        self,
        user: User,
        code: str,
        *,
        sign_out_other_sessions: bool = False,
        session_id: str | None = None,
        context: AuditContext | None = None,
    ) -> list[str]:
        """Activate the pending TOTP factor; new backup codes (see :class:`TotpEnrolment`)."""
        return await self.totp_enrolment.confirm_totp(
            user,
            code,
            sign_out_other_sessions=sign_out_other_sessions,
            session_id=session_id,
            context=context,
        )

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
        """Text a code to ``phone`` to confirm it (see :class:`SmsEnrolment`)."""
        await self.sms_enrolment.start_sms(
            user,
            phone,
            password=password,
            signed_in_at=signed_in_at,
            session_id=session_id,
            context=context,
        )

    async def confirm_sms(
        self,
        user: User,
        code: str,
        *,
        sign_out_other_sessions: bool = False,
        session_id: str | None = None,
        context: AuditContext | None = None,
    ) -> list[str]:
        """Activate SMS with the texted code; new backup codes (see :class:`SmsEnrolment`)."""
        return await self.sms_enrolment.confirm_sms(
            user,
            code,
            sign_out_other_sessions=sign_out_other_sessions,
            session_id=session_id,
            context=context,
        )

    # --- management ----------------------------------------------------------

    async def disable(
        self,
        user: User,
        kind: FactorKind,
        password: str,
        *,
        session_id: str | None = None,
        context: AuditContext | None = None,
    ) -> None:
        """Remove the user's factor of ``kind``, with the password (see :class:`MfaManagement`)."""
        await self.management.disable(user, kind, password, session_id=session_id, context=context)

    async def regenerate_backup_codes(
        self,
        user: User,
        password: str,
        *,
        session_id: str | None = None,
        context: AuditContext | None = None,
    ) -> list[str]:
        """A new set of backup codes, with the password (see :class:`MfaManagement`)."""
        return await self.management.regenerate_backup_codes(
            user, password, session_id=session_id, context=context
        )

    async def devices(self, user_id: str) -> list[TrustedDevice]:
        """The user's live remembered devices, newest first."""
        return await self.management.devices(user_id)

    async def revoke_device(
        self, user_id: str, device_id: str, *, context: AuditContext | None = None
    ) -> None:
        """Forget one remembered device of the user (see :class:`MfaManagement`)."""
        await self.management.revoke_device(user_id, device_id, context=context)

    # --- the second login step -----------------------------------------------

    async def send_login_code(self, mfa_token: str, *, context: AuditContext | None = None) -> None:
        """Text a login code to the MFA token's user (see :class:`LoginChallenge`)."""
        await self.challenge.send_login_code(mfa_token, context=context)

    async def verify_login(
        self,
        mfa_token: str,
        method: str,
        code: str,
        *,
        remember_device: bool = False,
        context: AuditContext | None = None,
    ) -> MfaLogin:
        """Check a login's second factor and start its session (see :class:`LoginChallenge`)."""
        return await self.challenge.verify_login(
            mfa_token, method, code, remember_device=remember_device, context=context
        )
