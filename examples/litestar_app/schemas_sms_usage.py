"""Response bodies of ``GET /api/v1/sms/usage`` and ``GET /api/v1/admin/sms/analytics``.

Money is a decimal string beside its ISO 4217 ``currency``. Fields beyond
API.md's (``undelivered``, ``delivery_rate``, ``rental_cost``) are additive.
"""

from __future__ import annotations

import msgspec

from pa_sms.usage.reports import ReportLine, UsageReport

__all__ = ["AnalyticsLineOut", "AnalyticsOut", "UsageDayOut", "UsageOut", "UsageTotalsOut"]


class AnalyticsLineOut(msgspec.Struct):
    """One key of an analytics report (``key`` is ``null`` in the totals)."""

    key: str | None
    messages_in: int
    messages_out: int
    segments_in: int
    segments_out: int
    delivered: int
    failed: int
    undelivered: int
    delivery_rate: float | None
    cost: str
    estimated_cost: str
    rental_cost: str
    currency: str

    @classmethod
    def of(cls, line: ReportLine, key: str | None) -> AnalyticsLineOut:
        """The API's line from the library's."""
        return cls(key, *line.row()[1:])


class AnalyticsOut(msgspec.Struct):
    """``GET /api/v1/admin/sms/analytics`` (JSON)."""

    group_by: str
    since: str
    until: str
    items: list[AnalyticsLineOut]
    totals: AnalyticsLineOut

    @classmethod
    def of(cls, report: UsageReport) -> AnalyticsOut:
        """The API's report."""
        return cls(
            group_by=report.group_by,
            since=report.since.isoformat(),
            until=report.until.isoformat(),
            items=[AnalyticsLineOut.of(item, item.key) for item in report.items],
            totals=AnalyticsLineOut.of(report.totals, None),
        )


class UsageTotalsOut(msgspec.Struct):
    """The caller's usage over the range; ``segments`` counts both directions."""

    messages_in: int
    messages_out: int
    segments: int
    cost: str
    estimated_cost: str
    rental_cost: str
    currency: str

    @staticmethod
    def values(line: ReportLine) -> dict[str, object]:
        """The fields of ``line`` as this struct names them."""
        full = line.as_dict()
        return {
            "messages_in": full["messages_in"],
            "messages_out": full["messages_out"],
            "segments": full["segments_in"] + full["segments_out"],
            "cost": full["cost"],
            "estimated_cost": full["estimated_cost"],
            "rental_cost": full["rental_cost"],
            "currency": full["currency"],
        }


class UsageDayOut(UsageTotalsOut):
    """The caller's usage of one day (reporting timezone)."""

    day: str = ""


class UsageOut(msgspec.Struct):
    """``GET /api/v1/sms/usage``: the caller's own usage, day by day."""

    since: str
    until: str
    items: list[UsageDayOut]
    totals: UsageTotalsOut

    @classmethod
    def of(cls, report: UsageReport) -> UsageOut:
        """The API's usage from a by-day report of one user."""
        return cls(
            since=report.since.isoformat(),
            until=report.until.isoformat(),
            items=[
                UsageDayOut(day=item.key, **UsageTotalsOut.values(item))  # type: ignore[arg-type]
                for item in report.items
            ],
            totals=UsageTotalsOut(**UsageTotalsOut.values(report.totals)),  # type: ignore[arg-type]
        )
