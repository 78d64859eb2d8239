"""Wiring of the account service: hashing, password policy, limits, login back-off, emails.

Wiring only: every value comes from the ``PA_`` settings; the rules live in
``pa_core.accounts``.
"""

from __future__ import annotations

from datetime import timedelta

from examples.litestar_app.core.settings import AppSettings
from pa_core.accounts import AccountLimits, AccountService, AccountTimes
from pa_core.audit import AuditRecorder
from pa_core.clock import Clock
from pa_core.email import EmailSender, EmailTemplates, MailDispatcher
from pa_core.kv import KeyValueStore
from pa_core.mfa import MfaGate
from pa_core.password_policy import PasswordPolicy
from pa_core.passwords import PasswordHasher
from pa_core.ratelimit import FailureBackoff, RateLimit, RateLimiter
from pa_core.refresh_tokens import RefreshTokenService
from pa_core.sessions import SessionService
from pa_core.tokens import TokenService
from pa_core.users import UserRepository

__all__ = ["build_account_service"]


def _limits(settings: AppSettings) -> AccountLimits:
    """The per-address and per-IP limits of ``PA_RATE_LIMIT_*``."""
    return AccountLimits(
        login_per_ip=RateLimit.parse(settings.rate_limit_login_per_ip),
        register_per_ip=RateLimit.parse(settings.rate_limit_register_per_ip),
        email_per_address=RateLimit.parse(settings.rate_limit_email_per_address),
        email_per_ip=RateLimit.parse(settings.rate_limit_email_per_ip),
    )


def build_account_service(
    settings: AppSettings,
    clock: Clock,
    *,
    users: UserRepository,
    tokens: TokenService,
    sessions: SessionService,
    refresh_tokens: RefreshTokenService,
    email: EmailSender,
    mail: MailDispatcher,
    kv: KeyValueStore,
    audit: AuditRecorder,
    gate: MfaGate,
) -> AccountService:
    """Registration, login, tokens and passwords; limits and one-time tokens in ``kv``."""
    limit_key = settings.purpose_key("rate-limit-keys")
    return AccountService(
        users=users,
        hasher=PasswordHasher(),
        policy=PasswordPolicy.from_settings(settings),
        tokens=tokens,
        sessions=sessions,
        refresh_tokens=refresh_tokens,
        email=email,
        templates=EmailTemplates.from_settings(settings),
        limiter=RateLimiter(kv, key_secret=limit_key),
        login_backoff=FailureBackoff(
            kv,
            max_failures=settings.login_max_failures,
            max_failures_account=settings.login_max_failures_account,
            window=timedelta(seconds=settings.login_failure_window),
            key_secret=limit_key,
        ),
        one_time=kv,
        audit=audit,
        clock=clock,
        fingerprint_key=settings.purpose_key("password-fingerprint"),
        times=AccountTimes(access_token=timedelta(seconds=settings.access_token_ttl)),
        limits=_limits(settings),
        require_verified_email=settings.require_verified_email,
        second_factor=gate,
        mail=mail,
    )
