"""The login challenge: the second step of a login whose password was right.

The login answers an :class:`~pa_core.accounts.MfaChallenge` carrying an MFA
token; :meth:`LoginChallenge.verify_login` checks a code by one of the user's
methods, spends the token and starts the session. Tries are limited per token
and locked by a back-off per account and client address, and per account from
everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from pa_core.accounts.base import TokenPair
from pa_core.accounts.sign_in import SignIn
from pa_core.audit.base import AuditContext, Outcome
from pa_core.clock import Clock
from pa_core.errors import Conflict, InvalidMfaCode, InvalidToken
from pa_core.kv.base import KeyValueStore
from pa_core.mfa.backup_codes import BackupCodes
from pa_core.mfa.flows.common import MfaEvents
from pa_core.mfa.flows.totp import check_totp_code
from pa_core.mfa.gate import MfaGate, MfaMethod
from pa_core.mfa.sms_codes import SmsCodeService
from pa_core.mfa.totp import TotpService
from pa_core.phones import mask_phone
from pa_core.ratelimit import BackoffAttempt, FailureBackoff, RateLimit, RateLimiter
from pa_core.tokens import Claims, TokenPurpose
from pa_core.users.base import User

__all__ = ["DEFAULT_VERIFY_PER_TOKEN", "LOGIN_CODE_PURPOSE", "LoginChallenge", "MfaLogin"]

LOGIN_CODE_PURPOSE = "mfa-login"
"""Purpose of the SMS code of a login's second step."""

DEFAULT_VERIFY_PER_TOKEN = RateLimit(5, timedelta(minutes=5))
"""Tries of the second step per MFA token (the token lives five minutes)."""


@dataclass(frozen=True, slots=True)
class MfaLogin:
    """A completed two-step login: the token pair, and a device token if one was asked for."""

    tokens: TokenPair
    method: MfaMethod
    device_token: str | None = None


class LoginChallenge:
    """Checks the second factor of a login and starts its session.

    Args:
        gate: the user's factors, backup codes and devices.
        sign_in: reads the MFA token's user and starts the session of a completed login.
        totp: TOTP secrets and codes.
        sms: SMS codes.
        backup_codes: checks and consumes backup codes.
        events: audits every try.
        clock: the time source.
        one_time: marks spent MFA tokens (namespaced here).
        limiter: counts tries per MFA token.
        backoff: locks an account's second step after repeated failures.
        verify_per_token: tries allowed per MFA token.
    """

    def __init__(
        self,
        *,
        gate: MfaGate,
        sign_in: SignIn,
        totp: TotpService,
        sms: SmsCodeService,
        backup_codes: BackupCodes,
        events: MfaEvents,
        clock: Clock,
        one_time: KeyValueStore,
        limiter: RateLimiter,
        backoff: FailureBackoff,
        verify_per_token: RateLimit = DEFAULT_VERIFY_PER_TOKEN,
    ) -> None:
        self.gate = gate
        self.sign_in = sign_in
        self.totp = totp
        self.sms = sms
        self.backup_codes = backup_codes
        self.events = events
        self.clock = clock
        self.one_time = one_time.with_namespace("mfa-spent")
        self.limiter = limiter
        self.backoff = backoff
        self.verify_per_token = verify_per_token

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
        await self.events.record(
            "mfa.sms.login_code", user, context, phone=mask_phone(factor.phone)
        )

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
                await self._record_failure(user, method, attempt, ctx)
                raise
            await self._spend(claims)
            await attempt.succeeded()
        pair = await self.sign_in.complete_login(user, context=ctx, mfa_method=chosen)
        device_token = await self._remember(user, ctx) if remember_device else None
        return MfaLogin(pair, chosen, device_token)

    async def _challenge(self, mfa_token: str) -> Claims:
        claims = self.sign_in.tokens.verify(mfa_token, TokenPurpose.MFA)
        if await self.one_time.exists(claims.jti):
            raise InvalidToken()
        return claims

    async def _user(self, claims: Claims) -> User:
        user = await self.sign_in.users.get(claims.subject)
        if user is None or user.disabled:
            raise InvalidToken()
        return user

    async def _spend(self, claims: Claims) -> None:
        """Mark the MFA token used; a second success with it is refused."""
        ttl = max(claims.expires_at - self.clock.now(), timedelta(seconds=1))
        if not await self.one_time.set_if_absent(claims.jti, b"1", ttl=ttl):
            raise InvalidToken()

    async def _record_failure(
        self, user: User, method: str, attempt: BackoffAttempt, ctx: AuditContext
    ) -> None:
        """Count a wrong code in the back-off and audit it, and the lockout it may start."""
        lock = await attempt.failed()
        await self.events.record(
            "mfa.verify", user, ctx, outcome=Outcome.FAILURE, method=method[:20]
        )
        if lock is not None:
            await self.events.record(
                "mfa.lockout",
                user,
                ctx,
                outcome=Outcome.DENIED,
                seconds=str(int(lock.delay.total_seconds())),
                scope=lock.scope,
            )

    async def _remember(self, user: User, ctx: AuditContext) -> str:
        """Trust the device of this login; its token, shown once."""
        device, device_token = await self.gate.devices.trust(user.id, ctx.user_agent)
        await self.events.record(
            "mfa.device.trust", user, ctx, target_type="device", target_id=device.id
        )
        return device_token

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
        await check_totp_code(self.totp, self.gate.factors, factor, code)
        return "totp"
