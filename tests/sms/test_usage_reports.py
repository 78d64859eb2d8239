"""Usage reports against hand-computed totals (see tests/sms/usage_support.py), on every backend."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from pa_core.clock import FrozenClock
from pa_core.errors import ValidationFailed
from pa_sms.usage.base import UsageCounts
from pa_sms.usage.reports import (
    REPORT_FIELDS,
    ReportLine,
    UsageAnalytics,
    UsageReport,
    parse_day,
    parse_format,
    parse_group_by,
)
from tests.sms.usage_support import (
    ALICE,
    BACKENDS,
    BOB,
    NEW_YORK,
    Backend,
    load_january,
    open_backend,
    usage_in,
    utc,
)

pytestmark = pytest.mark.anyio

JAN_1, JAN_31 = date(2025, 1, 1), date(2025, 1, 31)


@pytest.fixture(params=BACKENDS)
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    clock = FrozenClock(utc(2025, 2, 1, 12))
    url = None if request.param == "memory" else request.getfixturevalue(f"{request.param}_url")
    async with open_backend(request.param, url, clock) as opened:
        await load_january(opened)
        yield opened


def analytics(backend: Backend, timezone: ZoneInfo = NEW_YORK) -> UsageAnalytics:
    return UsageAnalytics(backend.usage, backend.clock, timezone=timezone)


def by_key(report: UsageReport) -> dict[str, dict[str, object]]:
    return {item.key: item.as_dict() for item in report.items}


async def test_the_report_by_user_matches_the_hand_computed_totals(backend: Backend) -> None:
    report = await analytics(backend).report("user", JAN_1, JAN_31)
    items = by_key(report)
    assert list(items) == [ALICE, BOB]
    assert items[ALICE] == {
        "key": ALICE,
        "messages_in": 1,
        "messages_out": 2,
        "segments_in": 3,
        "segments_out": 3,
        "delivered": 1,
        "failed": 1,
        "undelivered": 0,
        "delivery_rate": 0.5,
        "cost": "0.0795",  # 0.0158 real + 0.04 GB estimate + 3 x 0.0079 inbound estimate
        "estimated_cost": "0.0637",
        "rental_cost": "1.00",  # held all January at 1.00 a month
        "currency": "USD",
    }
    assert items[BOB] == {
        "key": BOB,
        "messages_in": 0,
        "messages_out": 2,
        "segments_in": 0,
        "segments_out": 2,
        "delivered": 1,
        "failed": 0,
        "undelivered": 1,
        "delivery_rate": 0.5,
        "cost": "0.0158",  # 0.0079 real + 0.0079 default estimate
        "estimated_cost": "0.0079",
        "rental_cost": "0.556452",  # 1.15 x 15 / 31: released on the 16th
        "currency": "USD",
    }
    totals = report.totals.as_dict()
    assert (totals["cost"], totals["estimated_cost"], totals["rental_cost"]) == (
        "0.0953",
        "0.0716",
        "1.556452",
    )
    assert totals["messages_out"] == 4
    assert totals["delivery_rate"] == 0.5


async def test_the_report_by_number_keys_on_e164(backend: Backend) -> None:
    report = await analytics(backend).report("number", JAN_1, JAN_31)
    items = by_key(report)
    assert list(items) == ["+14155550100", "+14155550101"]
    assert items["+14155550100"]["cost"] == "0.0795"
    assert items["+14155550101"]["rental_cost"] == "0.556452"


async def test_days_are_taken_in_the_reporting_timezone(backend: Backend) -> None:
    report = await analytics(backend).report("day", date(2025, 1, 10), date(2025, 1, 11))
    items = by_key(report)
    # 22:00 and 23:59 in New York are still the 10th; 00:00 is the 11th
    assert (items["2025-01-10"]["messages_in"], items["2025-01-10"]["messages_out"]) == (1, 3)
    assert items["2025-01-10"]["cost"] == "0.0874"
    assert items["2025-01-11"]["messages_out"] == 1
    assert items["2025-01-11"]["estimated_cost"] == "0.0079"
    # both numbers held both days: (1.00 + 1.15) / 31
    assert items["2025-01-10"]["rental_cost"] == "0.069355"


async def test_the_same_log_in_utc_moves_the_late_evening_to_the_next_day(
    backend: Backend,
) -> None:
    usage = usage_in(backend, ZoneInfo("UTC"))
    assert await usage.refresh() == 2  # a new timezone: rebuilt
    report = await UsageAnalytics(usage, backend.clock).report(
        "day", date(2025, 1, 10), date(2025, 1, 11)
    )
    items = by_key(report)
    assert (items["2025-01-10"]["messages_in"], items["2025-01-10"]["messages_out"]) == (0, 2)
    assert (items["2025-01-11"]["messages_in"], items["2025-01-11"]["messages_out"]) == (1, 2)


async def test_rental_by_day_stops_when_the_number_is_released(backend: Backend) -> None:
    report = await analytics(backend).report("day", date(2025, 1, 15), date(2025, 1, 16))
    items = by_key(report)
    assert items["2025-01-15"]["rental_cost"] == "0.069355"
    assert items["2025-01-16"]["rental_cost"] == "0.032258"  # 1.00 / 31 only


async def test_a_user_sees_only_their_own_usage(backend: Backend) -> None:
    report = await analytics(backend).report("day", JAN_1, JAN_31, user_id=BOB)
    totals = report.totals.as_dict()
    assert totals["messages_out"] == 2
    assert totals["messages_in"] == 0
    assert totals["cost"] == "0.0158"
    assert totals["rental_cost"] == "0.556452"


async def test_the_default_period_is_the_thirty_days_ending_today(backend: Backend) -> None:
    report = await analytics(backend).report("user")
    assert (report.since, report.until) == (date(2025, 1, 3), date(2025, 2, 1))


async def test_csv_has_one_header_row_and_parses_back(backend: Backend) -> None:
    report = await analytics(backend).report("user", JAN_1, JAN_31)
    text = report.to_csv()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(REPORT_FIELDS)
    assert [row[0] for row in rows[1:]] == [ALICE, BOB]
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert parsed[1]["rental_cost"] == "0.556452"
    assert parsed[0]["delivery_rate"] == "0.5"


def test_csv_quotes_keys_with_commas_and_quotes() -> None:
    line = ReportLine('a,"b"', UsageCounts(messages_out=1), Decimal(0), "USD")
    report = UsageReport("user", JAN_1, JAN_31, "USD", [line], line)
    text = report.to_csv()
    assert text.splitlines()[1].startswith('"a,""b""",0,1,')
    assert next(csv.DictReader(io.StringIO(text)))["key"] == 'a,"b"'
    assert next(csv.DictReader(io.StringIO(text)))["delivery_rate"] == ""


def test_csv_neutralises_a_formula_but_keeps_numbers_and_e164_keys() -> None:
    lines = [
        ReportLine('=HYPERLINK("https://evil.example")', UsageCounts(), Decimal(0), "USD"),
        ReportLine("+14155550100", UsageCounts(), Decimal("-1.50"), "USD"),
    ]
    report = UsageReport("number", JAN_1, JAN_31, "USD", lines, lines[0])
    rows = list(csv.DictReader(io.StringIO(report.to_csv())))
    assert rows[0]["key"] == '\'=HYPERLINK("https://evil.example")'
    assert (rows[1]["key"], rows[1]["rental_cost"]) == ("+14155550100", "-1.50")


@pytest.mark.parametrize(
    ("since", "until", "field"),
    [(date(2025, 2, 1), date(2025, 1, 1), "since"), (date(2020, 1, 1), JAN_31, "until")],
)
def test_a_backwards_or_too_long_period_is_refused(since: date, until: date, field: str) -> None:
    service = UsageAnalytics(None, FrozenClock())  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed) as raised:
        service.period(since, until)
    assert raised.value.errors[0].field == field


@pytest.mark.parametrize("value", ["2025-1-01", "2025-02-30", "yesterday", "20250101"])
def test_only_real_iso_dates_are_accepted(value: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        parse_day(value, "since")
    assert raised.value.errors[0].field == "since"


def test_query_values_are_parsed_with_defaults() -> None:
    assert parse_day("2025-01-31", "until") == JAN_31
    assert parse_day(None, "until") is None
    assert (parse_group_by(None), parse_group_by("day")) == ("user", "day")
    assert (parse_format(None), parse_format("csv")) == ("json", "csv")
    with pytest.raises(ValidationFailed):
        parse_group_by("week")
    with pytest.raises(ValidationFailed):
        parse_format("xml")
