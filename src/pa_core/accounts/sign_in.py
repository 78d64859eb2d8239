"""Signing in: the password login, the session it starts, and refreshing its tokens.

Login fails the same way, and takes the same time, for an unknown address as
for a wrong password. A user with a second factor gets an
:class:`~pa_core.accounts.base.MfaChallenge` instead of tokens, unless the
device is remembered; :class:`~pa_core.mfa.MfaService` completes that login.
"""

from __future__ import annotations

from dataclasses import replace

from pa_core.accounts.base import (
    AccountLimits,
    AccountTimes,
    LoginResult,
    MfaChallenge,
    SecondFactorGate,
    TokenPair,
)
from pa_core.accounts.fields import normalize_email
from pa_core.accounts.support import hit_if_keyed
from pa_core.audit.base import AuditContext, Outcome
from pa_core.audit.recorder import AuditRecorder
from pa_core.clock import Clock
from pa_core.errors import (
    AccountDisabled,
    EmailNotVerified,
    InvalidCredentials,
    InvalidToken,
    TokenReused,
    ValidationFailed,
)
from pa_core.passwords import PasswordHasher
from pa_core.ratelimit import BackoffAttempt, FailureBackoff, RateLimiter
from pa_core.refresh_tokens import RefreshTokenService
from pa_core.sessions.service import SessionService
from pa_core.tokens import TokenPurpose, TokenService
from pa_core.users.base import User, UserRepository

__all__ = ["SignIn"]


class SignIn:
    """Checks passwords, starts sessions and rotates their refresh tokens.

    Args:
        users: where accounts are kept.
        hasher: checks (and upgrades) password hashes.
        tokens: issues access and MFA tokens.
        sessions: starts and checks sessions.
        refresh_tokens: issues and rotates refresh tokens.
        limiter: counts logins per client address.
        limits: how many are allowed.
        login_backoff: locks an account (and an address) after repeated wrong passwords.
        audit: records logins, failures and lockouts.
        clock: the time source.
        times: how long access and MFA tokens live.
        require_verified_email: refuse a login before the address is verified.
        second_factor: the user's second factors (``None``: no MFA).
    """

    def __init__(
        self,
        *,
        users: UserRepository,
        hasher: PasswordHasher,
        tokens: TokenService,
        sessions: SessionService,
        refresh_tokens: RefreshTokenService,
        limiter: RateLimiter,
        limits: AccountLimits,
        login_backoff: FailureBackoff,
        audit: AuditRecorder,
        clock: Clock,
        times: AccountTimes,
        require_verified_email: bool = False,
        second_factor: SecondFactorGate | None = None,
    ) -> None:
        self.users = users
        self.hasher = hasher
        self.tokens = tokens
        self.sessions = sessions
        self.refresh_tokens = refresh_tokens
        self.limiter = limiter
        self.limits = limits
        self.login_backoff = login_backoff
        self.audit = audit
        self.clock = clock
        self.times = times
        self.require_verified_email = require_verified_email
        self.second_factor = second_factor

    async def login(
        self,
        email: str,
        password: str,
        *,
        context: AuditContext | None = None,
        device_token: str | None = None,
    ) -> LoginResult:
        """Check the password and start a session, or ask for the second factor.

        Raises:
            InvalidCredentials: wrong password or unknown email (indistinguishable).
            RateLimited: too many attempts for this account or from this address.
            AccountDisabled: the account is disabled.
            EmailNotVerified: verification is required and missing.
        """
        ctx = context or AuditContext()
        await hit_if_keyed(self.limiter, "login-ip", ctx.ip, self.limits.login_per_ip)
        try:
            normalized = normalize_email(email)
        except ValidationFailed:
            normalized = email if isinstance(email, str) else ""
        account_key = normalized.casefold()
        async with self.login_backoff.attempt(account_key, ctx.ip) as attempt:
            user = await self._check_login_password(normalized, password, attempt, ctx)
            if user.disabled:
                raise AccountDisabled()
            if self.require_verified_email and not user.email_verified:
                raise EmailNotVerified()
            await attempt.succeeded()
        return await self._second_step(user, ctx, device_token)

    async def _second_step(
        self, user: User, ctx: AuditContext, device_token: str | None
    ) -> LoginResult:
        """Tokens, unless the user has a second factor and the device is not remembered."""
        if self.second_factor is not None:
            methods = await self.second_factor.methods_for(user)
            trusted = device_token is not None and await self.second_factor.device_trusted(
                user, device_token
            )
            if methods and not trusted:
                challenge = self.tokens.issue(TokenPurpose.MFA, user.id, self.times.mfa_challenge)
                await self.audit.record(
                    "auth.login.mfa_required", actor_id=user.id, target_id=user.id, context=ctx
                )
                return MfaChallenge(challenge.token, tuple(methods))
            if methods and trusted:
                return await self.complete_login(user, context=ctx, mfa_method="device")
        return await self.complete_login(user, context=ctx)

    async def _check_login_password(
        self, normalized: str, password: str, attempt: BackoffAttempt, ctx: AuditContext
    ) -> User:
        """The user whose password this is (upgrading its hash), counting a failure if not."""
        user = await self.users.get_by_email(normalized) if normalized else None
        try:
            if user is None or user.password_hash is None:
                # Same work as a real check, so that timing tells nothing.
                await self.hasher.dummy_verify(password)
            upgraded = await self.hasher.verify_and_update(password, user.password_hash)
        except InvalidCredentials:
            await self._record_failure(user, attempt, ctx)
            raise
        if upgraded is not None:
            user = await self.users.update(
                replace(user, password_hash=upgraded, updated_at=self.clock.now())
            )
        return user

    async def _record_failure(
        self, user: User | None, attempt: BackoffAttempt, ctx: AuditContext
    ) -> None:
        """Count a wrong password in the back-off and audit it, and the lockout it may start."""
        lock = await attempt.failed()
        await self.audit.record(
            "auth.login",
            Outcome.FAILURE,
            actor_id=user.id if user else None,
            target_type="user",
            target_id=user.id if user else None,
            context=ctx,
            reason="invalid_credentials",
        )
        if lock is not None:
            await self.audit.record(
                "auth.lockout",
                Outcome.DENIED,
                actor_id=user.id if user else None,
                target_type="user",
                target_id=user.id if user else None,
                context=ctx,
                seconds=int(lock.delay.total_seconds()),
                scope=lock.scope,
            )

    async def complete_login(
        self, user: User, *, context: AuditContext | None = None, mfa_method: str | None = None
    ) -> TokenPair:
        """Start the session of a fully authenticated login and issue its tokens."""
        ctx = context or AuditContext()
        session = await self.sessions.start(
            user.id, ip=ctx.ip, user_agent=ctx.user_agent, mfa_method=mfa_method
        )
        access = self.tokens.issue(
            TokenPurpose.ACCESS, user.id, self.times.access_token, session_id=session.id
        )
        refresh = await self.refresh_tokens.issue(user.id, session.id)
        await self.audit.record(
            "auth.login",
            actor_id=user.id,
            target_type="session",
            target_id=session.id,
            context=ctx,
            mfa_method=mfa_method,
        )
        return TokenPair(
            access_token=access.token,
            refresh_token=refresh.token,
            expires_in=int(self.times.access_token.total_seconds()),
        )

    async def refresh(
        self, refresh_token: str, *, context: AuditContext | None = None
    ) -> TokenPair:
        """Spend ``refresh_token`` and return a new pair for the same session.

        Raises:
            TokenReused: the token was spent before; the whole login is revoked: its
                refresh tokens and its session end at once (audited ``auth.token_reused``).
            InvalidToken: unknown, expired or revoked token, or a dead session.
        """
        try:
            rotated = await self.refresh_tokens.rotate(refresh_token)
        except TokenReused as reused:
            await self._end_reused_login(reused, context)
            raise
        session = await self.sessions.check(rotated.session_id, user_id=rotated.user_id)
        user = await self.users.get(rotated.user_id)
        if user is None or user.disabled:
            await self.refresh_tokens.revoke_family(rotated.family_id)
            raise InvalidToken()
        access = self.tokens.issue(
            TokenPurpose.ACCESS, user.id, self.times.access_token, session_id=session.id
        )
        return TokenPair(
            access_token=access.token,
            refresh_token=rotated.token,
            expires_in=int(self.times.access_token.total_seconds()),
        )

    async def _end_reused_login(self, reused: TokenReused, context: AuditContext | None) -> None:
        """A spent refresh token came back: two parties hold the login, so it ends for both."""
        if reused.session_id:
            await self.sessions.store.revoke(reused.session_id, self.clock.now())
        await self.audit.record(
            "auth.token_reused",
            Outcome.DENIED,
            actor_id=reused.user_id,
            target_type="session",
            target_id=reused.session_id,
            context=context,
            family_id=reused.family_id,
        )
