"""Second factors: TOTP authenticator apps, codes by SMS, and backup codes.

Library primitives only; the login flow that combines them is the caller's.
"""

from pa_core.mfa.backup_codes import BackupCodes, BackupCodeStore, MemoryBackupCodeStore
from pa_core.mfa.phone import mask_phone, normalize_phone
from pa_core.mfa.sms_codes import SendLimit, SmsCodeLimits, SmsCodeService
from pa_core.mfa.totp import TotpService

__all__ = [
    "BackupCodeStore",
    "BackupCodes",
    "MemoryBackupCodeStore",
    "SendLimit",
    "SmsCodeLimits",
    "SmsCodeService",
    "TotpService",
    "mask_phone",
    "normalize_phone",
]
