"""Multi-factor authentication: enrolment, the second login step, remembered devices.

Two classes share the work so that neither needs the other at construction:

* :class:`MfaGate` reads a user's factors and remembered devices. It is the
  :class:`~pa_core.accounts.SecondFactorGate` given to
  :class:`~pa_core.accounts.AccountService`, whose ``login`` then answers an
  :class:`~pa_core.accounts.MfaChallenge` instead of tokens.
* :class:`MfaService` holds every rule of the flows: set up and confirm TOTP
  or SMS, disable a factor and regenerate backup codes (both need the
  password), text a login code, and :meth:`MfaService.verify_login`, which
  checks the second factor and starts the session through the account service.

Enrolment is a sensitive action too: setting up a factor needs the password,
unless the session's login is under :data:`RECENT_LOGIN` old, and confirming
it can sign out every other session (someone who had the password may hold one).

Every change is audited and mailed to the user as a security notice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Literal, get_args

from pa_core.accounts import AccountService, TokenPair
from pa_core.audit.base import AuditContext, Outcome
from pa_core.audit.recorder import AuditRecorder
from pa_core.clock import Clock
from pa_core.errors import (
    Conflict,
    InvalidInput,
    InvalidMfaCode,
    InvalidPassword,
    InvalidToken,
    NotFound,
    PAError,
    ValidationFailed,
)
from pa_core.ids import new_id
from pa_core.kv.base import KeyValueStore
from pa_core.mfa.backup_codes import BackupCodes
from pa_core.mfa.base import BackupCodeStore, FactorKind, MfaFactor, MfaFactorStore, TrustedDevice
from pa_core.mfa.devices import DeviceTrust
from pa_core.mfa.sms_codes import SmsCodeService
from pa_core.mfa.totp import TotpService
from pa_core.phones import mask_phone, normalize_phone
from pa_core.ratelimit import FailureBackoff, RateLimit, RateLimiter
from pa_core.tokens import Claims, TokenPurpose
from pa_core.users.base import User

__all__ = [
    "DEFAULT_VERIFY_PER_TOKEN",
    "LOGIN_CODE_PURPOSE",
    "METHODS",
    "RECENT_LOGIN",
    "SETUP_CODE_PURPOSE",
    "InvalidConfirmationCode",
    "MfaGate",
    "MfaLogin",
    "MfaMethod",
    "MfaService",
    "MfaStatus",
    "TotpSetup",
]

logger = logging.getLogger(__name__)

MfaMethod = Literal["totp", "sms", "backup_code"]
"""A way to pass the second login step."""

METHODS: Final[tuple[MfaMethod, ...]] = get_args(MfaMethod)
"""Every :data:`MfaMethod`, in the order a challenge lists them."""

SETUP_CODE_PURPOSE = "mfa-setup"
"""Purpose of the SMS code that confirms a phone number being set up."""

LOGIN_CODE_PURPOSE = "mfa-login"
"""Purpose of the SMS code of a login's second step."""

DEFAULT_VERIFY_PER_TOKEN = RateLimit(5, timedelta(minutes=5))
"""Tries of the second step per MFA token (the token lives five minutes)."""

RECENT_LOGIN: Final = timedelta(minutes=5)
"""A session whose login is younger than this may set up a factor without the password."""


class InvalidConfirmationCode(InvalidInput):
    """The code confirming a factor being set up is wrong.

    An :class:`~pa_core.errors.InvalidInput` (HTTP 400) rather than an
    authentication failure: the caller is signed in, only the code is wrong.
    """

    code = "invalid_mfa_code"
    title = "Invalid verification code"


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


@dataclass(frozen=True, slots=True)
class TotpSetup:
    """What the user needs to add the account to an authenticator app."""

    secret: str
    otpauth_uri: str
    qr_svg: str


@dataclass(frozen=True, slots=True)
class MfaLogin:
    """A completed two-step login: the token pair, and a device token if one was asked for."""

    tokens: TokenPair
    method: MfaMethod
    device_token: str | None = None


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


class MfaService:
    """Every rule of enrolment, management and the second login step.

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
        self.gate = gate
        self.accounts = accounts
        self.totp = totp
        self.sms = sms
        self.backup_codes = backup_codes
        self.audit = audit
        self.clock = clock
        self.one_time = one_time.with_namespace("mfa-spent")
        self.limiter = limiter
        self.backoff = backoff
        self.verify_per_token = verify_per_token

    # --- reading -------------------------------------------------------------

    async def status(self, user_id: str) -> MfaStatus:
        """Which factors of the user are active (the ``mfa`` of the user object)."""
        return await self.gate.status(user_id)

    # --- TOTP ----------------------------------------------------------------

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
            ValidationFailed: no password, and no login in the last :data:`RECENT_LOGIN`.
            InvalidPassword: the password is wrong.
            Conflict: TOTP is active already (disable it first).
        """
        await self._check_enrolment(
            user, password, signed_in_at, "mfa.totp.setup", session_id, context
        )
        current = await self.gate.factors.get(user.id, "totp")
        if current is not None and current.active:
            raise Conflict("TOTP is already active; disable it first")
        secret = self.totp.new_secret()
        now = self.clock.now()
        await self.gate.factors.put(
            MfaFactor(
                id=new_id(now),
                user_id=user.id,
                kind="totp",
                created_at=now,
                secret_encrypted=self.totp.encrypt_secret(secret),
            )
        )
        uri = self.totp.provisioning_uri(secret, user.email)
        await self._record("mfa.totp.setup", user, context)
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
        factor = await self.gate.factors.get(user.id, "totp")
        if factor is not None and factor.active:
            raise Conflict("TOTP is already active")
        try:
            if factor is None:
                raise InvalidMfaCode()
            await self._check_totp(factor, code)
        except InvalidMfaCode as exc:
            await self._record("mfa.totp.enable", user, context, outcome=Outcome.FAILURE)
            raise InvalidConfirmationCode() from exc
        await self.gate.factors.confirm(factor.id, self.clock.now())
        codes = await self._enabled(user, "totp", context)
        await self._sign_out_others(user, sign_out_other_sessions, session_id, context)
        return codes

    # --- SMS -----------------------------------------------------------------

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

        ``password``, ``signed_in_at`` and ``session_id`` as for :meth:`start_totp`.

        Raises:
            ValidationFailed: not a valid phone number; or no password and no recent login.
            InvalidPassword: the password is wrong.
            Conflict: SMS is active already (disable it first).
            RateLimited: too many codes to this user or number lately.
        """
        await self._check_enrolment(
            user, password, signed_in_at, "mfa.sms.setup", session_id, context
        )
        current = await self.gate.factors.get(user.id, "sms")
        if current is not None and current.active:
            raise Conflict("SMS is already active; disable it first")
        number = normalize_phone(phone)
        await self.sms.send(SETUP_CODE_PURPOSE, user.id, number)
        await self._record("mfa.sms.setup", user, context, phone=mask_phone(number))

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

        ``sign_out_other_sessions`` and ``session_id`` as for :meth:`confirm_totp`.

        Raises:
            InvalidConfirmationCode: wrong, expired or exhausted code, or none sent.
            Conflict: SMS is active already.
        """
        current = await self.gate.factors.get(user.id, "sms")
        if current is not None and current.active:
            raise Conflict("SMS is already active")
        try:
            phone = await self.sms.verify(SETUP_CODE_PURPOSE, user.id, code)
        except InvalidMfaCode as exc:
            await self._record("mfa.sms.enable", user, context, outcome=Outcome.FAILURE)
            raise InvalidConfirmationCode() from exc
        now = self.clock.now()
        await self.gate.factors.put(
            MfaFactor(
                id=new_id(now),
                user_id=user.id,
                kind="sms",
                created_at=now,
                phone=phone,
                confirmed_at=now,
            )
        )
        codes = await self._enabled(user, "sms", context, phone=mask_phone(phone))
        await self._sign_out_others(user, sign_out_other_sessions, session_id, context)
        return codes

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
        await self._confirm_password(user, password, f"mfa.{kind}.disable", session_id, context)
        factor = await self.gate.factors.get(user.id, kind)
        if factor is None or not await self.gate.factors.delete(user.id, kind):
            raise NotFound()
        if not (await self.gate.status(user.id)).enabled:
            await self.gate.backup_store.replace(user.id, [])
            await self.gate.devices.revoke_all(user.id)
        await self._record(f"mfa.{kind}.disable", user, context)
        if factor.active:
            await self._notify(user, "mfa_disabled")

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
        await self._confirm_password(
            user, password, "mfa.backup_codes.regenerate", session_id, context
        )
        if not (await self.gate.status(user.id)).enabled:
            raise Conflict("turn on a second factor first")
        codes = await self.backup_codes.regenerate(self.gate.backup_store, user.id)
        await self._record("mfa.backup_codes.regenerate", user, context)
        await self._notify(user, "backup_codes_regenerated")
        return codes

    # --- the second login step -----------------------------------------------

    async def send_login_code(self, mfa_token: str, *, context: AuditContext | None = None) -> None:
        """Text a login code to the SMS factor of the MFA token's user.

        Raises:
            InvalidToken: a bad, expired or spent MFA token.
            Conflict: the user has no active SMS factor.
            RateLimited: too many codes to this user or number lately.
        """
        claims = await self._challenge(mfa_token)
        user = await self._user(claims)
        factor = await self.gate.factors.get(user.id, "sms")
        if factor is None or not factor.active or factor.phone is None:
            raise Conflict("SMS is not a second factor of this account")
        await self.sms.send(LOGIN_CODE_PURPOSE, user.id, factor.phone)
        await self._record("mfa.sms.login_code", user, context, phone=mask_phone(factor.phone))

    async def verify_login(
        self,
        mfa_token: str,
        method: str,
        code: str,
        *,
        remember_device: bool = False,
        context: AuditContext | None = None,
    ) -> MfaLogin:
        """Check the second factor of a login and start its session.

        The MFA token is spent by the first success. Tries are limited per token
        (:data:`DEFAULT_VERIFY_PER_TOKEN`) and by ``backoff``, per account and
        client address and per account from everywhere; each try is reserved
        there before the code is checked, so concurrent tries over many MFA
        tokens are never all checked before the lock engages.

        Args:
            mfa_token: from the login's :class:`~pa_core.accounts.MfaChallenge`.
            method: ``"totp"``, ``"sms"`` or ``"backup_code"``.
            code: what the user typed.
            remember_device: also issue a device token that skips this step later.
            context: where the request came from (the device's user agent too).

        Raises:
            InvalidToken: a bad, expired, wrong-purpose or spent MFA token.
            InvalidMfaCode: wrong code, or a method the user does not have.
            RateLimited: too many tries with this token or for this account.
        """
        ctx = context or AuditContext()
        claims = await self._challenge(mfa_token)
        async with self.backoff.attempt(claims.subject, ctx.ip) as attempt:
            await self.limiter.hit("mfa-verify-token", claims.jti, self.verify_per_token)
            user = await self._user(claims)
            try:
                chosen = await self._check_method(user, method, code)
            except InvalidMfaCode:
                lock = await attempt.failed()
                await self._record(
                    "mfa.verify", user, ctx, outcome=Outcome.FAILURE, method=method[:20]
                )
                if lock is not None:
                    await self._record(
                        "mfa.lockout",
                        user,
                        ctx,
                        outcome=Outcome.DENIED,
                        seconds=str(int(lock.delay.total_seconds())),
                        scope=lock.scope,
                    )
                raise
            ttl = max(claims.expires_at - self.clock.now(), timedelta(seconds=1))
            if not await self.one_time.set_if_absent(claims.jti, b"1", ttl=ttl):
                raise InvalidToken()
            await attempt.succeeded()
        pair = await self.accounts.complete_login(user, context=ctx, mfa_method=chosen)
        device_token = None
        if remember_device:
            device, device_token = await self.gate.devices.trust(user.id, ctx.user_agent)
            await self._record(
                "mfa.device.trust", user, ctx, target_type="device", target_id=device.id
            )
        return MfaLogin(pair, chosen, device_token)

    # --- remembered devices --------------------------------------------------

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
        await self.audit.record(
            "mfa.device.revoke",
            actor_id=user_id,
            target_type="device",
            target_id=device_id,
            context=context,
        )

    # --- internals -----------------------------------------------------------

    async def _challenge(self, mfa_token: str) -> Claims:
        claims = self.accounts.tokens.verify(mfa_token, TokenPurpose.MFA)
        if await self.one_time.exists(claims.jti):
            raise InvalidToken()
        return claims

    async def _user(self, claims: Claims) -> User:
        user = await self.accounts.users.get(claims.subject)
        if user is None or user.disabled:
            raise InvalidToken()
        return user

    async def _check_method(self, user: User, method: str, code: str) -> MfaMethod:
        """Verify ``code`` by ``method``; the method name as accepted."""
        if method not in await self.gate.methods_for(user):
            raise InvalidMfaCode()
        if method == "backup_code":
            await self.backup_codes.consume(self.gate.backup_store, user.id, code)
            return "backup_code"
        if method == "sms":
            factor = await self.gate.factors.get(user.id, "sms")
            phone = await self.sms.verify(LOGIN_CODE_PURPOSE, user.id, code)
            if factor is None or factor.phone != phone:
                raise InvalidMfaCode()
            return "sms"
        factor = await self.gate.factors.get(user.id, "totp")
        if factor is None:
            raise InvalidMfaCode()  # pragma: no cover - removed between the two reads
        await self._check_totp(factor, code)
        return "totp"

    async def _check_totp(self, factor: MfaFactor, code: str) -> None:
        """Verify a TOTP code against the factor and claim its step (a replay is refused)."""
        if factor.secret_encrypted is None:
            raise InvalidMfaCode()
        secret = self.totp.decrypt_secret(factor.secret_encrypted)
        step = self.totp.verify(secret, code, factor.last_used_step)
        if not await self.gate.factors.advance_step(factor.id, step):
            raise InvalidMfaCode()
        if self.totp.encryptor.needs_rotation(factor.secret_encrypted):
            await self.gate.factors.set_secret(factor.id, self.totp.encrypt_secret(secret))

    async def _enabled(
        self, user: User, kind: FactorKind, context: AuditContext | None, **details: Any
    ) -> list[str]:
        codes = await self.backup_codes.regenerate(self.gate.backup_store, user.id)
        await self._record(f"mfa.{kind}.enable", user, context, **details)
        await self._notify(user, "mfa_enabled")
        return codes

    async def _check_enrolment(
        self,
        user: User,
        password: str | None,
        signed_in_at: datetime | None,
        action: str,
        session_id: str | None,
        context: AuditContext | None,
    ) -> None:
        """The password, if given, must be right; left out, the login must be recent."""
        if password is not None:
            await self._confirm_password(user, password, action, session_id, context)
            return
        if signed_in_at is not None and self.clock.now() - signed_in_at < RECENT_LOGIN:
            return
        minutes = int(RECENT_LOGIN.total_seconds() // 60)
        raise ValidationFailed.for_field(
            "password", f"is required unless you signed in less than {minutes} minutes ago"
        )

    async def _sign_out_others(
        self, user: User, wanted: bool, session_id: str | None, context: AuditContext | None
    ) -> None:
        if wanted:
            await self.accounts.sign_out_others(
                user.id, session_id, context=context, reason="mfa_enabled"
            )

    async def _confirm_password(
        self,
        user: User,
        password: str,
        action: str,
        session_id: str | None,
        context: AuditContext | None,
    ) -> None:
        try:
            await self.accounts.confirm_password(
                user, password, session_id=session_id, action=action, context=context
            )
        except InvalidPassword:
            await self._record(
                action, user, context, outcome=Outcome.FAILURE, reason="invalid_password"
            )
            raise

    async def _record(
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
        await self.audit.record(
            action,
            outcome,
            actor_id=user.id,
            target_type=target_type,
            target_id=target_id or user.id,
            context=context,
            **details,
        )

    async def _notify(self, user: User, event: str) -> None:
        """A security notice; its failure is logged but does not undo the change."""
        message = self.accounts.templates.security_notice(
            user.email, event, occurred_at=self.clock.now()
        )
        try:
            await self.accounts.email.send(message)
        except PAError:
            logger.warning("security notice %s to user %s could not be sent", event, user.id)
