"""Wiring of multi-factor authentication: factors, backup codes, devices and SMS codes.

Wiring only: which store follows from the ``PA_`` settings; the SMS transport
(``sms/services.py``) is shared with the SMS routing.
"""

from __future__ import annotations

from datetime import timedelta

from examples.litestar_app.core.settings import AppSettings
from pa_core.accounts import AccountService
from pa_core.audit import AuditRecorder
from pa_core.clock import Clock
from pa_core.crypto import FieldEncryptor
from pa_core.database import Database
from pa_core.kv import KeyValueStore
from pa_core.mfa import (
    BackupCodes,
    DeviceTrust,
    MfaGate,
    MfaService,
    SendLimit,
    SmsCodeLimits,
    SmsCodeService,
    SmsDestinationPolicy,
    TotpService,
    backup_codes,
    devices,
    sms_codes,
)
from pa_core.mfa.sqlalchemy import SqlBackupCodeStore, SqlMfaFactorStore, SqlTrustedDeviceStore
from pa_core.ratelimit import FailureBackoff, RateLimit, RateLimiter
from pa_sms.transports import SmsTransport

__all__ = ["build_mfa_gate", "build_mfa_service"]


def build_mfa_gate(settings: AppSettings, clock: Clock, database: Database) -> MfaGate:
    """Factors, backup codes and remembered devices in the database."""
    return MfaGate(
        SqlMfaFactorStore(database),
        SqlBackupCodeStore(database, clock),
        DeviceTrust(
            SqlTrustedDeviceStore(database),
            clock,
            settings.purpose_key(devices.KEY_PURPOSE),
            ttl=timedelta(days=settings.mfa_remember_device_days),
        ),
    )


def _send_limits(settings: AppSettings) -> tuple[SendLimit, ...]:
    parsed = (RateLimit.parse(part) for part in settings.sms_code_send_limits.split(","))
    return tuple(SendLimit(limit.limit, limit.window) for limit in parsed)


def build_mfa_service(
    settings: AppSettings,
    clock: Clock,
    *,
    gate: MfaGate,
    accounts: AccountService,
    kv: KeyValueStore,
    audit: AuditRecorder,
    sms_sender: SmsTransport,
) -> MfaService:
    """The MFA flows over ``gate``, with SMS codes and limits in the key-value store."""
    limits = _send_limits(settings)
    limit_key = settings.purpose_key("rate-limit-keys")
    return MfaService(
        gate=gate,
        accounts=accounts,
        totp=TotpService(
            FieldEncryptor.from_settings(settings, settings.previous_master_secrets),
            settings.mfa_issuer,
            clock,
        ),
        sms=SmsCodeService(
            kv.with_namespace("sms-codes"),
            sms_sender,
            clock,
            settings.purpose_key(sms_codes.KEY_PURPOSE),
            limits=SmsCodeLimits(per_subject=limits, per_phone=limits),
            destinations=SmsDestinationPolicy.from_settings(settings),
            codes_per_day=settings.sms_codes_per_day,
        ),
        backup_codes=BackupCodes(settings.purpose_key(backup_codes.KEY_PURPOSE)),
        audit=audit,
        clock=clock,
        one_time=kv,
        limiter=RateLimiter(kv, key_secret=limit_key),
        backoff=FailureBackoff(
            kv,
            name="mfa",
            max_failures=settings.login_max_failures,
            max_failures_account=settings.login_max_failures_account,
            window=timedelta(seconds=settings.login_failure_window),
            key_secret=limit_key,
        ),
    )
