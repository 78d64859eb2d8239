"""What each logged message adds to the daily rollups, and sums of counts.

See :mod:`pa_sms.usage.base` for what a message counts as.
"""

from __future__ import annotations

from collections.abc import Iterable

from pa_sms.records.base import SmsRecord
from pa_sms.usage.base import UsageCounts
from pa_sms.usage.pricing import SegmentPricing, to_micros

__all__ = ["DELIVERED_STATUSES", "message_usage", "sum_counts"]

DELIVERED_STATUSES = frozenset({"delivered", "read"})
"""Outbound statuses counted as delivered (``read`` follows ``delivered``)."""


def message_usage(record: SmsRecord, pricing: SegmentPricing) -> UsageCounts:
    """What one logged message adds to its day's rollups (see the module docstring)."""
    inbound = record.direction == "inbound"
    if record.price is not None:
        known, estimated = to_micros(record.price), 0
    elif record.estimated_cost is not None:
        known, estimated = 0, to_micros(record.estimated_cost)
    else:
        known = 0
        estimated = to_micros(pricing.default_for(record.direction)) * record.segments
    return UsageCounts(
        messages_in=int(inbound),
        messages_out=int(not inbound),
        segments_in=record.segments if inbound else 0,
        segments_out=0 if inbound else record.segments,
        delivered=int(not inbound and record.status in DELIVERED_STATUSES),
        failed=int(not inbound and record.status == "failed"),
        undelivered=int(not inbound and record.status == "undelivered"),
        cost_known_micros=known,
        cost_estimated_micros=estimated,
    )


def sum_counts(items: Iterable[UsageCounts]) -> UsageCounts:
    """The sum of ``items``."""
    columns = list(zip(*(_values(item) for item in items), strict=True))
    return UsageCounts(*(sum(column) for column in columns)) if columns else UsageCounts()


def _values(counts: UsageCounts) -> tuple[int, ...]:
    return (
        counts.messages_in,
        counts.messages_out,
        counts.segments_in,
        counts.segments_out,
        counts.delivered,
        counts.failed,
        counts.undelivered,
        counts.cost_known_micros,
        counts.cost_estimated_micros,
    )
