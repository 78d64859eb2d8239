"""What messages and numbers cost: per-segment estimates and the monthly rental of numbers.

A message's cost is the provider's real price once it reports one; until then
it is an estimate, ``segments x`` the configured price of one segment for the
country of the handset (outbound) or of our number (inbound) and the message's
direction (:class:`SegmentPricing`).

A number's rental accrues day by day from its provisioning to its release:
each day in the reporting timezone costs ``monthly price / days in that month``,
times the fraction of the day the number was held (:func:`rental_by_day`,
:func:`rental_total`). A number held for a whole month costs exactly its
monthly price, whatever the month's length.

Money is exact: :class:`~decimal.Decimal` amounts, summed in micro-units
(millionths of the currency) in the rollups (:func:`to_micros`, :func:`from_micros`).
"""

from __future__ import annotations

import calendar
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from pa_sms.numbers.checks import country_of
from pa_sms.records.base import Direction

__all__ = [
    "DEFAULT_CURRENCY",
    "DEFAULT_NUMBER_MONTHLY_PRICE",
    "DEFAULT_PRICE_PER_SEGMENT",
    "MICROS",
    "HeldNumber",
    "SegmentPricing",
    "day_bounds",
    "format_micros",
    "format_money",
    "from_micros",
    "local_day",
    "month_start",
    "rental_by_day",
    "rental_total",
    "to_micros",
]

DEFAULT_PRICE_PER_SEGMENT = Decimal("0.0079")
"""Estimated price of one segment, either direction (a US long code, in USD)."""
DEFAULT_NUMBER_MONTHLY_PRICE = Decimal("1.15")
"""Monthly rental of a number whose price the provider did not report (US local, USD)."""
DEFAULT_CURRENCY = "USD"
"""ISO 4217 currency of the estimates (the provider bills an account in one currency)."""
MICROS = 1_000_000
"""Micro-units per unit of currency: the rollups' exact integer money."""

_MICRO = Decimal(1) / MICROS
_MIN_PLACES = Decimal("0.01")


def to_micros(amount: Decimal) -> int:
    """``amount`` in millionths, rounded half up (prices have at most 5 decimals: exact)."""
    return int((amount * MICROS).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_micros(micros: int) -> Decimal:
    """The amount of ``micros`` millionths."""
    return Decimal(micros) / MICROS


@functools.lru_cache(maxsize=4096)  # a report formats the same few rentals thousands of times
def format_money(amount: Decimal) -> str:
    """A decimal string rounded to millionths, without trailing zeros past the cents.

    ``0.0079`` -> ``"0.0079"``, ``1.15`` -> ``"1.15"``, ``0`` -> ``"0.00"``.
    """
    value = amount.quantize(_MICRO, rounding=ROUND_HALF_UP).normalize()
    if value.as_tuple().exponent > -2:  # type: ignore[operator]
        value = value.quantize(_MIN_PLACES)
    return f"{value:f}"


def format_micros(micros: int) -> str:
    """:func:`format_money` of ``micros`` millionths, in integer arithmetic (fast, for reports).

    ``7900`` -> ``"0.0079"``, ``1_150_000`` -> ``"1.15"``, ``0`` -> ``"0.00"``.
    """
    whole, fraction = divmod(abs(micros), MICROS)
    digits = f"{fraction:06d}".rstrip("0").ljust(2, "0")
    return f"{'-' if micros < 0 else ''}{whole}.{digits}"


@dataclass(frozen=True, slots=True)
class SegmentPricing:
    """Estimated price of one segment, by country and direction.

    Args:
        default: the price of a segment in either direction, for any country.
        overrides: ``{"GB": {"outbound": Decimal("0.04")}, ...}``: per country
            (ISO 3166 alpha-2) and direction; a missing entry falls back to
            ``default``.
        currency: ISO 4217 code of every price here.
    """

    default: Decimal = DEFAULT_PRICE_PER_SEGMENT
    overrides: Mapping[str, Mapping[str, Decimal]] = field(default_factory=dict)
    currency: str = DEFAULT_CURRENCY

    def __post_init__(self) -> None:
        if self.default < 0:
            raise ValueError("the price of a segment must not be negative")
        for country, prices in self.overrides.items():
            for direction, price in prices.items():
                if direction not in ("inbound", "outbound"):
                    raise ValueError(f"{country}: unknown direction {direction!r}")
                if price < 0:
                    raise ValueError(f"{country}: the price of a segment must not be negative")

    @classmethod
    def parse(
        cls,
        default: Decimal,
        overrides: Mapping[str, str | Mapping[str, str]] | None = None,
        currency: str = DEFAULT_CURRENCY,
    ) -> SegmentPricing:
        """Build from settings: ``{"GB": "0.04", "FR": {"outbound": "0.07"}}`` (bare: both ways)."""
        table: dict[str, dict[str, Decimal]] = {}
        for country, value in (overrides or {}).items():
            if isinstance(value, str | int | float | Decimal):
                table[country.upper()] = {
                    "inbound": Decimal(str(value)),
                    "outbound": Decimal(str(value)),
                }
            else:
                table[country.upper()] = {d: Decimal(str(p)) for d, p in value.items()}
        return cls(default=default, overrides=table, currency=currency)

    def per_segment(self, direction: Direction, country: str | None) -> Decimal:
        """The price of one segment sent ``direction`` to or from ``country``."""
        prices = self.overrides.get(country or "", {})
        return prices.get(direction, self.default)

    def default_for(self, direction: Direction) -> Decimal:
        """The price of a segment whose country is unknown."""
        return self.per_segment(direction, None)

    def estimate(self, direction: Direction, phone_number: str, segments: int) -> Decimal:
        """Estimated cost of a message of ``segments`` segments.

        ``phone_number`` is the number whose country sets the price: the
        handset for an outbound message, our number for an inbound one (both
        are the message's ``To``).
        """
        if segments < 0:
            raise ValueError("segments must not be negative")
        return self.per_segment(direction, country_of(phone_number)) * segments


# --- days in the reporting timezone ------------------------------------------------------


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    """The day ``moment`` falls on in ``tz``."""
    return moment.astimezone(tz).date()


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants ``[start, end)`` of ``day`` in ``tz``, in UTC (23 or 25 hours across DST)."""
    start = datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=tz).astimezone(UTC)
    return start, end


def month_start(day: date) -> date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


# --- number rental ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HeldNumber:
    """A number as rental sees it: who held it, from when to when, at what monthly price."""

    number_id: str
    phone_number: str
    user_id: str | None
    provisioned_at: datetime
    released_at: datetime | None
    monthly_price: Decimal | None


def _days_in_month(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def _fraction_held(
    day: date, start: datetime, end: datetime | None, tz: ZoneInfo
) -> tuple[Decimal, bool]:
    """The part of ``day`` inside ``[start, end)``, and whether that is the whole day."""
    low, high = day_bounds(day, tz)
    held_from = max(low, start)
    held_to = high if end is None else min(high, end)
    if held_to <= held_from:
        return Decimal(0), False
    if held_from == low and held_to == high:
        return Decimal(1), True
    length = Decimal((high - low).total_seconds())
    return Decimal((held_to - held_from).total_seconds()) / length, False


def _held_days(
    number: HeldNumber, since: date, until: date, tz: ZoneInfo
) -> tuple[list[tuple[date, Decimal]], date | None, date | None]:
    """Partial days (day, fraction) and the whole days of ``number`` in ``[since, until]``."""
    first = max(since, local_day(number.provisioned_at, tz))
    last = until if number.released_at is None else min(until, local_day(number.released_at, tz))
    if last < first:
        return [], None, None
    partial: list[tuple[date, Decimal]] = []
    whole_first: date | None = first
    whole_last: date | None = last
    for edge in sorted({first, last}):
        fraction, whole = _fraction_held(edge, number.provisioned_at, number.released_at, tz)
        if whole:
            continue
        if fraction:
            partial.append((edge, fraction))
        if edge == whole_first:
            whole_first = edge + timedelta(days=1)
        if edge == whole_last:
            whole_last = edge - timedelta(days=1)
    if whole_first is None or whole_last is None or whole_last < whole_first:
        return partial, None, None
    return partial, whole_first, whole_last


def rental_by_day(
    numbers: Iterable[HeldNumber],
    since: date,
    until: date,
    tz: ZoneInfo,
    default_price: Decimal = DEFAULT_NUMBER_MONTHLY_PRICE,
) -> dict[date, Decimal]:
    """Rental accrued each day of ``[since, until]`` by ``numbers`` (days with none left out).

    Linear in the numbers plus the days: whole days held are added as a
    range (a difference array), only the first and last partial days one by one.
    """
    span = (until - since).days + 1
    delta = [Decimal(0)] * (span + 1)
    partial: dict[date, Decimal] = {}
    start, end = day_bounds(since, tz)[0], day_bounds(until, tz)[1]
    for number in numbers:
        price = number.monthly_price if number.monthly_price is not None else default_price
        if number.provisioned_at <= start and (
            number.released_at is None or number.released_at >= end
        ):  # held the whole range: the common case, no day arithmetic
            delta[0] += price
            continue
        parts, first, last = _held_days(number, since, until, tz)
        for day, fraction in parts:
            partial[day] = partial.get(day, Decimal(0)) + price * fraction / _days_in_month(day)
        if first is not None and last is not None:
            delta[(first - since).days] += price
            delta[(last - since).days + 1] -= price
    found: dict[date, Decimal] = {}
    running = Decimal(0)
    for offset in range(span):
        running += delta[offset]
        day = since + timedelta(days=offset)
        amount = running / _days_in_month(day) + partial.get(day, Decimal(0))
        if amount:
            found[day] = amount
    return found


class _DayWeights:
    """Prefix sums of ``1 / days in month`` over a date range, for O(1) whole-day ranges."""

    def __init__(self, since: date, until: date) -> None:
        self.since = since
        self.prefix = [Decimal(0)]
        day = since
        while day <= until:
            self.prefix.append(self.prefix[-1] + Decimal(1) / _days_in_month(day))
            day += timedelta(days=1)

    def between(self, first: date, last: date) -> Decimal:
        return self.prefix[(last - self.since).days + 1] - self.prefix[(first - self.since).days]


def rental_total(
    numbers: Iterable[HeldNumber],
    since: date,
    until: date,
    tz: ZoneInfo,
    default_price: Decimal = DEFAULT_NUMBER_MONTHLY_PRICE,
) -> dict[str, Decimal]:
    """Rental each number accrued over ``[since, until]``, by ``number_id`` (none left out)."""
    weights = _DayWeights(since, until)
    whole_range = weights.between(since, until)
    start, end = day_bounds(since, tz)[0], day_bounds(until, tz)[1]
    found: dict[str, Decimal] = {}
    for number in numbers:
        price = number.monthly_price if number.monthly_price is not None else default_price
        if number.provisioned_at <= start and (
            number.released_at is None or number.released_at >= end
        ):  # held the whole range: the common case, no day arithmetic
            found[number.number_id] = price * whole_range
            continue
        parts, first, last = _held_days(number, since, until, tz)
        amount = sum(
            (price * fraction / _days_in_month(day) for day, fraction in parts), Decimal(0)
        )
        if first is not None and last is not None:
            amount += price * weights.between(first, last)
        if amount:
            found[number.number_id] = amount
    return found
