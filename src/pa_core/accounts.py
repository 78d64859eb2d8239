"""Accounts: registration, email verification, login, refresh, logout, password reset and change.

:class:`AccountService` holds every rule of these flows, so that any web
framework only parses requests and calls it. It never reveals whether an email
address has an account: login fails the same way (and takes the same time) for
an unknown address, and forgot-password and resend always answer alike.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import unicodedata
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email

from pa_core.audit.base import AuditContext, Outcome
from pa_core.audit.recorder import AuditRecorder
from pa_core.auth import Principal
from pa_core.clock import Clock
from pa_core.email import EmailMessage, EmailSender, EmailTemplates, MailDispatcher
from pa_core.errors import (
    AccountDisabled,
    EmailNotVerified,
    InvalidCredentials,
    InvalidOneTimeToken,
    InvalidToken,
    NotFound,
    PAError,
    TokenReused,
    ValidationFailed,
)
from pa_core.ids import new_id
from pa_core.kv.base import KeyValueStore
from pa_core.names import MAX_DISPLAY_NAME, mixes_scripts, normalize_display_name
from pa_core.password_confirmation import PasswordConfirmation
from pa_core.password_confirmation import default_backoff as default_reconfirm_backoff
from pa_core.password_policy import PasswordPolicy
from pa_core.passwords import PasswordHasher
from pa_core.ratelimit import BackoffAttempt, FailureBackoff, RateLimit, RateLimiter
from pa_core.refresh_tokens import RefreshTokenService
from pa_core.sessions.service import SessionService
from pa_core.tokens import TokenPurpose, TokenService
from pa_core.users.base import DEFAULT_ROLE, User, UserRepository

__all__ = [
    "MAX_DISPLAY_NAME",
    "AccountLimits",
    "AccountService",
    "AccountTimes",
    "LoginResult",
    "MfaChallenge",
    "SecondFactorGate",
    "TokenPair",
    "normalize_display_name",
    "normalize_email",
    "validate_timezone",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AccountTimes:
    """Lifetimes of what the account flows issue."""

    access_token: timedelta = timedelta(minutes=15)
    email_verification: timedelta = timedelta(hours=24)
    password_reset: timedelta = timedelta(hours=1)
    mfa_challenge: timedelta = timedelta(minutes=5)


DEFAULT_LOGIN_PER_IP = RateLimit(20, timedelta(minutes=1))
DEFAULT_REGISTER_PER_IP = RateLimit(10, timedelta(hours=1))
DEFAULT_EMAIL_PER_ADDRESS = RateLimit(3, timedelta(hours=1))
DEFAULT_EMAIL_PER_IP = RateLimit(20, timedelta(hours=1))


@dataclass(frozen=True, slots=True)
class AccountLimits:
    """Rate limits of the account flows (brute-force and abuse protection)."""

    login_per_ip: RateLimit = DEFAULT_LOGIN_PER_IP
    register_per_ip: RateLimit = DEFAULT_REGISTER_PER_IP
    email_per_address: RateLimit = DEFAULT_EMAIL_PER_ADDRESS
    """forgot-password and resend-verification, each, per email address."""
    email_per_ip: RateLimit = DEFAULT_EMAIL_PER_IP
    """forgot-password and resend-verification, each, per client address."""


@dataclass(frozen=True, slots=True)
class TokenPair:
    """What a successful login or refresh returns."""

    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "bearer"


@dataclass(frozen=True, slots=True)
class MfaChallenge:
    """A correct password for a user with a second factor: the login is not done yet."""

    mfa_token: str
    methods: tuple[str, ...]


LoginResult = TokenPair | MfaChallenge


class SecondFactorGate(Protocol):
    """What the login needs to know of multi-factor authentication."""

    async def methods_for(self, user: User) -> list[str]:
        """The user's active second-factor methods (empty: none)."""
        ...

    async def device_trusted(self, user: User, device_token: str) -> bool:
        """Whether ``device_token`` is a live remembered device of ``user``."""
        ...

    async def forget_devices(self, user_id: str) -> None:
        """Revoke every remembered device of the user (all sessions are being ended)."""
        ...


def normalize_email(email: str) -> str:
    """The normalised form of an address (no deliverability lookup), or ``validation_error``.

    NFKC comes first, so that look-alike forms of one address (fullwidth
    letters, ligatures) are validated and compared as that address; then an
    address mixing writing systems in its local part or in a domain label
    (a Cyrillic U+0430 inside a Latin word) is refused (:mod:`pa_core.names`).
    """
    if not isinstance(email, str) or "\x00" in email or len(email) > 320:
        raise ValidationFailed.for_field("email", "is not a valid email address")
    email = unicodedata.normalize("NFKC", email)
    try:
        result = validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationFailed.for_field("email", "is not a valid email address") from exc
    if mixes_scripts(result.local_part) or any(
        mixes_scripts(label) for label in result.domain.split(".")
    ):
        raise ValidationFailed.for_field("email", "mixes alphabets (a look-alike address)")
    return str(result.normalized)


def validate_timezone(name: str) -> str:
    """``name`` if it is an IANA time zone, else ``validation_error`` on ``timezone``."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed.for_field("timezone", "is not an IANA time zone") from exc
    return name


class AccountService:
    """Every rule of the account flows; the web layer only parses and calls."""

    def __init__(
        self,
        *,
        users: UserRepository,
        hasher: PasswordHasher,
        policy: PasswordPolicy,
        tokens: TokenService,
        sessions: SessionService,
        refresh_tokens: RefreshTokenService,
        email: EmailSender,
        templates: EmailTemplates,
        limiter: RateLimiter,
        login_backoff: FailureBackoff,
        one_time: KeyValueStore,
        audit: AuditRecorder,
        clock: Clock,
        fingerprint_key: bytes,
        times: AccountTimes | None = None,
        limits: AccountLimits | None = None,
        require_verified_email: bool = False,
        second_factor: SecondFactorGate | None = None,
        mail: MailDispatcher | None = None,
        reconfirm_backoff: FailureBackoff | None = None,
    ) -> None:
        self.users = users
        self.hasher = hasher
        self.policy = policy
        self.tokens = tokens
        self.sessions = sessions
        self.refresh_tokens = refresh_tokens
        self.email = email
        self.templates = templates
        self.limiter = limiter
        self.login_backoff = login_backoff
        self.one_time = one_time.with_namespace("spent")
        self.audit = audit
        self.clock = clock
        self.fingerprint_key = fingerprint_key
        self.times = times or AccountTimes()
        self.limits = limits or AccountLimits()
        self.require_verified_email = require_verified_email
        self.second_factor = second_factor
        self.mail = mail or MailDispatcher(email)
        """Sends the mail of forgot-password and resend outside the request (no enumeration)."""
        self.password_confirmation = PasswordConfirmation(
            hasher=hasher,
            backoff=reconfirm_backoff or default_reconfirm_backoff(one_time),
            sessions=sessions,
            refresh_tokens=refresh_tokens,
            audit=audit,
            clock=clock,
            notify=self._notify,
        )

    # --- helpers -------------------------------------------------------------

    async def _limit(self, name: str, key: str | None, limit: RateLimit) -> None:
        if key:
            await self.limiter.hit(name, key, limit)

    def _password_fingerprint(self, user: User) -> str:
        material = (user.password_hash or "").encode()
        return hmac.new(self.fingerprint_key, material, hashlib.sha256).hexdigest()[:32]

    async def _spend(self, jti: str, expires_in: timedelta) -> None:
        """Mark a one-time token used; a second use raises ``invalid_token``."""
        ttl = max(expires_in, timedelta(seconds=1))
        if not await self.one_time.set_if_absent(jti, b"1", ttl=ttl):
            raise InvalidOneTimeToken()

    async def _notify(self, user: User, event: str) -> None:
        """A security notice; its failure is logged but does not undo the change it reports."""
        notice = self.templates.security_notice(user.email, event, occurred_at=self.clock.now())
        try:
            await self.email.send(notice)
        except PAError:
            logger.warning("security notice %s to user %s could not be sent", event, user.id)

    def _verification_message(self, user: User) -> EmailMessage:
        issued = self.tokens.issue(
            TokenPurpose.EMAIL_VERIFICATION,
            user.id,
            self.times.email_verification,
            extra={"email": user.email.casefold()},
        )
        return self.templates.verification(
            user.email, issued.token, expires_in=self.times.email_verification
        )

    async def _verification_mail(self, user: User) -> None:
        await self.email.send(self._verification_message(user))

    async def _user(self, user_id: str) -> User:
        user = await self.users.get(user_id)
        if user is None:
            raise NotFound()
        return user

    async def _issue_pair(self, user: User, session_id: str) -> TokenPair:
        access = self.tokens.issue(
            TokenPurpose.ACCESS, user.id, self.times.access_token, session_id=session_id
        )
        refresh = await self.refresh_tokens.issue(user.id, session_id)
        return TokenPair(
            access_token=access.token,
            refresh_token=refresh.token,
            expires_in=int(self.times.access_token.total_seconds()),
        )

    # --- registration and verification ---------------------------------------

    async def register(
        self,
        email: str,
        password: str,
        display_name: str | None = None,
        *,
        context: AuditContext | None = None,
    ) -> User:
        """Create an account with the role ``user`` and mail a verification link.

        Raises:
            ValidationFailed: a malformed email or display name.
            WeakPassword: the password breaks the policy (the rule is named).
            EmailTaken: an account with this address exists.
            RateLimited: too many registrations from this address.
        """
        ctx = context or AuditContext()
        await self._limit("register-ip", ctx.ip, self.limits.register_per_ip)
        normalized = normalize_email(email)
        name = normalize_display_name(display_name)
        password = self.policy.check(password, email=normalized)
        now = self.clock.now()
        user = User(
            id=new_id(now),
            email=normalized,
            password_hash=await self.hasher.hash(password),
            display_name=name,
            created_at=now,
            updated_at=now,
            roles=(DEFAULT_ROLE,),
        )
        await self.users.add(user)
        await self.audit.record(
            "account.register", actor_id=user.id, target_type="user", target_id=user.id, context=ctx
        )
        await self._verification_mail(user)
        return user

    async def verify_email(self, token: str, *, context: AuditContext | None = None) -> User:
        """Mark the address of the token verified; the token works once.

        Raises:
            InvalidOneTimeToken: a bad, expired, spent or superseded token.
        """
        try:
            claims = self.tokens.verify(token, TokenPurpose.EMAIL_VERIFICATION)
        except InvalidToken as exc:
            raise InvalidOneTimeToken() from exc
        user = await self.users.get(claims.subject)
        if user is None or claims.extra.get("email") != user.email.casefold():
            raise InvalidOneTimeToken()
        await self._spend(claims.jti, claims.expires_at - self.clock.now())
        if user.email_verified_at is None:
            now = self.clock.now()
            user = await self.users.update(replace(user, email_verified_at=now, updated_at=now))
        await self.audit.record(
            "account.verify_email",
            actor_id=user.id,
            target_type="user",
            target_id=user.id,
            context=context,
        )
        return user

    async def resend_verification(self, email: str, *, context: AuditContext | None = None) -> None:
        """Mail a new verification link if the address has an unverified account.

        Answers the same, as fast, whether or not the account exists (no
        enumeration): the mail goes out through :attr:`mail` in the background,
        so neither a slow nor a failing mail server shows in the answer.
        """
        ctx = context or AuditContext()
        await self._limit("resend-ip", ctx.ip, self.limits.email_per_ip)
        try:
            normalized = normalize_email(email)
        except ValidationFailed:
            return
        await self._limit("resend-email", normalized.casefold(), self.limits.email_per_address)
        user = await self.users.get_by_email(normalized)
        if user is None or user.email_verified or user.disabled:
            return
        self.mail.submit(self._verification_message(user), kind="verification", user_id=user.id)

    # --- login, refresh, logout ----------------------------------------------

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
        await self._limit("login-ip", ctx.ip, self.limits.login_per_ip)
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
            raise
        if upgraded is not None:
            user = await self.users.update(
                replace(user, password_hash=upgraded, updated_at=self.clock.now())
            )
        return user

    async def complete_login(
        self, user: User, *, context: AuditContext | None = None, mfa_method: str | None = None
    ) -> TokenPair:
        """Start the session of a fully authenticated login and issue its tokens."""
        ctx = context or AuditContext()
        session = await self.sessions.start(
            user.id, ip=ctx.ip, user_agent=ctx.user_agent, mfa_method=mfa_method
        )
        pair = await self._issue_pair(user, session.id)
        await self.audit.record(
            "auth.login",
            actor_id=user.id,
            target_type="session",
            target_id=session.id,
            context=ctx,
            mfa_method=mfa_method,
        )
        return pair

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

    async def revoke_session(
        self, principal: Principal, session_id: str, *, context: AuditContext | None = None
    ) -> None:
        """End one of the caller's sessions and its refresh tokens, at once, and audit it.

        Raises:
            NotFound: no live session ``session_id`` of the caller (another user's
                session answers exactly like a missing one, and is left alone).
        """
        await self.sessions.revoke(principal.user_id, session_id)
        await self.refresh_tokens.revoke_session(session_id)
        await self.audit.record(
            "auth.session_revoked",
            actor_id=principal.user_id,
            target_type="session",
            target_id=session_id,
            context=context,
        )

    async def sign_out_others(
        self,
        user_id: str,
        keep_session_id: str | None,
        *,
        context: AuditContext | None = None,
        reason: str | None = None,
    ) -> None:
        """End every session of the user but ``keep_session_id`` (all of them if ``None``).

        Their refresh tokens and remembered devices go too; ``reason`` is audited.
        """
        await self._revoke_everything(user_id, keep_session=keep_session_id)
        await self.audit.record(
            "auth.sign_out_others",
            actor_id=user_id,
            target_id=user_id,
            context=context,
            kept_session=keep_session_id,
            reason=reason,
        )

    async def logout(self, principal: Principal, *, context: AuditContext | None = None) -> None:
        """End the caller's session and its refresh tokens, at once."""
        await self.sessions.store.revoke(principal.session_id, self.clock.now())
        await self.refresh_tokens.revoke_session(principal.session_id)
        await self.audit.record(
            "auth.logout",
            actor_id=principal.user_id,
            target_type="session",
            target_id=principal.session_id,
            context=context,
        )

    async def logout_all(
        self, principal: Principal, *, context: AuditContext | None = None
    ) -> None:
        """End every session of the caller, and every refresh token."""
        await self._revoke_everything(principal.user_id)
        await self.audit.record(
            "auth.logout_all",
            actor_id=principal.user_id,
            target_id=principal.user_id,
            context=context,
        )

    async def _revoke_everything(self, user_id: str, keep_session: str | None = None) -> None:
        if keep_session is None:
            ended = await self.sessions.revoke_all(user_id)
            await self.refresh_tokens.revoke_user(user_id)
        else:
            ended = await self.sessions.revoke_others(user_id, keep_session)
        for session_id in ended:
            await self.refresh_tokens.revoke_session(session_id)
        if self.second_factor is not None:
            await self.second_factor.forget_devices(user_id)

    # --- passwords -----------------------------------------------------------

    async def forgot_password(self, email: str, *, context: AuditContext | None = None) -> None:
        """Mail a reset link if the account exists; answers alike, as fast, either way.

        The mail goes out through :attr:`mail` in the background (a slow or
        failing mail server never shows in the answer), and an unknown address
        is audited too, so that both answers do the same work.
        """
        ctx = context or AuditContext()
        await self._limit("forgot-ip", ctx.ip, self.limits.email_per_ip)
        try:
            normalized = normalize_email(email)
        except ValidationFailed:
            return
        await self._limit("forgot-email", normalized.casefold(), self.limits.email_per_address)
        user = await self.users.get_by_email(normalized)
        if user is None or user.disabled:
            await self.audit.record(
                "account.password_reset_requested",
                Outcome.FAILURE,
                context=ctx,
                reason="no_active_account",
            )
            return
        issued = self.tokens.issue(
            TokenPurpose.PASSWORD_RESET,
            user.id,
            self.times.password_reset,
            extra={"pwd": self._password_fingerprint(user)},
        )
        message = self.templates.password_reset(
            user.email, issued.token, expires_in=self.times.password_reset
        )
        self.mail.submit(message, kind="password_reset", user_id=user.id)
        await self.audit.record(
            "account.password_reset_requested", actor_id=user.id, target_id=user.id, context=ctx
        )

    async def reset_password(
        self, token: str, new_password: str, *, context: AuditContext | None = None
    ) -> None:
        """Set a new password from a mailed token and end every session.

        The token works once, and dies as soon as the password changes.

        Raises:
            InvalidOneTimeToken: a bad, expired, spent or superseded token.
            WeakPassword: the new password breaks the policy.
        """
        try:
            claims = self.tokens.verify(token, TokenPurpose.PASSWORD_RESET)
        except InvalidToken as exc:
            raise InvalidOneTimeToken() from exc
        user = await self.users.get(claims.subject)
        if user is None or not hmac.compare_digest(
            str(claims.extra.get("pwd", "")), self._password_fingerprint(user)
        ):
            raise InvalidOneTimeToken()
        new_password = self.policy.check(new_password, email=user.email)
        await self._spend(claims.jti, claims.expires_at - self.clock.now())
        now = self.clock.now()
        password_hash = await self.hasher.hash(new_password)
        async with self.audit.atomic():  # the new password and its audit row land together
            user = await self.users.update(
                replace(user, password_hash=password_hash, updated_at=now)
            )
            await self.audit.record(
                "account.password_reset", actor_id=user.id, target_id=user.id, context=context
            )
        await self._revoke_everything(user.id)
        # The owner proved control of the mailbox: its address and the account get in again.
        await self.login_backoff.clear(
            user.email.casefold(), context.ip if context else None, account=True
        )
        await self._notify(user, "password_reset")

    async def confirm_password(
        self,
        user: User,
        password: str,
        *,
        session_id: str | None = None,
        action: str | None = None,
        context: AuditContext | None = None,
    ) -> None:
        """Check the password confirming a sensitive action, under the per-user back-off.

        See :class:`~pa_core.password_confirmation.PasswordConfirmation`: after 5
        wrong passwords in 15 minutes the answer is ``rate_limited``, the
        guessing session (``session_id``; every session when ``None``) ends and
        the user is mailed a notice.

        Raises:
            InvalidPassword: the password is wrong.
            RateLimited: too many wrong passwords lately.
        """
        await self.password_confirmation.confirm(
            user, password, session_id=session_id, action=action, context=context
        )

    async def change_password(
        self,
        principal: Principal,
        current_password: str,
        new_password: str,
        *,
        context: AuditContext | None = None,
    ) -> None:
        """Change the caller's password; every other session ends.

        Raises:
            InvalidPassword: ``current_password`` is wrong.
            RateLimited: too many wrong passwords lately (the session has ended).
            WeakPassword: the new password breaks the policy.
        """
        user = await self._user(principal.user_id)
        await self.confirm_password(
            user,
            current_password,
            session_id=principal.session_id,
            action="account.password_change",
            context=context,
        )
        new_password = self.policy.check(new_password, email=user.email)
        now = self.clock.now()
        password_hash = await self.hasher.hash(new_password)
        async with self.audit.atomic():  # the new password and its audit row land together
            user = await self.users.update(
                replace(user, password_hash=password_hash, updated_at=now)
            )
            await self.audit.record(
                "account.password_change", actor_id=user.id, target_id=user.id, context=context
            )
        await self._revoke_everything(user.id, keep_session=principal.session_id)
        await self._notify(user, "password_changed")

    async def me(self, principal: Principal) -> User:
        """The caller's account."""
        return await self._user(principal.user_id)
