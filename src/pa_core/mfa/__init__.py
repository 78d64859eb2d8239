"""Second factors: TOTP authenticator apps, codes by SMS, backup codes, remembered devices.

The primitives (:class:`TotpService`, :class:`SmsCodeService`,
:class:`BackupCodes`) generate, store safely and verify; the flows of
:mod:`pa_core.mfa.flows` (enrolment per factor, management, the login
challenge) combine them, :class:`MfaService` composes the flows, and
:class:`MfaGate` is what the login reads.
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
from pa_core.mfa.flows import RECENT_LOGIN, InvalidConfirmationCode, MfaLogin, TotpSetup
from pa_core.mfa.gate import MfaGate, MfaMethod, MfaStatus
from pa_core.mfa.memory import MemoryBackupCodeStore, MemoryMfaFactorStore, MemoryTrustedDeviceStore
from pa_core.mfa.service import MfaService
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
