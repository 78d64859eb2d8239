"""Password flows: forgot and reset by mail, change while signed in, and re-confirmation.

A reset link works once and dies as soon as the password changes (it carries a
fingerprint of the password hash); forgot-password answers alike, as fast,
whether or not the account exists. A new password ends the other sessions.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace

from pa_core.accounts.base import AccountLimits, AccountTimes
from pa_core.accounts.fields import normalize_email
from pa_core.accounts.sign_out import SignOut
from pa_core.accounts.support import SecurityNotices, SpentTokens, hit_if_keyed
from pa_core.audit.base import AuditContext, Outcome
from pa_core.audit.recorder import AuditRecorder
from pa_core.auth import Principal
from pa_core.clock import Clock
from pa_core.email import EmailTemplates, MailDispatcher
from pa_core.errors import InvalidOneTimeToken, InvalidToken, NotFound, ValidationFailed
from pa_core.password_confirmation import PasswordConfirmation
from pa_core.password_policy import PasswordPolicy
from pa_core.passwords import PasswordHasher
from pa_core.ratelimit import FailureBackoff, RateLimiter
from pa_core.tokens import TokenPurpose, TokenService
from pa_core.users.base import User, UserRepository

__all__ = ["NewPassword", "PasswordChange", "PasswordReset"]


class NewPassword:
    """Checks a new password against the policy and stores its hash with its audit row.

    Args:
        users: where accounts are kept.
        hasher: hashes the new password.
        policy: the password rules.
        audit: records the change in the same transaction.
        clock: the time source.
    """

    def __init__(
        self,
        *,
        users: UserRepository,
        hasher: PasswordHasher,
        policy: PasswordPolicy,
        audit: AuditRecorder,
        clock: Clock,
    ) -> None:
        self.users = users
        self.hasher = hasher
        self.policy = policy
        self.audit = audit
        self.clock = clock

    def check(self, user: User, password: str) -> str:
        """``password`` if the policy accepts it for ``user``.

        Raises:
            WeakPassword: the password breaks the policy.
        """
        return self.policy.check(password, email=user.email)

    async def store(
        self, user: User, password: str, action: str, context: AuditContext | None
    ) -> User:
        """Hash ``password`` (already checked) and save it with its audit row ``action``."""
        now = self.clock.now()
        password_hash = await self.hasher.hash(password)
        async with self.audit.atomic():  # the new password and its audit row land together
            user = await self.users.update(
                replace(user, password_hash=password_hash, updated_at=now)
            )
            await self.audit.record(action, actor_id=user.id, target_id=user.id, context=context)
        return user


class PasswordReset:
    """Forgot-password and the reset by mailed link.

    Args:
        users: where accounts are kept.
        new_password: checks and stores the new password.
        tokens: issues and checks the reset links.
        spent: reset links already used.
        fingerprint_key: keys the fingerprint of the password hash in each link.
        templates: renders the reset mail.
        mail: sends it in the background.
        limiter: counts requests per address and per client address.
        limits: how many are allowed.
        login_backoff: cleared for the owner once the password is reset.
        sign_out: ends every session after a reset.
        notices: mails the security notice.
        audit: records requests and resets.
        clock: the time source.
        times: how long a reset link lives.
    """

    def __init__(
        self,
        *,
        users: UserRepository,
        new_password: NewPassword,
        tokens: TokenService,
        spent: SpentTokens,
        fingerprint_key: bytes,
        templates: EmailTemplates,
        mail: MailDispatcher,
        limiter: RateLimiter,
        limits: AccountLimits,
        login_backoff: FailureBackoff,
        sign_out: SignOut,
        notices: SecurityNotices,
        audit: AuditRecorder,
        clock: Clock,
        times: AccountTimes,
    ) -> None:
        self.users = users
        self.new_password = new_password
        self.tokens = tokens
        self.spent = spent
        self.fingerprint_key = fingerprint_key
        self.templates = templates
        self.mail = mail
        self.limiter = limiter
        self.limits = limits
        self.login_backoff = login_backoff
        self.sign_out = sign_out
        self.notices = notices
        self.audit = audit
        self.clock = clock
        self.times = times

    def fingerprint(self, user: User) -> str:
        """A keyed digest of the user's password hash: a reset link dies when it changes."""
        material = (user.password_hash or "").encode()
        return hmac.new(self.fingerprint_key, material, hashlib.sha256).hexdigest()[:32]

    async def forgot_password(self, email: str, *, context: AuditContext | None = None) -> None:
        """Mail a reset link if the account exists; answers alike, as fast, either way.

        The mail goes out through :attr:`mail` in the background (a slow or
        failing mail server never shows in the answer), and an unknown address
        is audited too, so that both answers do the same work.
        """
        ctx = context or AuditContext()
        await hit_if_keyed(self.limiter, "forgot-ip", ctx.ip, self.limits.email_per_ip)
        try:
            normalized = normalize_email(email)
        except ValidationFailed:
            return
        await hit_if_keyed(
            self.limiter, "forgot-email", normalized.casefold(), self.limits.email_per_address
        )
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
            extra={"pwd": self.fingerprint(user)},
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
            str(claims.extra.get("pwd", "")), self.fingerprint(user)
        ):
            raise InvalidOneTimeToken()
        new_password = self.new_password.check(user, new_password)
        await self.spent.spend(claims.jti, claims.expires_at - self.clock.now())
        user = await self.new_password.store(user, new_password, "account.password_reset", context)
        await self.sign_out.revoke_everything(user.id)
        # The owner proved control of the mailbox: its address and the account get in again.
        await self.login_backoff.clear(
            user.email.casefold(), context.ip if context else None, account=True
        )
        await self.notices.send(user, "password_reset")


class PasswordChange:
    """The signed-in user's password: confirming it for a sensitive action, and changing it.

    Args:
        users: where accounts are kept.
        new_password: checks and stores the new password.
        confirmation: checks the current password under the per-user back-off.
        sign_out: ends the other sessions after a change.
        notices: mails the security notice.
    """

    def __init__(
        self,
        *,
        users: UserRepository,
        new_password: NewPassword,
        confirmation: PasswordConfirmation,
        sign_out: SignOut,
        notices: SecurityNotices,
    ) -> None:
        self.users = users
        self.new_password = new_password
        self.confirmation = confirmation
        self.sign_out = sign_out
        self.notices = notices

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
        await self.confirmation.confirm(
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
        user = await self.users.get(principal.user_id)
        if user is None:
            raise NotFound()
        await self.confirm_password(
            user,
            current_password,
            session_id=principal.session_id,
            action="account.password_change",
            context=context,
        )
        new_password = self.new_password.check(user, new_password)
        user = await self.new_password.store(user, new_password, "account.password_change", context)
        await self.sign_out.revoke_everything(user.id, keep_session=principal.session_id)
        await self.notices.send(user, "password_changed")
