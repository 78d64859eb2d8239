"""The account facade: one object with every account flow, built from one set of dependencies.

:class:`AccountService` composes the flows, each in its own module and each
taking only what it uses:

* :class:`~pa_core.accounts.registration.Registration`: register, verify the
  address, resend the link;
* :class:`~pa_core.accounts.sign_in.SignIn`: login, its session and tokens, refresh;
* :class:`~pa_core.accounts.sign_out.SignOut`: logout, logout everywhere,
  revoke a session, sign out the others;
* :class:`~pa_core.accounts.password_flows.PasswordReset` and
  :class:`~pa_core.accounts.password_flows.PasswordChange`: forgot, reset,
  change and re-confirm the password.

A web framework only parses requests and calls it. It never reveals whether an
email address has an account: login fails the same way (and takes the same
time) for an unknown address, and forgot-password and resend always answer alike.
"""

from __future__ import annotations

from pa_core.accounts.base import (
    AccountLimits,
    AccountTimes,
    LoginResult,
    SecondFactorGate,
    TokenPair,
)
from pa_core.accounts.password_flows import NewPassword, PasswordChange, PasswordReset
from pa_core.accounts.registration import Registration
from pa_core.accounts.sign_in import SignIn
from pa_core.accounts.sign_out import SignOut
from pa_core.accounts.support import SecurityNotices, SpentTokens
from pa_core.audit.base import AuditContext
from pa_core.audit.recorder import AuditRecorder
from pa_core.auth import Principal
from pa_core.clock import Clock
from pa_core.email import EmailSender, EmailTemplates, MailDispatcher
from pa_core.errors import NotFound
from pa_core.kv.base import KeyValueStore
from pa_core.password_confirmation import PasswordConfirmation
from pa_core.password_confirmation import default_backoff as default_reconfirm_backoff
from pa_core.password_policy import PasswordPolicy
from pa_core.passwords import PasswordHasher
from pa_core.ratelimit import FailureBackoff, RateLimiter
from pa_core.refresh_tokens import RefreshTokenService
from pa_core.sessions.service import SessionService
from pa_core.tokens import TokenService
from pa_core.users.base import User, UserRepository

__all__ = ["AccountService"]


class AccountService:
    """Every rule of the account flows; the web layer only parses and calls.

    The flows are attributes (:attr:`registration`, :attr:`sign_in`,
    :attr:`sign_out`, :attr:`password_reset`, :attr:`password_change`); the
    methods here delegate to them.
    """

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
        times = times or AccountTimes()
        limits = limits or AccountLimits()
        mail = mail or MailDispatcher(email)
        spent = SpentTokens(one_time)
        self.notices = SecurityNotices(email, templates, clock)
        self.sign_in = SignIn(
            users=users,
            hasher=hasher,
            tokens=tokens,
            sessions=sessions,
            refresh_tokens=refresh_tokens,
            limiter=limiter,
            limits=limits,
            login_backoff=login_backoff,
            audit=audit,
            clock=clock,
            times=times,
            require_verified_email=require_verified_email,
            second_factor=second_factor,
        )
        self.sign_out = SignOut(
            sessions=sessions,
            refresh_tokens=refresh_tokens,
            audit=audit,
            clock=clock,
            second_factor=second_factor,
        )
        self.registration = self._registration(policy, spent, email, templates, mail)
        self.password_reset, self.password_change = self._password_flows(
            policy,
            spent,
            fingerprint_key,
            templates,
            mail,
            reconfirm_backoff or default_reconfirm_backoff(one_time),
        )

    def _registration(
        self,
        policy: PasswordPolicy,
        spent: SpentTokens,
        email: EmailSender,
        templates: EmailTemplates,
        mail: MailDispatcher,
    ) -> Registration:
        """Registration over the stores, limits and clock that :attr:`sign_in` holds."""
        shared = self.sign_in
        return Registration(
            users=shared.users,
            hasher=shared.hasher,
            policy=policy,
            tokens=shared.tokens,
            spent=spent,
            email=email,
            templates=templates,
            mail=mail,
            limiter=shared.limiter,
            limits=shared.limits,
            audit=shared.audit,
            clock=shared.clock,
            times=shared.times,
        )

    def _password_flows(
        self,
        policy: PasswordPolicy,
        spent: SpentTokens,
        fingerprint_key: bytes,
        templates: EmailTemplates,
        mail: MailDispatcher,
        reconfirm_backoff: FailureBackoff,
    ) -> tuple[PasswordReset, PasswordChange]:
        """The reset and change flows over the stores, limits and clock of :attr:`sign_in`."""
        shared = self.sign_in
        new_password = NewPassword(
            users=shared.users,
            hasher=shared.hasher,
            policy=policy,
            audit=shared.audit,
            clock=shared.clock,
        )
        reset = PasswordReset(
            users=shared.users,
            new_password=new_password,
            tokens=shared.tokens,
            spent=spent,
            fingerprint_key=fingerprint_key,
            templates=templates,
            mail=mail,
            limiter=shared.limiter,
            limits=shared.limits,
            login_backoff=shared.login_backoff,
            sign_out=self.sign_out,
            notices=self.notices,
            audit=shared.audit,
            clock=shared.clock,
            times=shared.times,
        )
        confirmation = PasswordConfirmation(
            hasher=shared.hasher,
            backoff=reconfirm_backoff,
            sessions=shared.sessions,
            refresh_tokens=shared.refresh_tokens,
            audit=shared.audit,
            clock=shared.clock,
            notify=self.notices.send,
        )
        change = PasswordChange(
            users=shared.users,
            new_password=new_password,
            confirmation=confirmation,
            sign_out=self.sign_out,
            notices=self.notices,
        )
        return reset, change

    # --- what callers read ---------------------------------------------------

    @property
    def users(self) -> UserRepository:
        """Where accounts are kept."""
        return self.sign_in.users

    @property
    def tokens(self) -> TokenService:
        """Issues and checks access, MFA and mailed tokens."""
        return self.sign_in.tokens

    @property
    def sessions(self) -> SessionService:
        """The live sessions."""
        return self.sign_in.sessions

    @property
    def refresh_tokens(self) -> RefreshTokenService:
        """The refresh tokens of each session."""
        return self.sign_in.refresh_tokens

    @property
    def login_backoff(self) -> FailureBackoff:
        """Locks an account (and an address) after repeated wrong passwords."""
        return self.sign_in.login_backoff

    @property
    def limits(self) -> AccountLimits:
        """The rate limits of the flows."""
        return self.sign_in.limits

    @property
    def mail(self) -> MailDispatcher:
        """Sends the mail of forgot-password and resend outside the request (no enumeration)."""
        return self.registration.mail

    @property
    def password_confirmation(self) -> PasswordConfirmation:
        """Checks the password confirming a sensitive action, under the per-user back-off."""
        return self.password_change.confirmation

    # --- registration and verification ---------------------------------------

    async def register(
        self,
        email: str,
        password: str,
        display_name: str | None = None,
        *,
        context: AuditContext | None = None,
    ) -> User:
        """Create an account and mail a verification link (see :class:`Registration`)."""
        return await self.registration.register(email, password, display_name, context=context)

    async def verify_email(self, token: str, *, context: AuditContext | None = None) -> User:
        """Mark the address of the token verified, once (see :class:`Registration`)."""
        return await self.registration.verify_email(token, context=context)

    async def resend_verification(self, email: str, *, context: AuditContext | None = None) -> None:
        """Mail a new verification link, answering alike either way (:class:`Registration`)."""
        await self.registration.resend_verification(email, context=context)

    # --- login, refresh, logout ----------------------------------------------

    async def login(
        self,
        email: str,
        password: str,
        *,
        context: AuditContext | None = None,
        device_token: str | None = None,
    ) -> LoginResult:
        """Check the password and start a session, or ask for a second factor (:class:`SignIn`)."""
        return await self.sign_in.login(email, password, context=context, device_token=device_token)

    async def complete_login(
        self, user: User, *, context: AuditContext | None = None, mfa_method: str | None = None
    ) -> TokenPair:
        """Start the session of a fully authenticated login (see :class:`SignIn`)."""
        return await self.sign_in.complete_login(user, context=context, mfa_method=mfa_method)

    async def refresh(
        self, refresh_token: str, *, context: AuditContext | None = None
    ) -> TokenPair:
        """Spend a refresh token for a new pair of the same session (see :class:`SignIn`)."""
        return await self.sign_in.refresh(refresh_token, context=context)

    async def revoke_session(
        self, principal: Principal, session_id: str, *, context: AuditContext | None = None
    ) -> None:
        """End one of the caller's sessions and its refresh tokens (see :class:`SignOut`)."""
        await self.sign_out.revoke_session(principal, session_id, context=context)

    async def sign_out_others(
        self,
        user_id: str,
        keep_session_id: str | None,
        *,
        context: AuditContext | None = None,
        reason: str | None = None,
    ) -> None:
        """End every session of the user but one (see :class:`SignOut`)."""
        await self.sign_out.sign_out_others(
            user_id, keep_session_id, context=context, reason=reason
        )

    async def logout(self, principal: Principal, *, context: AuditContext | None = None) -> None:
        """End the caller's session and its refresh tokens (see :class:`SignOut`)."""
        await self.sign_out.logout(principal, context=context)

    async def logout_all(
        self, principal: Principal, *, context: AuditContext | None = None
    ) -> None:
        """End every session of the caller, and every refresh token (see :class:`SignOut`)."""
        await self.sign_out.logout_all(principal, context=context)

    # --- passwords -----------------------------------------------------------

    async def forgot_password(self, email: str, *, context: AuditContext | None = None) -> None:
        """Mail a reset link if the account exists, answering alike (:class:`PasswordReset`)."""
        await self.password_reset.forgot_password(email, context=context)

    async def reset_password(
        self, token: str, new_password: str, *, context: AuditContext | None = None
    ) -> None:
        """Set a new password from a mailed token, ending every session (:class:`PasswordReset`)."""
        await self.password_reset.reset_password(token, new_password, context=context)

    async def confirm_password(
        self,
        user: User,
        password: str,
        *,
        session_id: str | None = None,
        action: str | None = None,
        context: AuditContext | None = None,
    ) -> None:
        """Check the password confirming a sensitive action (see :class:`PasswordChange`)."""
        await self.password_change.confirm_password(
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
        """Change the caller's password; other sessions end (see :class:`PasswordChange`)."""
        await self.password_change.change_password(
            principal, current_password, new_password, context=context
        )

    # --- the account ---------------------------------------------------------

    async def me(self, principal: Principal) -> User:
        """The caller's account.

        Raises:
            NotFound: the account no longer exists.
        """
        user = await self.users.get(principal.user_id)
        if user is None:
            raise NotFound()
        return user
