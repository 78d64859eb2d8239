"""Request and response bodies of the multi-factor authentication endpoints."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from examples.litestar_app.core.schemas import Password, Token, _In, rfc3339
from pa_core.mfa import MfaLogin, TotpSetup, TrustedDevice

__all__ = [
    "BackupCodesOut",
    "CodeIn",
    "ConfirmIn",
    "DeviceOut",
    "DevicesOut",
    "MfaLoginOut",
    "MfaTokenIn",
    "MfaVerifyIn",
    "PasswordIn",
    "PhoneIn",
    "TotpSetupIn",
    "TotpSetupOut",
]

Code = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class CodeIn(_In):
    """A body holding one code (``/mfa/totp/confirm``, ``/mfa/sms/confirm``)."""

    code: Code


class ConfirmIn(_In):
    """``POST /mfa/totp/confirm`` and ``/mfa/sms/confirm``: the code, and whether to
    end every other session of the user."""

    code: Code
    sign_out_other_sessions: bool = False


class PasswordIn(_In):
    """The password confirming a sensitive action."""

    password: Password


class TotpSetupIn(_In):
    """``POST /mfa/totp/setup``: the password, which a login under 5 minutes old may leave out."""

    password: Password | None = None


class PhoneIn(_In):
    """``POST /mfa/sms/setup``: the number in E.164 (``+14155550123``), and the password
    (which a login under 5 minutes old may leave out)."""

    phone: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    password: Password | None = None


class MfaTokenIn(_In):
    """``POST /mfa/sms/send``."""

    mfa_token: Token


class MfaVerifyIn(_In):
    """``POST /mfa/verify``: the second step of a login."""

    mfa_token: Token
    method: Literal["totp", "sms", "backup_code"]
    code: Code
    remember_device: bool = False


class TotpSetupOut(msgspec.Struct):
    """What an authenticator app needs; the factor is not active yet."""

    secret: str
    otpauth_uri: str
    qr_svg: str

    @classmethod
    def of(cls, setup: TotpSetup) -> TotpSetupOut:
        """From the library's set-up."""
        return cls(setup.secret, setup.otpauth_uri, setup.qr_svg)


class BackupCodesOut(msgspec.Struct):
    """A new set of backup codes, shown once."""

    backup_codes: list[str]


class MfaLoginOut(msgspec.Struct, omit_defaults=True):
    """The token pair of a completed two-step login, and a device token when asked for."""

    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int
    device_token: str | None = None

    @classmethod
    def of(cls, login: MfaLogin) -> MfaLoginOut:
        """From the library's result."""
        pair = login.tokens
        return cls(
            pair.access_token,
            pair.refresh_token,
            pair.token_type,
            pair.expires_in,
            login.device_token,
        )


class DeviceOut(msgspec.Struct):
    """One remembered device of the caller."""

    id: str
    created_at: str
    expires_at: str
    last_used_at: str | None
    user_agent: str | None

    @classmethod
    def of(cls, device: TrustedDevice) -> DeviceOut:
        """From the library's device."""
        return cls(
            id=device.id,
            created_at=rfc3339(device.created_at) or "",
            expires_at=rfc3339(device.expires_at) or "",
            last_used_at=rfc3339(device.last_used_at),
            user_agent=device.user_agent,
        )


class DevicesOut(msgspec.Struct):
    """The caller's remembered devices, newest first."""

    items: list[DeviceOut]
    next_cursor: str | None = None
