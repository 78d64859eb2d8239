"""Usage: the daily rollups of the message log, their reports, monthly quotas and prices.

:class:`UsageStore` is the contract (:mod:`pa_sms.usage.base`),
:class:`MemoryUsageStore` the embedded default and test double; the SQLAlchemy
store lives in :mod:`pa_sms.usage.sqlalchemy` and its tables in
:mod:`pa_sms.usage.models` (not imported here). Reports are in
:mod:`pa_sms.usage.reports`, quotas in :mod:`pa_sms.usage.quotas` and prices in
:mod:`pa_sms.usage.pricing`.
"""

from pa_sms.usage.base import (
    GROUP_BY,
    DailyNumberUsage,
    DailyUserUsage,
    GroupBy,
    UsageCounts,
    UsageStore,
    UsageTotals,
)
from pa_sms.usage.memory import MemoryUsageStore
from pa_sms.usage.pricing import HeldNumber, SegmentPricing
from pa_sms.usage.quotas import PermissionQuotaPolicy, QuotaGuard, QuotaPolicy
from pa_sms.usage.reports import UsageAnalytics, UsageReport

__all__ = [
    "GROUP_BY",
    "DailyNumberUsage",
    "DailyUserUsage",
    "GroupBy",
    "HeldNumber",
    "MemoryUsageStore",
    "PermissionQuotaPolicy",
    "QuotaGuard",
    "QuotaPolicy",
    "SegmentPricing",
    "UsageAnalytics",
    "UsageCounts",
    "UsageReport",
    "UsageStore",
    "UsageTotals",
]
