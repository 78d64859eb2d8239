"""Monthly segment quotas: checked before each message is sent, the user told once a month.

:class:`QuotaGuard` is what :class:`~pa_sms.outbound.OutboundSender` calls
(``quota=``) before handing a message to the carrier. It counts the outbound
segments the user sent this month (reporting timezone) exactly, from the raw
log, and refuses a message that would go over the user's quota with
:class:`~pa_sms.errors.QuotaExceeded`. The first refusal of a month also tells
the user, once (recorded in the store, so several processes agree).

The quota comes from a :class:`QuotaPolicy`; :class:`PermissionQuotaPolicy`
reads it from the user's permissions: ``sms:quota:premium`` (premium and,
by inheritance, administrators) gets the premium quota, ``sms:quota:standard``
(every user) the standard one, and an account with neither may send nothing.

Two checks racing for the last segments may both pass: a quota can be
overshot by the messages in flight at that moment, never more.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from pa_core.clock import Clock
from pa_sms.errors import QuotaExceeded
from pa_sms.usage.base import UsageStore
from pa_sms.usage.pricing import local_day, month_start

__all__ = [
    "DEFAULT_PREMIUM_QUOTA",
    "DEFAULT_STANDARD_QUOTA",
    "PREMIUM_QUOTA_PERMISSION",
    "STANDARD_QUOTA_PERMISSION",
    "FixedQuota",
    "PermissionQuotaPolicy",
    "QuotaGuard",
    "QuotaNotice",
    "QuotaNotifier",
    "QuotaPolicy",
    "next_month",
]

DEFAULT_STANDARD_QUOTA = 500
"""Segments a month for an ordinary user."""
DEFAULT_PREMIUM_QUOTA = 5000
"""Segments a month for a premium user (and administrators)."""
STANDARD_QUOTA_PERMISSION = "sms:quota:standard"
"""Holding it grants the standard quota."""
PREMIUM_QUOTA_PERMISSION = "sms:quota:premium"
"""Holding it grants the premium quota."""

_logger = logging.getLogger("pa_sms.usage.quotas")


def next_month(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


@runtime_checkable
class QuotaPolicy(Protocol):
    """How many segments a user may send a month."""

    async def monthly_segments(self, user_id: str) -> int | None:
        """The user's monthly quota in segments; ``None`` for no limit."""
        ...


@dataclass(frozen=True, slots=True)
class FixedQuota:
    """The same quota for everyone (``None``: unlimited)."""

    segments: int | None

    async def monthly_segments(self, user_id: str) -> int | None:
        """See :meth:`QuotaPolicy.monthly_segments`."""
        return self.segments


class _Grants(Protocol):
    @property
    def permissions(self) -> frozenset[str]: ...


class _GrantsSource(Protocol):
    async def grants_for(self, subject: _Subject) -> _Grants: ...


@dataclass(frozen=True, slots=True)
class _Subject:
    user_id: str


@dataclass(frozen=True, slots=True)
class PermissionQuotaPolicy:
    """The quota from the user's permissions (a :class:`pa_core.rbac.PermissionService` fits).

    Premium beats standard; an account holding neither quota permission gets 0.
    """

    permissions: _GrantsSource
    standard: int = DEFAULT_STANDARD_QUOTA
    premium: int = DEFAULT_PREMIUM_QUOTA

    async def monthly_segments(self, user_id: str) -> int | None:
        """See :meth:`QuotaPolicy.monthly_segments`."""
        held = (await self.permissions.grants_for(_Subject(user_id))).permissions
        if PREMIUM_QUOTA_PERMISSION in held:
            return self.premium
        if STANDARD_QUOTA_PERMISSION in held:
            return self.standard
        return 0


@dataclass(frozen=True, slots=True)
class QuotaNotice:
    """What the user is told the first time a month their quota refuses a message."""

    user_id: str
    month: date
    quota: int
    used: int
    resets_on: date


QuotaNotifier = Callable[[QuotaNotice], Awaitable[None]]
"""Tells the user (an email, in the reference app); raising means they were not told."""


class QuotaGuard:
    """Refuses a message that would take a user over their monthly quota.

    Args:
        usage: counts the month's segments and records the notices.
        policy: each user's quota.
        clock: which month it is.
        timezone: the reporting timezone, where months begin.
        notify: tells the user, once a month, that the quota refused a message.
    """

    def __init__(
        self,
        usage: UsageStore,
        policy: QuotaPolicy,
        clock: Clock,
        *,
        timezone: ZoneInfo | None = None,
        notify: QuotaNotifier | None = None,
    ) -> None:
        self.usage = usage
        self.policy = policy
        self.clock = clock
        self.timezone = timezone or ZoneInfo("UTC")
        self.notify = notify

    def _month(self) -> tuple[date, datetime]:
        first = month_start(local_day(self.clock.now(), self.timezone))
        return first, datetime.combine(first, time(), tzinfo=self.timezone)

    async def used(self, user_id: str) -> int:
        """Outbound segments ``user_id`` sent this month."""
        _, start = self._month()
        return await self.usage.segments_sent(user_id, start)

    async def remaining(self, user_id: str) -> int | None:
        """Segments ``user_id`` may still send this month (``None``: no limit)."""
        quota = await self.policy.monthly_segments(user_id)
        if quota is None:
            return None
        return max(0, quota - await self.used(user_id))

    async def check(self, user_id: str, segments: int) -> None:
        """Let a message of ``segments`` segments through, or refuse it.

        Raises:
            QuotaExceeded: the month's sent segments plus these would pass the
                quota (the user is told the first time in the month).
        """
        quota = await self.policy.monthly_segments(user_id)
        if quota is None:
            return
        month, start = self._month()
        used = await self.usage.segments_sent(user_id, start)
        if used + segments <= quota:
            return
        error = QuotaExceeded(quota=quota, used=used, resets_on=next_month(month))
        await self._tell(QuotaNotice(user_id, month, quota, used, error.resets_on))
        raise error

    async def _tell(self, notice: QuotaNotice) -> None:
        if self.notify is None:
            return
        if not await self.usage.claim_quota_notice(notice.user_id, notice.month, self.clock.now()):
            return
        try:
            await self.notify(notice)
        except Exception as exc:  # told next time instead
            await self.usage.forget_quota_notice(notice.user_id, notice.month)
            _logger.warning(
                "quota notice to user %s not sent: %s", notice.user_id, type(exc).__name__
            )
            return
        _logger.info("user %s told the SMS quota for %s is used up", notice.user_id, notice.month)
