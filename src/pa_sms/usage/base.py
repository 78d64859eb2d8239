"""The usage log's rollups: daily counts and costs per user and per number, and their contract.

The raw log is the message log (:class:`~pa_sms.records.base.SmsRecord`, one row per
message with its segments, status, real price and estimate). From it the
:class:`UsageStore` keeps two daily rollups, days taken in the reporting
timezone:

- per user (``sms_usage_daily_user``: one row per day and user);
- per number (``sms_usage_daily_number``: one row per day and number).

Maintenance is incremental by a periodic job: :meth:`UsageStore.refresh`
recomputes, from the raw log, only the days holding a message logged or
changed (status, price) since the previous refresh, found through the log's
``updated_at``. A day is always recomputed whole, so a refresh is idempotent
and a rollup never drifts from the log; :meth:`UsageStore.rebuild` recomputes
every day and gives the same rows. A refresh rolls up the messages created
before it began. Reports are fresh: :meth:`UsageStore.totals` adds to the
rollups the messages created since the last refresh, summed from the raw log
(at most a refresh interval of them), so a message counts at once, never twice,
and a report's cost still grows with the days and keys asked for, not with the
raw log. A later change to a rolled-up message (status, price) lands at the
next refresh.

What one message adds to its day (:func:`pa_sms.usage.rollups.message_usage`):

- ``messages_in``/``segments_in`` or ``messages_out``/``segments_out``;
- outbound only: ``delivered`` (``delivered`` or ``read``), ``failed``
  (``failed``) or ``undelivered`` (``undelivered``);
- its cost: the real price when known (``cost_known``), else its estimate
  (``cost_estimated``; a message logged without one is estimated at the
  default price of its direction).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Protocol, runtime_checkable

from pa_sms.usage.pricing import HeldNumber

__all__ = [
    "GROUP_BY",
    "DailyNumberUsage",
    "DailyUserUsage",
    "GroupBy",
    "UsageCounts",
    "UsageStore",
    "UsageTotals",
]

GroupBy = Literal["user", "number", "day"]
GROUP_BY: tuple[GroupBy, ...] = ("user", "number", "day")
"""The ways a report can be grouped."""


@dataclass(frozen=True, slots=True)
class UsageCounts:
    """Counts and money (in micro-units) of a set of messages."""

    messages_in: int = 0
    messages_out: int = 0
    segments_in: int = 0
    segments_out: int = 0
    delivered: int = 0
    failed: int = 0
    undelivered: int = 0
    cost_known_micros: int = 0
    cost_estimated_micros: int = 0

    def __add__(self, other: UsageCounts) -> UsageCounts:
        return UsageCounts(
            self.messages_in + other.messages_in,
            self.messages_out + other.messages_out,
            self.segments_in + other.segments_in,
            self.segments_out + other.segments_out,
            self.delivered + other.delivered,
            self.failed + other.failed,
            self.undelivered + other.undelivered,
            self.cost_known_micros + other.cost_known_micros,
            self.cost_estimated_micros + other.cost_estimated_micros,
        )


@dataclass(frozen=True, slots=True)
class DailyUserUsage:
    """One row of the per-user daily rollup."""

    day: date
    user_id: str
    counts: UsageCounts
    currency: str


@dataclass(frozen=True, slots=True)
class DailyNumberUsage:
    """One row of the per-number daily rollup (``phone_number`` in E.164)."""

    day: date
    number_id: str
    phone_number: str
    user_id: str | None
    counts: UsageCounts
    currency: str


@dataclass(frozen=True, slots=True)
class UsageTotals:
    """The rollups summed over a period for one key: a user id, an E.164 number or a date."""

    key: str
    counts: UsageCounts


@runtime_checkable
class UsageStore(Protocol):
    """Keeps the daily rollups of the message log and answers grouped sums over them.

    Days are those of the store's reporting timezone. Backends raise
    :class:`pa_core.errors.ServiceUnavailable` when unreachable.
    """

    async def refresh(self) -> int:
        """Recompute the days whose messages changed since the last refresh; return how many.

        The first refresh (or one after the reporting timezone changed)
        rebuilds everything. Idempotent; safe to run from several processes.
        """
        ...

    async def rebuild(self) -> int:
        """Drop every rollup row and recompute every day from the raw log; return the days."""
        ...

    async def totals(
        self, group_by: GroupBy, since: date, until: date, *, user_id: str | None = None
    ) -> list[UsageTotals]:
        """Usage summed per ``group_by`` key over ``[since, until]``, sorted by key.

        Fresh: the rollups plus the messages created since the last refresh
        began, from the log (everything from the log before the first refresh).
        ``user_id`` limits the sums to one user's messages.
        """
        ...

    async def held_numbers(
        self, start: datetime, end: datetime, *, user_id: str | None = None
    ) -> list[HeldNumber]:
        """Numbers held at some time in ``[start, end)`` (of ``user_id`` only, if given)."""
        ...

    async def segments_sent(self, user_id: str, since: datetime) -> int:
        """Outbound segments ``user_id`` sent since ``since``, read from the raw log (exact)."""
        ...

    async def claim_quota_notice(self, user_id: str, month: date, at: datetime) -> bool:
        """Record that ``user_id`` is told about ``month``'s quota; ``False`` if already told."""
        ...

    async def forget_quota_notice(self, user_id: str, month: date) -> None:
        """Undo :meth:`claim_quota_notice` (the notice could not be sent)."""
        ...

    async def snapshot(self) -> tuple[list[DailyUserUsage], list[DailyNumberUsage]]:
        """Every rollup row, sorted (to compare a rebuild with the incremental rows)."""
        ...
