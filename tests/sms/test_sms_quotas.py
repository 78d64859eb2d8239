"""Monthly segment quotas: refused before sending, told once a month, HELP exempt."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from pa_core.clock import FrozenClock
from pa_core.errors import ServiceUnavailable
from pa_sms.errors import QuotaExceeded
from pa_sms.outbound import OutboundSender, SegmentRateLimiter
from pa_sms.records import MemorySmsStore
from pa_sms.transports import RecordingTransport
from pa_sms.usage.memory import MemoryUsageStore
from pa_sms.usage.pricing import SegmentPricing
from pa_sms.usage.quotas import (
    FixedQuota,
    PermissionQuotaPolicy,
    QuotaGuard,
    QuotaNotice,
    next_month,
)
from tests.sms.usage_support import utc

pytestmark = pytest.mark.anyio

USER = "01user00000000000000000000"
FROM, TO = "+14155550100", "+15557654321"


async def no_wait(_: float) -> None:
    return None


class Told:
    def __init__(self, failing: bool = False) -> None:
        self.notices: list[QuotaNotice] = []
        self.failing = failing

    async def __call__(self, notice: QuotaNotice) -> None:
        if self.failing:
            raise ServiceUnavailable("mail is down", dependency="email")
        self.notices.append(notice)


def build(
    quota: int | None, told: Told, clock: FrozenClock
) -> tuple[OutboundSender, RecordingTransport, QuotaGuard]:
    store = MemorySmsStore()
    guard = QuotaGuard(
        MemoryUsageStore(store, clock),
        FixedQuota(quota),
        clock,
        timezone=ZoneInfo("America/New_York"),
        notify=told,
    )
    transport = RecordingTransport()
    sender = OutboundSender(
        transport,
        store,
        clock,
        limiter=SegmentRateLimiter(1000, sleep=no_wait),
        quota=guard,
        pricing=SegmentPricing.parse(Decimal("0.0079"), {"CA": "0.01"}),
        sleep=no_wait,
    )
    return sender, transport, guard


async def test_a_message_over_the_monthly_quota_is_refused_before_sending() -> None:
    clock, told = FrozenClock(utc(2025, 3, 10, 12)), Told()
    sender, transport, guard = build(2, told, clock)
    await sender.send(from_number=FROM, to=TO, body="one", user_id=USER)
    await sender.send(from_number=FROM, to=TO, body="two", user_id=USER)
    with pytest.raises(QuotaExceeded) as refused:
        await sender.send(from_number=FROM, to=TO, body="three", user_id=USER)
    assert (refused.value.code, refused.value.quota, refused.value.used) == (
        "sms_quota_exceeded",
        2,
        2,
    )
    assert str(refused.value.resets_on) == "2025-04-01"
    assert len(transport.sent) == 2
    assert await guard.remaining(USER) == 0


async def test_the_user_is_told_once_a_month() -> None:
    clock, told = FrozenClock(utc(2025, 3, 10, 12)), Told()
    sender, _, _ = build(0, told, clock)
    for _ in range(3):
        with pytest.raises(QuotaExceeded):
            await sender.send(from_number=FROM, to=TO, body="hi", user_id=USER)
    assert [(n.user_id, str(n.month), n.quota) for n in told.notices] == [(USER, "2025-03-01", 0)]
    clock.advance(timedelta(days=30))
    with pytest.raises(QuotaExceeded):
        await sender.send(from_number=FROM, to=TO, body="hi", user_id=USER)
    assert [str(n.month) for n in told.notices] == ["2025-03-01", "2025-04-01"]


async def test_a_notice_that_could_not_be_sent_is_tried_again() -> None:
    clock, told = FrozenClock(utc(2025, 3, 10, 12)), Told(failing=True)
    sender, _, _ = build(0, told, clock)
    with pytest.raises(QuotaExceeded):
        await sender.send(from_number=FROM, to=TO, body="hi", user_id=USER)
    told.failing = False
    with pytest.raises(QuotaExceeded):
        await sender.send(from_number=FROM, to=TO, body="hi", user_id=USER)
    assert len(told.notices) == 1


async def test_the_month_begins_in_the_reporting_timezone() -> None:
    # 1 April 03:00 UTC is still 31 March in New York: March's segments still count
    clock, told = FrozenClock(utc(2025, 3, 31, 20)), Told()
    sender, _, guard = build(1, told, clock)
    await sender.send(from_number=FROM, to=TO, body="march", user_id=USER)
    clock.set(utc(2025, 4, 1, 3))
    assert await guard.remaining(USER) == 0
    clock.set(utc(2025, 4, 1, 5))
    assert await guard.remaining(USER) == 1


async def test_help_answers_and_system_messages_are_exempt() -> None:
    clock, told = FrozenClock(utc(2025, 3, 10, 12)), Told()
    sender, transport, _ = build(0, told, clock)
    await sender.send(from_number=FROM, to=TO, body="help", user_id=USER, allow_opted_out=True)
    await sender.send(from_number=FROM, to=TO, body="system")
    assert len(transport.sent) == 2
    assert told.notices == []


async def test_no_quota_means_no_limit() -> None:
    clock = FrozenClock(utc(2025, 3, 10, 12))
    sender, transport, guard = build(None, Told(), clock)
    await sender.send(from_number=FROM, to=TO, body="x" * 400, user_id=USER)
    assert await guard.remaining(USER) is None
    assert len(transport.sent) == 1


async def test_the_estimate_uses_the_country_of_the_handset() -> None:
    clock = FrozenClock(utc(2025, 3, 10, 12))
    sender, _, _ = build(None, Told(), clock)
    canada = await sender.send(from_number=FROM, to="+16135550123", body="hi", user_id=USER)
    us = await sender.send(from_number=FROM, to=TO, body="hi", user_id=USER)
    assert (canada.estimated_cost, us.estimated_cost) == (Decimal("0.01"), Decimal("0.0079"))


class Grants:
    def __init__(self, permissions: set[str]) -> None:
        self.permissions = frozenset(permissions)


class Permissions:
    def __init__(self, held: dict[str, set[str]]) -> None:
        self.held = held

    async def grants_for(self, subject: object) -> Grants:
        return Grants(self.held[subject.user_id])  # type: ignore[attr-defined]


async def test_the_quota_follows_the_quota_permissions() -> None:
    policy = PermissionQuotaPolicy(
        Permissions(
            {
                "plain": {"sms:quota:standard"},
                "premium": {"sms:quota:standard", "sms:quota:premium"},
                "none": set(),
            }
        ),
        standard=500,
        premium=5000,
    )
    assert await policy.monthly_segments("plain") == 500
    assert await policy.monthly_segments("premium") == 5000
    assert await policy.monthly_segments("none") == 0


def test_next_month_rolls_over_the_year() -> None:
    assert str(next_month(utc(2025, 12, 15).date())) == "2026-01-01"
    assert str(next_month(utc(2025, 1, 31).date())) == "2025-02-01"
