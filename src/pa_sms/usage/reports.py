"""Usage and cost reports over a date range, by user, by number or by day; JSON-ready and CSV.

Reports read the daily rollups (:mod:`pa_sms.usage`), never the raw log, plus
the numbers held during the range for their rental. Every amount is in one
currency (the provider bills an account in one).

What the money fields mean:

- ``cost``: what the messages cost, real prices where the provider reported
  them and estimates for the rest (segments x the configured price);
- ``estimated_cost``: the part of ``cost`` that is estimated (``0`` once every
  price is known);
- ``rental_cost``: the numbers' monthly rental accrued over the range, apart
  from ``cost`` (by user: the numbers the user holds now; by number: that
  number; by day: every number held that day).

Counts: ``messages_in``/``messages_out`` and ``segments_in``/``segments_out``;
outbound only, ``delivered`` (incl. ``read``), ``failed`` and ``undelivered``
(each apart: ``failed`` never includes ``undelivered``), and ``delivery_rate`` =
``delivered / (delivered + failed + undelivered)``, ``None`` when none of them.

Items list the keys with any message or rental in the range, sorted by key.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pa_core.clock import Clock
from pa_core.errors import ValidationFailed
from pa_core.spreadsheets import csv_cell
from pa_sms.usage.base import GROUP_BY, GroupBy, UsageCounts, UsageStore
from pa_sms.usage.pricing import (
    DEFAULT_CURRENCY,
    DEFAULT_NUMBER_MONTHLY_PRICE,
    day_bounds,
    format_micros,
    format_money,
    from_micros,
    local_day,
    rental_by_day,
    rental_total,
)
from pa_sms.usage.rollups import sum_counts

__all__ = [
    "DEFAULT_PERIOD_DAYS",
    "FORMATS",
    "MAX_PERIOD_DAYS",
    "REPORT_FIELDS",
    "Format",
    "ReportLine",
    "UsageAnalytics",
    "UsageReport",
    "parse_day",
    "parse_format",
    "parse_group_by",
]

DEFAULT_PERIOD_DAYS = 30
"""A report without dates covers the 30 days ending today (reporting timezone)."""
MAX_PERIOD_DAYS = 366
"""The longest range one report may cover."""
REPORT_FIELDS = (
    "key",
    "messages_in",
    "messages_out",
    "segments_in",
    "segments_out",
    "delivered",
    "failed",
    "undelivered",
    "delivery_rate",
    "cost",
    "estimated_cost",
    "rental_cost",
    "currency",
)
"""The fields of a report line, in order: the CSV header."""

Format = Literal["json", "csv"]
FORMATS: tuple[Format, ...] = ("json", "csv")
"""The formats a report is served in."""

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RATE_PLACES = 4


def parse_day(value: str | None, field: str) -> date | None:
    """``YYYY-MM-DD`` to a date (``None`` stays ``None``).

    Raises:
        ValidationFailed: not a real date in that form (on ``field``).
    """
    if value is None or value == "":
        return None
    if not _DAY.match(value):
        raise ValidationFailed.for_field(field, "must be a date as YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed.for_field(field, "is not a valid date") from exc


def parse_group_by(value: str | None) -> GroupBy:
    """``user``, ``number`` or ``day`` (default ``user``).

    Raises:
        ValidationFailed: anything else (on ``group_by``).
    """
    for choice in GROUP_BY:
        if (value in (None, "") and choice == "user") or value == choice:
            return choice
    raise ValidationFailed.for_field("group_by", "must be one of user, number, day")


def parse_format(value: str | None) -> Format:
    """``json`` or ``csv`` (default ``json``).

    Raises:
        ValidationFailed: anything else (on ``format``).
    """
    for choice in FORMATS:
        if (value in (None, "") and choice == "json") or value == choice:
            return choice
    raise ValidationFailed.for_field("format", "must be json or csv")


@dataclass(frozen=True, slots=True)
class ReportLine:
    """One key's usage over the range (or the totals, keyed ``"total"``)."""

    key: str
    counts: UsageCounts
    rental_cost: Decimal
    currency: str

    @property
    def cost(self) -> Decimal:
        """Messages' cost: real prices plus estimates."""
        return from_micros(self.counts.cost_known_micros + self.counts.cost_estimated_micros)

    @property
    def estimated_cost(self) -> Decimal:
        """The estimated part of :attr:`cost`."""
        return from_micros(self.counts.cost_estimated_micros)

    @property
    def delivery_rate(self) -> float | None:
        """Delivered among outbound messages that ended delivered, failed or undelivered."""
        c = self.counts
        ended = c.delivered + c.failed + c.undelivered
        return round(c.delivered / ended, _RATE_PLACES) if ended else None

    def row(self) -> tuple[Any, ...]:
        """The line's values in :data:`REPORT_FIELDS` order, money as decimal strings."""
        c = self.counts
        ended = c.delivered + c.failed + c.undelivered
        return (
            self.key,
            c.messages_in,
            c.messages_out,
            c.segments_in,
            c.segments_out,
            c.delivered,
            c.failed,
            c.undelivered,
            round(c.delivered / ended, _RATE_PLACES) if ended else None,
            format_micros(c.cost_known_micros + c.cost_estimated_micros),
            format_micros(c.cost_estimated_micros),
            format_money(self.rental_cost),
            self.currency,
        )

    def as_dict(self) -> dict[str, Any]:
        """The line with money as decimal strings (``"0.0079"``), in :data:`REPORT_FIELDS` order."""
        return dict(zip(REPORT_FIELDS, self.row(), strict=True))


@dataclass(frozen=True, slots=True)
class UsageReport:
    """A report: its grouping and dates, one line per key, and the totals."""

    group_by: GroupBy
    since: date
    until: date
    currency: str
    items: list[ReportLine]
    totals: ReportLine

    def to_csv(self) -> str:
        """The items as CSV: one header row of :data:`REPORT_FIELDS`, then one row per item.

        Quoting is minimal (RFC 4180: a field with a comma, quote or line break
        is quoted); the totals are not a row (sum the columns). Every cell goes
        through :func:`pa_core.spreadsheets.csv_cell`: one that a spreadsheet
        would run as a formula starts with ``'``; numbers, amounts and E.164
        numbers are left as they are.
        """
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(REPORT_FIELDS)
        for item in self.items:
            writer.writerow([csv_cell(value) for value in item.row()])
        return out.getvalue()


class UsageAnalytics:
    """Builds usage reports from the rollups and the numbers' rental.

    Args:
        usage: the rollups.
        clock: what "today" is.
        timezone: the reporting timezone (the same as the rollups').
        currency: the currency of every amount.
        number_monthly_price: the rental of a number whose own price is unknown.
        max_days: the longest range one report may cover.
    """

    def __init__(
        self,
        usage: UsageStore,
        clock: Clock,
        *,
        timezone: ZoneInfo | None = None,
        currency: str = DEFAULT_CURRENCY,
        number_monthly_price: Decimal = DEFAULT_NUMBER_MONTHLY_PRICE,
        max_days: int = MAX_PERIOD_DAYS,
    ) -> None:
        self.usage = usage
        self.clock = clock
        self.timezone = timezone or ZoneInfo("UTC")
        self.currency = currency
        self.number_monthly_price = number_monthly_price
        self.max_days = max_days

    def today(self) -> date:
        """Today in the reporting timezone."""
        return local_day(self.clock.now(), self.timezone)

    def period(self, since: date | None = None, until: date | None = None) -> tuple[date, date]:
        """The inclusive range asked for: ``until`` defaults to today, ``since`` to 29 days before.

        Raises:
            ValidationFailed: ``since`` after ``until`` (on ``since``), or a range
                longer than ``max_days`` (on ``until``).
        """
        until = until or self.today()
        since = since or until - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
        if since > until:
            raise ValidationFailed.for_field("since", "must not be after until")
        if (until - since).days + 1 > self.max_days:
            raise ValidationFailed.for_field("until", f"the range is over {self.max_days} days")
        return since, until

    async def report(
        self,
        group_by: GroupBy,
        since: date | None = None,
        until: date | None = None,
        *,
        user_id: str | None = None,
    ) -> UsageReport:
        """Usage over ``[since, until]`` grouped by ``group_by``; ``user_id``: that user's only.

        Raises:
            ValidationFailed: see :meth:`period`.
        """
        since, until = self.period(since, until)
        start, end = day_bounds(since, self.timezone)[0], day_bounds(until, self.timezone)[1]
        # Both reads at once: one's rows are decoded while the database answers the other.
        found, held = await asyncio.gather(
            self.usage.totals(group_by, since, until, user_id=user_id),
            self.usage.held_numbers(start, end, user_id=user_id),
        )
        sums = {t.key: t.counts for t in found}
        rental: dict[str, Decimal] = defaultdict(Decimal)
        if group_by == "day":
            days = rental_by_day(held, since, until, self.timezone, self.number_monthly_price)
            for day, amount in days.items():
                rental[day.isoformat()] += amount
        else:
            per_number = rental_total(held, since, until, self.timezone, self.number_monthly_price)
            for number in held:
                key = number.phone_number if group_by == "number" else number.user_id
                if key is not None and number.number_id in per_number:
                    rental[key] += per_number[number.number_id]
        nothing, no_rent, currency = UsageCounts(), Decimal(0), self.currency
        items = [
            ReportLine(key, sums.get(key, nothing), rental.get(key, no_rent), currency)
            for key in sorted(sums.keys() | rental.keys())
        ]
        totals = ReportLine(
            "total",
            sum_counts(item.counts for item in items),
            sum((item.rental_cost for item in items), Decimal(0)),
            self.currency,
        )
        return UsageReport(group_by, since, until, self.currency, items, totals)
