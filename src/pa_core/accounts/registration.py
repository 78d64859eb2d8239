"""Registration and email verification: create an account, verify its address, resend the link.

Resending answers the same, as fast, whether or not the account exists, so that
it never reveals which addresses have an account.
"""

from __future__ import annotations

from dataclasses import replace

from pa_core.accounts.base import AccountLimits, AccountTimes
from pa_core.accounts.fields import normalize_email
from pa_core.accounts.support import SpentTokens, hit_if_keyed
from pa_core.audit.base import AuditContext
from pa_core.audit.recorder import AuditRecorder
from pa_core.clock import Clock
from pa_core.email import EmailMessage, EmailSender, EmailTemplates, MailDispatcher
from pa_core.errors import InvalidOneTimeToken, InvalidToken, ValidationFailed
from pa_core.ids import new_id
from pa_core.names import normalize_display_name
from pa_core.password_policy import PasswordPolicy
from pa_core.passwords import PasswordHasher
from pa_core.ratelimit import RateLimiter
from pa_core.tokens import TokenPurpose, TokenService
from pa_core.users.base import DEFAULT_ROLE, User, UserRepository

__all__ = ["Registration"]


class Registration:
    """Creates accounts and verifies their email addresses.

    Args:
        users: where accounts are kept.
        hasher: hashes the new password.
        policy: the password rules.
        tokens: issues and checks the verification links.
        spent: verification links already used.
        email: sends the first verification mail, within the request.
        templates: renders the verification mail.
        mail: sends resent verification mail in the background.
        limiter: counts registrations and resends.
        limits: how many of them are allowed.
        audit: records registrations and verifications.
        clock: the time source.
        times: how long a verification link lives.
    """

    def __init__(
        self,
        *,
        users: UserRepository,
        hasher: PasswordHasher,
        policy: PasswordPolicy,
        tokens: TokenService,
        spent: SpentTokens,
        email: EmailSender,
        templates: EmailTemplates,
        mail: MailDispatcher,
        limiter: RateLimiter,
        limits: AccountLimits,
        audit: AuditRecorder,
        clock: Clock,
        times: AccountTimes,
    ) -> None:
        self.users = users
        self.hasher = hasher
        self.policy = policy
        self.tokens = tokens
        self.spent = spent
        self.email = email
        self.templates = templates
        self.mail = mail
        self.limiter = limiter
        self.limits = limits
        self.audit = audit
        self.clock = clock
        self.times = times

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
        await hit_if_keyed(self.limiter, "register-ip", ctx.ip, self.limits.register_per_ip)
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
        await self.email.send(self._verification_message(user))
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
        await self.spent.spend(claims.jti, claims.expires_at - self.clock.now())
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
        await hit_if_keyed(self.limiter, "resend-ip", ctx.ip, self.limits.email_per_ip)
        try:
            normalized = normalize_email(email)
        except ValidationFailed:
            return
        await hit_if_keyed(
            self.limiter, "resend-email", normalized.casefold(), self.limits.email_per_address
        )
        user = await self.users.get_by_email(normalized)
        if user is None or user.email_verified or user.disabled:
            return
        self.mail.submit(self._verification_message(user), kind="verification", user_id=user.id)

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
