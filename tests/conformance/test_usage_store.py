"""The UsageStore contract (SMS usage rollups), run against memory, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from pa_core.clock import FrozenClock
from pa_sms.records.base import SmsRecord
from pa_sms.usage.base import UsageCounts
from tests.sms.usage_support import (
    A_NUMBER,
    ALICE,
    B_NUMBER,
    BACKENDS,
    BOB,
    N1,
    N2,
    US_HANDSET,
    Backend,
    add_numbers,
    january_messages,
    message,
    open_backend,
    utc,
)

pytestmark = pytest.mark.anyio

JAN_10, JAN_11 = date(2025, 1, 10), date(2025, 1, 11)


@pytest.fixture(params=BACKENDS)
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    """Numbers N1 (ALICE) and N2 (BOB) exist; the log is empty; it is 12 January."""
    clock = FrozenClock(utc(2025, 1, 12, 12))
    url = None if request.param == "memory" else request.getfixturevalue(f"{request.param}_url")
    async with open_backend(request.param, url, clock) as opened:
        await add_numbers(opened.sms)
        yield opened


async def log_all(backend: Backend) -> None:
    for record in january_messages(logged_at=backend.clock.now()):
        await backend.sms.add_message(record)


async def test_the_first_refresh_rolls_up_every_day_of_the_log(backend: Backend) -> None:
    await log_all(backend)
    assert await backend.usage.refresh() == 2
    users, numbers = await backend.usage.snapshot()
    assert [(row.day, row.user_id) for row in users] == [
        (JAN_10, ALICE),
        (JAN_10, BOB),
        (JAN_11, BOB),
    ]
    assert [(row.day, row.number_id, row.phone_number) for row in numbers] == [
        (JAN_10, N1, "+14155550100"),
        (JAN_10, N2, "+14155550101"),
        (JAN_11, N2, "+14155550101"),
    ]
    assert users[0].counts == UsageCounts(
        messages_in=1,
        messages_out=2,
        segments_in=3,
        segments_out=3,
        delivered=1,
        failed=1,
        undelivered=0,
        cost_known_micros=15_800,
        cost_estimated_micros=63_700,
    )
    assert users[0].currency == "USD"
    assert numbers[0].user_id == ALICE


async def test_a_refresh_after_a_quiet_spell_recomputes_nothing(backend: Backend) -> None:
    await log_all(backend)
    await backend.usage.refresh()
    backend.clock.advance(timedelta(hours=1))
    assert await backend.usage.refresh() == 2  # logged within the overlap: done again
    backend.clock.advance(timedelta(hours=1))
    assert await backend.usage.refresh() == 0


async def test_a_late_price_and_status_reach_the_rollups_at_the_next_refresh(
    backend: Backend,
) -> None:
    await log_all(backend)
    backend.clock.advance(timedelta(hours=1))
    await backend.usage.refresh()
    backend.clock.advance(timedelta(hours=1))
    await backend.sms.set_price("SM2", Decimal("0.0400"), "USD", backend.clock.now())
    await backend.sms.advance_status("SM5", "undelivered", backend.clock.now())
    # SM5 was delivered: a terminal status does not move; SM2 gains its real price
    assert await backend.usage.refresh() == 1
    users, _ = await backend.usage.snapshot()
    alice = users[0].counts
    assert (alice.cost_known_micros, alice.cost_estimated_micros) == (55_800, 23_700)


async def test_rebuilt_rollups_equal_the_incremental_ones(backend: Backend) -> None:
    records = january_messages(logged_at=backend.clock.now())
    for record in records[:2]:
        await backend.sms.add_message(record)
    await backend.usage.refresh()
    backend.clock.advance(timedelta(minutes=30))
    for record in records[2:]:
        await backend.sms.add_message(replace(record, updated_at=backend.clock.now()))
    await backend.sms.advance_status("SM2", "undelivered", backend.clock.now())
    await backend.usage.refresh()
    backend.clock.advance(timedelta(hours=2))
    await backend.sms.set_price("SM5", Decimal("0.0081"), "USD", backend.clock.now())
    await backend.usage.refresh()
    incremental = await backend.usage.snapshot()
    assert await backend.usage.rebuild() == 2
    assert await backend.usage.snapshot() == incremental
    assert incremental[0][2].counts.cost_known_micros == 8_100


async def test_totals_group_and_filter_the_rollups(backend: Backend) -> None:
    await log_all(backend)
    await backend.usage.refresh()
    by_day = await backend.usage.totals("day", JAN_10, JAN_11)
    assert [(t.key, t.counts.messages_out) for t in by_day] == [
        ("2025-01-10", 3),
        ("2025-01-11", 1),
    ]
    bob = await backend.usage.totals("number", JAN_10, JAN_11, user_id=BOB)
    assert [(t.key, t.counts.segments_out) for t in bob] == [("+14155550101", 2)]
    assert await backend.usage.totals("user", JAN_11, JAN_11, user_id=ALICE) == []


async def test_held_numbers_are_those_held_at_some_time_in_the_range(backend: Backend) -> None:
    late = await backend.usage.held_numbers(utc(2025, 1, 20), utc(2025, 1, 21))
    assert [n.number_id for n in late] == [N1]
    early = await backend.usage.held_numbers(utc(2025, 1, 10), utc(2025, 1, 11), user_id=BOB)
    assert [(n.number_id, n.monthly_price) for n in early] == [(N2, None)]
    assert early[0].released_at == utc(2025, 1, 16, 5)


async def test_segments_sent_counts_one_users_outbound_since_a_moment(backend: Backend) -> None:
    await log_all(backend)
    assert await backend.usage.segments_sent(ALICE, utc(2025, 1, 1)) == 3
    assert await backend.usage.segments_sent(ALICE, utc(2025, 1, 10, 15, 30)) == 1
    assert await backend.usage.segments_sent(BOB, utc(2025, 1, 11, 5)) == 1


async def test_a_quota_notice_is_claimed_once_a_month(backend: Backend) -> None:
    now = backend.clock.now()
    january, february = date(2025, 1, 1), date(2025, 2, 1)
    assert await backend.usage.claim_quota_notice(ALICE, january, now)
    assert not await backend.usage.claim_quota_notice(ALICE, january, now)
    assert await backend.usage.claim_quota_notice(ALICE, february, now)
    await backend.usage.forget_quota_notice(ALICE, january)
    assert await backend.usage.claim_quota_notice(ALICE, january, now)


def _seven_weeks(logged_at: datetime) -> list[SmsRecord]:
    """One message a day from 30 December 2024 (a Monday) to 16 February 2025, alternating users."""
    first = date(2024, 12, 30)
    records = []
    for n in range(49):
        day = first + timedelta(days=n)
        alice = n % 2 == 0
        records.append(
            message(
                f"SMW{n}",
                utc(day.year, day.month, day.day, 17),
                user_id=ALICE if alice else BOB,
                number=A_NUMBER if alice else B_NUMBER,
                handset=US_HANDSET,
                segments=1 + n % 3,
                status="delivered" if n % 5 else "failed",
                price=Decimal("0.0079") if n % 4 == 0 else None,
                logged_at=logged_at,
            )
        )
    return records


async def _expected(backend: Backend, group_by: str, since: date, until: date) -> dict[str, int]:
    """Segments per key over ``[since, until]``, summed from the daily rollup rows."""
    users, numbers = await backend.usage.snapshot()
    found: dict[str, int] = {}
    if group_by == "number":
        for row in numbers:
            if since <= row.day <= until:
                found[row.phone_number] = found.get(row.phone_number, 0) + row.counts.segments_out
    else:
        for row in users:
            if since <= row.day <= until:
                found[row.user_id] = found.get(row.user_id, 0) + row.counts.segments_out
    return found


@pytest.mark.parametrize("group_by", ["user", "number"])
@pytest.mark.parametrize(
    ("since", "until"),
    [
        (date(2025, 1, 6), date(2025, 1, 19)),  # two whole weeks, no edge
        (date(2025, 1, 2), date(2025, 1, 31)),  # edges at both ends
        (date(2024, 12, 30), date(2025, 2, 16)),  # the whole log
        (date(2025, 1, 8), date(2025, 1, 12)),  # inside one week
        (date(2025, 1, 7), date(2025, 1, 13)),  # seven days, no whole week
        (date(2025, 2, 16), date(2025, 2, 16)),  # one day
    ],
)
async def test_totals_over_weeks_and_edge_days_equal_the_daily_sums(
    backend: Backend, group_by: str, since: date, until: date
) -> None:
    for record in _seven_weeks(backend.clock.now()):
        await backend.sms.add_message(record)
    backend.clock.set(utc(2025, 3, 1))  # a refresh rolls up what was created before it
    await backend.usage.refresh()
    totals = await backend.usage.totals(group_by, since, until)  # type: ignore[arg-type]
    assert {t.key: t.counts.segments_out for t in totals} == await _expected(
        backend, group_by, since, until
    )


async def test_a_late_change_inside_a_whole_week_reaches_the_weekly_totals(
    backend: Backend,
) -> None:
    for record in _seven_weeks(backend.clock.now()):
        await backend.sms.add_message(record)
    await backend.usage.refresh()
    backend.clock.advance(timedelta(hours=2))
    await backend.sms.set_price("SMW9", Decimal("0.5"), "USD", backend.clock.now())
    await backend.usage.refresh()
    totals = await backend.usage.totals("user", date(2025, 1, 6), date(2025, 1, 19))
    bob = next(t for t in totals if t.key == BOB)
    assert bob.counts.cost_known_micros == 500_000  # SMW9 (8 January) is Bob's only priced one


# --- freshness: totals add the log not yet rolled up ---------------------------------


async def settled(backend: Backend) -> None:
    """The January log rolled up, and the refresh's overlap long past."""
    await log_all(backend)
    for _ in range(2):
        await backend.usage.refresh()
        backend.clock.advance(timedelta(hours=2))
    assert await backend.usage.refresh() == 0


async def every_grouping(backend: Backend, since: date, until: date) -> list[object]:
    return [
        await backend.usage.totals(group_by, since, until, user_id=user_id)  # type: ignore[arg-type]
        for group_by in ("user", "number", "day")
        for user_id in (None, ALICE, BOB)
    ]


async def test_a_message_logged_after_the_refresh_is_counted_at_once(backend: Backend) -> None:
    await settled(backend)
    now = backend.clock.now()
    await backend.sms.add_message(
        message("SM9", now, user_id=BOB, number=B_NUMBER, handset=US_HANDSET, segments=3)
    )
    today = now.date()
    [bob] = await backend.usage.totals("user", today, today, user_id=BOB)
    assert (bob.counts.messages_out, bob.counts.segments_out) == (1, 3)
    [number] = await backend.usage.totals("number", today, today)
    assert (number.key, number.counts.segments_out) == (B_NUMBER, 3)


async def test_a_late_price_never_counts_a_message_twice_and_lands_at_the_refresh(
    backend: Backend,
) -> None:
    await settled(backend)
    [before] = await backend.usage.totals("user", JAN_10, JAN_11, user_id=ALICE)
    await backend.sms.set_price("SM2", Decimal("0.0400"), "USD", backend.clock.now())
    assert await backend.usage.totals("user", JAN_10, JAN_11, user_id=ALICE) == [before]
    await backend.usage.refresh()
    [alice] = await backend.usage.totals("user", JAN_10, JAN_11, user_id=ALICE)
    assert (alice.counts.cost_known_micros, alice.counts.cost_estimated_micros) == (
        55_800,
        23_700,
    )
    assert alice.counts.messages_out == before.counts.messages_out


async def test_fresh_totals_equal_the_totals_after_a_refresh(backend: Backend) -> None:
    await settled(backend)
    now = backend.clock.now()
    await backend.sms.add_message(
        message("SM9", now, user_id=ALICE, number=A_NUMBER, handset=US_HANDSET, segments=1)
    )
    await backend.sms.add_message(
        message("SM8", now, user_id=BOB, number=B_NUMBER, handset=US_HANDSET, segments=2)
    )
    since, until = date(2024, 12, 30), now.date()  # whole weeks and edge days
    fresh = await every_grouping(backend, since, until)
    await backend.usage.refresh()
    backend.clock.advance(timedelta(hours=2))
    await backend.usage.refresh()  # the overlap past: the rollups alone answer
    assert fresh == await every_grouping(backend, since, until)


async def test_totals_before_any_refresh_read_the_log(backend: Backend) -> None:
    await log_all(backend)
    by_day = await backend.usage.totals("day", JAN_10, JAN_11)
    assert [(t.key, t.counts.messages_out) for t in by_day] == [
        ("2025-01-10", 3),
        ("2025-01-11", 1),
    ]
