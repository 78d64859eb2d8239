"""The usage rollups in dictionaries, over a :class:`~pa_sms.records.memory.MemorySmsStore`."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pa_core.clock import Clock
from pa_sms.records.base import SmsRecord
from pa_sms.records.memory import MemorySmsStore
from pa_sms.usage.base import DailyNumberUsage, DailyUserUsage, GroupBy, UsageCounts, UsageTotals
from pa_sms.usage.pricing import HeldNumber, SegmentPricing, local_day
from pa_sms.usage.rollups import message_usage

__all__ = ["REFRESH_OVERLAP", "MemoryUsageStore"]

REFRESH_OVERLAP = timedelta(minutes=5)
"""How far before the last refresh the next one looks again (writes still in flight, clock skew)."""


def _our_number(record: SmsRecord) -> str:
    return record.to_number if record.direction == "inbound" else record.from_number


class MemoryUsageStore:
    """Implements :class:`~pa_sms.usage.base.UsageStore` over a memory SMS store.

    Args:
        sms: the store whose message log and numbers are read.
        clock: when refreshes happen.
        timezone: the reporting timezone (days of the rollups).
        pricing: the fallback estimate of a message logged without one.
    """

    def __init__(
        self,
        sms: MemorySmsStore,
        clock: Clock,
        *,
        timezone: ZoneInfo | None = None,
        pricing: SegmentPricing | None = None,
    ) -> None:
        self.sms = sms
        self.clock = clock
        self.timezone = timezone or ZoneInfo("UTC")
        self.pricing = pricing or SegmentPricing()
        self.users: dict[tuple[date, str], DailyUserUsage] = {}
        self.numbers: dict[tuple[date, str], DailyNumberUsage] = {}
        self.notices: dict[tuple[str, date], datetime] = {}
        self._watermark: datetime | None = None
        self._covered: datetime | None = None  # the last refresh's start: rolled up before it

    def _daily(
        self,
        days: set[date] | None = None,
        *,
        created_since: datetime | None = None,
        created_before: datetime | None = None,
    ) -> tuple[list[DailyUserUsage], list[DailyNumberUsage]]:
        """Rollup rows computed from the log: of ``days``, or of messages created since a moment."""
        per_user: dict[tuple[date, str], UsageCounts] = defaultdict(UsageCounts)
        per_number: dict[tuple[date, str], UsageCounts] = defaultdict(UsageCounts)
        owner: dict[tuple[date, str], tuple[str, str | None]] = {}
        for record in self.sms.messages.values():
            day = local_day(record.created_at, self.timezone)
            if days is not None and day not in days:
                continue
            if created_since is not None and record.created_at < created_since:
                continue
            if created_before is not None and record.created_at >= created_before:
                continue
            usage = message_usage(record, self.pricing)
            if record.user_id is not None:
                per_user[day, record.user_id] += usage
            if record.number_id is not None:
                per_number[day, record.number_id] += usage
                phone, user = owner.get((day, record.number_id), ("", None))
                owner[day, record.number_id] = (
                    max(phone, _our_number(record)),
                    max(user or "", record.user_id or "") or None,
                )
        currency = self.pricing.currency
        users = [
            DailyUserUsage(day, user_id, counts, currency)
            for (day, user_id), counts in per_user.items()
        ]
        numbers = [
            DailyNumberUsage(day, number_id, *owner[day, number_id], counts, currency)
            for (day, number_id), counts in per_number.items()
        ]
        return users, numbers

    def _recompute(self, days: set[date], cutoff: datetime) -> None:
        """Recompute ``days`` from the messages created before ``cutoff`` (the refresh's start)."""
        for key in [k for k in self.users if k[0] in days]:
            del self.users[key]
        for key in [k for k in self.numbers if k[0] in days]:
            del self.numbers[key]
        users, numbers = self._daily(days, created_before=cutoff)
        self.users.update(((row.day, row.user_id), row) for row in users)
        self.numbers.update(((row.day, row.number_id), row) for row in numbers)

    def _changed_days(self, since: datetime) -> set[date]:
        return {
            local_day(m.created_at, self.timezone)
            for m in self.sms.messages.values()
            if m.updated_at >= since
        }

    async def refresh(self) -> int:
        """See :meth:`UsageStore.refresh`."""
        if self._watermark is None:
            return await self.rebuild()
        now = self.clock.now()
        days = self._changed_days(self._watermark)
        self._recompute(days, now)
        self._watermark = now - REFRESH_OVERLAP
        self._covered = now
        return len(days)

    async def rebuild(self) -> int:
        """See :meth:`UsageStore.rebuild`."""
        now = self.clock.now()
        self.users.clear()
        self.numbers.clear()
        days = {local_day(m.created_at, self.timezone) for m in self.sms.messages.values()}
        self._recompute(days, now)
        self._watermark = now - REFRESH_OVERLAP
        self._covered = now
        return len(days)

    async def totals(
        self, group_by: GroupBy, since: date, until: date, *, user_id: str | None = None
    ) -> list[UsageTotals]:
        """See :meth:`UsageStore.totals`: the rollups plus the messages created since."""
        if self._covered is None:  # nothing rolled up yet: all from the log
            user_rows, number_rows = self._daily()
        else:
            live_users, live_numbers = self._daily(created_since=self._covered)
            user_rows = [*self.users.values(), *live_users]
            number_rows = [*self.numbers.values(), *live_numbers]
        sums: dict[str, UsageCounts] = defaultdict(UsageCounts)
        if group_by == "number":
            for row in number_rows:
                if since <= row.day <= until and (user_id is None or row.user_id == user_id):
                    sums[row.phone_number] += row.counts
        else:
            for user_row in user_rows:
                if since <= user_row.day <= until and user_id in (None, user_row.user_id):
                    key = user_row.user_id if group_by == "user" else user_row.day.isoformat()
                    sums[key] += user_row.counts
        return [UsageTotals(key, sums[key]) for key in sorted(sums)]

    async def held_numbers(
        self, start: datetime, end: datetime, *, user_id: str | None = None
    ) -> list[HeldNumber]:
        """See :meth:`UsageStore.held_numbers`."""
        return [
            HeldNumber(
                n.id, n.phone_number, n.user_id, n.provisioned_at, n.released_at, n.monthly_price
            )
            for n in sorted(self.sms.numbers.values(), key=lambda n: (n.provisioned_at, n.id))
            if n.provisioned_at < end
            and (n.released_at is None or n.released_at > start)
            and (user_id is None or n.user_id == user_id)
        ]

    async def segments_sent(self, user_id: str, since: datetime) -> int:
        """See :meth:`UsageStore.segments_sent`."""
        return sum(
            m.segments
            for m in self.sms.messages.values()
            if m.user_id == user_id and m.direction == "outbound" and m.created_at >= since
        )

    async def claim_quota_notice(self, user_id: str, month: date, at: datetime) -> bool:
        """See :meth:`UsageStore.claim_quota_notice`."""
        if (user_id, month) in self.notices:
            return False
        self.notices[user_id, month] = at
        return True

    async def forget_quota_notice(self, user_id: str, month: date) -> None:
        """See :meth:`UsageStore.forget_quota_notice`."""
        self.notices.pop((user_id, month), None)

    async def snapshot(self) -> tuple[list[DailyUserUsage], list[DailyNumberUsage]]:
        """See :meth:`UsageStore.snapshot`."""
        return (
            [self.users[k] for k in sorted(self.users)],
            [self.numbers[k] for k in sorted(self.numbers)],
        )
