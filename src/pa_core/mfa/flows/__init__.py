"""The MFA flows, one per file: enrolment per factor, management, the login challenge.

:class:`~pa_core.mfa.MfaService` composes them; use them directly to wire
only some (an app without SMS, say).
"""

from pa_core.mfa.flows.challenge import (
    DEFAULT_VERIFY_PER_TOKEN,
    LOGIN_CODE_PURPOSE,
    LoginChallenge,
    MfaLogin,
)
from pa_core.mfa.flows.common import (
    RECENT_LOGIN,
    Activation,
    InvalidConfirmationCode,
    MfaEvents,
    PasswordCheck,
)
from pa_core.mfa.flows.management import MfaManagement
from pa_core.mfa.flows.sms import SETUP_CODE_PURPOSE, SmsEnrolment
from pa_core.mfa.flows.totp import TotpEnrolment, TotpSetup, check_totp_code

__all__ = [
    "DEFAULT_VERIFY_PER_TOKEN",
    "LOGIN_CODE_PURPOSE",
    "RECENT_LOGIN",
    "SETUP_CODE_PURPOSE",
    "Activation",
    "InvalidConfirmationCode",
    "LoginChallenge",
    "MfaEvents",
    "MfaLogin",
    "MfaManagement",
    "PasswordCheck",
    "SmsEnrolment",
    "TotpEnrolment",
    "TotpSetup",
    "check_totp_code",
]
