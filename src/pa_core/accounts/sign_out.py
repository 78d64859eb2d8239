"""Ending sessions: logout, logout everywhere, revoking one session, signing out the others.

A session and its refresh tokens always end together, at once; ending every
session also forgets the user's remembered devices.
"""

from __future__ import annotations

from pa_core.accounts.base import SecondFactorGate
from pa_core.audit.base import AuditContext
from pa_core.audit.recorder import AuditRecorder
from pa_core.auth import Principal
from pa_core.clock import Clock
from pa_core.refresh_tokens import RefreshTokenService
from pa_core.sessions.service import SessionService

__all__ = ["SignOut"]


class SignOut:
    """Ends sessions with their refresh tokens, and audits it.

    Args:
        sessions: the live sessions.
        refresh_tokens: the refresh tokens of each session.
        audit: records every sign-out.
        clock: the time source.
        second_factor: forgets remembered devices when every session ends
            (``None``: no MFA).
    """

    def __init__(
        self,
        *,
        sessions: SessionService,
        refresh_tokens: RefreshTokenService,
        audit: AuditRecorder,
        clock: Clock,
        second_factor: SecondFactorGate | None = None,
    ) -> None:
        self.sessions = sessions
        self.refresh_tokens = refresh_tokens
        self.audit = audit
        self.clock = clock
        self.second_factor = second_factor

    async def revoke_session(
        self, principal: Principal, session_id: str, *, context: AuditContext | None = None
    ) -> None:
        """End one of the caller's sessions and its refresh tokens, at once, and audit it.

        Raises:
            NotFound: no live session ``session_id`` of the caller (another user's
                session answers exactly like a missing one, and is left alone).
        """
        await self.sessions.revoke(principal.user_id, session_id)
        await self.refresh_tokens.revoke_session(session_id)
        await self.audit.record(
            "auth.session_revoked",
            actor_id=principal.user_id,
            target_type="session",
            target_id=session_id,
            context=context,
        )

    async def sign_out_others(
        self,
        user_id: str,
        keep_session_id: str | None,
        *,
        context: AuditContext | None = None,
        reason: str | None = None,
    ) -> None:
        """End every session of the user but ``keep_session_id`` (all of them if ``None``).

        Their refresh tokens and remembered devices go too; ``reason`` is audited.
        """
        await self.revoke_everything(user_id, keep_session=keep_session_id)
        await self.audit.record(
            "auth.sign_out_others",
            actor_id=user_id,
            target_id=user_id,
            context=context,
            kept_session=keep_session_id,
            reason=reason,
        )

    async def logout(self, principal: Principal, *, context: AuditContext | None = None) -> None:
        """End the caller's session and its refresh tokens, at once."""
        await self.sessions.store.revoke(principal.session_id, self.clock.now())
        await self.refresh_tokens.revoke_session(principal.session_id)
        await self.audit.record(
            "auth.logout",
            actor_id=principal.user_id,
            target_type="session",
            target_id=principal.session_id,
            context=context,
        )

    async def logout_all(
        self, principal: Principal, *, context: AuditContext | None = None
    ) -> None:
        """End every session of the caller, and every refresh token."""
        await self.revoke_everything(principal.user_id)
        await self.audit.record(
            "auth.logout_all",
            actor_id=principal.user_id,
            target_id=principal.user_id,
            context=context,
        )

    async def revoke_everything(self, user_id: str, keep_session: str | None = None) -> None:
        """End the user's sessions but ``keep_session``, their refresh tokens, devices; no audit."""
        if keep_session is None:
            ended = await self.sessions.revoke_all(user_id)
            await self.refresh_tokens.revoke_user(user_id)
        else:
            ended = await self.sessions.revoke_others(user_id, keep_session)
        for session_id in ended:
            await self.refresh_tokens.revoke_session(session_id)
        if self.second_factor is not None:
            await self.second_factor.forget_devices(user_id)
