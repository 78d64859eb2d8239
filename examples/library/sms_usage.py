"""SMS usage and costs with pa_sms alone: estimates, a quota, rollups and a report.

Everything in memory: a recording transport instead of Twilio, the memory SMS
store, and a frozen clock so the figures are exact.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from pa_core.clock import FrozenClock
from pa_sms.errors import QuotaExceeded
from pa_sms.outbound import OutboundSender, SegmentRateLimiter
from pa_sms.records import MemorySmsStore
from pa_sms.records.base import PhoneNumber, WebhookConfig
from pa_sms.transports import RecordingTransport
from pa_sms.usage.memory import MemoryUsageStore
from pa_sms.usage.pricing import SegmentPricing
from pa_sms.usage.quotas import FixedQuota, QuotaGuard, QuotaNotice
from pa_sms.usage.reports import UsageAnalytics

NEW_YORK = ZoneInfo("America/New_York")


async def no_wait(_: float) -> None:
    """The limiter's pause, skipped in an example."""


async def main() -> None:
    clock = FrozenClock(datetime(2025, 3, 10, 15, tzinfo=UTC))
    store = MemorySmsStore()
    number = PhoneNumber(
        id="n1",
        user_id="ada",
        phone_number="+14155550100",
        provider_sid="PN1",
        status="active",
        capabilities={"sms": True},
        provisioned_at=datetime(2025, 3, 1, 5, tzinfo=UTC),  # 1 March, midnight in New York
        monthly_price=Decimal("1.15"),
    )
    await store.add_number(
        number,
        WebhookConfig("n1", number.phone_number, "https://x/in", "https://x/in", "https://x/st"),
    )

    # 0.0079 a segment, but 0.04 to the United Kingdom
    pricing = SegmentPricing.parse(Decimal("0.0079"), {"GB": {"outbound": "0.04"}})
    usage = MemoryUsageStore(store, clock, timezone=NEW_YORK, pricing=pricing)

    async def tell(notice: QuotaNotice) -> None:
        print(f"told {notice.user_id}: {notice.quota} segments used up until {notice.resets_on}")

    quota = QuotaGuard(usage, FixedQuota(3), clock, timezone=NEW_YORK, notify=tell)
    sender = OutboundSender(
        RecordingTransport(),
        store,
        clock,
        limiter=SegmentRateLimiter(100, sleep=no_wait),
        pricing=pricing,
        quota=quota,
    )
    await sender.send_as_user("ada", number.phone_number, "+14155559999", "Pills at 9?")
    await sender.send_as_user("ada", number.phone_number, "+447400123456", "Call Mum " * 20)
    try:
        await sender.send_as_user("ada", number.phone_number, "+14155559999", "One more")
    except QuotaExceeded as refused:
        print("refused:", refused.code)

    await usage.refresh()  # the app runs this every minute
    report = await UsageAnalytics(usage, clock, timezone=NEW_YORK).report(
        "user", date(2025, 3, 1), date(2025, 3, 10)
    )
    line = report.totals.as_dict()
    print("segments out:", line["segments_out"])
    print("cost:", line["cost"], line["currency"], "of which estimated:", line["estimated_cost"])
    print("rental:", line["rental_cost"])  # 10 of 31 days of 1.15
    print(report.to_csv().splitlines()[0])


if __name__ == "__main__":
    asyncio.run(main())
