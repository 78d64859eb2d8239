"""Per-segment estimates, money formatting, and the rental of numbers day by day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from pa_sms.records.base import SmsRecord
from pa_sms.usage.pricing import (
    HeldNumber,
    SegmentPricing,
    format_micros,
    format_money,
    from_micros,
    rental_by_day,
    rental_total,
    to_micros,
)
from pa_sms.usage.rollups import message_usage
from tests.sms.usage_support import utc

PARIS = ZoneInfo("Europe/Paris")
UTC_ZONE = ZoneInfo("UTC")


def held(start: tuple[int, ...], end: tuple[int, ...] | None, price: str | None) -> HeldNumber:
    return HeldNumber(
        "n1",
        "+33612345678",
        "u1",
        utc(*start),
        utc(*end) if end else None,
        Decimal(price) if price else None,
    )


@pytest.mark.parametrize(
    ("amount", "text"),
    [("0.0079", "0.0079"), ("1.15", "1.15"), ("0", "0.00"), ("2", "2.00"), ("0.0000004", "0.00")],
)
def test_money_is_a_decimal_string_to_the_millionth(amount: str, text: str) -> None:
    assert format_money(Decimal(amount)) == text


@pytest.mark.parametrize(
    "micros", [0, 1, 10, 7900, 15_800, 100_000, 1_150_000, 2_000_000, 123_456_789]
)
def test_micros_are_formatted_as_format_money_formats_their_amount(micros: int) -> None:
    assert format_micros(micros) == format_money(from_micros(micros))
    assert format_micros(-micros) == format_money(from_micros(-micros))


def test_micros_round_trip() -> None:
    assert to_micros(Decimal("0.00785")) == 7850
    assert from_micros(7850) == Decimal("0.00785")


def test_prices_by_country_and_direction_fall_back_to_the_default() -> None:
    pricing = SegmentPricing.parse(Decimal("0.0079"), {"gb": "0.04", "FR": {"outbound": "0.07"}})
    assert pricing.estimate("outbound", "+447400123456", 2) == Decimal("0.08")
    assert pricing.estimate("inbound", "+33612345678", 1) == Decimal("0.0079")
    assert pricing.estimate("outbound", "+33612345678", 1) == Decimal("0.07")
    assert pricing.estimate("outbound", "not a number", 1) == Decimal("0.0079")
    with pytest.raises(ValueError, match="negative"):
        pricing.estimate("outbound", "+33612345678", -1)


@pytest.mark.parametrize(
    "bad",
    [
        {"default": Decimal(-1)},
        {"overrides": {"GB": {"sideways": Decimal(1)}}},
        {"overrides": {"GB": {"inbound": Decimal(-1)}}},
    ],
)
def test_nonsense_prices_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"direction|negative"):
        SegmentPricing(**bad)  # type: ignore[arg-type]


def test_a_message_without_any_estimate_costs_the_default_of_its_direction() -> None:
    pricing = SegmentPricing.parse(Decimal("0.01"))
    record = SmsRecord(
        id="1",
        sid="SM1",
        direction="inbound",
        from_number="+15557654321",
        to_number="+14155550100",
        user_id="u",
        number_id="n",
        segments=3,
        encoding="GSM-7",
        status="received",
        created_at=utc(2025, 1, 1),
        updated_at=utc(2025, 1, 1),
    )
    usage = message_usage(record, pricing)
    assert (usage.messages_in, usage.segments_in, usage.cost_estimated_micros) == (1, 3, 30_000)


def test_a_number_held_a_whole_month_costs_its_monthly_price() -> None:
    number = held((2025, 1, 31, 23), None, "1.15")  # 1 February 00:00 in Paris
    totals = rental_total([number], date(2025, 2, 1), date(2025, 2, 28), PARIS)
    assert totals == {"n1": Decimal("1.15")}


def test_a_number_released_mid_month_accrues_to_its_release() -> None:
    number = held((2025, 4, 1), (2025, 4, 16, 12), None)  # 15.5 days of 30, default price
    totals = rental_total([number], date(2025, 4, 1), date(2025, 4, 30), UTC_ZONE)
    assert format_money(totals["n1"]) == format_money(Decimal("1.15") * Decimal("15.5") / 30)
    days = rental_by_day([number], date(2025, 4, 15), date(2025, 4, 17), UTC_ZONE)
    assert format_money(days[date(2025, 4, 16)]) == format_money(Decimal("1.15") / 60)
    assert date(2025, 4, 17) not in days


def test_a_number_held_within_one_day_accrues_its_hours() -> None:
    number = held((2025, 4, 2, 6), (2025, 4, 2, 12), "3.00")
    days = rental_by_day([number], date(2025, 4, 1), date(2025, 4, 3), UTC_ZONE)
    assert list(days) == [date(2025, 4, 2)]
    assert format_money(days[date(2025, 4, 2)]) == "0.025"
    total = rental_total([number], date(2025, 4, 1), date(2025, 4, 3), UTC_ZONE)
    assert format_money(total["n1"]) == "0.025"


def test_the_short_day_of_a_dst_change_is_still_one_day_of_rent() -> None:
    # 30 March 2025 has 23 hours in Paris; held from its noon: 12 of 23 hours
    number = held((2025, 3, 30, 10), None, "3.10")
    days = rental_by_day([number], date(2025, 3, 30), date(2025, 3, 31), PARIS)
    assert days[date(2025, 3, 31)] == Decimal("0.1")
    assert format_money(days[date(2025, 3, 30)]) == format_money(Decimal("0.1") * 12 / 23)


def test_rental_outside_the_range_is_nothing() -> None:
    number = held((2025, 5, 1), None, "1.00")
    assert rental_total([number], date(2025, 4, 1), date(2025, 4, 30), UTC_ZONE) == {}
    assert rental_by_day([number], date(2025, 4, 1), date(2025, 4, 30), UTC_ZONE) == {}
