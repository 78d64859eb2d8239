"""Request and response bodies of the SMS routes (``/api/v1/sms``, ``/api/v1/admin/sms``).

Usage and analytics: money is a decimal string beside its ISO 4217 ``currency``.
Fields beyond API.md's (``undelivered``, ``delivery_rate``, ``rental_cost``) are additive.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from examples.litestar_app.core.schemas import _In, rfc3339
from pa_sms.records.base import PhoneNumber
from pa_sms.usage.reports import ReportLine, UsageReport

__all__ = [
    "AdminNumberOut",
    "AnalyticsLineOut",
    "AnalyticsOut",
    "CapabilitiesOut",
    "NumberOut",
    "NumbersOut",
    "ProvisionIn",
    "UsageDayOut",
    "UsageOut",
    "UsageTotalsOut",
]


class CapabilitiesOut(msgspec.Struct):
    """What a number can carry."""

    sms: bool
    mms: bool
    voice: bool


class NumberOut(msgspec.Struct):
    """A phone number of a user; ``created_at`` is when it was provisioned."""

    id: str
    phone_number: str
    status: str
    capabilities: CapabilitiesOut
    created_at: str | None

    @classmethod
    def of(cls, number: PhoneNumber) -> NumberOut:
        """The API's number object."""
        caps = number.capabilities
        return cls(
            id=number.id,
            phone_number=number.phone_number,
            status=number.status,
            capabilities=CapabilitiesOut(
                sms=bool(caps.get("sms")), mms=bool(caps.get("mms")), voice=bool(caps.get("voice"))
            ),
            created_at=rfc3339(number.provisioned_at),
        )


class AdminNumberOut(NumberOut):
    """The number object plus its owner, as the administrator's provisioning answers."""

    user_id: str | None = None

    @classmethod
    def of(cls, number: PhoneNumber) -> AdminNumberOut:
        """The number object with ``user_id``."""
        base = NumberOut.of(number)
        return cls(
            id=base.id,
            phone_number=base.phone_number,
            status=base.status,
            capabilities=base.capabilities,
            created_at=base.created_at,
            user_id=number.user_id,
        )


class NumbersOut(msgspec.Struct):
    """``GET /api/v1/sms/numbers``."""

    items: list[NumberOut]


class ProvisionIn(_In):
    """``POST /api/v1/admin/sms/numbers``."""

    user_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    country: Annotated[str, msgspec.Meta(pattern="^[A-Z]{2}$")] = "US"
    area_code: Annotated[str, msgspec.Meta(pattern="^[2-9][0-9]{2}$")] | None = None


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
