"""Password re-confirmation of sensitive actions, with a per-user back-off.

A signed-in caller confirms a sensitive action (change the password, turn a
second factor off, regenerate backup codes, erase the account) by giving the
password again. A stolen access token must not turn that into an unlimited
password oracle, so :class:`PasswordConfirmation` reserves every check in a
:class:`~pa_core.ratelimit.FailureBackoff` keyed by the user (before the hash
is verified, so concurrent guesses cannot outrun it). After
:data:`DEFAULT_MAX_FAILURES` wrong passwords within :data:`DEFAULT_WINDOW`:

- the answer is :class:`~pa_core.errors.RateLimited` (``429`` with ``Retry-After``),
  and so is every confirmation of that user until the lock passes;
- the session that was guessing ends at once, with its refresh tokens (every
  session of the user when the caller's session is not known);
- the user is mailed a security notice, and ``auth.reconfirm.lockout`` is audited.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from pa_core.audit.base import AuditContext, Outcome
from pa_core.audit.recorder import AuditRecorder
from pa_core.clock import Clock
from pa_core.errors import InvalidCredentials, InvalidPassword, RateLimited
from pa_core.kv.base import KeyValueStore
from pa_core.passwords import PasswordHasher
from pa_core.ratelimit import FailureBackoff, Lockout
from pa_core.refresh_tokens import RefreshTokenService
from pa_core.sessions.service import SessionService
from pa_core.users.base import User

__all__ = [
    "DEFAULT_LOCK",
    "DEFAULT_MAX_FAILURES",
    "DEFAULT_WINDOW",
    "LOCKOUT_NOTICE",
    "PasswordConfirmation",
    "default_backoff",
]

DEFAULT_MAX_FAILURES = 5
"""Wrong passwords of one user allowed within :data:`DEFAULT_WINDOW`."""

DEFAULT_WINDOW = timedelta(minutes=15)
"""The window in which wrong confirmation passwords are counted."""

DEFAULT_LOCK = timedelta(minutes=15)
"""The first lock; each further wrong password after it doubles it (up to an hour)."""

LOCKOUT_NOTICE = "password_confirmation_locked"
"""The security notice mailed when the back-off triggers."""

Notify = Callable[[User, str], Awaitable[None]]
"""Mails a security notice (a key of ``SECURITY_EVENTS``) to a user."""


def default_backoff(store: KeyValueStore) -> FailureBackoff:
    """The back-off of DESIGN.md: 5 wrong passwords in 15 minutes lock for 15 minutes."""
    return FailureBackoff(
        store,
        name="reconfirm",
        max_failures=DEFAULT_MAX_FAILURES,
        max_failures_account=None,
        window=DEFAULT_WINDOW,
        base_delay=DEFAULT_LOCK,
        max_delay=timedelta(hours=1),
    )


class PasswordConfirmation:
    """Checks the password that confirms a sensitive action, under a per-user back-off.

    Args:
        hasher: verifies the password.
        backoff: counts wrong passwords per user id (:func:`default_backoff`).
        sessions: ends the guessing session.
        refresh_tokens: ends that session's refresh tokens.
        audit: records the lockout.
        notify: mails the user a security notice.
    """

    def __init__(
        self,
        *,
        hasher: PasswordHasher,
        backoff: FailureBackoff,
        sessions: SessionService,
        refresh_tokens: RefreshTokenService,
        audit: AuditRecorder,
        clock: Clock,
        notify: Notify,
    ) -> None:
        self.hasher = hasher
        self.backoff = backoff
        self.sessions = sessions
        self.refresh_tokens = refresh_tokens
        self.audit = audit
        self.clock = clock
        self.notify = notify

    async def confirm(
        self,
        user: User,
        password: str,
        *,
        session_id: str | None = None,
        action: str | None = None,
        context: AuditContext | None = None,
    ) -> None:
        """Check ``password`` of ``user``; count it against the user's back-off when wrong.

        Args:
            user: the signed-in caller.
            password: what the caller typed.
            session_id: the caller's session, ended when this check triggers the
                back-off; ``None`` ends every session of the user.
            action: what is being confirmed (recorded with the lockout).
            context: where the request came from.

        Raises:
            InvalidPassword: the password is wrong.
            RateLimited: too many wrong passwords lately (this one may be the
                one that triggered the back-off: its session is then ended).
        """
        async with self.backoff.attempt(user.id) as attempt:
            try:
                if user.password_hash is None:
                    await self.hasher.dummy_verify(password)
                await self.hasher.verify_and_update(password, user.password_hash)
            except InvalidCredentials as exc:
                lock = await attempt.failed()
                if lock is None:
                    raise InvalidPassword() from exc
                await self._lock_out(user, lock, session_id, action, context)
                raise RateLimited(lock.delay.total_seconds()) from exc
            await attempt.succeeded()

    async def _lock_out(
        self,
        user: User,
        lock: Lockout,
        session_id: str | None,
        action: str | None,
        context: AuditContext | None,
    ) -> None:
        if session_id is None:
            ended = await self.sessions.revoke_all(user.id)
            await self.refresh_tokens.revoke_user(user.id)
        else:
            await self.sessions.store.revoke(session_id, self.clock.now())
            ended = [session_id]
        for ended_id in ended:
            await self.refresh_tokens.revoke_session(ended_id)
        await self.audit.record(
            "auth.reconfirm.lockout",
            Outcome.DENIED,
            actor_id=user.id,
            target_type="session" if session_id else "user",
            target_id=session_id or user.id,
            context=context,
            seconds=int(lock.delay.total_seconds()),
            **({"confirming": action} if action else {}),
        )
        await self.notify(user, LOCKOUT_NOTICE)
