"""What several account flows share: optional-key rate limits, spent one-time tokens, notices."""

from __future__ import annotations

import logging
from datetime import timedelta

from pa_core.clock import Clock
from pa_core.email import EmailSender, EmailTemplates
from pa_core.errors import InvalidOneTimeToken, PAError
from pa_core.kv.base import KeyValueStore
from pa_core.ratelimit import RateLimit, RateLimiter
from pa_core.users.base import User

__all__ = ["SecurityNotices", "SpentTokens", "hit_if_keyed"]

logger = logging.getLogger(__name__)


async def hit_if_keyed(limiter: RateLimiter, name: str, key: str | None, limit: RateLimit) -> None:
    """Count one hit of ``key`` against ``limit``; without a key (no client address), nothing.

    Raises:
        RateLimited: ``key`` is over ``limit``.
    """
    if key:
        await limiter.hit(name, key, limit)


class SpentTokens:
    """Remembers the one-time tokens (verification, reset) already used, until they expire.

    Args:
        store: the key-value store; the tokens go under its ``spent`` namespace.
    """

    def __init__(self, store: KeyValueStore) -> None:
        self.store = store.with_namespace("spent")

    async def spend(self, jti: str, expires_in: timedelta) -> None:
        """Mark a one-time token used.

        Raises:
            InvalidOneTimeToken: the token was used before.
        """
        ttl = max(expires_in, timedelta(seconds=1))
        if not await self.store.set_if_absent(jti, b"1", ttl=ttl):
            raise InvalidOneTimeToken()


class SecurityNotices:
    """Mails a user the security notice of a change to their account.

    Args:
        email: the sender.
        templates: renders the notice.
        clock: dates the notice.
    """

    def __init__(self, email: EmailSender, templates: EmailTemplates, clock: Clock) -> None:
        self.email = email
        self.templates = templates
        self.clock = clock

    async def send(self, user: User, event: str) -> None:
        """A security notice; its failure is logged but does not undo the change it reports."""
        notice = self.templates.security_notice(user.email, event, occurred_at=self.clock.now())
        try:
            await self.email.send(notice)
        except PAError:
            logger.warning("security notice %s to user %s could not be sent", event, user.id)
