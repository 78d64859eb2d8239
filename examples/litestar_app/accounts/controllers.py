"""``/api/v1/auth``: registration, verification, login, tokens, logout, passwords."""

from __future__ import annotations

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_201_CREATED,
    HTTP_202_ACCEPTED,
    HTTP_204_NO_CONTENT,
)

from examples.litestar_app.accounts import providers
from examples.litestar_app.accounts.schemas import (
    ChangePasswordIn,
    EmailIn,
    LoginIn,
    MfaChallengeOut,
    RefreshIn,
    RegisterIn,
    ResetPasswordIn,
    TokenIn,
    TokenPairOut,
)
from examples.litestar_app.users.providers import UserViews
from examples.litestar_app.users.schemas import UserOut
from pa_core.accounts import AccountService, MfaChallenge
from pa_core.audit import AuditContext
from pa_core.auth import Principal

__all__ = ["AuthController"]


class AuthController(Controller):
    """Accounts: registration, login, tokens and passwords."""

    path = "/api/v1/auth"
    tags = ["auth"]
    dependencies = providers.dependencies

    @post("/register", status_code=HTTP_201_CREATED, summary="Create an account")
    async def register(
        self,
        data: JSONBody[RegisterIn],
        accounts: NamedDependency[AccountService],
        user_views: NamedDependency[UserViews],
        audit_context: NamedDependency[AuditContext],
    ) -> UserOut:
        """Create an account and mail a verification link."""
        user = await accounts.register(
            data.email, data.password, data.display_name, context=audit_context
        )
        return await user_views.of(user)

    @post("/verify-email", status_code=HTTP_200_OK, summary="Verify the email address")
    async def verify_email(
        self,
        data: JSONBody[TokenIn],
        accounts: NamedDependency[AccountService],
        user_views: NamedDependency[UserViews],
        audit_context: NamedDependency[AuditContext],
    ) -> UserOut:
        """Consume a verification token (once)."""
        user = await accounts.verify_email(data.token, context=audit_context)
        return await user_views.of(user)

    @post("/verify-email/resend", status_code=HTTP_202_ACCEPTED, summary="Resend the link")
    async def resend_verification(
        self,
        data: JSONBody[EmailIn],
        accounts: NamedDependency[AccountService],
        audit_context: NamedDependency[AuditContext],
    ) -> None:
        """Always ``202``: whether the account exists is not revealed."""
        await accounts.resend_verification(data.email, context=audit_context)

    @post("/login", status_code=HTTP_200_OK, summary="Log in with email and password")
    async def login(
        self,
        data: JSONBody[LoginIn],
        accounts: NamedDependency[AccountService],
        audit_context: NamedDependency[AuditContext],
    ) -> TokenPairOut | MfaChallengeOut:
        """A token pair, or an MFA challenge when a second factor is active."""
        result = await accounts.login(
            data.email, data.password, context=audit_context, device_token=data.device_token
        )
        if isinstance(result, MfaChallenge):
            return MfaChallengeOut(True, result.mfa_token, list(result.methods))
        return TokenPairOut.of(result)

    @post("/refresh", status_code=HTTP_200_OK, summary="Rotate the refresh token")
    async def refresh(
        self,
        data: JSONBody[RefreshIn],
        accounts: NamedDependency[AccountService],
        audit_context: NamedDependency[AuditContext],
    ) -> TokenPairOut:
        """Spend the refresh token; a spent one revokes the whole login (``token_reused``)."""
        return TokenPairOut.of(await accounts.refresh(data.refresh_token, context=audit_context))

    @post("/logout", status_code=HTTP_204_NO_CONTENT, summary="End this session")
    async def logout(
        self,
        principal: NamedDependency[Principal],
        accounts: NamedDependency[AccountService],
        audit_context: NamedDependency[AuditContext],
    ) -> None:
        """The session and its tokens are dead at once."""
        await accounts.logout(principal, context=audit_context)

    @post("/logout-all", status_code=HTTP_204_NO_CONTENT, summary="End every session")
    async def logout_all(
        self,
        principal: NamedDependency[Principal],
        accounts: NamedDependency[AccountService],
        audit_context: NamedDependency[AuditContext],
    ) -> None:
        """Every session of the caller is dead at once."""
        await accounts.logout_all(principal, context=audit_context)

    @post("/password/forgot", status_code=HTTP_202_ACCEPTED, summary="Mail a reset link")
    async def forgot_password(
        self,
        data: JSONBody[EmailIn],
        accounts: NamedDependency[AccountService],
        audit_context: NamedDependency[AuditContext],
    ) -> None:
        """Always ``202``; a link is mailed if the account exists."""
        await accounts.forgot_password(data.email, context=audit_context)

    @post("/password/reset", status_code=HTTP_204_NO_CONTENT, summary="Reset the password")
    async def reset_password(
        self,
        data: JSONBody[ResetPasswordIn],
        accounts: NamedDependency[AccountService],
        audit_context: NamedDependency[AuditContext],
    ) -> None:
        """Set a new password from the mailed token; every session ends."""
        await accounts.reset_password(data.token, data.new_password, context=audit_context)

    @post("/password/change", status_code=HTTP_204_NO_CONTENT, summary="Change the password")
    async def change_password(
        self,
        data: JSONBody[ChangePasswordIn],
        principal: NamedDependency[Principal],
        accounts: NamedDependency[AccountService],
        audit_context: NamedDependency[AuditContext],
    ) -> None:
        """Needs the current password; every other session ends."""
        await accounts.change_password(
            principal, data.current_password, data.new_password, context=audit_context
        )
