"""``/api/v1/auth/mfa`` and ``/api/v1/auth/devices``: second factors and remembered devices."""

from __future__ import annotations

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from examples.litestar_app.mfa import providers
from examples.litestar_app.mfa.schemas import (
    BackupCodesOut,
    ConfirmIn,
    DeviceOut,
    DevicesOut,
    MfaLoginOut,
    MfaTokenIn,
    MfaVerifyIn,
    PasswordIn,
    PhoneIn,
    TotpSetupIn,
    TotpSetupOut,
)
from pa_core.accounts import AccountService
from pa_core.audit import AuditContext
from pa_core.auth import Principal
from pa_core.mfa import MfaService
from pa_core.sessions import SessionService

__all__ = ["MfaController"]


class MfaController(Controller):
    """Set up, use and manage second factors."""

    path = "/api/v1/auth"
    tags = ["mfa"]
    dependencies = providers.dependencies

    @post("/mfa/totp/setup", status_code=HTTP_200_OK, summary="Start setting up TOTP")
    async def totp_setup(
        self,
        principal: NamedDependency[Principal],
        accounts: NamedDependency[AccountService],
        mfa: NamedDependency[MfaService],
        sessions: NamedDependency[SessionService],
        audit_context: NamedDependency[AuditContext],
        data: JSONBody[TotpSetupIn | None] = None,
    ) -> TotpSetupOut:
        """A new secret, its ``otpauth://`` URI and QR code; not active until confirmed.

        Needs ``password`` unless this session logged in less than 5 minutes ago.
        """
        user = await accounts.me(principal)
        session = await sessions.check(principal.session_id, user_id=user.id)
        setup = await mfa.start_totp(
            user,
            password=data.password if data else None,
            signed_in_at=session.created_at,
            session_id=principal.session_id,
            context=audit_context,
        )
        return TotpSetupOut.of(setup)

    @post("/mfa/totp/confirm", status_code=HTTP_200_OK, summary="Activate TOTP")
    async def totp_confirm(
        self,
        data: JSONBody[ConfirmIn],
        principal: NamedDependency[Principal],
        accounts: NamedDependency[AccountService],
        mfa: NamedDependency[MfaService],
        audit_context: NamedDependency[AuditContext],
    ) -> BackupCodesOut:
        """A first valid code activates TOTP; answers a new set of backup codes.

        ``sign_out_other_sessions: true`` ends every other session of the user.
        """
        user = await accounts.me(principal)
        codes = await mfa.confirm_totp(
            user,
            data.code,
            sign_out_other_sessions=data.sign_out_other_sessions,
            session_id=principal.session_id,
            context=audit_context,
        )
        return BackupCodesOut(codes)

    @delete("/mfa/totp", status_code=HTTP_204_NO_CONTENT, summary="Turn TOTP off")
    async def totp_disable(
        self,
        data: JSONBody[PasswordIn],
        principal: NamedDependency[Principal],
        accounts: NamedDependency[AccountService],
        mfa: NamedDependency[MfaService],
        audit_context: NamedDependency[AuditContext],
    ) -> None:
        """Needs the password (``400 invalid_password``; ``429`` after 5 wrong ones)."""
        user = await accounts.me(principal)
        await mfa.disable(
            user, "totp", data.password, session_id=principal.session_id, context=audit_context
        )

    @post("/mfa/sms/setup", status_code=HTTP_202_ACCEPTED, summary="Start setting up SMS")
    async def sms_setup(
        self,
        data: JSONBody[PhoneIn],
        principal: NamedDependency[Principal],
        accounts: NamedDependency[AccountService],
        mfa: NamedDependency[MfaService],
        sessions: NamedDependency[SessionService],
        audit_context: NamedDependency[AuditContext],
    ) -> None:
        """Texts a code to the number; ``/mfa/sms/confirm`` activates the factor.

        Needs ``password`` unless this session logged in less than 5 minutes ago.
        """
        user = await accounts.me(principal)
        session = await sessions.check(principal.session_id, user_id=user.id)
        await mfa.start_sms(
            user,
            data.phone,
            password=data.password,
            signed_in_at=session.created_at,
            session_id=principal.session_id,
            context=audit_context,
        )

    @post("/mfa/sms/confirm", status_code=HTTP_200_OK, summary="Activate SMS")
    async def sms_confirm(
        self,
        data: JSONBody[ConfirmIn],
        principal: NamedDependency[Principal],
        accounts: NamedDependency[AccountService],
        mfa: NamedDependency[MfaService],
        audit_context: NamedDependency[AuditContext],
    ) -> BackupCodesOut:
        """The texted code activates SMS; answers a new set of backup codes.

        ``sign_out_other_sessions: true`` ends every other session of the user.
        """
        user = await accounts.me(principal)
        codes = await mfa.confirm_sms(
            user,
            data.code,
            sign_out_other_sessions=data.sign_out_other_sessions,
            session_id=principal.session_id,
            context=audit_context,
        )
        return BackupCodesOut(codes)

    @delete("/mfa/sms", status_code=HTTP_204_NO_CONTENT, summary="Turn SMS off")
    async def sms_disable(
        self,
        data: JSONBody[PasswordIn],
        principal: NamedDependency[Principal],
        accounts: NamedDependency[AccountService],
        mfa: NamedDependency[MfaService],
        audit_context: NamedDependency[AuditContext],
    ) -> None:
        """Needs the password (``400 invalid_password``; ``429`` after 5 wrong ones)."""
        user = await accounts.me(principal)
        await mfa.disable(
            user, "sms", data.password, session_id=principal.session_id, context=audit_context
        )

    @post("/mfa/sms/send", status_code=HTTP_202_ACCEPTED, summary="Text a login code")
    async def sms_send(
        self,
        data: JSONBody[MfaTokenIn],
        mfa: NamedDependency[MfaService],
        audit_context: NamedDependency[AuditContext],
    ) -> None:
        """For the second step of a login; rate limited per user and per number."""
        await mfa.send_login_code(data.mfa_token, context=audit_context)

    @post("/mfa/verify", status_code=HTTP_200_OK, summary="Complete a login")
    async def verify(
        self,
        data: JSONBody[MfaVerifyIn],
        mfa: NamedDependency[MfaService],
        audit_context: NamedDependency[AuditContext],
    ) -> MfaLoginOut:
        """The second factor of a login: answers the token pair (and a device token)."""
        login = await mfa.verify_login(
            data.mfa_token,
            data.method,
            data.code,
            remember_device=data.remember_device,
            context=audit_context,
        )
        return MfaLoginOut.of(login)

    @post("/mfa/backup-codes", status_code=HTTP_200_OK, summary="Regenerate backup codes")
    async def regenerate_backup_codes(
        self,
        data: JSONBody[PasswordIn],
        principal: NamedDependency[Principal],
        accounts: NamedDependency[AccountService],
        mfa: NamedDependency[MfaService],
        audit_context: NamedDependency[AuditContext],
    ) -> BackupCodesOut:
        """Needs the password; the old set is void."""
        user = await accounts.me(principal)
        codes = await mfa.regenerate_backup_codes(
            user, data.password, session_id=principal.session_id, context=audit_context
        )
        return BackupCodesOut(codes)

    @get("/devices", summary="The caller's remembered devices")
    async def list_devices(
        self, principal: NamedDependency[Principal], mfa: NamedDependency[MfaService]
    ) -> DevicesOut:
        """Devices that skip the second factor, newest first."""
        found = await mfa.devices(principal.user_id)
        return DevicesOut([DeviceOut.of(device) for device in found])

    @delete("/devices/{device_id:str}", status_code=HTTP_204_NO_CONTENT, summary="Forget a device")
    async def revoke_device(
        self,
        device_id: FromPath[str],
        principal: NamedDependency[Principal],
        mfa: NamedDependency[MfaService],
        audit_context: NamedDependency[AuditContext],
    ) -> None:
        """That device needs the second factor again; another user's device id is ``404``."""
        await mfa.revoke_device(principal.user_id, device_id, context=audit_context)
