"""Second factors: TOTP authenticator apps, codes by SMS, backup codes, remembered devices.

The primitives (:class:`TotpService`, :class:`SmsCodeService`,
:class:`BackupCodes`) generate, store safely and verify; :class:`MfaService`
and :class:`MfaGate` combine them into enrolment and the two-step login.
"""

from pa_core.mfa.backup_codes import BackupCodes
from pa_core.mfa.base import (
    BackupCodeStore,
    FactorKind,
    MfaFactor,
    MfaFactorStore,
    TrustedDevice,
    TrustedDeviceStore,
)
from pa_core.mfa.devices import DeviceTrust
from pa_core.mfa.memory import MemoryBackupCodeStore, MemoryMfaFactorStore, MemoryTrustedDeviceStore
from pa_core.mfa.service import (
    RECENT_LOGIN,
    InvalidConfirmationCode,
    MfaGate,
    MfaLogin,
    MfaMethod,
    MfaService,
    MfaStatus,
    TotpSetup,
)
from pa_core.mfa.sms_codes import SendLimit, SmsCodeLimits, SmsCodeService
from pa_core.mfa.totp import TotpService
from pa_core.phones import SmsDestinationPolicy, mask_phone, normalize_phone

__all__ = [
    "RECENT_LOGIN",
    "BackupCodeStore",
    "BackupCodes",
    "DeviceTrust",
    "FactorKind",
    "InvalidConfirmationCode",
    "MemoryBackupCodeStore",
    "MemoryMfaFactorStore",
    "MemoryTrustedDeviceStore",
    "MfaFactor",
    "MfaFactorStore",
    "MfaGate",
    "MfaLogin",
    "MfaMethod",
    "MfaService",
    "MfaStatus",
    "SendLimit",
    "SmsCodeLimits",
    "SmsCodeService",
    "SmsDestinationPolicy",
    "TotpService",
    "TotpSetup",
    "TrustedDevice",
    "TrustedDeviceStore",
    "mask_phone",
    "normalize_phone",
]
